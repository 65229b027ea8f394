package server

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The filter probes: every endpoint that takes a filter in the Kubecost
// filter language, asked by every caller with every generated filter
// (filtergen_test.go). A scoped caller's answer must be the answer over
// its own rows: the total of the rows its window selects, in its scope,
// that the filter matches, and no hidden account named. Administrators
// are held to the window and the snapshot selection the same way.

// filterEndpoint is an endpoint that takes filter=, with the reader of
// the caller's total from its body.
type filterEndpoint struct {
	name, path string
	lang       dialect
	total      func(body string) (int, error)
}

// filterEndpoints are the native and Kubecost endpoints that filter.
func filterEndpoints() []filterEndpoint {
	return []filterEndpoint{
		{"native costs", "/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed", nativeFilters, nativeTotal},
		{"native costs by account and day", "/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed&groupBy=subAccountId&step=day", nativeFilters, nativeTotal},
		{"kubecost cloudCost", kcWindow("/model/cloudCost", "aggregate=accountID&accumulate=true"), kubecostFilters, probeTotal("kubecost cloudCost")},
		{"kubecost cloudCost daily", kcWindow("/model/cloudCost", ""), kubecostFilters, probeTotal("kubecost cloudCost")},
		{"kubecost totals view", kcWindow("/model/cloudCost/view/totals", "costMetric=invoicedCost"), kubecostFilters, probeTotal("kubecost totals view")},
		{"kubecost table view", kcWindow("/model/cloudCost/view/table", "aggregate=accountID&costMetric=invoicedCost"), kubecostFilters, probeTotal("kubecost table view")},
		{"kubecost table view as CSV", kcWindow("/model/cloudCost/view/table", "aggregate=accountID&costMetric=invoicedCost&format=csv"), kubecostFilters, csvTotal},
		{"kubecost graph view", kcWindow("/model/cloudCost/view/graph", "aggregate=accountID&costMetric=invoicedCost"), kubecostFilters, graphTotal},
	}
}

func TestFilterProbes(t *testing.T) {
	w := newWorld(t)
	for _, e := range filterEndpoints() {
		t.Run(e.name, func(t *testing.T) {
			// The endpoints share one world and only read it.
			t.Parallel()
			log := cases{t: t}
			rows := selectedRows(t, e.path)
			for _, f := range generatedFilters(e.lang) {
				path := e.path + "&" + url.Values{"filter": {f.text(e.lang, true)}}.Encode()
				set := func(r row) bool { return rows(r) && f.match(e.lang, r) }
				for _, caller := range callers {
					w.checkTotal(t, &log, caller, path, describe(e.lang, f), set, e.total)
				}
			}
			log.done()
		})
	}
}

// checkTotal asks path as caller and checks that the answer is 200,
// names no account hidden from caller and totals the rows of set in its
// scope.
func (w *world) checkTotal(t *testing.T, log *cases, caller, path, what string, set rowSet, total func(string) (int, error)) {
	t.Helper()
	code, body := w.do(t, caller, http.MethodGet, path)
	if code != http.StatusOK {
		log.fail("%s as %s: status %d: %.300s", what, caller, code, body)
		return
	}
	want, hidden := w.expected(caller, set)
	for _, h := range hidden {
		if strings.Contains(body, h) {
			log.fail("%s as %s: the body names %s, outside its scope: %.300s", what, caller, h, body)
			return
		}
	}
	got, err := total(body)
	switch {
	case err != nil:
		log.fail("%s as %s: %v: %.300s", what, caller, err, body)
	case got != want:
		log.fail("%s as %s: total %d, want %d (%s)", what, caller, got, want, leaked(got-want))
	default:
		log.pass()
	}
}

// leaked names the world's costs a wrong total is made of: every cost is
// a distinct power of two, so the bits of the difference tell which rows
// were added (or, for a negative difference, left out).
func leaked(diff int) string {
	sign := "extra"
	if diff < 0 {
		sign, diff = "missing", -diff
	}
	var bits []string
	for b := 0; diff > 0; b++ {
		if diff&1 == 1 {
			bits = append(bits, "2^"+strconv.Itoa(b))
		}
		diff >>= 1
	}
	return sign + " " + strings.Join(bits, "+")
}

// cases counts the cases of one subtest and reports the first few that
// fail in full, then how many failed: a bug that breaks hundreds of
// cases stays readable.
type cases struct {
	t              *testing.T
	passed, failed int
}

const shownFailures = 6

func (c *cases) pass() { c.passed++ }

func (c *cases) fail(format string, args ...any) {
	c.t.Helper()
	if c.failed < shownFailures {
		c.t.Errorf(format, args...)
	}
	c.failed++
}

func (c *cases) done() {
	c.t.Helper()
	if c.failed > 0 {
		c.t.Errorf("%d of %d cases failed", c.failed, c.failed+c.passed)
	} else {
		c.t.Logf("%d cases", c.passed)
	}
}

// probeTotal is the total reader of the isolation probe named name.
func probeTotal(name string) func(string) (int, error) {
	for _, p := range isolationProbes {
		if p.name == name && p.total != nil {
			return p.total
		}
	}
	panic("no isolation probe " + name + " with a total")
}

// nativeTotal adds the billed cost of the native costs response's data
// rows, which must come to its totals.
func nativeTotal(body string) (int, error) {
	type costRow struct {
		Costs map[string]string `json:"costs"`
	}
	var out struct {
		Data   []costRow `json:"data"`
		Totals []costRow `json:"totals"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return 0, err
	}
	var sums [2]int
	for i, rows := range [][]costRow{out.Data, out.Totals} {
		for _, r := range rows {
			n, err := strconv.Atoi(r.Costs["billed"])
			if err != nil {
				return 0, fmt.Errorf("billed %q: %w", r.Costs["billed"], err)
			}
			sums[i] += n
		}
	}
	if sums[0] != sums[1] {
		return 0, fmt.Errorf("the rows add up to %d, the totals to %d", sums[0], sums[1])
	}
	return sums[0], nil
}

// csvTotal adds the Total column of the Kubecost table view's CSV.
func csvTotal(body string) (int, error) {
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 0, fmt.Errorf("no header")
	}
	col := -1
	for i, h := range recs[0] {
		if h == "Total" {
			col = i
		}
	}
	if col < 0 {
		return 0, fmt.Errorf("no Total column in %v", recs[0])
	}
	sum := 0.0
	for _, r := range recs[1:] {
		f, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			return 0, err
		}
		sum += f
	}
	return int(math.Round(sum)), nil
}

// graphTotal adds the values of every item of every step of the Kubecost
// graph view.
func graphTotal(body string) (int, error) {
	var out struct {
		Data []struct {
			Items []struct {
				Value float64 `json:"value"`
			} `json:"items"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return 0, err
	}
	sum := 0.0
	for _, s := range out.Data {
		for _, it := range s.Items {
			sum += it.Value
		}
	}
	return int(math.Round(sum)), nil
}
