package hashmap

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// The fixture: one service "compute" with three fields and three groups.
// Rules name their parents by these ids.
const (
	svc     = "s-compute"
	fSize   = "f-size"
	fMemory = "f-memory"
	fFlavor = "f-flavor"
	gOne    = "g-1"
	gA      = "g-A"
	gTwo    = "g-2"
	// A group literally named _DEFAULT_ (upstream keys by name).
	gNamedDefault = "g-named-default"
	service       = "compute"
	tenantT1      = "t1"
)

func fixture(ms []Mapping, ts []Threshold) Rules {
	r := Rules{
		Services: []Service{{ID: svc, Name: service}, {ID: "s-volume", Name: "volume"}},
		Fields: []Field{
			{ID: fSize, Name: "size_gb", ServiceID: svc},
			{ID: fMemory, Name: "memory", ServiceID: svc},
			{ID: fFlavor, Name: "flavor", ServiceID: svc},
		},
		Groups: []Group{{ID: gOne, Name: "g1"}, {ID: gA, Name: "A"}, {ID: gTwo, Name: "g2"}, {ID: gNamedDefault, Name: DefaultGroup}},
	}
	for i, m := range ms {
		if m.ID == "" {
			m.ID = fmt.Sprintf("m%02d", i)
		}
		r.Mappings = append(r.Mappings, m)
	}
	for i, t := range ts {
		if t.ID == "" {
			t.ID = fmt.Sprintf("t%02d", i)
		}
		r.Thresholds = append(r.Thresholds, t)
	}
	return r
}

// Short constructors: service mapping, field mapping, service threshold,
// field threshold.
func sm(typ MapType, c string) Mapping {
	return Mapping{Type: typ, Cost: d(c), ServiceID: svc}
}
func fm(field, value string, typ MapType, c string) Mapping {
	return Mapping{Type: typ, Cost: d(c), FieldID: field, Value: value}
}
func st(level string, typ MapType, c string) Threshold {
	return Threshold{Level: d(level), Type: typ, Cost: d(c), ServiceID: svc}
}
func ft(field, level string, typ MapType, c string) Threshold {
	return Threshold{Level: d(level), Type: typ, Cost: d(c), FieldID: field}
}
func inGroup(m Mapping, g string) Mapping      { m.GroupID = g; return m }
func forTenant(m Mapping, t string) Mapping    { m.TenantID = t; return m }
func tInGroup(t Threshold, g string) Threshold { t.GroupID = g; return t }
func created(m Mapping, at time.Time) Mapping  { m.CreatedAt = at; return m }

type rateCase struct {
	name     string
	mappings []Mapping
	thresh   []Threshold
	tenant   string
	at       time.Time // zero: t0
	service  string    // zero: "compute"
	qty      string
	desc     map[string]string
	price    string // from earlier modules; zero: 0
	want     string
}

func runRateCases(t *testing.T, cases []rateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = t0
			}
			tab, err := Load(fixture(tc.mappings, tc.thresh), tc.tenant, at)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			p := Point{Service: service, Qty: d(tc.qty), Desc: tc.desc}
			if tc.service != "" {
				p.Service = tc.service
			}
			if tc.price != "" {
				p.Price = d(tc.price)
			}
			got, err := tab.Rate(p)
			if err != nil {
				t.Fatalf("Rate: %v", err)
			}
			if !got.Equal(d(tc.want)) {
				t.Fatalf("price = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestWorkedExamples is the spec's §7.3, one case per row (rows with two
// points are two cases).
func TestWorkedExamples(t *testing.T) {
	runRateCases(t, []rateCase{
		{name: "service flat", mappings: []Mapping{sm(Flat, "0.5")}, qty: "2", want: "1.0"},
		{name: "service flat and field rate",
			mappings: []Mapping{sm(Flat, "0.5"), fm(fSize, "5", Rate, "4")},
			qty:      "2", desc: map[string]string{"size_gb": "5"}, want: "4.0"},
		{name: "service flat and field flat threshold",
			mappings: []Mapping{sm(Flat, "0.5")},
			thresh:   []Threshold{ft(fSize, "10", Flat, "0.1")},
			qty:      "2", desc: map[string]string{"size_gb": "50"}, want: "1.2"},
		{name: "only the highest field threshold applies",
			mappings: []Mapping{sm(Flat, "0.5")},
			thresh:   []Threshold{ft(fSize, "10", Flat, "0.1"), ft(fSize, "100", Rate, "2")},
			qty:      "2", desc: map[string]string{"size_gb": "150"}, want: "2.0"},
		{name: "groups add and the tenant flat replaces the global rate",
			mappings: []Mapping{
				inGroup(fm(fFlavor, "m1.small", Flat, "0.07"), gOne),
				sm(Rate, "2"),
				forTenant(sm(Flat, "1.5"), tenantT1),
			},
			thresh: []Threshold{tInGroup(st("50", Rate, "0.98"), gOne)},
			tenant: tenantT1, qty: "60", desc: map[string]string{"flavor": "m1.small"}, want: "94.116"},
		{name: "grouped and ungrouped service flats add",
			mappings: []Mapping{inGroup(sm(Flat, "1.337"), gA), sm(Flat, "1.42")},
			qty:      "1", want: "2.757"},
		{name: "service flat thresholds, qty 1",
			thresh: []Threshold{st("1", Flat, "0.1"), st("2", Flat, "0.15")},
			qty:    "1", want: "0.1"},
		{name: "service flat thresholds, qty 2",
			thresh: []Threshold{st("1", Flat, "0.1"), st("2", Flat, "0.15")},
			qty:    "2", want: "0.15"},
		{name: "field flat thresholds, memory 64 qty 1",
			thresh: []Threshold{ft(fMemory, "64", Flat, "0.1337"), ft(fMemory, "128", Flat, "0.2")},
			qty:    "1", desc: map[string]string{"memory": "64"}, want: "0.1337"},
		{name: "field flat thresholds, memory 128 qty 2",
			thresh: []Threshold{ft(fMemory, "64", Flat, "0.1337"), ft(fMemory, "128", Flat, "0.2")},
			qty:    "2", desc: map[string]string{"memory": "128"}, want: "0.4"},
	})
}

// TestRateConsequences covers §7.2's "Consequences worth testing" and the
// edges of loading (tenants, dates, string matching, ties).
func TestRateConsequences(t *testing.T) {
	size5 := map[string]string{"size_gb": "5"}
	runRateCases(t, []rateCase{
		{name: "a rate alone gives 0", mappings: []Mapping{sm(Rate, "3")}, qty: "2", want: "0"},
		{name: "a field rate alone gives 0", mappings: []Mapping{fm(fSize, "5", Rate, "3")}, qty: "2", desc: size5, want: "0"},
		{name: "rates multiply inside a group",
			mappings: []Mapping{sm(Flat, "1"), fm(fSize, "5", Rate, "3"), fm(fMemory, "64", Rate, "0.5")},
			qty:      "2", desc: map[string]string{"size_gb": "5", "memory": "64"}, want: "3"},
		{name: "service flat and field flat in one group: the max",
			mappings: []Mapping{sm(Flat, "0.5"), fm(fSize, "5", Flat, "0.8")},
			qty:      "2", desc: size5, want: "1.6"},
		{name: "service flat and field flat in one group: the max, service higher",
			mappings: []Mapping{sm(Flat, "0.5"), fm(fSize, "5", Flat, "0.3")},
			qty:      "2", desc: size5, want: "1.0"},
		{name: "service flat and field flat in two groups: the sum",
			mappings: []Mapping{sm(Flat, "0.5"), inGroup(fm(fSize, "5", Flat, "0.3"), gOne)},
			qty:      "2", desc: size5, want: "1.6"},
		{name: "one service mapping per group: the later rate replaces the flat",
			mappings: []Mapping{created(sm(Flat, "0.5"), t0), created(sm(Rate, "3"), t0.Add(time.Second))},
			qty:      "2", want: "0"},
		{name: "one service mapping per group: the later flat replaces the rate",
			mappings: []Mapping{created(sm(Flat, "0.5"), t0.Add(time.Second)), created(sm(Rate, "3"), t0)},
			qty:      "2", want: "1.0"},
		{name: "same creation time: the greater id is loaded last",
			mappings: []Mapping{{ID: "b", Type: Flat, Cost: d("0.7"), ServiceID: svc}, {ID: "a", Type: Flat, Cost: d("0.5"), ServiceID: svc}},
			qty:      "1", want: "0.7"},
		{name: "tenant mapping replaces a higher global one",
			mappings: []Mapping{sm(Flat, "1"), forTenant(sm(Flat, "0.5"), tenantT1)},
			tenant:   tenantT1, qty: "2", want: "1.0"},
		{name: "tenant mapping replaces the global one even when created earlier",
			mappings: []Mapping{created(sm(Flat, "1"), t0), created(forTenant(sm(Flat, "0.5"), tenantT1), t0.Add(-time.Hour))},
			tenant:   tenantT1, qty: "2", want: "1.0"},
		{name: "another tenant's mapping does not apply",
			mappings: []Mapping{sm(Flat, "1"), forTenant(sm(Flat, "0.5"), tenantT1)},
			tenant:   "t2", qty: "2", want: "2"},
		{name: "no tenant: global rules only",
			mappings: []Mapping{sm(Flat, "1"), forTenant(sm(Flat, "0.5"), tenantT1)},
			qty:      "2", want: "2"},
		{name: "tenant field mapping replaces the global one for that value",
			mappings: []Mapping{fm(fSize, "5", Flat, "1"), forTenant(fm(fSize, "5", Flat, "0.25"), tenantT1)},
			tenant:   tenantT1, qty: "4", desc: size5, want: "1"},
		{name: "tenant threshold replaces the global one at the same level",
			thresh: []Threshold{st("1", Flat, "5"), func() Threshold { x := st("1.000", Flat, "0.5"); x.TenantID = tenantT1; return x }()},
			tenant: tenantT1, qty: "1", want: "0.5"},
		{name: "dated rule inactive before its start",
			mappings: []Mapping{func() Mapping { m := sm(Flat, "1"); m.Start = t0.Add(time.Hour); return m }()},
			qty:      "2", want: "0"},
		{name: "dated rule active at its start",
			mappings: []Mapping{func() Mapping { m := sm(Flat, "1"); m.Start = t0; return m }()},
			qty:      "2", want: "2"},
		{name: "dated rule inactive at its end",
			mappings: []Mapping{func() Mapping { m := sm(Flat, "1"); m.Start = t0.Add(-time.Hour); m.End = t0; return m }()},
			qty:      "2", want: "0"},
		{name: "dated rule active just before its end",
			mappings: []Mapping{func() Mapping { m := sm(Flat, "1"); m.End = t0.Add(time.Nanosecond); return m }()},
			qty:      "2", want: "2"},
		{name: "deleted rule inactive",
			mappings: []Mapping{func() Mapping { m := sm(Flat, "1"); m.Deleted = t0.Add(time.Hour); return m }()},
			qty:      "2", want: "0"},
		{name: "a tenant rule not yet started leaves the global one in force",
			mappings: []Mapping{
				sm(Flat, "1"),
				func() Mapping { m := forTenant(sm(Flat, "9"), tenantT1); m.Start = t0.Add(time.Hour); return m }(),
			},
			tenant: tenantT1, qty: "2", want: "2"},
		{name: "string match: 5 matches \"5\"",
			mappings: []Mapping{fm(fSize, "5", Flat, "1")}, qty: "1", desc: size5, want: "1"},
		{name: "string match: 5.0 does not match \"5\"",
			mappings: []Mapping{fm(fSize, "5", Flat, "1")}, qty: "1", desc: map[string]string{"size_gb": "5.0"}, want: "0"},
		{name: "string match is case sensitive",
			mappings: []Mapping{fm(fFlavor, "m1.small", Flat, "1")}, qty: "1", desc: map[string]string{"flavor": "M1.small"}, want: "0"},
		{name: "field threshold compares numbers: 5.0 reaches level 5",
			thresh: []Threshold{ft(fSize, "5", Flat, "1")}, qty: "1", desc: map[string]string{"size_gb": "5.0"}, want: "1"},
		{name: "threshold tie: service scope is offered first and keeps the slot",
			thresh: []Threshold{st("10", Flat, "1"), ft(fSize, "10", Flat, "0.5")},
			qty:    "10", desc: map[string]string{"size_gb": "10"}, want: "1"},
		{name: "a higher field threshold beats a service one in the same group",
			thresh: []Threshold{st("10", Flat, "1"), ft(fSize, "11", Flat, "0.5")},
			qty:    "10", desc: map[string]string{"size_gb": "11"}, want: "5"},
		{name: "threshold tie between fields: the first field by name (memory) wins",
			thresh: []Threshold{ft(fSize, "10", Flat, "0.5"), ft(fMemory, "10", Flat, "0.25")},
			qty:    "4", desc: map[string]string{"size_gb": "10", "memory": "10"}, want: "1"},
		{name: "thresholds of different groups both apply",
			thresh: []Threshold{st("10", Flat, "1"), tInGroup(st("5", Flat, "2"), gOne)},
			qty:    "10", want: "3"},
		{name: "threshold not reached applies nothing",
			mappings: []Mapping{sm(Flat, "1")}, thresh: []Threshold{st("10", Rate, "0")}, qty: "9", want: "9"},
		{name: "service rate threshold multiplies the group result",
			mappings: []Mapping{sm(Flat, "2")}, thresh: []Threshold{st("10", Rate, "0.5")}, qty: "10", want: "10"},
		{name: "service flat threshold is added once, not per unit",
			mappings: []Mapping{sm(Flat, "2")}, thresh: []Threshold{st("10", Flat, "0.5")}, qty: "10", want: "20.5"},
		{name: "a level 0 threshold applies at qty 0",
			thresh: []Threshold{st("0", Flat, "0.5")}, qty: "0", want: "0.5"},
		{name: "a group named _DEFAULT_ shares the slot of ungrouped rules",
			mappings: []Mapping{created(sm(Flat, "1"), t0), created(inGroup(sm(Flat, "2"), gNamedDefault), t0.Add(time.Second))},
			qty:      "1", want: "2"},
		{name: "a negative flat never applies",
			mappings: []Mapping{sm(Flat, "-1")}, qty: "2", want: "0"},
		{name: "field absent from desc: its rules do not apply",
			mappings: []Mapping{sm(Flat, "1"), fm(fSize, "5", Rate, "3")}, thresh: []Threshold{ft(fSize, "1", Flat, "7")},
			qty: "2", desc: map[string]string{"other": "5"}, want: "2"},
		{name: "price from earlier modules is kept and added to",
			mappings: []Mapping{sm(Flat, "0.5")}, qty: "2", price: "1.25", want: "2.25"},
		{name: "a point of an unknown service keeps its price",
			mappings: []Mapping{sm(Flat, "0.5")}, service: "network", qty: "2", price: "1.25", want: "1.25"},
		{name: "a service with no rules keeps the price",
			mappings: []Mapping{sm(Flat, "0.5")}, service: "volume", qty: "2", price: "0", want: "0"},
		{name: "exact decimals, no float artefacts",
			mappings: []Mapping{sm(Flat, "0.1")}, qty: "3", want: "0.3"},
		{name: "28 fractional digits survive",
			mappings: []Mapping{sm(Flat, "0.0000000000000000000000000001")}, qty: "3", want: "0.0000000000000000000000000003"},
	})
}

func TestRateNonNumericFieldValue(t *testing.T) {
	tab, err := Load(fixture(nil, []Threshold{ft(fSize, "10", Flat, "1")}), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tab.Rate(Point{Service: service, Qty: d("1"), Desc: map[string]string{"size_gb": "big"}})
	if !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	for _, want := range []string{`"size_gb"`, `"big"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	// Without thresholds on the field the value is only compared as text.
	tab, err = Load(fixture([]Mapping{fm(fSize, "big", Flat, "1")}, nil), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tab.Rate(Point{Service: service, Qty: d("2"), Desc: map[string]string{"size_gb": "big"}})
	if err != nil || !got.Equal(d("2")) {
		t.Fatalf("got %s, %v; want 2", got, err)
	}
}
