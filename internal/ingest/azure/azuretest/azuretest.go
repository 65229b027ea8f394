// Package azuretest reads the real Azure exports of ../shared/testdata
// through the Azure reader, for tests of the dialects that show them.
package azuretest

import (
	"errors"
	"io"
	"os"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/azure"
	"github.com/tally-cost/tally/internal/ingest/tabular"
	"github.com/tally-cost/tally/internal/testfiles"
)

// Read returns the line items of the shared Azure export name, as the
// Azure reader maps them.
func Read(t *testing.T, name string) []*cost.LineItem {
	t.Helper()
	f, err := os.Open(testfiles.Shared(t, "azure", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := tabular.NewCSV(name, f)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	m, err := azure.NewMapper(rd.Header(), azure.KindFromName(name))
	if err != nil {
		t.Fatal(err)
	}
	var items []*cost.LineItem
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return items
		}
		if err != nil {
			t.Fatal(err)
		}
		li := new(cost.LineItem)
		if err := m.Map(row, li); err != nil {
			t.Fatal(err)
		}
		items = append(items, li)
	}
}
