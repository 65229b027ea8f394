package aws

import (
	"encoding/csv"
	"errors"
	"github.com/tally-cost/tally/internal/testfiles"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// testdataDir returns <module root>/../shared/testdata, found by walking up
// from the test's working directory to the directory holding go.mod.
func testdataDir(t testing.TB) string {
	t.Helper()
	return testfiles.Shared(t)
}

// groupKey is (usage account, product code, usage day).
type groupKey struct{ account, product, day string }

// rawBilledTotals is the independent expectation: Σ of the raw unblended
// cost column per (usage account, product code, usage day), read with
// encoding/csv and summed as math/big.Rat from the cell text. The day is
// the first ten characters of the raw usage start date (every spelling in
// the files starts with YYYY-MM-DD and is UTC). It never calls the code
// under test.
func rawBilledTotals(t *testing.T, r io.Reader) (map[groupKey]*big.Rat, int) {
	t.Helper()
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // cur-legacy-slash-columns.csv: rows are one field short of the header
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	find := func(names ...string) int {
		for i, h := range header {
			for _, n := range names {
				if strings.EqualFold(strings.TrimPrefix(h, "\ufeff"), n) {
					return i
				}
			}
		}
		t.Fatalf("raw header has none of %v", names)
		return -1
	}
	acct := find("lineItem/UsageAccountId", "line_item_usage_account_id")
	prod := find("lineItem/ProductCode", "line_item_product_code")
	start := find("lineItem/UsageStartDate", "line_item_usage_start_date")
	unbl := find("lineItem/UnblendedCost", "line_item_unblended_cost")
	out := map[groupKey]*big.Rat{}
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		cell := func(i int) string {
			if i < len(rec) {
				return rec[i]
			}
			return ""
		}
		day := cell(start)
		if len(day) < 10 {
			t.Fatalf("raw usage start %q is not a date", day)
		}
		k := groupKey{cell(acct), cell(prod), day[:10]}
		v := new(big.Rat)
		if s := strings.TrimSpace(cell(unbl)); s != "" {
			if _, ok := v.SetString(s); !ok {
				t.Fatalf("raw cost %q is not a number", s)
			}
		}
		if out[k] == nil {
			out[k] = new(big.Rat)
		}
		out[k].Add(out[k], v)
	}
	return out, rows
}

// mapAll maps every row of rd and returns the billed totals per group, the
// row count and the items' Σ of each metric.
func mapAll(t *testing.T, rd tabular.Reader) (map[groupKey]*big.Rat, int, [cost.NumMetrics]*big.Rat, []cost.LineItem) {
	t.Helper()
	m, err := NewMapper(rd.Header())
	if err != nil {
		t.Fatal(err)
	}
	got := map[groupKey]*big.Rat{}
	var sums [cost.NumMetrics]*big.Rat
	for i := range sums {
		sums[i] = new(big.Rat)
	}
	var items []cost.LineItem
	var li cost.LineItem
	rows := 0
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		li.Reset()
		if err := m.Map(r, &li); err != nil {
			t.Fatalf("Map: %v", err)
		}
		rows++
		k := groupKey{li.SubAccountID, li.ServiceName, li.ChargePeriodStart.Format("2006-01-02")}
		if got[k] == nil {
			got[k] = new(big.Rat)
		}
		got[k].Add(got[k], li.Cost[cost.Billed].Rat())
		for i := range sums {
			sums[i].Add(sums[i], li.Cost[i].Rat())
		}
		if len(items) < 50 {
			c := li
			c.Tags = nil
			for k, v := range li.Tags {
				c.SetTag(k, v)
			}
			items = append(items, c)
		}
	}
	return got, rows, sums, items
}

// compareTotals fails unless got and want have the same groups and equal
// sums to the last digit.
func compareTotals(t *testing.T, got, want map[groupKey]*big.Rat) {
	t.Helper()
	var keys []groupKey
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if want[k] == nil {
			t.Errorf("unexpected group %+v = %s", k, got[k].FloatString(30))
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.account+a.product+a.day < b.account+b.product+b.day
	})
	for _, k := range keys {
		switch {
		case got[k] == nil:
			t.Errorf("group %+v missing, want %s", k, want[k].FloatString(30))
		case got[k].Cmp(want[k]) != 0:
			t.Errorf("group %+v: billed = %s, want %s", k, got[k].FloatString(30), want[k].FloatString(30))
		}
	}
	if len(want) == 0 {
		t.Error("no groups: the test read nothing")
	}
}

// openSample returns a reader of a sample CSV: tabular.NewCSV, unless that
// rejects the file for rows shorter than the header (the legacy sample
// cur-legacy-slash-columns.csv has a 131-column header and 130-field rows,
// as a CUR whose last column was added to the header only). Then the rows
// are read with shortRowCSV, which keeps them short: the mapper reads a
// missing trailing cell as empty through Row.Get.
func openSample(t *testing.T, file string) tabular.Reader {
	t.Helper()
	open := func() *tabular.CSVReader {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := tabular.NewCSV(filepath.Base(file), f)
		if err != nil {
			t.Fatal(err)
		}
		return rd
	}
	probe := open()
	defer probe.Close()
	for {
		_, err := probe.Next()
		if errors.Is(err, io.EOF) {
			return open()
		}
		if err != nil {
			if !strings.Contains(err.Error(), "fields, header has") {
				t.Fatal(err)
			}
			t.Logf("tabular.NewCSV rejects the sample (%v); reading its short rows as they are", err)
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			cr := csv.NewReader(f)
			cr.FieldsPerRecord = -1
			header, err := cr.Read()
			if err != nil {
				t.Fatal(err)
			}
			return &shortRowCSV{cr: cr, f: f, header: header, row: tabular.Row{File: filepath.Base(file)}}
		}
	}
}

// shortRowCSV is a tabular.Reader that accepts rows of any length.
type shortRowCSV struct {
	cr     *csv.Reader
	f      io.Closer
	header []string
	row    tabular.Row
}

func (s *shortRowCSV) Header() []string { return s.header }
func (s *shortRowCSV) Close() error     { return s.f.Close() }
func (s *shortRowCSV) Next() (*tabular.Row, error) {
	rec, err := s.cr.Read()
	if err != nil {
		return nil, err
	}
	line, _ := s.cr.FieldPos(0)
	s.row.Line, s.row.Values = int64(line), rec
	return &s.row, nil
}
