package focus

import (
	"bufio"
	"encoding/csv"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// FuzzMap feeds the mapper rows of the sample's header: a CSV line of
// cells. Whatever the cells hold, Map must not panic, and a failure must
// be a ParseError naming the file, line and column.
func FuzzMap(f *testing.F) {
	file, err := os.Open(testdata(f, samplePath))
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var header []string
	for i := 0; sc.Scan() && i < 40; i++ {
		if i == 0 {
			rec, err := csv.NewReader(strings.NewReader(sc.Text())).Read()
			if err != nil {
				f.Fatal(err)
			}
			header = rec
			continue
		}
		f.Add(sc.Text())
	}
	file.Close()
	f.Add(strings.Repeat("NULL,", len(header)-1) + "NULL")
	m, err := NewMapper(header)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil || len(rec) != len(header) {
			return
		}
		var li cost.LineItem
		err = m.Map(&tabular.Row{File: "fuzz.csv", Line: 2, Values: rec}, &li)
		if err == nil {
			return
		}
		var pe *tabular.ParseError
		if !errors.As(err, &pe) || pe.File != "fuzz.csv" || pe.Line != 2 || pe.Column == "" {
			t.Fatalf("error %v is not a ParseError naming file, line and column", err)
		}
	})
}
