package ingest

// Progress receives the advance of an import. The CLI draws a bar from it
// on a terminal; Run calls it from one goroutine.
type Progress interface {
	// Begin is called once with the total bytes of all input files.
	Begin(totalBytes int64)
	// Advance reports rows read and input bytes consumed so far.
	Advance(rows, bytes int64)
	// End is called once when reading stops.
	End()
}

type noProgress struct{}

func (noProgress) Begin(int64)          {}
func (noProgress) Advance(int64, int64) {}
func (noProgress) End()                 {}
