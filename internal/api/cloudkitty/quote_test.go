package cloudkitty

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/modules"
)

// rulesFrom is before testNow: quote rates at the test clock, and rules
// created through the Book (whose clock is the wall clock) must already
// be active then.
var rulesFrom = testNow.Add(-24 * time.Hour)

// quoteRules builds hashmap rules by name through the Book.
type quoteRules struct {
	t      *testing.T
	b      *hashmap.Book
	svc    map[string]string
	fields map[string]string
	groups map[string]string
}

func (q *quoteRules) service(name string) string {
	if id, ok := q.svc[name]; ok {
		return id
	}
	s, err := q.b.CreateService(context.Background(), name)
	if err != nil {
		q.t.Fatal(err)
	}
	q.svc[name] = s.ID
	return s.ID
}

func (q *quoteRules) field(svc, name string) string {
	if id, ok := q.fields[svc+"/"+name]; ok {
		return id
	}
	f, err := q.b.CreateField(context.Background(), q.service(svc), name)
	if err != nil {
		q.t.Fatal(err)
	}
	q.fields[svc+"/"+name] = f.ID
	return f.ID
}

func (q *quoteRules) group(name string) string {
	if name == "" {
		return ""
	}
	if id, ok := q.groups[name]; ok {
		return id
	}
	g, err := q.b.CreateGroup(context.Background(), name)
	if err != nil {
		q.t.Fatal(err)
	}
	q.groups[name] = g.ID
	return g.ID
}

// mapping adds a mapping on service svc, or on its field when field is
// not empty; typ is "flat" or "rate".
func (q *quoteRules) mapping(svc, field, value, typ, cost, group, tenant string) {
	m := hashmap.Mapping{Value: value, Type: hashmap.MapType(typ), Cost: decimal.RequireFromString(cost),
		GroupID: q.group(group), TenantID: tenant, Start: rulesFrom}
	if field == "" {
		m.ServiceID = q.service(svc)
	} else {
		m.FieldID = q.field(svc, field)
	}
	if _, err := q.b.CreateMapping(context.Background(), m, hashmap.WriteOptions{Force: true}); err != nil {
		q.t.Fatal(err)
	}
}

func (q *quoteRules) threshold(svc, field, level, typ, cost, group string) {
	th := hashmap.Threshold{Level: decimal.RequireFromString(level), Type: hashmap.MapType(typ),
		Cost: decimal.RequireFromString(cost), GroupID: q.group(group)}
	if field == "" {
		th.ServiceID = q.service(svc)
	} else {
		th.FieldID = q.field(svc, field)
	}
	if _, err := q.b.CreateThreshold(context.Background(), th); err != nil {
		q.t.Fatal(err)
	}
}

func newQuoteServer(t *testing.T) (*testServer, *quoteRules) {
	s := newTestServer(t, rating.Config{})
	// Scripts start when they are created (≥23): the rules' clock is the
	// quote's, as both are time.Now in production.
	s.rating.Book.SetClock(func() time.Time { return testNow })
	return s, &quoteRules{t: t, b: s.rating.Book, svc: map[string]string{}, fields: map[string]string{}, groups: map[string]string{}}
}

// TestQuoteWorkedExamples: the digest's §7.3 examples priced by POST
// /v1/rating/quote, each with both desc shapes: upstream's {groupby,
// metadata} and the flat desc the Horizon dashboard posts. A quote uses
// global rules only, so in the g1 example the tenant's flat 1.5 does not
// replace the global rate 2 (which alone gives 0): 4.116 instead of
// the processor's 94.116 for that tenant.
func TestQuoteWorkedExamples(t *testing.T) {
	cases := []struct {
		name  string
		rules func(q *quoteRules)
		svc   string
		qty   string
		desc  map[string]string
		want  string
	}{
		{"service flat", func(q *quoteRules) {
			q.mapping("volume", "", "", "flat", "0.5", "", "")
		}, "volume", "2", nil, "1"},
		{"field rate multiplies the service flat", func(q *quoteRules) {
			q.mapping("volume", "", "", "flat", "0.5", "", "")
			q.mapping("volume", "size_gb", "5", "rate", "4", "", "")
		}, "volume", "2", map[string]string{"size_gb": "5"}, "4"},
		{"field flat threshold", func(q *quoteRules) {
			q.mapping("volume", "", "", "flat", "0.5", "", "")
			q.threshold("volume", "size_gb", "10", "flat", "0.1", "")
		}, "volume", "2", map[string]string{"size_gb": "50"}, "1.2"},
		{"only the highest threshold", func(q *quoteRules) {
			q.mapping("volume", "", "", "flat", "0.5", "", "")
			q.threshold("volume", "size_gb", "10", "flat", "0.1", "")
			q.threshold("volume", "size_gb", "100", "rate", "2", "")
		}, "volume", "2", map[string]string{"size_gb": "150"}, "2"},
		{"g1, global rules only", func(q *quoteRules) {
			q.mapping("compute", "flavor", "m1.large", "flat", "0.07", "g1", "")
			q.threshold("compute", "", "50", "rate", "0.98", "g1")
			q.mapping("compute", "", "", "rate", "2", "", "")
			q.mapping("compute", "", "", "flat", "1.5", "", "tenant-a")
		}, "compute", "60", map[string]string{"flavor": "m1.large"}, "4.116"},
		{"groups add", func(q *quoteRules) {
			q.mapping("compute", "", "", "flat", "1.337", "A", "")
			q.mapping("compute", "", "", "flat", "1.42", "", "")
		}, "compute", "1", nil, "2.757"},
		{"service thresholds, qty 1", func(q *quoteRules) {
			q.threshold("compute", "", "1", "flat", "0.1", "")
			q.threshold("compute", "", "2", "flat", "0.15", "")
		}, "compute", "1", nil, "0.1"},
		{"service thresholds, qty 2", func(q *quoteRules) {
			q.threshold("compute", "", "1", "flat", "0.1", "")
			q.threshold("compute", "", "2", "flat", "0.15", "")
		}, "compute", "2", nil, "0.15"},
		{"field thresholds, memory 64", func(q *quoteRules) {
			q.threshold("compute", "memory", "64", "flat", "0.1337", "")
			q.threshold("compute", "memory", "128", "flat", "0.2", "")
		}, "compute", "1", map[string]string{"memory": "64"}, "0.1337"},
		{"field thresholds, memory 128", func(q *quoteRules) {
			q.threshold("compute", "memory", "64", "flat", "0.1337", "")
			q.threshold("compute", "memory", "128", "flat", "0.2", "")
		}, "compute", "2", map[string]string{"memory": "128"}, "0.4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, q := newQuoteServer(t)
			c.rules(q)
			var kv []string
			for k, v := range c.desc {
				kv = append(kv, `"`+k+`": "`+v+`"`)
			}
			flat := "{" + strings.Join(kv, ", ") + "}"
			shapes := map[string]string{
				"metadata": `{"metadata": ` + flat + `}`,
				"groupby":  `{"groupby": ` + flat + `, "metadata": {}}`,
				"flat":     flat,
			}
			for _, enabled := range []bool{true, false} {
				if err := s.rating.Modules.Set(context.Background(), "hashmap", &enabled, nil); err != nil {
					t.Fatal(err)
				}
				want := `"` + c.want + `"`
				if !enabled {
					want = `"0"`
				}
				for shape, desc := range shapes {
					body := `{"resources": [{"service": "` + c.svc + `", "volume": "` + c.qty + `", "desc": ` + desc + `}]}`
					r := s.call(t, "POST", "/v1/rating/quote", body)
					if r.Status != 200 || string(r.Body) != want {
						t.Errorf("hashmap enabled %v, %s desc: %d %s, want %s", enabled, shape, r.Status, r.Body, want)
					}
				}
			}
		})
	}
}

// TestQuote: the transcript of the quote endpoint's shapes and errors,
// with hashmap and a script enabled (the script runs after hashmap, at
// a lower priority, and adds a fixed fee per resource).
func TestQuote(t *testing.T) {
	s, q := newQuoteServer(t)
	q.mapping("instance", "", "", "flat", "0.5", "", "")
	q.mapping("instance", "flavor", "m1.small", "flat", "1.25", "", "")
	q.mapping("instance", "vcpus", "2", "rate", "3", "", "")
	ctx := context.Background()
	on, two := true, 2
	if err := s.rating.Modules.Set(ctx, "hashmap", &on, &two); err != nil {
		t.Fatal(err)
	}
	s.script(t, "modules/quote", []step{
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": []}`},
		{Method: "POST", Path: "/v1/rating/quote", Body: `{}`},
		// Upstream's shape: flat keys under desc are ignored.
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": [{"service": "instance", "volume": 2, "desc": {"flavor": "ignored", "metadata": {"flavor": "m1.small"}}}]}`},
		// The dashboard's flat desc; 2 as a number matches the value "2".
		{Method: "POST", Path: "/v1/rating/quote/", Body: `{"resources": [{"service": "instance", "volume": "1", "desc": {"flavor": "m1.small", "vcpus": 2, "ram": 2048}}]}`},
		// 2.0 is not "2" (exact string match, as Python's str()).
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": [{"service": "instance", "volume": "1", "desc": {"vcpus": 2.0}}]}`},
		// Several resources add up; an unknown service prices 0.
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": [{"service": "instance", "volume": "1", "desc": {}}, {"service": "instance", "volume": "0.1", "desc": {"groupby": {"flavor": "m1.small"}}}, {"service": "nothing", "volume": "9"}]}`},
		{Method: "POST", Path: "/v1/rating/module_config/pyscripts/scripts", Body: `{"name": "fee", "data": "price + dec(\"0.01\")"}`},
		{Method: "PUT", Path: "/v2/rating/modules/pyscripts", Body: `{"enabled": true, "priority": 1}`},
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": [{"service": "instance", "volume": "1", "desc": {}}, {"service": "nothing", "volume": "9"}]}`},
		// Errors.
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": [{"service": "instance", "volume": "lots"}]}`},
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": [{"service": "instance"}]}`},
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": [{"service": "instance", "volume": 1, "colour": "red"}]}`},
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": {"service": "instance"}}`},
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resource": []}`},
		{Method: "POST", Path: "/v1/rating/quote", Body: `[`},
	})
}

// TestQuoteScriptError: a script that fails on a quoted resource is a
// 400 naming the script.
func TestQuoteScriptError(t *testing.T) {
	s, _ := newQuoteServer(t)
	ctx := context.Background()
	if _, err := s.rating.Modules.CreateScript(ctx, modules.Script{Name: "needs-flavor", Data: `desc["flavor"] == "x" ? price : price`}, hashmap.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	on := true
	if err := s.rating.Modules.Set(ctx, "pyscripts", &on, nil); err != nil {
		t.Fatal(err)
	}
	r := s.call(t, "POST", "/v1/rating/quote", `{"resources": [{"service": "instance", "volume": 1, "desc": {}}]}`)
	if r.Status != 400 || !strings.Contains(string(r.Body), `script \"needs-flavor\"`) {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}
