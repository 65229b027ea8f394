package azure

import (
	"errors"
	"github.com/tally-cost/tally/internal/testfiles"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// testdataDir is <module root>/../shared/testdata, found by walking up
// from the test's working directory to the directory holding go.mod.
func testdataDir(t testing.TB) string {
	t.Helper()
	return testfiles.Shared(t)
}

// readItems reads a whole file through NewCSV, NewMapper and Map.
func readItems(t testing.TB, path string, kind Kind) []cost.LineItem {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := tabular.NewCSV(filepath.Base(path), f)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	m, err := NewMapper(rd.Header(), kind)
	if err != nil {
		t.Fatalf("%s: NewMapper: %v", path, err)
	}
	var items []cost.LineItem
	var li cost.LineItem
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return items
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		li.Reset()
		if err := m.Map(row, &li); err != nil {
			t.Fatalf("%s: Map: %v", path, err)
		}
		c := li
		c.Tags = make(map[string]string, len(li.Tags))
		for k, v := range li.Tags {
			c.Tags[k] = v
		}
		items = append(items, c)
	}
}

// mapRow maps one hand-made row.
func mapRow(t testing.TB, header, values []string, kind Kind) (cost.LineItem, error) {
	t.Helper()
	m, err := NewMapper(header, kind)
	if err != nil {
		t.Fatalf("NewMapper(%q): %v", header, err)
	}
	var li cost.LineItem
	err = m.Map(&tabular.Row{File: "bill.csv", Line: 2, Values: values}, &li)
	return li, err
}

// mustMap is mapRow for rows that must map.
func mustMap(t testing.TB, header, values []string, kind Kind) cost.LineItem {
	t.Helper()
	li, err := mapRow(t, header, values, kind)
	if err != nil {
		t.Fatalf("Map(%q): %v", values, err)
	}
	return li
}
