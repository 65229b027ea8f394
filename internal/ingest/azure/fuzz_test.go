package azure

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// FuzzMap feeds arbitrary rows to the mapper of every test file's header
// (plus the MCA and MPA layouts): Map must never panic, must either fail
// with a ParseError or produce a one-day item whose amounts all fit the
// store. The seed corpus is every data row of the test files.
func FuzzMap(f *testing.F) {
	dir := filepath.Join(testdataDir(f), "azure")
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no test files: %v", err)
	}
	headers := [][]string{mcaHeader, append(append([]string(nil), mcaHeader...), "partnerName", "partnerEarnedCreditApplied", "partnerEarnedCreditRate", "tags", "additionalInfo", "meterCategory")}
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		if err != nil {
			f.Fatal(err)
		}
		recs[0][0] = strings.TrimPrefix(recs[0][0], "\ufeff")
		headers = append(headers, recs[0])
		for _, rec := range recs[1:] {
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			if err := w.Write(rec); err != nil {
				f.Fatal(err)
			}
			w.Flush()
			f.Add(uint8(len(headers)-1), uint8(KindFromName(path)), b.String())
		}
	}
	f.Add(uint8(0), uint8(KindActual), "acct,n,P,pn,s,09/21/2023,Refund,Reservation,EUR,USD,-4.5,-5,,,0.9,3,2,2.5,/x,l,rl")
	f.Add(uint8(1), uint8(KindAmortized), `a,n,P,pn,s,2023-09-21,Usage,SavingsPlan,USD,USD,1e-20,1,1,1,1,1e10,1e10,1e10,/s/r/g/p/v,l,rl,P,True,0.1,"""k"": 1","{""VMName"":""a_1""}",Virtual Machines`)
	f.Add(uint8(1), uint8(KindAmortized), `a,n,P,pn,s,2023-09-21,Usage,SavingsPlan,EUR,USD,0.1234567890123456789012,1,1,1,0.987654321,3.33333333333,0.1111111111111,1,/s/r/g/p/v,l,rl,P,True,0.15,"""k"": 1","{""VMName"":""a_1""}",Virtual Machines`)

	f.Fuzz(func(t *testing.T, layout, kind uint8, line string) {
		header := headers[int(layout)%len(headers)]
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil {
			return
		}
		values := make([]string, len(header))
		copy(values, rec)
		m, err := NewMapper(header, Kind(kind%3))
		if err != nil {
			t.Fatal(err)
		}
		var li cost.LineItem
		err = m.Map(&tabular.Row{File: "fuzz.csv", Line: 2, Values: values}, &li)
		if err != nil {
			var pe *tabular.ParseError
			if !errors.As(err, &pe) || pe.Column == "" {
				t.Fatalf("error %v is not a ParseError naming a column", err)
			}
			return
		}
		if li.ChargePeriodEnd.Sub(li.ChargePeriodStart) != 24*time.Hour {
			t.Fatalf("charge period %v – %v", li.ChargePeriodStart, li.ChargePeriodEnd)
		}
		for i := range li.Cost {
			if err := cost.CheckStorable(li.Cost[i]); err != nil {
				t.Fatalf("Cost[%v] = %v: %v", cost.Metric(i), li.Cost[i], err)
			}
			if li.USD[i].Valid {
				if err := cost.CheckStorable(li.USD[i].Decimal); err != nil {
					t.Fatalf("USD[%v] = %v: %v", cost.Metric(i), li.USD[i], err)
				}
			}
		}
		if li.ChargeCategory == "" || li.ProviderName != "Microsoft" {
			t.Fatalf("ChargeCategory %q, ProviderName %q", li.ChargeCategory, li.ProviderName)
		}
	})
}

// FuzzResolveFiles reads arbitrary manifest text: ResolveFiles must not
// panic, and every path it returns must be a file of the file system.
func FuzzResolveFiles(f *testing.F) {
	const run = "e/20240101-20240131/run"
	f.Add(manifest2024("2024-01-02T00:00:00Z", run+"/part_0.csv").Data)
	f.Add(manifest2021(run+"/part_0.csv", "part_0.csv").Data)
	f.Add([]byte(`{"blobs": [{"blobName": "/e/../run/part_0.csv"}]}`))
	f.Add([]byte(`{"runInfo": null, "blobs": null}`))
	f.Fuzz(func(t *testing.T, manifest []byte) {
		fsys := fstest.MapFS{
			run + "/manifest.json": &fstest.MapFile{Data: manifest},
			run + "/part_0.csv":    data(),
		}
		files, err := ResolveFiles(fsys, ".")
		if err != nil {
			return
		}
		for _, p := range files {
			if _, ok := fsys[p]; !ok {
				t.Fatalf("ResolveFiles returned %q, not a file of the file system", p)
			}
		}
	})
}
