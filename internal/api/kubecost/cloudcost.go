package kubecost

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
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
// numbers, and the digits must not pass through float64.
type number decimal.Decimal

func (n number) MarshalJSON() ([]byte, error) { return []byte(decimal.Decimal(n).String()), nil }

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
	// values are the shown values of the aggregate properties, in order.
	values []string
	// window grows to cover every member (§3.2).
	window cost.Window
	cost   [numMetrics]decimal.Decimal
	k8s    [numMetrics]decimal.Decimal
}

// set is the items of one step, by key.
type set struct {
	window cost.Window
	items  map[string]*item
}

// fetch asks the engine for r's costs at step and folds the rows into one
// set per window of steps.
func (a *API) fetch(ctx context.Context, r Request, steps []cost.Window, step query.Step) ([]set, error) {
	if len(steps) == 0 {
		return nil, nil
	}
	res, err := a.engine.Query(ctx, r.query(step))
	if err != nil {
		return nil, fmt.Errorf("querying cloud costs: %w", err)
	}
	if res.MissingUSD > 0 {
		// Kubecost has no currency: costs are in USD, and items whose bill
		// gives no exchange rate cannot be added. Say so rather than
		// silently show a smaller total.
		warn(ctx, fmt.Sprintf("%d line items are billed in another currency without a USD value and are not included", res.MissingUSD))
		// A group of such items only would show as a cost of 0.
		res.Rows = slices.DeleteFunc(res.Rows, func(row query.Row) bool { return row.MissingUSD == row.Items })
	}
	return collect(r.Aggregate, res.Rows, steps), nil
}

// collect adds rows into the sets of steps (which tile the query window):
// each row goes to the step holding its start, under the key of its
// shown property values. Rows whose keys coincide once shown (a stored
// "Azure" and "Microsoft") are added, as Kubecost adds equal keys.
func collect(props []Property, rows []query.Row, steps []cost.Window) []set {
	sets := make([]set, len(steps))
	for i, w := range steps {
		sets[i] = set{window: w, items: map[string]*item{}}
	}
	for _, row := range rows {
		j := sort.Search(len(steps), func(i int) bool { return steps[i].End.After(row.Start) })
		if j == len(steps) {
			continue
		}
		values := make([]string, len(props))
		for i, p := range props {
			if i < len(row.Keys) {
				values[i] = row.Keys[i]
			}
			if p.Dim == cost.DimProvider {
				values[i] = providerName(values[i])
			}
		}
		key := keyOf(values)
		it := sets[j].items[key]
		if it == nil {
			it = &item{key: key, values: values, window: cost.Window{Start: row.Start, End: row.End}}
			sets[j].items[key] = it
		}
		if row.Start.Before(it.window.Start) {
			it.window.Start = row.Start
		}
		if row.End.After(it.window.End) {
			it.window.End = row.End
		}
		for m := range numMetrics {
			if m < len(row.Values) {
				it.cost[m] = it.cost[m].Add(row.Values[m])
			}
			if m < len(row.Kubernetes) {
				it.k8s[m] = it.k8s[m].Add(row.Kubernetes[m])
			}
		}
	}
	return sets
}

// keyOf joins the values with "/", writing an empty value as
// __unallocated__ (§5.2).
func keyOf(values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		if v == "" {
			v = unallocated
		}
		parts[i] = v
	}
	return strings.Join(parts, "/")
}

// percent is the Kubernetes share of a summed cost: Σk8s/Σcost when the
// sum is positive, else 0 (§7), to 16 digits.
func percent(total, k8s decimal.Decimal) decimal.Decimal {
	if !total.IsPositive() {
		return decimal.Zero
	}
	return k8s.DivRound(total, pctDigits)
}

// sorted returns the items of s by cost of metric m descending, then by
// key, the order in which offset and limit page them.
func (s set) sorted(m int) []*item {
	out := make([]*item, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		if c := out[i].cost[m].Cmp(out[j].cost[m]); c != 0 {
			return c > 0
		}
		return out[i].key < out[j].key
	})
	return out
}

// page keeps items[offset:offset+limit] (limit 0: all after offset).
func page[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return items[:0]
	}
	items = items[offset:]
	if limit > 0 && limit < len(items) {
		items = items[:limit]
	}
	return items
}

type metricJSON struct {
	Cost              number `json:"cost"`
	KubernetesPercent number `json:"kubernetesPercent"`
}

// propertiesJSON holds the aggregated properties in OpenCost's field
// order, each omitted when empty.
type propertiesJSON struct {
	ProviderID        string            `json:"providerID,omitempty"`
	Provider          string            `json:"provider,omitempty"`
	AccountID         string            `json:"accountID,omitempty"`
	AccountName       string            `json:"accountName,omitempty"`
	InvoiceEntityID   string            `json:"invoiceEntityID,omitempty"`
	InvoiceEntityName string            `json:"invoiceEntityName,omitempty"`
	RegionID          string            `json:"regionID,omitempty"`
	AvailabilityZone  string            `json:"availabilityZone,omitempty"`
	Service           string            `json:"service,omitempty"`
	Category          string            `json:"category,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
}

type cloudCostJSON struct {
	Properties       propertiesJSON `json:"properties"`
	Window           windowJSON     `json:"window"`
	ListCost         metricJSON     `json:"listCost"`
	NetCost          metricJSON     `json:"netCost"`
	AmortizedNetCost metricJSON     `json:"amortizedNetCost"`
	InvoicedCost     metricJSON     `json:"invoicedCost"`
	AmortizedCost    metricJSON     `json:"amortizedCost"`
}

type setJSON struct {
	// CloudCosts is null for an empty set, as Kubecost documents.
	CloudCosts            map[string]cloudCostJSON `json:"cloudCosts"`
	Window                windowJSON               `json:"window"`
	AggregationProperties []string                 `json:"aggregationProperties"`
}

type rangeJSON struct {
	Sets []setJSON `json:"sets"`
	// Window is always {"start": "null", "end": "null"}: OpenCost never
	// sets the range's window and Kubecost documents these bytes.
	Window windowJSON `json:"window"`
}

// labels returns the label properties of it with a value, or nil.
func (it *item) labels(props []Property) map[string]string {
	var out map[string]string
	for i, p := range props {
		if p.Label != "" && it.values[i] != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[p.Label] = it.values[i]
		}
	}
	return out
}

// properties fills only the aggregated properties, as Kubecost's
// documented output shows (OpenCost would keep every property its
// members share).
func (it *item) properties(props []Property) propertiesJSON {
	var pj propertiesJSON
	for i, p := range props {
		v := it.values[i]
		switch p.Name {
		case "providerID":
			pj.ProviderID = v
		case "provider":
			pj.Provider = v
		case "accountID":
			pj.AccountID = v
		case "accountName":
			pj.AccountName = v
		case "invoiceEntityID":
			pj.InvoiceEntityID = v
		case "invoiceEntityName":
			pj.InvoiceEntityName = v
		case "regionID":
			pj.RegionID = v
		case "availabilityZone":
			pj.AvailabilityZone = v
		case "service":
			pj.Service = v
		case "category":
			pj.Category = v
		}
	}
	pj.Labels = it.labels(props)
	return pj
}

func (it *item) metric(m int) metricJSON {
	return metricJSON{Cost: number(it.cost[m]), KubernetesPercent: number(percent(it.cost[m], it.k8s[m]))}
}

func (it *item) json(props []Property) cloudCostJSON {
	return cloudCostJSON{
		Properties: it.properties(props), Window: windowOf(it.window),
		ListCost: it.metric(0), NetCost: it.metric(1), AmortizedNetCost: it.metric(2),
		InvoicedCost: it.metric(3), AmortizedCost: it.metric(4),
	}
}

func propertyNamesOf(props []Property) []string {
	out := make([]string, len(props))
	for i, p := range props {
		out[i] = p.Name
	}
	return out
}

// cloudCost serves GET /model/cloudCost. Offset and limit page the items
// of each set, ordered by amortizedNetCost (Kubecost's default metric)
// descending, so that limit=10 keeps the ten largest.
func (a *API) cloudCost(r *http.Request) (any, error) {
	req, err := ParseCloudCostRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	sets, err := a.fetch(r.Context(), req, req.Steps, query.StepDay)
	if err != nil {
		return nil, err
	}
	names := propertyNamesOf(req.Aggregate)
	out := rangeJSON{Sets: make([]setJSON, 0, len(sets)), Window: windowJSON{Start: "null", End: "null"}}
	for _, s := range sets {
		sj := setJSON{Window: windowOf(s.window), AggregationProperties: names}
		items := page(s.sorted(defaultMetric), req.Offset, req.Limit)
		if len(items) > 0 {
			sj.CloudCosts = make(map[string]cloudCostJSON, len(items))
			for _, it := range items {
				sj.CloudCosts[it.key] = it.json(req.Aggregate)
			}
		}
		out.Sets = append(out.Sets, sj)
	}
	return out, nil
}
