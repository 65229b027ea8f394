package cloudkitty

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/rating/hashmap"
)

// hmCreate posts body to the hashmap path and returns the new object's
// id (its idKey attribute), failing the test on anything but a 201.
func (s *testServer) hmCreate(t *testing.T, path, body, idKey string) string {
	t.Helper()
	r := s.call(t, "POST", hm+path, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("POST %s %s: %d %s", path, body, r.Status, r.Body)
	}
	var obj map[string]any
	r.decode(t, &obj)
	id, _ := obj[idKey].(string)
	return id
}

// TestHashmapWorkedExamples creates the rules of each worked example of
// spec §7.3 through the API (costs and levels as JSON numbers and as
// strings, as clients send them) and rates the example's points with
// hashmap.Load over the book's rules: rules written over HTTP price as
// the digest says.
func TestHashmapWorkedExamples(t *testing.T) {
	type point struct {
		tenant string
		qty    string
		desc   map[string]string
		want   string
	}
	cases := []struct {
		name string
		// rules are "mappings <body>" or "thresholds <body>", where
		// {svc}, {size_gb}, {memory}, {flavor}, {g1} and {A} name the
		// fixture's objects.
		rules  []string
		points []point
	}{
		{"service flat", []string{
			`mappings {"cost": 0.5, "service_id": "{svc}", "type": "flat"}`,
		}, []point{{qty: "2", want: "1.0"}}},
		{"service flat and field rate", []string{
			`mappings {"cost": 0.5, "service_id": "{svc}"}`,
			`mappings {"cost": "4", "field_id": "{size_gb}", "value": "5", "type": "rate"}`,
		}, []point{{qty: "2", desc: map[string]string{"size_gb": "5"}, want: "4.0"},
			// Exact string match: 5.0 is not "5".
			{qty: "2", desc: map[string]string{"size_gb": "5.0"}, want: "1.0"}}},
		{"field flat threshold adds to the flat", []string{
			`mappings {"cost": 0.5, "service_id": "{svc}"}`,
			`thresholds {"level": "10", "cost": 0.1, "field_id": "{size_gb}", "type": "flat"}`,
		}, []point{{qty: "2", desc: map[string]string{"size_gb": "50"}, want: "1.2"}}},
		{"only the highest threshold reached", []string{
			`mappings {"cost": 0.5, "service_id": "{svc}"}`,
			`thresholds {"level": 10, "cost": "0.1", "field_id": "{size_gb}"}`,
			`thresholds {"level": "100", "cost": 2, "field_id": "{size_gb}", "type": "rate"}`,
		}, []point{{qty: "2", desc: map[string]string{"size_gb": "150"}, want: "2.0"}}},
		{"groups add; tenant rules replace global ones", []string{
			`mappings {"cost": 0.07, "field_id": "{flavor}", "value": "m1.small", "group_id": "{g1}", "type": "flat"}`,
			`thresholds {"level": "50", "cost": 0.98, "service_id": "{svc}", "group_id": "{g1}", "type": "rate", "tenant_id": null}`,
			`mappings {"cost": 2, "service_id": "{svc}", "type": "rate", "tenant_id": null}`,
			`mappings {"cost": "1.5", "service_id": "{svc}", "type": "flat", "tenant_id": "t1"}`,
		}, []point{{tenant: "t1", qty: "60", desc: map[string]string{"flavor": "m1.small"}, want: "94.116"},
			// Without the tenant's flat, the global rate alone gives 0.
			{tenant: "t2", qty: "60", desc: map[string]string{"flavor": "m1.small"}, want: "4.116"}}},
		{"flats of different groups add", []string{
			`mappings {"cost": 1.337, "service_id": "{svc}", "group_id": "{A}"}`,
			`mappings {"cost": "1.42", "service_id": "{svc}"}`,
		}, []point{{qty: "1", want: "2.757"}}},
		{"service flat thresholds", []string{
			`thresholds {"level": 1, "cost": 0.1, "service_id": "{svc}"}`,
			`thresholds {"level": "2", "cost": "0.15", "service_id": "{svc}"}`,
		}, []point{{qty: "1", want: "0.1"}, {qty: "2", want: "0.15"}}},
		{"field flat thresholds", []string{
			`thresholds {"level": 64, "cost": 0.1337, "field_id": "{memory}"}`,
			`thresholds {"level": "128", "cost": "0.2", "field_id": "{memory}"}`,
		}, []point{{qty: "1", desc: map[string]string{"memory": "64"}, want: "0.1337"},
			{qty: "2", desc: map[string]string{"memory": "128"}, want: "0.4"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newHashmapServer(t)
			ids := map[string]string{}
			ids["svc"] = s.hmCreate(t, "services", `{"name": "compute"}`, "service_id")
			for _, f := range []string{"size_gb", "memory", "flavor"} {
				ids[f] = s.hmCreate(t, "fields", fmt.Sprintf(`{"name": %q, "service_id": %q}`, f, ids["svc"]), "field_id")
			}
			for _, g := range []string{"g1", "A"} {
				ids[g] = s.hmCreate(t, "groups", fmt.Sprintf(`{"name": %q}`, g), "group_id")
			}
			for _, rule := range tc.rules {
				kind, body, _ := strings.Cut(rule, " ")
				for k, v := range ids {
					body = strings.ReplaceAll(body, "{"+k+"}", v)
				}
				s.hmCreate(t, kind, body, strings.TrimSuffix(kind, "s")+"_id")
			}
			for _, p := range tc.points {
				tab, err := hashmap.Load(s.rating.Book.Rules(), p.tenant, testNow)
				if err != nil {
					t.Fatal(err)
				}
				got, err := tab.Rate(hashmap.Point{Service: "compute", Qty: decimal.RequireFromString(p.qty), Desc: p.desc})
				if err != nil {
					t.Fatal(err)
				}
				if want := decimal.RequireFromString(p.want); !got.Equal(want) {
					t.Errorf("tenant %q qty %s desc %v: price %s, want %s", p.tenant, p.qty, p.desc, got, want)
				}
			}
		})
	}
}

// TestHashmapPutReplay: python-cloudkittyclient follows a 302 by sending
// the same PUT again to the Location, 31 times in all (§12.3). Every
// replay must answer the same 302 and leave the same rule: for a rule
// not yet started (cost changed), for a running rule given an end (after
// the first PUT it has one, and a changed rule with an end is refused,
// so only an unchanged replay passes), and for a threshold.
func TestHashmapPutReplay(t *testing.T) {
	s := newHashmapServer(t)
	svc := s.hmCreate(t, "services", `{"name": "compute"}`, "service_id")
	upcoming := s.hmCreate(t, "mappings", fmt.Sprintf(`{"cost": 1, "service_id": %q, "start": "2024-02-01T00:00:00", "name": "up"}`, svc), "mapping_id")
	running := s.hmCreate(t, "mappings", fmt.Sprintf(`{"cost": 1, "service_id": %q, "group_id": %q, "name": "run"}`,
		svc, s.hmCreate(t, "groups", `{"name": "g"}`, "group_id")), "mapping_id")
	threshold := s.hmCreate(t, "thresholds", fmt.Sprintf(`{"level": 10, "cost": 1, "service_id": %q}`, svc), "threshold_id")

	for _, c := range []struct {
		kind, id, key, value string
	}{
		{"mappings", upcoming, "cost", "0.0100000000000000000000000000"},
		{"mappings", running, "end", "2024-06-30T00:00:00"},
		{"thresholds", threshold, "cost", "2.5"},
	} {
		t.Run(c.kind+" "+c.key, func(t *testing.T) {
			// The client reads the object, changes one attribute and PUTs
			// the whole of it to the collection, the id in the body.
			var obj map[string]any
			s.call(t, "GET", hm+c.kind+"/"+c.id, "").decode(t, &obj)
			obj[c.key] = c.value
			body, err := json.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			path := hm + c.kind + "/"
			var after []byte
			for i := 0; i < 31; i++ {
				r := s.call(t, "PUT", path, string(body))
				if r.Status != http.StatusFound || string(r.Body) != "null" {
					t.Fatalf("PUT %d: %d %s", i+1, r.Status, r.Body)
				}
				path = strings.TrimPrefix(r.Location, s.URL+"/cloudkitty")
				got := s.call(t, "GET", hm+c.kind+"/"+c.id, "").Body
				if i == 0 {
					after = got
				} else if !bytes.Equal(got, after) {
					t.Fatalf("after PUT %d:\n%s\nafter the first:\n%s", i+1, got, after)
				}
			}
			var final map[string]any
			if err := json.Unmarshal(after, &final); err != nil {
				t.Fatal(err)
			}
			if v, _ := final[c.key].(string); v != c.value && !decimalEqual(v, c.value) {
				t.Fatalf("%s = %q after the PUTs, want %s", c.key, v, c.value)
			}
		})
	}
}

func decimalEqual(a, b string) bool {
	x, err1 := decimal.NewFromString(a)
	y, err2 := decimal.NewFromString(b)
	return err1 == nil && err2 == nil && x.Equal(y)
}
