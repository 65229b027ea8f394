package kubecost

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// chartItems is how many series a graph step shows; the last one is
// "Other" when there are more (§8).
const chartItems = 10

type graphItemJSON struct {
	Name  string `json:"name"`
	Value number `json:"value"`
}

type graphSetJSON struct {
	Start string          `json:"start"`
	End   string          `json:"end"`
	Items []graphItemJSON `json:"items"`
}

// viewGraph serves GET /model/cloudCost/view/graph: per step, the items'
// costMetric by value descending, the tenth and later items summed into
// "Other". No data in the whole window gives [].
func (a *API) viewGraph(r *http.Request) (any, error) {
	req, err := ParseViewRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	sets, err := a.fetch(r.Context(), req.Request, req.Steps, query.StepDay)
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
		items := s.sorted(req.Metric)
		g := graphSetJSON{Start: windowOf(s.window).Start, End: windowOf(s.window).End, Items: []graphItemJSON{}}
		for i, it := range items {
			if i == chartItems-1 && len(items) > chartItems {
				other := decimal.Zero
				for _, rest := range items[i:] {
					other = other.Add(rest.cost[req.Metric])
				}
				g.Items = append(g.Items, graphItemJSON{Name: "Other", Value: number(other)})
				break
			}
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
	KubernetesPercent number            `json:"kubernetesPercent"`
	Cost              number            `json:"cost"`
}

type totalsJSON struct {
	NumResults int           `json:"numResults"`
	Combined   *tableRowJSON `json:"combined"`
}

// whole returns r's items over the whole window, ignoring accumulate:
// totals and table are over the window (§8).
func (a *API) whole(r *http.Request, req ViewRequest) (set, error) {
	sets, err := a.fetch(r.Context(), req.Request, []cost.Window{req.Window}, query.StepNone)
	if err != nil || len(sets) == 0 {
		return set{items: map[string]*item{}}, err
	}
	return sets[0], nil
}

// viewTotals serves GET /model/cloudCost/view/totals: the number of
// aggregated items and their combined costMetric; null without data.
func (a *API) viewTotals(r *http.Request) (any, error) {
	req, err := ParseViewRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	s, err := a.whole(r, req)
	if err != nil {
		return nil, err
	}
	if len(s.items) == 0 {
		return nil, nil
	}
	total, k8s := decimal.Zero, decimal.Zero
	for _, it := range s.items {
		total = total.Add(it.cost[req.Metric])
		k8s = k8s.Add(it.k8s[req.Metric])
	}
	return totalsJSON{NumResults: len(s.items), Combined: &tableRowJSON{
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
// the window, sorted and paged, as JSON or CSV.
func (a *API) viewTable(r *http.Request) (any, error) {
	req, err := ParseViewRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	s, err := a.whole(r, req)
	if err != nil {
		return nil, err
	}
	rows := make([]tableRow, 0, len(s.items))
	for _, it := range s.items {
		rows = append(rows, tableRow{
			name: it.key, labels: it.labels(req.Aggregate),
			pct: percent(it.cost[req.Metric], it.k8s[req.Metric]), cost: it.cost[req.Metric],
		})
	}
	sortTable(rows, req.SortBy, req.Ascending)
	rows = page(rows, req.Offset, req.Limit)
	if req.CSV {
		return tableCSV(rows, req.Window)
	}
	out := make([]tableRowJSON, len(rows))
	for i, row := range rows {
		out[i] = tableRowJSON{Name: row.name, Labels: row.labels, KubernetesPercent: number(row.pct), Cost: number(row.cost)}
	}
	return out, nil
}

// sortTable orders rows by name descending first, so that ties of the
// sort column keep a stable order, then by the column (§8).
func sortTable(rows []tableRow, by string, ascending bool) {
	sort.Slice(rows, func(i, j int) bool { return rows[i].name > rows[j].name })
	var cmp func(a, b tableRow) int
	switch by {
	case "name":
		if !ascending {
			return
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
		return
	case "kubernetesPercent":
		cmp = func(a, b tableRow) int { return a.pct.Cmp(b.pct) }
	default:
		cmp = func(a, b tableRow) int { return a.cost.Cmp(b.cost) }
	}
	sort.SliceStable(rows, func(i, j int) bool {
		c := cmp(rows[i], rows[j])
		if ascending {
			return c < 0
		}
		return c > 0
	})
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
