package kubecost

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// metrics are Kubecost's five cost metrics in their wire order and the
// Tally metric each reads (billing-formats.md §1). invoicedCost is Tally's
// billed cost, the invoice basis (FOCUS BilledCost), where OpenCost
// approximates it by netCost (§7): Tally keeps the real column.
var metrics = [...]struct {
	name   string
	metric cost.Metric
}{
	{"listCost", cost.List},
	{"netCost", cost.Net},
	{"amortizedNetCost", cost.AmortizedNet},
	{"invoicedCost", cost.Billed},
	{"amortizedCost", cost.Amortized},
}

const numMetrics = len(metrics)

// defaultMetric is the index of amortizedNetCost, the views' default.
const defaultMetric = 2

// metricIndex returns the index in metrics of a Kubecost metric name
// (case-insensitive), or -1.
func metricIndex(s string) int {
	for i, m := range metrics {
		if strings.EqualFold(s, m.name) {
			return i
		}
	}
	return -1
}

// unallocated names an empty property value in keys (§5.2).
const unallocated = "__unallocated__"

// pctDigits is the precision of kubernetesPercent, that of a float64
// (OpenCost prints 0.9678930844926895).
const pctDigits = 16

// number renders an exact decimal as a JSON number: Kubecost clients read
// numbers, and the digits must not pass through float64. encoding/json
// writes a json.Number as it is, after a syntax check, where it would
// parse and compact again what a MarshalJSON method returns (a tenth of
// the CPU of a 30-day answer by service, issue 23). decimal's String
// never uses an exponent, so the text is always a JSON number.
func number(d decimal.Decimal) json.Number { return json.Number(cost.Text(d)) }

type windowJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func windowOf(w cost.Window) windowJSON {
	return windowJSON{Start: w.Start.UTC().Format(time.RFC3339), End: w.End.UTC().Format(time.RFC3339)}
}

// openCostWindow writes w as OpenCost's Window.String does, the form of
// the CSV Window column and of the repair messages.
func openCostWindow(w cost.Window) string {
	const layout = "2006-01-02T15:04:05-0700"
	if w.Start.IsZero() && w.End.IsZero() {
		return "[nil, nil)"
	}
	return "[" + w.Start.UTC().Format(layout) + ", " + w.End.UTC().Format(layout) + ")"
}

// item is one aggregated cloud cost of one set.
type item struct {
	key string
	// values are the shown values of the aggregate properties, in order
	// (__unallocated__ for an empty one).
	values []string
	// window is the days the item's costs cover within its set (§3.2).
	window cost.Window
	cost   [numMetrics]decimal.Decimal
	k8s    [numMetrics]decimal.Decimal
}

// set is the items of one step, in the order the query asked for.
type set struct {
	window cost.Window
	items  []*item
}

// fetch asks the engine for q, one of Request.query, and returns one
// set per step of r, each holding the rows of its bucket as items.
func (a *API) fetch(ctx context.Context, r Request, q query.Query) ([]set, error) {
	if len(r.Steps) == 0 {
		return nil, nil
	}
	b, err := query.Cut(q.Window, q.Step)
	if err != nil {
		return nil, err
	}
	sets := make([]set, len(b.Windows))
	for i, w := range b.Windows {
		sets[i].window = w
	}
	j := 0
	shared := false
	reset := func() {
		j, shared = 0, false
		for i := range sets {
			sets[i].items = nil
		}
	}
	_, err = a.stream(ctx, q, reset, func(row query.Row) error {
		for j < len(sets) && !sets[j].window.Start.Equal(row.Start) {
			j++
		}
		if j == len(sets) {
			return fmt.Errorf("a row of %s outside the steps of %s", row.Start, q.Window)
		}
		it := &item{key: keyOf(row.Keys), values: row.Keys, window: row.Span}
		if row.Other {
			it.key = "Other"
		}
		shared = shared || mayShare(it)
		for m := range numMetrics {
			it.cost[m], it.k8s[m] = row.Values[m], row.Kubernetes[m]
		}
		sets[j].items = append(sets[j].items, it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("querying cloud costs: %w", err)
	}
	if shared {
		for i := range sets {
			sets[i].items = mergeShared(sets[i].items)
		}
	}
	return sets, nil
}

// keyOf joins the shown values with "/" (§5.2).
func keyOf(values []string) string { return strings.Join(values, "/") }

// mayShare reports whether it may share its key with another item of
// its set, whose values the store grouped apart: only when a value holds
// the "/" that joins two or more of them ("a/b"+"c" and "a"+"b/c" are
// both a/b/c), or when it is keyed Other (the store's Other row and an
// item named Other). Otherwise keys differ as the values do, and fetch
// merges nothing.
func mayShare(it *item) bool {
	return it.key == "Other" || joinsMayMeet(it.values)
}

// joinsMayMeet reports whether the key of values may be another's: two
// or more values, one of them holding "/".
func joinsMayMeet(values []string) bool {
	if len(values) < 2 {
		return false
	}
	for _, v := range values {
		if strings.Contains(v, "/") {
			return true
		}
	}
	return false
}

// mergeShared adds each item to the first of items with its key, as
// OpenCost's CloudCostSet.Insert adds a cost to the one already under
// its key (§5.2: items with equal keys are summed): costs and their
// Kubernetes parts are summed, values the items disagree on are dropped
// (CloudCost.add keeps the properties both have), and the window spans
// both. The order of first appearance is kept.
func mergeShared(items []*item) []*item {
	first := make(map[string]*item, len(items))
	out := items[:0]
	for _, it := range items {
		f, ok := first[it.key]
		if !ok {
			first[it.key] = it
			out = append(out, it)
			continue
		}
		for m := range numMetrics {
			f.cost[m] = f.cost[m].Add(it.cost[m])
			f.k8s[m] = f.k8s[m].Add(it.k8s[m])
		}
		for i, v := range it.values {
			if i < len(f.values) && f.values[i] != v {
				f.values[i] = unallocated
			}
		}
		f.window = spanning(f.window, it.window)
	}
	clear(items[len(out):])
	return out
}

// spanning is the window from the earlier start to the later end of a
// and b; a zero window (no span) adds nothing.
func spanning(a, b cost.Window) cost.Window {
	switch {
	case b.Start.IsZero() && b.End.IsZero():
		return a
	case a.Start.IsZero() && a.End.IsZero():
		return b
	}
	if b.Start.Before(a.Start) {
		a.Start = b.Start
	}
	if b.End.After(a.End) {
		a.End = b.End
	}
	return a
}

// labels returns the label properties of it with a value, or nil.
func (it *item) labels(props []Property) map[string]string {
	var out map[string]string
	for i, p := range props {
		if v := propertyValue(it.values[i]); p.Label != "" && v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[p.Label] = v
		}
	}
	return out
}

// cloudCost serves GET /model/cloudCost. Offset and limit page the items
// of each set, ordered by amortizedNetCost (Kubecost's default metric)
// descending, then by key, so that limit=10 keeps the ten largest; the
// store orders and pages them.
func (a *API) cloudCost(r *http.Request) (any, error) {
	req, err := ParseCloudCostRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	q := req.query(req.Accumulate.step())
	q.Sort = []query.Order{query.Metric(defaultMetric, true)}
	q.Limit, q.Offset = req.Limit, req.Offset
	sets, err := a.fetch(r.Context(), req, q)
	if err != nil {
		return nil, err
	}
	// Over 500 bytes an item (617 kB for 1,200 items by service, 514
	// each), more with more properties: one buffer rather than copies as
	// it grows (a 512-byte guess grew it: a seventh of the writer's time).
	n := 0
	for _, s := range sets {
		n += len(s.items)
	}
	buf := make([]byte, 0, 1024+(576+32*len(req.Aggregate))*n)
	return jsonData(newCloudCostWriter(req.Aggregate).appendRange(buf, sets)), nil
}
