package kubecost

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// sharedKeyItems are two items whose keys meet when aggregated by
// accountID and service ("a/b"+"c" and "a"+"b/c" are both a/b/c), on
// different days, the first a Kubernetes one, and an item whose key is
// its own.
func sharedKeyItems() []*cost.LineItem {
	k8s := storetest.Item("a/b", "c", d(4, 22), "1.5")
	k8s.Kubernetes = true
	return []*cost.LineItem{k8s, storetest.Item("a", "b/c", d(4, 23), "2.25"), storetest.Item("x", "y", d(4, 23), "4")}
}

// TestSharedKeys checks that items whose keys meet are summed, as
// OpenCost's CloudCostSet adds a cost to the one under its key (§5.2),
// in every view: the answer keeps every cent, and the properties the
// items disagree on are left out. Keeping one of them, as a map keyed by
// the key would, lost the other's cost.
func TestSharedKeys(t *testing.T) {
	const window = "window=2024-04-20T00:00:00Z,2024-04-25T00:00:00Z&aggregate=accountID,service"
	_, body := serveItems(t, sharedKeyItems(), "/model/cloudCost?"+window+"&accumulate=true")
	var out struct {
		Data struct {
			Sets []struct {
				CloudCosts map[string]struct {
					Properties    map[string]any
					Window        struct{ Start, End string }
					InvoicedCost  struct{ Cost, KubernetesPercent json.Number }
					AmortizedCost struct{ Cost, KubernetesPercent json.Number }
				}
			}
		}
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Data.Sets) != 1 {
		t.Fatalf("%v %s", err, body)
	}
	ccs := out.Data.Sets[0].CloudCosts
	if len(ccs) != 2 {
		t.Fatalf("want the items a/b/c and x/y, got %s", body)
	}
	shared, own := ccs["a/b/c"], ccs["x/y"]
	for _, c := range []struct{ name, got, want string }{
		{"a/b/c invoiced", shared.InvoicedCost.Cost.String(), "3.75"},
		{"a/b/c amortized", shared.AmortizedCost.Cost.String(), "3.75"},
		// 1.5 of 3.75 is Kubernetes.
		{"a/b/c Kubernetes share", shared.InvoicedCost.KubernetesPercent.String(), "0.4"},
		{"a/b/c properties", fmt.Sprint(shared.Properties), "map[]"},
		{"a/b/c window", shared.Window.Start + " " + shared.Window.End, "2024-04-22T00:00:00Z 2024-04-24T00:00:00Z"},
		{"x/y invoiced", own.InvoicedCost.Cost.String(), "4"},
		{"x/y properties", fmt.Sprint(own.Properties), "map[accountID:x service:y]"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, c.got, c.want)
		}
	}

	_, body = serveItems(t, sharedKeyItems(), "/model/cloudCost/view/totals?"+window)
	var totals struct {
		Data struct {
			NumResults int
			Combined   struct{ Cost json.Number }
		}
	}
	if err := json.Unmarshal(body, &totals); err != nil {
		t.Fatalf("%v %s", err, body)
	}
	if totals.Data.NumResults != 2 || totals.Data.Combined.Cost.String() != "7.75" {
		t.Errorf("totals: got %d items of %s, want 2 of 7.75: %s", totals.Data.NumResults, totals.Data.Combined.Cost, body)
	}

	_, body = serveItems(t, sharedKeyItems(), "/model/cloudCost/view/table?"+window)
	var table struct {
		Data []struct {
			Name string
			Cost json.Number
		}
	}
	if err := json.Unmarshal(body, &table); err != nil {
		t.Fatalf("%v %s", err, body)
	}
	var rows []string
	for _, r := range table.Data {
		rows = append(rows, r.Name+":"+r.Cost.String())
	}
	if got := strings.Join(rows, " "); got != "x/y:4 a/b/c:3.75" {
		t.Errorf("table: got %s, want x/y:4 a/b/c:3.75", got)
	}
}

// TestSharedOther checks the graph view when an item is named Other and
// the store sums the rest into its Other row: one Other holds both.
func TestSharedOther(t *testing.T) {
	items := []*cost.LineItem{storetest.Item("111", "Other", d(4, 24), "100")}
	for i := 1; i <= 10; i++ {
		items = append(items, storetest.Item("111", fmt.Sprintf("k%02d", i), d(4, 24), fmt.Sprint(i)))
	}
	for _, li := range items {
		li.Cost[cost.AmortizedNet], li.USD[cost.AmortizedNet] = li.Cost[cost.Billed], li.USD[cost.Billed]
	}
	_, body := serveItems(t, items, "/model/cloudCost/view/graph?window=today&aggregate=service")
	const want = "Other:103 k10:10 k09:9 k08:8 k07:7 k06:6 k05:5 k04:4 k03:3"
	if got := graphItems(t, body); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// graphItems renders the items of a one-set graph answer as name:value.
func graphItems(t *testing.T, body []byte) string {
	t.Helper()
	var out struct {
		Data []struct {
			Items []struct {
				Name  string
				Value json.Number
			}
		}
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Data) != 1 {
		t.Fatalf("%v %s", err, body)
	}
	var got []string
	for _, it := range out.Data[0].Items {
		got = append(got, it.Name+":"+it.Value.String())
	}
	return strings.Join(got, " ")
}

// TestMergeShared checks the merge itself: first appearance kept, costs
// and Kubernetes parts summed, values that differ dropped, windows
// spanned, a zero window adding nothing.
func TestMergeShared(t *testing.T) {
	day := func(n int) time.Time { return d(4, n) }
	mk := func(key string, values []string, w cost.Window, c string) *item {
		it := &item{key: key, values: values, window: w}
		for m := range numMetrics {
			it.cost[m] = decimal.RequireFromString(c)
			it.k8s[m] = decimal.RequireFromString(c).Div(decimal.NewFromInt(2))
		}
		return it
	}
	items := []*item{
		mk("a/b/c", []string{"a/b", "c"}, cost.Window{Start: day(3), End: day(4)}, "1"),
		mk("x/y", []string{"x", "y"}, cost.Window{}, "5"),
		mk("a/b/c", []string{"a", "b/c"}, cost.Window{Start: day(1), End: day(2)}, "2"),
		mk("a/b/c", []string{"a", "c/c"}, cost.Window{}, "4"),
	}
	got := mergeShared(items)
	if len(got) != 2 || got[0].key != "a/b/c" || got[1].key != "x/y" {
		t.Fatalf("got %d items", len(got))
	}
	m := got[0]
	if m.cost[0].String() != "7" || m.k8s[0].String() != "3.5" {
		t.Errorf("sums: got %s and %s, want 7 and 3.5", m.cost[0], m.k8s[0])
	}
	if strings.Join(m.values, ",") != unallocated+","+unallocated {
		t.Errorf("values: got %v", m.values)
	}
	if m.window != (cost.Window{Start: day(1), End: day(4)}) {
		t.Errorf("window: got %v", m.window)
	}
	if got[1].cost[0].String() != "5" || strings.Join(got[1].values, ",") != "x,y" {
		t.Errorf("x/y changed: %s %v", got[1].cost[0], got[1].values)
	}
}

// TestMayShare pins when fetch looks for shared keys: a "/" in a value
// of two or more, or the key Other; never one value alone, whose keys
// differ as its values do.
func TestMayShare(t *testing.T) {
	for _, tc := range []struct {
		key    string
		values []string
		want   bool
	}{
		{"a/b", []string{"a/b"}, false},
		{"a/b", []string{"a", "b"}, false},
		{"a/b/c", []string{"a/b", "c"}, true},
		{"a/b/c", []string{"a", "b/c"}, true},
		{"Other", []string{"x"}, true},
		{"Other", []string{"Other"}, true},
	} {
		if got := mayShare(&item{key: tc.key, values: tc.values}); got != tc.want {
			t.Errorf("%q %q: got %v, want %v", tc.key, tc.values, got, tc.want)
		}
	}
}
