package rates

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
)

var ctx = context.Background()

func month(s string) time.Time {
	m, err := ParseMonth(s)
	if err != nil {
		panic(err)
	}
	return m
}

func TestParseMonth(t *testing.T) {
	for s, ok := range map[string]bool{
		"2026-03": true, "1999-12": true,
		"2026-3": false, "2026-13": false, "2026-03-01": false, "": false, "March": false, "0001-01": false, " 2026-03": false,
	} {
		m, err := ParseMonth(s)
		if (err == nil) != ok {
			t.Errorf("ParseMonth(%q) = %v, %v; want ok %v", s, m, err, ok)
		}
		if err != nil && (!errors.Is(err, cost.ErrInvalid) || !strings.Contains(err.Error(), "month")) {
			t.Errorf("ParseMonth(%q): %v does not name the month as invalid", s, err)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		body string
		want string // Describe of the rates, or the error's text
	}{
		{`{"EUR": "1.0825", "NOK": 0.0921}`, "EUR=1.0825 NOK=0.0921"},
		{`{"JPY": "0.006700000000"}`, "JPY=0.0067"},
		{`{}`, "rates: invalid: no currency given"},
		{`{"EUR": 0}`, "rates.EUR: invalid: exchange rate 0 of EUR is not positive"},
		{`{"EUR": "-1.2"}`, "rates.EUR: invalid: exchange rate -1.2 of EUR is not positive"},
		{`{"EUR": "one"}`, `rates.EUR: invalid: "one" is not a decimal number`},
		{`{"EUR": "1e3"}`, `rates.EUR: invalid: "1e3" is not a decimal number`},
		{`{"EUR": true}`, `rates.EUR: invalid: "true" is not a decimal number`},
		{`{"EUR": null}`, `rates.EUR: invalid: "null" is not a decimal number`},
		{`{"EUR": "0.0000000000001"}`, "rates.EUR: invalid: exchange rate 0.0000000000001 of EUR has more than 12 fractional digits"},
		{`{"eur": 1}`, `rates.eur: invalid: currency "eur" is not a three-letter code in capitals (ISO 4217)`},
		{`{"USD": 1}`, "rates.USD: invalid: currency USD needs no exchange rate"},
	} {
		var values map[string]json.RawMessage
		if err := json.Unmarshal([]byte(c.body), &values); err != nil {
			t.Fatal(err)
		}
		rs, err := Parse(month("2026-03"), values)
		got := Describe(rs)
		if err != nil {
			got = err.Error()
			if !errors.Is(err, cost.ErrInvalid) {
				t.Errorf("%s: %v is not ErrInvalid", c.body, err)
			}
		}
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.body, got, c.want)
		}
		for _, r := range rs {
			if !r.Month.Equal(month("2026-03")) {
				t.Errorf("%s: month %s", c.body, r.Month)
			}
		}
	}
}

func TestConfig(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{``, ""},
		{`null`, ""},
		{`{"2026-03": {"EUR": "1.08"}, "2026-02": {"EUR": 1.07, "NOK": "0.09"}}`, "2026-02 EUR=1.07 NOK=0.09; 2026-03 EUR=1.08"},
		{`{"2026-3": {"EUR": "1.08"}}`, `exchangeRates.2026-3: invalid: month "2026-3" is not a month as YYYY-MM`},
		{`{"2026-03": {"EUR": "-1"}}`, "exchangeRates.2026-03.EUR: invalid: exchange rate -1 of EUR is not positive"},
		{`{"2026-03": {}}`, "exchangeRates.2026-03: invalid: no currency given"},
		{`["EUR"]`, "exchangeRates: invalid: want an object"},
	} {
		rs, err := Config(json.RawMessage(c.body))
		var parts []string
		for len(rs) > 0 {
			m := rs[0].Month
			n := 0
			for n < len(rs) && rs[n].Month.Equal(m) {
				n++
			}
			parts = append(parts, m.Format("2006-01")+" "+Describe(rs[:n]))
			rs = rs[n:]
		}
		got := strings.Join(parts, "; ")
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, c.want) || (c.want == "" && got != "") {
			t.Errorf("%s: %s, want %s", c.body, got, c.want)
		}
	}
}

// docs is an in-memory document store.
type docs map[string]map[string][]byte

func (d docs) Documents(_ context.Context, kind string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for k, v := range d[kind] {
		out[k] = v
	}
	return out, nil
}

func (d docs) PutDocument(ctx context.Context, kind, name string, body []byte) error {
	return d.PutDocuments(ctx, kind, map[string][]byte{name: body})
}

func (d docs) PutDocuments(_ context.Context, kind string, bodies map[string][]byte) error {
	if d[kind] == nil {
		d[kind] = map[string][]byte{}
	}
	for k, v := range bodies {
		d[kind][k] = v
	}
	return nil
}

func (d docs) DeleteDocument(_ context.Context, kind, name string) error {
	delete(d[kind], name)
	return nil
}

var _ store.DocStore = docs{}

// TestBook: the API's rate of a currency and month wins over the file's;
// the file's others stay; deleting a month removes the API's rates only;
// For picks the months a window overlaps.
func TestBook(t *testing.T) {
	rate := func(m, cur, v string) cost.Rate {
		return cost.Rate{Month: month(m), Currency: cur, USD: decimal.RequireFromString(v)}
	}
	b := New(docs{}, []cost.Rate{rate("2026-02", "EUR", "1.07"), rate("2026-03", "EUR", "1.08"), rate("2026-03", "NOK", "0.09")})
	list := func() string {
		t.Helper()
		es, err := b.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, e := range es {
			parts = append(parts, e.Month.Format("2006-01")+" "+e.Currency+"="+e.USD.String()+" "+e.Source)
		}
		return strings.Join(parts, ", ")
	}
	if got, want := list(), "2026-02 EUR=1.07 config, 2026-03 EUR=1.08 config, 2026-03 NOK=0.09 config"; got != want {
		t.Fatalf("config only: %s, want %s", got, want)
	}
	if err := b.Set(ctx, month("2026-03"), []cost.Rate{rate("2026-03", "EUR", "1.1"), rate("2026-03", "GBP", "1.25")}); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), "2026-02 EUR=1.07 config, 2026-03 EUR=1.1 api, 2026-03 GBP=1.25 api, 2026-03 NOK=0.09 config"; got != want {
		t.Fatalf("after Set: %s, want %s", got, want)
	}
	rs, err := b.For(ctx, cost.Window{Start: month("2026-03").Add(time.Hour), End: month("2026-03").AddDate(0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Describe(rs), "EUR=1.1 GBP=1.25 NOK=0.09"; got != want {
		t.Errorf("For March: %s, want %s", got, want)
	}
	if rs, _ := b.For(ctx, cost.Window{Start: month("2026-04"), End: month("2026-05")}); len(rs) != 0 {
		t.Errorf("For April: %v, want none", rs)
	}
	if err := b.Set(ctx, month("2026-03"), []cost.Rate{rate("2026-04", "EUR", "1.1")}); !errors.Is(err, cost.ErrInvalid) {
		t.Errorf("a rate of another month: %v", err)
	}
	if err := b.Delete(ctx, month("2026-03")); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), "2026-02 EUR=1.07 config, 2026-03 EUR=1.08 config, 2026-03 NOK=0.09 config"; got != want {
		t.Fatalf("after Delete: %s, want %s", got, want)
	}
	if err := b.Delete(ctx, month("2026-03")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting again: %v, want not found", err)
	}
}
