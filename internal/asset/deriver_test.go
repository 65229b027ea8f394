package asset

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/asset/search"
	"github.com/tally-cost/tally/internal/cost"
)

var day0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// item is an hourly AWS line item of billed cost c on day d (0-based) of
// March 2024.
func item(account, resource, c string, d int, tags map[string]string) *cost.LineItem {
	li := &cost.LineItem{
		ProviderName: "AWS", SubAccountID: account, ResourceID: resource, RegionID: "us-east-1",
		BillingPeriodStart: day0, BillingPeriodEnd: day0.AddDate(0, 1, 0),
		ChargePeriodStart: day0.AddDate(0, 0, d), ChargePeriodEnd: day0.AddDate(0, 0, d).Add(time.Hour),
		Tags: tags,
	}
	li.Cost[cost.Billed] = decimal.RequireFromString(c)
	return li
}

// shifted moves li's charge period by d.
func shifted(li *cost.LineItem, d time.Duration) *cost.LineItem {
	li.ChargePeriodStart, li.ChargePeriodEnd = li.ChargePeriodStart.Add(d), li.ChargePeriodEnd.Add(d)
	return li
}

// TestDeriverIncremental: items merge into their assets one by one; the
// cost to date is the exact sum, first/last seen the charge bounds, the
// tags the latest item's, the account gets every item of the account,
// and active is measured from the data's latest charge end.
func TestDeriverIncremental(t *testing.T) {
	tests := []struct {
		name  string
		items []*cost.LineItem
		// want per resource key: cost to date, first day, last day (of
		// charge start), active, tag env.
		want map[string]struct {
			cost        string
			first, last int
			active      bool
			env         string
		}
	}{
		{
			name: "sums exactly and keeps the latest tags",
			items: []*cost.LineItem{
				item("1", "i-a", "0.1", 0, map[string]string{"env": "dev"}),
				item("1", "i-a", "0.2", 2, map[string]string{"env": "prod"}),
				item("1", "i-a", "0.000000000000000000001", 1, map[string]string{"env": "old"}),
				item("1", "", "5", 2, nil),
			},
			want: map[string]struct {
				cost        string
				first, last int
				active      bool
				env         string
			}{
				"i-a": {"0.300000000000000000001", 0, 2, true, "prod"},
				"1":   {"5.300000000000000000001", 0, 2, true, ""},
			},
		},
		{
			name: "inactive once unseen for more than the window",
			items: []*cost.LineItem{
				item("1", "i-gone", "1", 0, nil),
				item("1", "i-edge", "1", 7, nil),                     // ends 3 days before the latest end
				shifted(item("1", "i-out", "1", 7, nil), -time.Hour), // an hour earlier
				item("1", "i-late", "1", 10, nil),
			},
			want: map[string]struct {
				cost        string
				first, last int
				active      bool
				env         string
			}{
				"i-gone": {"1", 0, 0, false, ""},
				"i-edge": {"1", 7, 7, true, ""},
				"i-out":  {"1", 7, 7, false, ""},
				"i-late": {"1", 10, 10, true, ""},
				"1":      {"4", 0, 10, true, ""},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDeriver(Options{})
			for _, li := range tc.items {
				if err := d.Add("cur", li); err != nil {
					t.Fatal(err)
				}
			}
			set := d.Set()
			if len(set.All()) != len(tc.want) {
				t.Fatalf("%d assets, want %d", len(set.All()), len(tc.want))
			}
			for _, a := range set.All() {
				w, ok := tc.want[a.Key]
				if !ok {
					t.Fatalf("unexpected asset %s %s", a.Type, a.Key)
				}
				if got := a.CostToDate[cost.Billed]; !got.Equal(decimal.RequireFromString(w.cost)) {
					t.Errorf("%s: cost %s, want %s", a.Key, got, w.cost)
				}
				shift := time.Duration(0)
				if a.Key == "i-out" {
					shift = -time.Hour
				}
				if !a.FirstSeen.Equal(day0.AddDate(0, 0, w.first).Add(shift)) || !a.LastSeen.Equal(day0.AddDate(0, 0, w.last).Add(time.Hour+shift)) {
					t.Errorf("%s: seen %s – %s", a.Key, a.FirstSeen, a.LastSeen)
				}
				if a.Active != w.active {
					t.Errorf("%s: active %v, want %v", a.Key, a.Active, w.active)
				}
				if a.Tags["env"] != w.env {
					t.Errorf("%s: env %q, want %q", a.Key, a.Tags["env"], w.env)
				}
				if a.Type == AwsInstance && a.Relations["account"].Key != "1" {
					t.Errorf("%s: account %+v", a.Key, a.Relations["account"])
				}
			}
		})
	}
}

// TestDeriverSources: two sources of the same period (say a CUR and a
// FOCUS export of another payer naming the same account) add up, and
// replacing one leaves the other's share.
func TestDeriverSources(t *testing.T) {
	d := NewDeriver(Options{})
	for _, x := range []struct {
		src string
		li  *cost.LineItem
	}{{"a", item("1", "i-x", "1.5", 0, nil)}, {"b", item("1", "i-x", "2.25", 1, nil)}} {
		if err := d.Add(x.src, x.li); err != nil {
			t.Fatal(err)
		}
	}
	id := ID(AwsInstance, "i-x")
	if got := d.Set().Get(id).CostToDate[cost.Billed]; !got.Equal(decimal.RequireFromString("3.75")) {
		t.Fatalf("two sources: %s", got)
	}
	d.Replace(Snapshot{Source: "b", Period: day0})
	if got := d.Set().Get(id); got == nil || !got.CostToDate[cost.Billed].Equal(decimal.RequireFromString("1.5")) || !got.LastSeen.Equal(day0.Add(time.Hour)) {
		t.Fatalf("after replacing b: %+v", got)
	}
	d.Replace(Snapshot{Source: "a", Period: day0})
	if d.Len() != 0 {
		t.Fatalf("%d assets after replacing both", d.Len())
	}
}

// TestIDStable: ids depend only on type and key, fit in 53 bits, and
// differ across types of the same key. The literal pins the derivation:
// changing it would orphan every custom tag and metric stored by id.
func TestIDStable(t *testing.T) {
	id := ID(AwsInstance, "i-0abc")
	if id != ID(AwsInstance, "i-0abc") || id <= 0 || id >= 1<<53 {
		t.Fatalf("ID = %d", id)
	}
	if id == ID(AwsVolume, "i-0abc") {
		t.Fatal("types share an id")
	}
	if id != 6237226110696075 {
		t.Fatalf("ID(AwsInstance, i-0abc) = %d: the derivation changed", id)
	}
}

// TestIDCollision: should two assets ever hash to one id, Add refuses
// rather than merging their costs. The collision is planted, since a real
// one is not to be found.
func TestIDCollision(t *testing.T) {
	d := NewDeriver(Options{})
	id := ID(AwsInstance, "i-1")
	d.records[id] = &record{id: id, typ: AwsVolume, key: "vol-planted", slots: map[Snapshot]*slot{}}
	err := d.Add("cur", item("1", "i-1", "1", 0, nil))
	if err == nil || !strings.Contains(err.Error(), "collide") {
		t.Fatalf("Add = %v, want a collision error", err)
	}
}

// TestSearchOverSet: a derived Set answers asset searches, dotted
// relations and api_version 1's active-only rule included.
func TestSearchOverSet(t *testing.T) {
	d := NewDeriver(Options{})
	acct := item("111", "", "0", 10, nil)
	acct.SubAccountName = "Prod"
	for _, li := range []*cost.LineItem{acct, item("111", "i-new", "2", 10, nil), item("111", "i-old", "1", 0, nil), item("222", "i-other", "1", 10, nil)} {
		if err := d.Add("cur", li); err != nil {
			t.Fatal(err)
		}
	}
	set := d.Set()
	tests := []struct {
		params string
		want   []string
	}{
		{"name=AwsInstance&query=account.name='Prod'", []string{"i-new"}},
		{"name=AwsInstance&api_version=2&query=account.name='Prod'", []string{"i-new", "i-old"}},
		{"name=AwsInstance&api_version=2&query=is_active=0", []string{"i-old"}},
		{"name=AwsInstance&api_version=2&query=cost_to_date>1", []string{"i-new"}},
		{"name=AwsInstance&api_version=2&instance_id=i-other", []string{"i-other"}},
	}
	for _, tc := range tests {
		t.Run(tc.params, func(t *testing.T) {
			q, err := url.ParseQuery(tc.params)
			if err != nil {
				t.Fatal(err)
			}
			r, err := search.ParseRequest(q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range set.OfType(Type(r.Name)) {
				if r.Match(a) {
					got = append(got, a.Key)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			seen := map[string]bool{}
			for _, k := range got {
				seen[k] = true
			}
			for _, k := range tc.want {
				if !seen[k] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestTypes: GET /api lists upstream names; /api/:asset attributes start
// with id and the key attribute.
func TestTypes(t *testing.T) {
	for _, typ := range Types() {
		attrs, _ := Attributes(typ)
		if len(attrs) < 2 || attrs[0] != "id" {
			t.Fatalf("%s: attributes %v", typ, attrs)
		}
	}
	if _, rels := Attributes(AzureVm); len(rels) != 2 || rels[1].ObjectType != AzureResourceGroup {
		t.Fatalf("AzureVm relations %+v", rels)
	}
	if Known("AwsEbsVolume") || !Known(AwsVolume) {
		t.Fatal("AwsVolume is upstream's name")
	}
}
