package cloudkitty

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestQueryAssemblyProperty checks the dialect's query assembly (window,
// tenant and service, groupby, filters, paging, and the caller's scope)
// against the reference evaluator of property_ref_test.go: random rated
// points are written with frames.Write, random requests are sent over
// HTTP, each also with a key scoped to a random subset of the scopes
// (X-Test-Accounts), and every answer must equal the reference's over
// exactly the points of the scopes the caller sees, whatever the
// request's filters name. Golden files only check the cases someone
// thought of. The seed is logged; TALLY_PROPERTY_SEED replays a run.
func TestQueryAssemblyProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TALLY_PROPERTY_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TALLY_PROPERTY_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with TALLY_PROPERTY_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	began := time.Now()
	s := newTestServer(t, rating.Config{})
	points := genPoints(rng, 200, 40)
	ctx := context.Background()
	for scope, fs := range framesOf(points) {
		if _, err := frames.Write(ctx, s.store, scope, "USD", fs...); err != nil {
			t.Fatal(err)
		}
	}
	// Another provider's items in the same accounts and hours, which no
	// CloudKitty answer may count.
	storetest.Load(t, s.store, "aws", storetest.Item("p1", "instance", propDays[6].Add(10*time.Hour), "1000"),
		storetest.Item("p2", "volume", propDays[3].Add(10*time.Hour), "1000"))

	t.Logf("%d points written in %v", len(points), time.Since(began).Round(time.Millisecond))
	pc := &propCase{s: s, rng: rng, points: points, nonEmpty: map[string]int{}}
	checks := []struct {
		name string
		n    int
		fn   func(*testing.T, *propCase)
	}{
		{"v1 report/total", 60, checkV1Total},
		{"v1 report/summary", 60, checkV1Summary},
		{"v1 storage/dataframes", 40, checkV1Storage},
		{"v2 dataframes", 50, checkV2Dataframes},
		{"v2 summary", 120, checkV2Summary},
	}
	for _, c := range checks {
		began := time.Now()
		for i := range c.n {
			pc.newCaller()
			pc.label = fmt.Sprintf("%s #%d (seed %d, accounts %q)", c.name, i, seed, pc.accounts)
			c.fn(t, pc)
			if t.Failed() {
				return
			}
		}
		t.Logf("%s: %d requests in %v", c.name, c.n, time.Since(began).Round(time.Millisecond))
	}
	t.Logf("requests with data in the expected answer: %v", pc.nonEmpty)
	t.Logf("v2 summary requests skipped as a known divergence (week labels): %d", pc.skipped)
}

// propCase is the state of one random request: the caller's accounts
// (X-Test-Accounts, "" for the unscoped administrator) and the points it
// sees.
type propCase struct {
	s        *testServer
	rng      *rand.Rand
	points   []refPoint
	accounts string
	visible  []refPoint
	label    string
	skipped  int
	// nonEmpty counts, per check, the requests whose expected answer
	// has data (logged, so that a generator drifting into empty answers
	// shows).
	nonEmpty map[string]int
}

// newCaller picks the caller: the administrator (every scope) or a key
// scoped to a random subset of the scopes, at times with an account
// that has no rated data.
func (c *propCase) newCaller() {
	c.accounts = ""
	seen := map[string]bool{}
	if c.rng.IntN(4) > 0 {
		var accts []string
		for _, sc := range append(slices.Clone(propScopes), "p3") {
			if c.rng.IntN(3) == 0 {
				accts = append(accts, sc)
			}
		}
		if len(accts) == 0 {
			accts = []string{propScopes[c.rng.IntN(len(propScopes))]}
		}
		c.accounts = strings.Join(accts, ",")
		for _, a := range accts {
			seen[a] = true
		}
	}
	c.visible = c.visible[:0]
	for _, r := range c.points {
		if c.accounts == "" || seen[r.scope] {
			c.visible = append(c.visible, r)
		}
	}
}

// get sends GET path with the caller's header; body is sent as JSON when
// not empty (v1 binds arguments from a body too).
func (c *propCase) get(t *testing.T, path, body string) response {
	t.Helper()
	var h []string
	if c.accounts != "" {
		h = []string{"X-Test-Accounts", c.accounts}
	}
	return c.s.call(t, "GET", path, body, h...)
}

func (c *propCase) pick(xs []string) string { return xs[c.rng.IntN(len(xs))] }

// randInstant is a window bound: a rated period's start, middle or
// end, a rating day's midnight, an hour boundary, an unaligned half
// hour, the next midnight, or a month's start.
func (c *propCase) randInstant() time.Time {
	if c.rng.IntN(2) == 0 {
		// A rated period's start, its middle or its end.
		r := c.points[c.rng.IntN(len(c.points))]
		return r.start.Add(time.Duration(c.rng.IntN(3)) * 30 * time.Minute)
	}
	if c.rng.IntN(6) == 0 {
		return c.pickTime([]time.Time{day(2024, 1, 1), day(2024, 2, 1), day(2023, 12, 1), day(2024, 3, 1)})
	}
	d := propDays[c.rng.IntN(len(propDays))]
	offs := []time.Duration{0, 10 * time.Hour, 10*time.Hour + 30*time.Minute, 23 * time.Hour, 24 * time.Hour}
	return d.Add(offs[c.rng.IntN(len(offs))])
}

func (c *propCase) pickTime(xs []time.Time) time.Time { return xs[c.rng.IntN(len(xs))] }

// randWindow returns begin and end as sent ("" when omitted) and the
// window they mean (the current month, testNow's, for omitted bounds).
func (c *propCase) randWindow(v2 bool) (begin, end string, w refWindow) {
	w.start, w.end = monthOf(testNow)
	format := func(t time.Time) string {
		if v2 {
			return c.pick([]string{t.Format("2006-01-02T15:04:05"), t.Format("2006-01-02T15:04:05+00:00"),
				t.In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05-07:00")})
		}
		return c.pick([]string{t.Format("2006-01-02T15:04:05"), t.Format("2006-01-02 15:04:05"), t.Format(time.RFC3339),
			t.In(time.FixedZone("", -5*3600)).Format(time.RFC3339)})
	}
	a, b := c.randInstant(), c.randInstant()
	if b.Before(a) && c.rng.IntN(5) > 0 {
		// Mostly windows that can hold data; at times begin > end.
		a, b = b, a
	}
	if c.rng.IntN(5) > 0 {
		w.start = a
		begin = format(w.start)
	}
	if c.rng.IntN(5) > 0 {
		w.end = b
		end = format(w.end)
	}
	return begin, end, w
}

// v1Args sends v1 arguments in the query string or, at times, as a JSON
// body of the GET (upstream binds either).
func (c *propCase) v1Request(t *testing.T, path string, params [][2]string) response {
	t.Helper()
	if c.rng.IntN(4) == 0 {
		body := map[string]string{}
		for _, p := range params {
			body[p[0]] = p[1]
		}
		b, _ := json.Marshal(body)
		return c.get(t, path, string(b))
	}
	q := url.Values{}
	for _, p := range params {
		q.Set(p[0], p[1])
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return c.get(t, path, "")
}

// v1Common draws begin, end, tenant_id, service (or resource_type) and
// all_tenants.
func (c *propCase) v1Common(typeParam string) (params [][2]string, w refWindow, tenant, service string) {
	begin, end, w := c.randWindow(false)
	if begin != "" {
		params = append(params, [2]string{"begin", begin})
	}
	if end != "" {
		params = append(params, [2]string{"end", end})
	}
	if c.rng.IntN(2) == 0 {
		tenant = c.pick(append(slices.Clone(propScopes), "p3", "p"))
		params = append(params, [2]string{"tenant_id", tenant})
	}
	if c.rng.IntN(2) == 0 {
		service = c.pick(append(slices.Clone(propTypes), "nope"))
		params = append(params, [2]string{typeParam, service})
	}
	if typeParam == "service" && c.rng.IntN(3) == 0 {
		params = append(params, [2]string{"all_tenants", c.pick([]string{"true", "True", "1", "false"})})
	}
	return params, w, tenant, service
}

func checkV1Total(t *testing.T, c *propCase) {
	params, w, tenant, service := c.v1Common("service")
	res := c.v1Request(t, "/v1/report/total", params)
	// The total is exact (the summary's rate is rounded).
	want := decimal.Zero
	if !w.empty() {
		for _, r := range c.visible {
			if w.inByStart(r) && (tenant == "" || r.scope == tenant) && (service == "" || r.typ == service) {
				want = want.Add(r.p.Price)
			}
		}
	}
	if !want.IsZero() {
		c.nonEmpty["total"]++
	}
	var got string
	c.expectOK(t, res, params, &got)
	if d, err := decimal.NewFromString(got); err != nil || !d.Equal(want) {
		t.Errorf("%s: GET report/total %v = %q, want %s", c.label, params, got, want)
	}
}

func checkV1Summary(t *testing.T, c *propCase) {
	params, w, tenant, service := c.v1Common("service")
	gb := c.pick([]string{"", "tenant_id", "res_type", "tenant_id,res_type", "res_type,tenant_id", "res_typetenant_id", "nothing"})
	if gb != "" {
		params = append(params, [2]string{"groupby", gb})
	}
	res := c.v1Request(t, "/v1/report/summary", params)
	var got struct{ Summary []summaryRow }
	c.expectOK(t, res, params, &got)
	want := refV1Summary(c.visible, w, tenant, service, strings.Contains(gb, "tenant_id"), strings.Contains(gb, "res_type"))
	if len(want) > 0 {
		c.nonEmpty["summary"]++
	}
	if len(got.Summary) != len(want) {
		t.Errorf("%s: GET report/summary %v: %d rows, want %d\n got %+v\nwant %+v", c.label, params, len(got.Summary), len(want), got.Summary, want)
		return
	}
	for i := range want {
		g, wr := got.Summary[i], want[i]
		rate, err := decimal.NewFromString(g.Rate)
		if err != nil || !rate.Equal(decimal.RequireFromString(wr.Rate)) || g.Begin != wr.Begin || g.End != wr.End || g.TenantID != wr.TenantID || g.ResType != wr.ResType {
			t.Errorf("%s: GET report/summary %v row %d = %+v, want %+v", c.label, params, i, g, wr)
		}
	}
}

func checkV1Storage(t *testing.T, c *propCase) {
	params, w, tenant, typ := c.v1Common("resource_type")
	res := c.v1Request(t, "/v1/storage/dataframes", params)
	var got struct {
		Dataframes []struct {
			Begin     string       `json:"begin"`
			End       string       `json:"end"`
			TenantID  string       `json:"tenant_id"`
			Resources []v1Resource `json:"resources"`
		}
	}
	c.expectOK(t, res, params, &got)
	var want, have []string
	if !w.empty() {
		for _, r := range c.visible {
			if w.inWhole(r) && (tenant == "" || r.scope == tenant) && (typ == "" || r.typ == typ) {
				want = append(want, canon(v1Time(r.start), v1Time(r.end), r.typ, r.scope, r.p.Qty, r.p.Price, r.p.Desc(), nil))
			}
		}
	}
	if len(want) > 0 {
		c.nonEmpty["storage"]++
	}
	frameKeys := map[string]bool{}
	for _, f := range got.Dataframes {
		if len(f.Resources) == 0 {
			t.Errorf("%s: a frame without resources: %+v", c.label, f)
		}
		k := f.TenantID + "|" + f.Begin + "|" + f.End + "|"
		if len(f.Resources) > 0 {
			k += f.Resources[0].Service
		}
		if frameKeys[k] {
			t.Errorf("%s: two frames of one scope, period and type %q", c.label, k)
		}
		frameKeys[k] = true
		for _, rs := range f.Resources {
			if rs.Service != f.Resources[0].Service {
				t.Errorf("%s: frame %q mixes types: %+v", c.label, k, f.Resources)
			}
			have = append(have, canon(f.Begin, f.End, rs.Service, f.TenantID, decimal.RequireFromString(rs.Volume), decimal.RequireFromString(rs.Rating), rs.Desc, nil))
		}
	}
	sameMultiset(t, c.label+": GET storage/dataframes "+fmt.Sprint(params), have, want)
}

// expectOK fails unless res is a 200 with a JSON body, decoded into v.
func (c *propCase) expectOK(t *testing.T, res response, req any, v any) {
	t.Helper()
	if res.Status != 200 {
		t.Fatalf("%s: %v: status %d: %s", c.label, req, res.Status, res.Body)
	}
	dec := json.NewDecoder(bytes.NewReader(res.Body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v: %v in %s", c.label, req, err, res.Body)
	}
}

// sameMultiset fails when got and want differ as multisets, naming the
// elements only one side has.
func sameMultiset(t *testing.T, what string, got, want []string) {
	t.Helper()
	n := map[string]int{}
	for _, g := range got {
		n[g]++
	}
	for _, w := range want {
		n[w]--
	}
	var extra, missing []string
	for _, k := range sortedKeys(n) {
		for i := n[k]; i > 0; i-- {
			extra = append(extra, k)
		}
		for i := n[k]; i < 0; i++ {
			missing = append(missing, k)
		}
	}
	if len(extra)+len(missing) > 0 {
		t.Errorf("%s: %d answered, %d expected\nnot expected: %q\nmissing: %q", what, len(got), len(want), extra, missing)
	}
}
