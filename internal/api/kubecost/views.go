package kubecost

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// chartItems is how many series a graph step shows; the last one is
// "Other" when there are more (§8).
const chartItems = 10

type graphItemJSON struct {
	Name  string      `json:"name"`
	Value json.Number `json:"value"`
}

type graphSetJSON struct {
	Start string          `json:"start"`
	End   string          `json:"end"`
	Items []graphItemJSON `json:"items"`
}

// viewGraph serves GET /model/cloudCost/view/graph: per step, the items'
// costMetric by value descending, the tenth and later items summed into
// "Other" by the store (Query.Top). No data in the whole window gives [].
func (a *API) viewGraph(r *http.Request) (any, error) {
	req, err := ParseViewRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	q := req.query(req.Accumulate.step())
	q.Sort = []query.Order{query.Metric(req.Metric, true)}
	q.Top = chartItems
	sets, err := a.fetch(r.Context(), req.Request, q)
	if err != nil {
		return nil, err
	}
	out := []graphSetJSON{}
	empty := true
	for _, s := range sets {
		if len(s.items) > 0 {
			empty = false
		}
	}
	if empty {
		return out, nil
	}
	for _, s := range sets {
		g := graphSetJSON{Start: windowOf(s.window).Start, End: windowOf(s.window).End, Items: []graphItemJSON{}}
		for _, it := range s.items {
			g.Items = append(g.Items, graphItemJSON{Name: it.key, Value: number(it.cost[req.Metric])})
		}
		out = append(out, g)
	}
	return out, nil
}

// tableRowJSON is a table row, and the combined row of the totals.
type tableRowJSON struct {
	Name              string            `json:"name"`
	Labels            map[string]string `json:"labels"`
	KubernetesPercent json.Number       `json:"kubernetesPercent"`
	Cost              json.Number       `json:"cost"`
}

type totalsJSON struct {
	NumResults int           `json:"numResults"`
	Combined   *tableRowJSON `json:"combined"`
}

// viewTotals serves GET /model/cloudCost/view/totals: the number of
// aggregated items over the whole window, ignoring accumulate (§8), and
// their combined costMetric; null without data. The items are counted
// and added as they stream, items sharing a key once (mergeShared).
func (a *API) viewTotals(r *http.Request) (any, error) {
	req, err := ParseViewRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	if len(req.Steps) == 0 {
		return nil, nil
	}
	n, total, k8s := 0, decimal.Zero, decimal.Zero
	// The keys items may share (joinsMayMeet; this question has no
	// Other row to meet).
	var seen map[string]bool
	reset := func() { n, total, k8s, seen = 0, decimal.Zero, decimal.Zero, nil }
	_, err = a.stream(r.Context(), req.query(query.StepNone), reset, func(row query.Row) error {
		if !joinsMayMeet(row.Keys) {
			n++
		} else if key := keyOf(row.Keys); !seen[key] {
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[key] = true
			n++
		}
		total = total.Add(row.Values[req.Metric])
		k8s = k8s.Add(row.Kubernetes[req.Metric])
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	return totalsJSON{NumResults: n, Combined: &tableRowJSON{
		Name: "Totals", KubernetesPercent: number(percent(total, k8s)), Cost: number(total),
	}}, nil
}

// tableRow is a table row before rendering.
type tableRow struct {
	name      string
	labels    map[string]string
	pct, cost decimal.Decimal
}

// viewTable serves GET /model/cloudCost/view/table: one row per item over
// the window, ignoring accumulate (§8), sorted and paged by the store, as
// JSON or CSV.
func (a *API) viewTable(r *http.Request) (any, error) {
	req, err := ParseViewRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	q := req.query(query.StepNone)
	q.Sort = tableOrder(req)
	q.Limit, q.Offset = req.Limit, req.Offset
	sets, err := a.fetch(r.Context(), req.Request, q)
	if err != nil {
		return nil, err
	}
	var rows []tableRow
	for _, s := range sets {
		for _, it := range s.items {
			rows = append(rows, tableRow{
				name: it.key, labels: it.labels(req.Aggregate),
				pct: percent(it.cost[req.Metric], it.k8s[req.Metric]), cost: it.cost[req.Metric],
			})
		}
	}
	if req.CSV {
		return tableCSV(rows, req.Window)
	}
	out := make([]tableRowJSON, len(rows))
	for i, row := range rows {
		out[i] = tableRowJSON{Name: row.name, Labels: row.labels, KubernetesPercent: number(row.pct), Cost: number(row.cost)}
	}
	return out, nil
}

// tableOrder is the table's sort (§8): by name, or by the column with
// ties by name descending, as the UI's stable sort leaves them.
func tableOrder(req ViewRequest) []query.Order {
	var byName []query.Order
	for i := range req.Aggregate {
		byName = append(byName, query.Key(i, req.SortBy != "name" || !req.Ascending))
	}
	switch req.SortBy {
	case "name":
		return byName
	case "kubernetesPercent":
		return append([]query.Order{{By: query.ByShare, Index: req.Metric, Desc: !req.Ascending}}, byName...)
	}
	return append([]query.Order{query.Metric(req.Metric, !req.Ascending)}, byName...)
}

// tableCSV renders rows as OpenCost's CSV: values to three decimals
// (rounded half away from zero from the exact decimal, not through a
// float) and the query window in OpenCost's window notation.
func tableCSV(rows []tableRow, w cost.Window) (csvBody, error) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"Name", "K8s Utilization", "Total", "Window"})
	window := openCostWindow(w)
	for _, row := range rows {
		cw.Write([]string{row.name, row.pct.StringFixed(3), row.cost.StringFixed(3), window})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, fmt.Errorf("writing table CSV: %w", err)
	}
	return csvBody(buf.Bytes()), nil
}
