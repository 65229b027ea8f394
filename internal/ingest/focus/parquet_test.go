package focus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// The FOCUS decimal columns of the sample, written as DECIMAL(38, 15)
// (the sample has at most 15 fractional digits), and its date columns,
// written as TIMESTAMP(MILLIS) as the native exports do.
var (
	parquetDecimals = map[string]bool{"BilledCost": true, "ContractedCost": true, "ContractedUnitPrice": true,
		"EffectiveCost": true, "ListCost": true, "ListUnitPrice": true, "PricingQuantity": true, "ConsumedQuantity": true}
	parquetTimes = map[string]bool{"BillingPeriodStart": true, "BillingPeriodEnd": true,
		"ChargePeriodStart": true, "ChargePeriodEnd": true}
)

const parquetScale = 15

// sampleParquet writes the first n rows of the sample as a FOCUS Parquet
// file with typed columns: decimals, timestamps, Tags as MAP<string,string>
// and NULL as null.
func sampleParquet(t *testing.T, n int) []byte {
	t.Helper()
	col, recs := rawSample(t)
	header := make([]string, len(col))
	for name, i := range col {
		header[i] = name
	}
	fields := make([]reflect.StructField, len(header))
	for i, h := range header {
		f := reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[*string](),
			Tag: reflect.StructTag(fmt.Sprintf(`parquet:"%s,optional"`, h))}
		switch {
		case parquetDecimals[h]:
			f.Type = reflect.TypeFor[*[16]byte]()
			f.Tag = reflect.StructTag(fmt.Sprintf(`parquet:"%s,optional,decimal(%d:38)"`, h, parquetScale))
		case parquetTimes[h]:
			f.Type = reflect.TypeFor[*time.Time]()
			f.Tag = reflect.StructTag(fmt.Sprintf(`parquet:"%s,optional,timestamp(millisecond)"`, h))
		case h == "Tags":
			f.Type = reflect.TypeFor[map[string]string]()
		}
		fields[i] = f
	}
	typ := reflect.StructOf(fields)
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, parquet.SchemaOf(reflect.New(typ).Elem().Interface()), parquet.MaxRowsPerRowGroup(128))
	for _, rec := range recs[:n] {
		v := reflect.New(typ).Elem()
		for i, h := range header {
			s := rec[i]
			if s == "NULL" {
				continue
			}
			fv := v.Field(i)
			switch {
			case parquetDecimals[h]:
				fv.Set(reflect.ValueOf(decimal16(t, s)))
			case parquetTimes[h]:
				tm, err := time.Parse("2006-01-02 15:04:05", s)
				if err != nil {
					t.Fatalf("%s %q: %v", h, s, err)
				}
				fv.Set(reflect.ValueOf(&tm))
			case h == "Tags":
				var m map[string]string
				if err := json.Unmarshal([]byte(s), &m); err != nil {
					t.Fatalf("Tags %q: %v", s, err)
				}
				fv.Set(reflect.ValueOf(m))
			default:
				fv.Set(reflect.ValueOf(&s))
			}
		}
		if err := w.Write(v.Interface()); err != nil {
			t.Fatalf("writing parquet: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decimal16 encodes s as the unscaled two's complement value of a
// DECIMAL(38, parquetScale) column.
func decimal16(t *testing.T, s string) *[16]byte {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad decimal %q", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(parquetScale), nil)))
	if !r.IsInt() {
		t.Fatalf("%s has more than %d fractional digits", s, parquetScale)
	}
	u := new(big.Int).Set(r.Num())
	if u.Sign() < 0 {
		u.Add(u, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	var b [16]byte
	u.FillBytes(b[:])
	return &b
}

// canonical makes items from different files comparable: the same
// decimal value written with different trailing zeros (0.00000080000 in
// CSV, 0.000000800000000 from DECIMAL(38,15)) compares equal.
func canonical(li cost.LineItem) cost.LineItem {
	d := func(x decimal.Decimal) decimal.Decimal { return decimal.RequireFromString(x.String()) }
	nd := func(x decimal.NullDecimal) decimal.NullDecimal {
		if x.Valid {
			x.Decimal = d(x.Decimal)
		}
		return x
	}
	for i := range li.Cost {
		li.Cost[i], li.USD[i] = d(li.Cost[i]), nd(li.USD[i])
	}
	li.PricingQuantity, li.ConsumedQuantity = nd(li.PricingQuantity), nd(li.ConsumedQuantity)
	li.UnitPrice, li.ListUnitPrice = nd(li.UnitPrice), nd(li.ListUnitPrice)
	if len(li.Tags) == 0 {
		li.Tags = nil
	}
	return li
}

// TestParquetMatchesCSV reads the sample as Parquet through
// tabular.ParquetReader and the FOCUS mapper and gets the very line items
// the CSV gives.
func TestParquetMatchesCSV(t *testing.T) {
	const n = 1000 // every row: AWS, Microsoft and Oracle, several row groups
	data := sampleParquet(t, n)
	r, err := tabular.NewParquet("focus_sample.parquet", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	fromParquet := readItems(t, r)
	fromCSV := readSampleCSV(t)[:n]
	if len(fromParquet) != n {
		t.Fatalf("parquet gave %d items, want %d", len(fromParquet), n)
	}
	for i := range fromCSV {
		c, p := canonical(fromCSV[i]), canonical(fromParquet[i])
		if !reflect.DeepEqual(c, p) {
			t.Fatalf("row %d differs:\ncsv     %+v\nparquet %+v", i+1, c, p)
		}
	}
}
