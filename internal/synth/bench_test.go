package synth

import (
	"io"
	"testing"
)

// benchWrite reports the write speed of one provider: 20,000 rows per
// operation to io.Discard.
func benchWrite(b *testing.B, provider, format string) {
	opt := Options{Provider: provider, Format: format, Rows: 20_000, Days: 30, Start: testStart, Seed: 1}
	st, err := Write(io.Discard, opt)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Bytes)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Write(io.Discard, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(opt.Rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkWriteAWS(b *testing.B)      { benchWrite(b, "aws", "") }
func BenchmarkWriteAzure(b *testing.B)    { benchWrite(b, "azure", "") }
func BenchmarkWriteGCP(b *testing.B)      { benchWrite(b, "gcp", "") }
func BenchmarkWriteGCPJSONL(b *testing.B) { benchWrite(b, "gcp", "jsonl") }
func BenchmarkWriteFOCUS(b *testing.B)    { benchWrite(b, "focus", "") }
