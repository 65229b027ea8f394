package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// nasty are texts that a CSV round trip could break: separators, quotes,
// line ends, escapes, blanks a reader might trim, words a reader might
// take for NULL, non-ASCII text, a NUL byte and bytes that are not UTF-8.
var nasty = []string{
	`a,b`, `say "hi"`, `"`, `""`, "line\nbreak", "cr\rlf\r\n", `back\slash\`, `\N`, `NULL`, "null",
	" lead", "trail ", "\ttab\t", " ", "ü€😀 日本", "nul\x00byte", "bad\xff\xfeutf8", "{\"json\": [1]}", "=1+2", "#comment",
	strings.Repeat("long,\"", 5000), strings.Repeat("x", 3<<20),
}

// valid is what the store keeps of s: bytes that are not UTF-8 become
// U+FFFD (DuckDB accepts only UTF-8 text).
func valid(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// TestSpoolRoundTrip loads rows with nasty texts, tags and amounts over
// several spool files and reads every value back.
func TestSpoolRoundTrip(t *testing.T) {
	defer func(n int) { chunkRows = n }(chunkRows)
	chunkRows = 4 // several files and a partial last one
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, filepath.Join(dir, "t.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	amounts := []string{"0", "1", "-0.000000000000000000000001", "99999999999999.999999999999999999999999",
		"-12345678901234.5", "999999.999999999999", "1000000.000000000001", "0.1234567890123", "12e3",
		"0.30000000000000000000000000000", "-7"}
	at := time.Date(2024, 3, 1, 12, 30, 45, 123456000, time.FixedZone("CET", 3600))
	var items []*cost.LineItem
	for i, s := range nasty {
		li := storetest.Item("a1", "AmazonEC2", storetest.Day(3, 1+i%28), "1")
		li.InvoiceID = fmt.Sprint("inv-", i)
		li.ChargeDescription, li.ResourceName, li.SkuID = s, s+s, "x"+s
		li.ServiceName = s
		li.ProviderName = "" // empty, not absent
		li.Tags = map[string]string{s: s, "k": "", "": "empty key", "other": "v" + s}
		a := decimal.RequireFromString(amounts[i%len(amounts)])
		li.Cost[cost.Billed], li.USD[cost.Billed] = a, decimal.NewNullDecimal(a)
		li.Cost[cost.Net] = a.Neg()
		if i%2 == 0 {
			li.BillingCurrency = "EUR"
			li.USD[cost.Net] = decimal.NullDecimal{}
		}
		li.PricingQuantity = decimal.NewNullDecimal(decimal.RequireFromString("1.0000000000005")) // rounds half-even
		if i%3 == 0 {
			li.ConsumedQuantity = decimal.NewNullDecimal(decimal.RequireFromString("123456789012345678.25"))
		}
		if i == 1 {
			li.Tags = nil
			li.ChargePeriodStart, li.BillingPeriodEnd = at, time.Time{}
		}
		items = append(items, li)
	}
	storetest.Load(t, st, "s1", items...)

	textCols := []column{}
	for _, c := range lineItemColumns {
		if c.text != nil {
			textCols = append(textCols, c)
		}
	}
	for _, li := range items {
		q := "SELECT "
		for _, c := range textCols {
			q += c.name + ", "
		}
		q += "epoch_us(charge_period_start), billing_period_end IS NULL, pricing_quantity::VARCHAR, consumed_quantity::VARCHAR, tags IS NULL, " +
			"billed_cost::VARCHAR, net_cost::VARCHAR, usd_billed_cost::VARCHAR, usd_net_cost::VARCHAR FROM line_items WHERE invoice_id = ?"
		texts := make([]sql.NullString, len(textCols))
		dest := []any{}
		for i := range texts {
			dest = append(dest, &texts[i])
		}
		var start int64
		var noEnd, noTags bool
		var pq, cq, billed, net, usdBilled, usdNet sql.NullString
		dest = append(dest, &start, &noEnd, &pq, &cq, &noTags, &billed, &net, &usdBilled, &usdNet)
		if err := st.DB().QueryRow(q, li.InvoiceID).Scan(dest...); err != nil {
			t.Fatalf("%s: %v", li.InvoiceID, err)
		}
		for i, c := range textCols {
			want := valid(*c.text(li))
			if c.added && want == "" {
				if texts[i].Valid {
					t.Errorf("%s %s = %q, want NULL for an empty added column", li.InvoiceID, c.name, texts[i].String)
				}
				continue
			}
			if !texts[i].Valid || texts[i].String != want {
				t.Errorf("%s %s = %q (valid %v), want %q", li.InvoiceID, c.name, texts[i].String, texts[i].Valid, want)
			}
		}
		if start != li.ChargePeriodStart.UnixMicro() || noEnd != li.BillingPeriodEnd.IsZero() {
			t.Errorf("%s: times %d %v, want %d %v", li.InvoiceID, start, noEnd, li.ChargePeriodStart.UnixMicro(), li.BillingPeriodEnd.IsZero())
		}
		if pq.String != "1.000000000000" {
			t.Errorf("%s pricing quantity = %q, want 1.000000000000", li.InvoiceID, pq.String)
		}
		if wantCQ := li.ConsumedQuantity.Valid; cq.Valid != wantCQ || wantCQ && cq.String != "123456789012345678.250000000000" {
			t.Errorf("%s consumed quantity = %v", li.InvoiceID, cq)
		}
		sameAmount(t, li.InvoiceID+" billed", billed, decimal.NewNullDecimal(li.Cost[cost.Billed]))
		sameAmount(t, li.InvoiceID+" net", net, decimal.NewNullDecimal(li.Cost[cost.Net]))
		wantUSD := li.USD[cost.Billed]
		if li.BillingCurrency == "USD" {
			wantUSD = decimal.NullDecimal{} // stored once; see metricColumns
		}
		sameAmount(t, li.InvoiceID+" usd billed", usdBilled, wantUSD)
		sameAmount(t, li.InvoiceID+" usd net", usdNet, li.USD[cost.Net])
		if noTags != (li.Tags == nil) {
			t.Errorf("%s tags NULL = %v", li.InvoiceID, noTags)
		}
		for k, v := range li.Tags {
			var got sql.NullString
			if err := st.DB().QueryRow(`SELECT element_at(tags, ?)[1] FROM line_items WHERE invoice_id = ?`, valid(k), li.InvoiceID).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !got.Valid || got.String != valid(v) {
				t.Errorf("%s tag %q = %q (valid %v), want %q", li.InvoiceID, k, got.String, got.Valid, valid(v))
			}
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".t.duckdb.import-*")); len(left) > 0 {
		t.Errorf("spool files left after commit: %v", left)
	}
}

func sameAmount(t *testing.T, what string, got sql.NullString, want decimal.NullDecimal) {
	t.Helper()
	if got.Valid != want.Valid {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	if !want.Valid {
		return
	}
	if d, err := decimal.NewFromString(got.String); err != nil || !d.Equal(want.Decimal) || !strings.Contains(got.String, ".") {
		t.Errorf("%s = %s, want %s", what, got.String, want.Decimal)
	}
}

// TestSpoolFail checks that a failed import leaves neither rows nor
// files, that a refused amount does not break the file, and that Open
// removes files left by a dead import of the same database only.
func TestSpoolFail(t *testing.T) {
	defer func(n int) { chunkRows = n }(chunkRows)
	chunkRows = 3
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "t.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "s1", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		li := storetest.Item("a1", "AmazonEC2", storetest.Day(3, 1), "1")
		if i == 4 {
			li.Cost[cost.Billed] = decimal.RequireFromString("0.0000000000000000000000001")
			if err := imp.Append(li); !errors.Is(err, cost.ErrInvalid) {
				t.Fatalf("append of a 25-digit fraction: %v", err)
			}
			continue
		}
		if err := imp.Append(li); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Fail(ctx, errors.New("test")); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM line_items`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows after Fail = %d (%v)", n, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".t.duckdb.import-*")); len(left) > 0 {
		t.Errorf("spool files left after Fail: %v", left)
	}
	st.Close()

	stale := filepath.Join(dir, ".t.duckdb.import-123.csv")
	other := filepath.Join(dir, ".u.duckdb.import-123.csv")
	for _, f := range []string{stale, other} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale spool file kept: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another database's spool file removed: %v", err)
	}
}
