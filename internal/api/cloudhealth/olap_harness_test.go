package cloudhealth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

// olapServer is the dialect over a real DuckDB store the report tests
// load line items into, with a settable clock and fake saved reports.
type olapServer struct {
	*testServer
	st    *duckdb.Store
	eng   *engine.Engine
	saved *fakeSaved
	mu    sync.Mutex
	now   time.Time
	loads int
}

func newOLAPServer(t *testing.T) *olapServer {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(st)
	eng.SetPerspectives(book)
	s := &olapServer{st: st, eng: eng, saved: &fakeSaved{reports: map[int64][2]string{}}, now: testNow}
	api := New(s.eng, book, slog.New(slog.DiscardHandler))
	api.now = func() time.Time {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.now
	}
	api.SetSavedReports(s.saved)
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	s.testServer = &testServer{Server: srv, book: book}
	return s
}

func (s *olapServer) setNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = t
}

// load imports items as one import of a source of its own, so that
// loads add up instead of restating one another.
func (s *olapServer) load(t *testing.T, items ...*cost.LineItem) {
	t.Helper()
	s.loads++
	ctx := context.Background()
	imp, err := s.st.BeginImport(ctx, store.ImportSpec{Source: fmt.Sprintf("load-%d", s.loads), Provider: "aws", Files: []string{"test.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, li := range items {
		if err := imp.Append(li); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := imp.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// fakeSaved stands in for the native API's saved reports: id → name,
// query.
type fakeSaved struct {
	reports map[int64][2]string
}

func (f *fakeSaved) Get(_ context.Context, id int64) (string, string, bool, error) {
	r, ok := f.reports[id]
	return r[0], r[1], ok, nil
}

func (f *fakeSaved) List(context.Context) ([]SavedReportRef, error) {
	var out []SavedReportRef
	for id, r := range f.reports {
		out = append(out, SavedReportRef{ID: id, Name: r[0]})
	}
	return out, nil
}

// olapItem is a line item of the report tests: one hour at start, every
// metric equal to billed except Amortized (amortized) and List (twice
// billed, so that a mixed-up column shows).
type olapItem struct {
	start                            time.Time
	account, name, service, category string
	region, az, resource, kind       string
	frequency, pricing, unit, commit string
	tags                             map[string]string
	billed, amortized                decimal.Decimal
	qty                              decimal.NullDecimal
	hasAmortized                     bool
	currency                         string
	noUSD                            bool
}

func (o olapItem) lineItem() *cost.LineItem {
	cur := o.currency
	if cur == "" {
		cur = "USD"
	}
	li := &cost.LineItem{
		ProviderName: "AWS", BillingAccountID: "payer", SubAccountID: o.account, SubAccountName: o.name,
		ServiceName: o.service, ServiceCategory: o.category, RegionID: o.region, AvailabilityZone: o.az,
		ResourceID: o.resource, Category: o.kind, ChargeFrequency: o.frequency, PricingCategory: o.pricing,
		PricingUnit: o.unit, CommitmentDiscountType: o.commit, ConsumedQuantity: o.qty,
		ChargeCategory: "Usage", ChargeType: "Usage", BillingCurrency: cur,
		ChargePeriodStart: o.start, ChargePeriodEnd: o.start.Add(time.Hour),
		BillingPeriodStart: cost.MonthStart(o.start), BillingPeriodEnd: cost.MonthStart(o.start).AddDate(0, 1, 0),
	}
	for m := range cost.NumMetrics {
		li.Cost[m] = o.billed
	}
	li.Cost[cost.List] = o.billed.Mul(decimal.NewFromInt(2))
	if o.hasAmortized {
		li.Cost[cost.Amortized] = o.amortized
	}
	for m := range cost.NumMetrics {
		if !o.noUSD {
			li.USD[m] = decimal.NewNullDecimal(li.Cost[m])
		}
	}
	for k, v := range o.tags {
		li.SetTag(k, v)
	}
	return li
}

// olapSeed is the fixture of the golden transcripts: two accounts over
// three months before testNow (2024-01-15), three service categories,
// two regions and zones, a team tag, a pair of items summing to zero
// and an account only one month has.
func olapSeed(t *testing.T, s *olapServer) {
	t.Helper()
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	it := func(at time.Time, acct, cat, region, az, billed string, tags ...string) *cost.LineItem {
		o := olapItem{start: at, account: acct, name: map[string]string{"111111111111": "Production", "222222222222": "Staging", "333333333333": "Sandbox"}[acct],
			service: "AmazonEC2", category: cat, region: region, az: az, billed: decimal.RequireFromString(billed),
			qty: decimal.NewNullDecimal(decimal.NewFromInt(1)), unit: "Hrs", kind: "Compute", pricing: "Standard", frequency: "Usage-Based"}
		if cat == "Compute" {
			o.resource = "i-" + acct[:6]
		}
		if cat == "Storage" {
			o.service, o.kind, o.unit = "AmazonS3", "Storage", "GB-Mo"
		}
		o.tags = map[string]string{}
		for i := 0; i+1 < len(tags); i += 2 {
			o.tags[tags[i]] = tags[i+1]
		}
		return o.lineItem()
	}
	s.load(t,
		it(d(2023, 11, 3), "111111111111", "Compute", "us-east-1", "us-east-1a", "120.25", "team", "web"),
		it(d(2023, 11, 9), "111111111111", "Storage", "us-east-1", "", "10.10"),
		it(d(2023, 11, 20), "222222222222", "Compute", "eu-west-1", "eu-west-1b", "33.333333", "team", "data"),
		it(d(2023, 12, 2), "111111111111", "Compute", "us-east-1", "us-east-1a", "130.75", "team", "web"),
		it(d(2023, 12, 5), "222222222222", "Networking", "eu-west-1", "", "5.00"),
		it(d(2023, 12, 6), "222222222222", "Networking", "eu-west-1", "", "-5.00"),
		it(d(2024, 1, 2), "111111111111", "Compute", "us-east-1", "us-east-1a", "60.125", "team", "web"),
		it(d(2024, 1, 3), "333333333333", "Storage", "us-east-1", "", "0.000001"),
		it(d(2024, 1, 14).Add(22*time.Hour), "222222222222", "Compute", "eu-west-1", "eu-west-1b", "7.5", "team", "data"),
	)
	// A recurring fee (cost_recurring) of a reservation, amortized
	// differently from its billed cost, in a load of its own.
	fee := olapItem{start: d(2024, 1, 1), account: "111111111111", name: "Production", service: "AmazonEC2", category: "Compute",
		region: "us-east-1", frequency: "Recurring", pricing: "Committed", commit: "Reserved Instances (RI)", kind: "Compute",
		billed: decimal.RequireFromString("3.25"), amortized: decimal.Zero, hasAmortized: true}
	s.load(t, fee.lineItem())
}

// olapGolden sends the steps and compares the transcript with
// testdata/<name>.golden, as harness_test.go's script does, with two
// things that vary between runs written as placeholders: the test
// server's address in links ("http://tally") and updated_at, which must
// be the commit time of the newest snapshot the caller sees
// ("<committed>").
func (s *olapServer) olapGolden(t *testing.T, name string, steps []step) {
	t.Helper()
	var buf bytes.Buffer
	for _, st := range steps {
		sc := scope.All()
		for i := 0; i+1 < len(st.Header); i += 2 {
			if st.Header[i] == "X-Test-Accounts" {
				sc = scope.Accounts(strings.Split(st.Header[i+1], ",")...)
			}
		}
		committed := s.committed(t, sc)
		r := s.call(t, st)
		if !strings.HasPrefix(r.Type, "application/json") {
			t.Errorf("%s %s: Content-Type %q, want JSON", st.Method, st.Path, r.Type)
		}
		body := strings.ReplaceAll(string(r.Body), s.URL, "http://tally")
		if committed != "" {
			body = strings.ReplaceAll(body, `"updated_at":"`+committed+`"`, `"updated_at":"<committed>"`)
		}
		if m := updatedAtRE.FindString(body); m != "" && !strings.Contains(m, "<committed>") && !strings.Contains(m, "null") {
			t.Errorf("%s: %s is not the commit time of the newest snapshot in scope, %s", st.Path, m, committed)
		}
		shown := st.Path
		if len(shown) > 300 {
			shown = fmt.Sprintf("%s... (%d characters)", shown[:300], len(shown))
		}
		fmt.Fprintf(&buf, "### %s %s", st.Method, shown)
		for i := 0; i+1 < len(st.Header); i += 2 {
			fmt.Fprintf(&buf, " [%s: %s]", st.Header[i], st.Header[i+1])
		}
		fmt.Fprintf(&buf, "\nstatus: %d\n", r.Status)
		var ind bytes.Buffer
		if json.Indent(&ind, []byte(body), "", "  ") == nil {
			buf.Write(ind.Bytes())
		} else {
			buf.WriteString(body)
		}
		buf.WriteString("\n")
	}
	golden.Assert(t, name, buf.Bytes())
}

// committed is the commit time of the newest complete snapshot holding
// items of sc, as updated_at writes it; "" when there is none.
func (s *olapServer) committed(t *testing.T, sc scope.Scope) string {
	t.Helper()
	snaps, err := s.st.Snapshots(context.Background(), store.SnapshotFilter{Status: store.StatusComplete, Scope: sc})
	if err != nil {
		t.Fatal(err)
	}
	var latest time.Time
	for _, sn := range snaps {
		if sn.CommittedAt.After(latest) {
			latest = sn.CommittedAt
		}
	}
	if latest.IsZero() {
		return ""
	}
	return latest.UTC().Format("2006-01-02T15:04:05") + "+00:00"
}

var updatedAtRE = regexp.MustCompile(`"updated_at":("[^"]*"|null)`)
