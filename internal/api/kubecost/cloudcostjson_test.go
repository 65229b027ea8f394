package kubecost

import (
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// The structures encoding/json rendered the cloudCost answer from before
// cloudCostWriter, kept as the reference its bytes are compared with.

type metricJSON struct {
	Cost              json.Number `json:"cost"`
	KubernetesPercent json.Number `json:"kubernetesPercent"`
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

// properties fills only the aggregated properties, as Kubecost's
// documented output shows (OpenCost would keep every property its
// members share).
func (it *item) properties(props []Property) propertiesJSON {
	var pj propertiesJSON
	for i, p := range props {
		v := propertyValue(it.values[i])
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

// referenceRange is the answer as cloudCost built it for encoding/json.
func referenceRange(sets []set, props []Property) rangeJSON {
	names := propertyNamesOf(props)
	out := rangeJSON{Sets: make([]setJSON, 0, len(sets)), Window: windowJSON{Start: "null", End: "null"}}
	for _, s := range sets {
		sj := setJSON{Window: windowOf(s.window), AggregationProperties: names}
		if items := s.items; len(items) > 0 {
			sj.CloudCosts = make(map[string]cloudCostJSON, len(items))
			for _, it := range items {
				sj.CloudCosts[it.key] = it.json(props)
			}
		}
		out.Sets = append(out.Sets, sj)
	}
	return out
}

// textPieces are what random strings are made of: what encoding/json
// escapes (HTML characters, quotes, backslashes, control characters,
// U+2028 and U+2029, invalid UTF-8: a stray byte, a cut sequence, an
// encoded surrogate) and what it does not (DEL, non-ASCII, "/").
var textPieces = []string{
	"", "a", "Z9", " ", "<", ">", "&", `"`, `\`, "/", "\x00", "\x1f", "\b", "\f", "\n", "\r", "\t", "\x7f",
	"\u2028", "\u2029", "é", "日本", "😀", "\xff", "\xe2\x80", "\xed\xa0\x80", unallocated, "Other",
}

// randText joins up to four pieces; n bounds the choice of pieces, so
// that a small n makes equal strings (shared keys and labels) likely.
func randText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range rng.IntN(5) {
		b.WriteString(textPieces[rng.IntN(min(n, len(textPieces)))])
	}
	return b.String()
}

// TestAppendString compares appendString with encoding/json over random
// strings of the pieces and of random bytes.
func TestAppendString(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 20000 {
		s := randText(rng, len(textPieces))
		if i%2 == 0 {
			b := make([]byte, rng.IntN(12))
			for j := range b {
				b[j] = byte(rng.IntN(256))
			}
			s = string(b)
		}
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got[1:], want)
		}
	}
}

// randAnswer is a random cloudCost answer and its aggregate: canonical
// properties in any order, labels whose names may repeat (label:x and
// a perspective named x), keys that may repeat within a set (merged as
// fetch merges them), values that may be empty, decimals of every size
// and sign, empty sets.
func randAnswer(rng *rand.Rand) ([]set, []Property) {
	var props []Property
	for _, i := range rng.Perm(len(propertyNames))[:rng.IntN(4)] {
		props = append(props, Property{Name: propertyNames[i]})
	}
	// Some aggregates past 12 labels, where an unstable sort would
	// reorder labels sharing a name.
	labels := rng.IntN(4)
	if rng.IntN(20) == 0 {
		labels = 13 + rng.IntN(8)
	}
	for range labels {
		l := randText(rng, 8)
		props = append(props, Property{Name: "label:" + l, Label: l})
		if rng.IntN(3) == 0 {
			props = append(props, Property{Name: "perspective:" + l, Label: l})
		}
	}
	rng.Shuffle(len(props), func(i, j int) { props[i], props[j] = props[j], props[i] })
	day := func() time.Time { return time.Date(2024, 1, 1+rng.IntN(400), 0, 0, 0, 0, time.UTC) }
	money := func() decimal.Decimal {
		if rng.IntN(4) == 0 {
			return decimal.Zero
		}
		return randDecimal(rng)
	}
	sets := make([]set, rng.IntN(4))
	for i := range sets {
		sets[i].window = cost.Window{Start: day(), End: day()}
		// Mostly small sets; some past 12 items, where the sort is no
		// longer an insertion sort.
		n := rng.IntN(7)
		if rng.IntN(10) == 0 {
			n = 13 + rng.IntN(20)
		}
		for range n {
			it := &item{values: make([]string, len(props))}
			for j := range it.values {
				it.values[j] = randText(rng, 10)
			}
			it.key = keyOf(it.values)
			if rng.IntN(8) == 0 {
				it.key = "Other"
			}
			if rng.IntN(5) > 0 {
				it.window = cost.Window{Start: day(), End: day()}
			}
			for m := range numMetrics {
				it.cost[m], it.k8s[m] = money(), money()
				if rng.IntN(3) == 0 {
					it.cost[m] = it.cost[m].Abs()
				}
			}
			sets[i].items = append(sets[i].items, it)
		}
		sets[i].items = mergeShared(sets[i].items)
	}
	return sets, props
}

// TestCloudCostJSON compares what handle writes for cloudCostWriter's
// answer, with or without warnings, with json.Marshal of the envelope
// around the reference structures, over random answers.
func TestCloudCostJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	a := New(nil, nil, slog.New(slog.DiscardHandler))
	for range 3000 {
		sets, props := randAnswer(rng)
		msgs := make([]string, rng.IntN(3))
		for i := range msgs {
			msgs[i] = randText(rng, len(textPieces))
		}
		want, err := json.Marshal(envelope{Code: http.StatusOK, Data: referenceRange(sets, props), Warning: strings.Join(msgs, "; ")})
		if err != nil {
			t.Fatal(err)
		}
		h := a.handle(func(r *http.Request) (any, error) {
			for _, m := range msgs {
				warn(r.Context(), m)
			}
			return jsonData(newCloudCostWriter(props).appendRange(nil, sets)), nil
		})
		rec := httptest.NewRecorder()
		h(rec, httptest.NewRequest(http.MethodGet, "/model/cloudCost", nil))
		if got := rec.Body.String(); got != string(want)+"\n" {
			t.Fatalf("props %q, warnings %q:\n got %s\nwant %s", props, msgs, got, want)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
	}
}
