package kubecost

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestAnswerCurrency checks that an answer whose items share one billing
// currency is in that currency (Kubecost has no currency field), and that
// an answer mixing currencies is in USD, leaving out with a warning the
// items whose bill gives no USD value, on every path: a whole answer, a
// page (limit) and the views.
func TestAnswerCurrency(t *testing.T) {
	item := func(account, currency, billed, usd string) *cost.LineItem {
		li := storetest.Item(account, "svc", d(4, 22), billed)
		li.BillingCurrency = currency
		for m := range cost.NumMetrics {
			li.USD[m] = decimal.NullDecimal{}
			if usd != "" {
				li.USD[m] = decimal.NewNullDecimal(decimal.RequireFromString(usd))
			}
		}
		return li
	}
	nok := []*cost.LineItem{item("a", "NOK", "100.5", ""), item("b", "NOK", "20", "")}
	mixed := []*cost.LineItem{item("a", "NOK", "100.5", ""), item("b", "EUR", "20", "21.5"), item("c", "USD", "3", "3")}
	for _, c := range []struct {
		name  string
		items []*cost.LineItem
		path  string
		want  string // the invoiced costs in the body, in order of appearance
		warn  bool
	}{
		{"one currency", nok, "/model/cloudCost?window=week&aggregate=accountID&accumulate=true", `"a"…100.5 "b"…20`, false},
		{"one currency, a page", nok, "/model/cloudCost?window=week&aggregate=accountID&accumulate=true&limit=1", `"a"…100.5`, false},
		{"one currency, totals", nok, "/model/cloudCost/view/totals?window=week&aggregate=accountID", `120.5`, false},
		{"one currency, graph", nok, "/model/cloudCost/view/graph?window=week&aggregate=accountID&accumulate=true", `"a"…100.5 "b"…20`, false},
		{"mixed", mixed, "/model/cloudCost?window=week&aggregate=accountID&accumulate=true", `"b"…21.5 "c"…3`, true},
		{"mixed, a page", mixed, "/model/cloudCost?window=week&aggregate=accountID&accumulate=true&limit=1", `"b"…21.5`, true},
		{"mixed, totals", mixed, "/model/cloudCost/view/totals?window=week&aggregate=accountID", `24.5`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, body, header := serveItemsHeader(t, c.items, c.path)
			text := string(body)
			last := 0
			for _, part := range strings.Split(c.want, " ") {
				key, amount, keyed := strings.Cut(part, "…")
				if !keyed {
					amount = key
				} else if i := strings.Index(text[last:], key); i < 0 {
					t.Fatalf("%s: no %s after offset %d in %s", c.path, key, last, body)
				} else {
					last += i
				}
				i := strings.Index(text[last:], amount)
				if i < 0 {
					t.Fatalf("%s: no %s after offset %d in %s", c.path, amount, last, body)
				}
				last += i
			}
			// Kubecost has no currency field: a code shows only in the
			// warning, which names what was not converted.
			if data, _, _ := strings.Cut(text, `"warning"`); strings.Contains(data, "NOK") {
				t.Errorf("a currency code in the data: %s", body)
			}
			warned := strings.Contains(header.Get("Warning"), "not included") || strings.Contains(text, "not included")
			if warned != c.warn {
				t.Errorf("%s: warned %v, want %v (%s %v)", c.path, warned, c.warn, body, header)
			}
			if !json.Valid(body) {
				t.Fatalf("%s: not JSON: %s", c.path, body)
			}
		})
	}
}

// serveItemsHeader is serveItems returning the response headers too.
func serveItemsHeader(t *testing.T, items []*cost.LineItem, path string) (*recorder, []byte, http.Header) {
	t.Helper()
	rec, mux := muxItems(t, items)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, principalRequest(path))
	if w.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", path, w.Code, w.Body)
	}
	return rec, w.Body.Bytes(), w.Header()
}
