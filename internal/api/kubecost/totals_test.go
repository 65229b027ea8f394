package kubecost

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestTotalsExact checks, for every accumulate and several aggregations,
// that the costs of all items of all sets add up exactly to the native
// engine's total and to a sum computed here from the loaded items, per
// metric; and that the totals view says the same.
func TestTotalsExact(t *testing.T) {
	srv, eng := newServer(t, nil)
	const window = "2024-03-01T00:00:00Z,2024-05-01T00:00:00Z"

	var want [numMetrics]decimal.Decimal
	for _, li := range testItems() {
		for i, m := range metrics {
			want[i] = want[i].Add(li.Cost[m.metric])
		}
	}
	q := query.Query{Scope: scope.All(), Window: win(d(3, 1), d(5, 1)), USD: true}
	for _, m := range metrics {
		q.Metrics = append(q.Metrics, m.metric)
	}
	res, err := eng.Query(tenant.WithPrincipal(context.Background(), tenant.NoAuth), q)
	if err != nil || len(res.Rows) != 1 {
		t.Fatalf("native engine total: %v, %+v", err, res)
	}
	for i, m := range metrics {
		if !res.Rows[0].Values[i].Equal(want[i]) {
			t.Fatalf("%s: engine %s, items %s", m.name, res.Rows[0].Values[i], want[i])
		}
	}

	type metricJSON struct{ Cost json.Number }
	for _, acc := range []string{"", "true", "week", "month", "quarter"} {
		for _, agg := range []string{"", "service", "label:team", "provider,accountID"} {
			path := fmt.Sprintf("/model/cloudCost?window=%s&accumulate=%s&aggregate=%s", window, acc, url.QueryEscape(agg))
			_, _, body := get(t, srv, path)
			var out struct {
				Data struct {
					Sets []struct {
						CloudCosts map[string]struct {
							ListCost, NetCost, AmortizedNetCost, InvoicedCost, AmortizedCost metricJSON
						}
					}
				}
			}
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			var got [numMetrics]decimal.Decimal
			for _, s := range out.Data.Sets {
				for _, cc := range s.CloudCosts {
					for i, m := range []metricJSON{cc.ListCost, cc.NetCost, cc.AmortizedNetCost, cc.InvoicedCost, cc.AmortizedCost} {
						got[i] = got[i].Add(decimal.RequireFromString(m.Cost.String()))
					}
				}
			}
			for i, m := range metrics {
				if !got[i].Equal(want[i]) {
					t.Errorf("%s: %s sums to %s, want %s", path, m.name, got[i], want[i])
				}
			}
		}
	}
	for i, m := range metrics {
		_, _, body := get(t, srv, "/model/cloudCost/view/totals?window="+window+"&costMetric="+m.name)
		var out struct {
			Data struct{ Combined struct{ Cost json.Number } }
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		if got := decimal.RequireFromString(out.Data.Combined.Cost.String()); !got.Equal(want[i]) {
			t.Errorf("totals view %s = %s, want %s", m.name, got, want[i])
		}
	}
}

// recorder answers from a real engine and keeps the last query.
type recorder struct {
	eng *engine.Engine
	got query.Query
}

func (r *recorder) Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	r.got = q
	return r.eng.Stream(ctx, q, fn)
}

// serveItems loads items into a fresh store and serves one GET of path.
func serveItems(t *testing.T, items []*cost.LineItem, path string) (*recorder, []byte) {
	t.Helper()
	rec, body, _ := serveItemsHeader(t, items, path)
	return rec, body
}

// muxItems serves the dialect over a fresh store holding items, its
// engine wrapped in a recorder.
func muxItems(t *testing.T, items []*cost.LineItem) (*recorder, *http.ServeMux) {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storetest.Load(t, st, "src", items...)
	rec := &recorder{eng: engine.New(st)}
	api := New(rec, nil, nil)
	api.now = func() time.Time { return now }
	mux := http.NewServeMux()
	api.Register(mux)
	return rec, mux
}

// principalRequest is a GET of path by an unauthenticated administrator.
func principalRequest(path string) *http.Request {
	return httptest.NewRequest(http.MethodGet, path, nil).WithContext(tenant.WithPrincipal(context.Background(), tenant.NoAuth))
}

// TestGraphOther checks the top-ten rule of the graph view at its edges:
// ten items are shown as they are; from eleven on, the ninth largest is
// followed by "Other" holding the rest.
func TestGraphOther(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{10, "k10:10 k09:9 k08:8 k07:7 k06:6 k05:5 k04:4 k03:3 k02:2 k01:1"},
		{11, "k11:11 k10:10 k09:9 k08:8 k07:7 k06:6 k05:5 k04:4 k03:3 Other:3"},
		{12, "k12:12 k11:11 k10:10 k09:9 k08:8 k07:7 k06:6 k05:5 k04:4 Other:6"},
	}
	for _, tc := range tests {
		var items []*cost.LineItem
		for i := 1; i <= tc.n; i++ {
			li := storetest.Item("111", fmt.Sprintf("k%02d", i), d(4, 24), fmt.Sprint(i))
			li.Cost[cost.AmortizedNet], li.USD[cost.AmortizedNet] = li.Cost[cost.Billed], li.USD[cost.Billed]
			items = append(items, li)
		}
		_, body := serveItems(t, items, "/model/cloudCost/view/graph?window=today&aggregate=service")
		if got := graphItems(t, body); got != tc.want {
			t.Errorf("n=%d: got %s, want %s", tc.n, got, tc.want)
		}
	}
}

// TestCollect checks what the dialect asks the engine and how the rows
// come back: stored provider names that Kubecost shows alike are one key,
// and an item's window covers its member days.
func TestCollect(t *testing.T) {
	item := func(provider, account string, day int, billed string) *cost.LineItem {
		li := storetest.Item(account, "svc", d(4, day), billed)
		li.ProviderName = provider
		return li
	}
	items := []*cost.LineItem{
		item("Microsoft", "sub-1", 22, "1.5"),
		item("Azure", "sub-1", 23, "2"),
		item("Google Cloud", "", 23, "4"),
	}
	rec, body := serveItems(t, items, "/model/cloudCost?window=week&aggregate=provider,accountID&accumulate=true")
	q := rec.got
	// Every item is in dollars: the answer is asked in its one billing
	// currency (currency.go).
	if q.USD || q.PricedOnly || !q.Spans || !q.Step.IsNone() || q.Window != win(d(4, 21), d(4, 25)) ||
		fmt.Sprint(q.GroupBy) != "[kubecost.shown:provider kubecost.shown:subAccountId]" || fmt.Sprint(q.Metrics) != "[list net amortizedNet billed amortized]" {
		t.Fatalf("engine query = %+v", q)
	}
	var out struct {
		Data struct {
			Sets []struct {
				CloudCosts map[string]struct {
					Window       windowJSON
					InvoicedCost struct{ Cost json.Number }
				}
			}
		}
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Data.Sets) != 1 {
		t.Fatalf("%v %s", err, body)
	}
	got := map[string]string{}
	for k, cc := range out.Data.Sets[0].CloudCosts {
		got[k] = cc.InvoicedCost.Cost.String() + " " + cc.Window.Start[:10] + " " + cc.Window.End[:10]
	}
	want := map[string]string{
		"Azure/sub-1":         "3.5 2024-04-22 2024-04-24",
		"GCP/__unallocated__": "4 2024-04-23 2024-04-24",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("items = %v, want %v", got, want)
	}
}
