package azurebilling

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

func TestParseRequest(t *testing.T) {
	ms := `provider =(i) ["Microsoft"]`
	sources := []string{"ea-main", "mpa-prod"}
	cases := []struct {
		name, query string
		summary     bool
		want        string // the filter's text, without the Microsoft condition
		err         string // the fieldError's field
	}{
		{"nothing", "", false, "", ""},
		{"unknown and empty ignored", "foo=bar&resource_group=&meterCategory=", false, "", ""},
		{"camelCase", "resourceGroupName=RG1&subscriptionName=Prod&meterCategory=Virtual%20Machines", false,
			`resourceGroup =(i) ["RG1"], subAccountName =(i) ["Prod"], meterCategory =(i) ["Virtual Machines"]`, ""},
		{"snake_case", "resource_group=rg1&subscription_id=s1&meter_subcategory=Dv3&publisher_name=Microsoft", false,
			`resourceGroup =(i) ["rg1"], subAccountId =(i) ["s1"], meterSubcategory =(i) ["Dv3"], publisher =(i) ["Microsoft"]`, ""},
		{"both spellings apply", "resourceGroupName=a&resource_group=b", false, `resourceGroup =(i) ["a"], resourceGroup =(i) ["b"]`, ""},
		{"last value wins", "chargeType=Usage&chargeType=Purchase", false, `chargeType =(i) ["Purchase"]`, ""},
		{"summaries ignore camelCase", "resourceGroupName=a&chargeType=Usage&costCenter=c&serviceFamily=s&tags=%7B%7D", true, "", ""},
		{"summaries take snake_case", "resource_group=a&location=West%20Europe", true, `resourceGroup =(i) ["a"], region =(i) ["West Europe"]`, ""},
		{"location as given", "resourceLocation=US%20East%202", false, `region =(i) ["US East 2"]`, ""},
		{"pricing model", "pricingModel=OnDemand&pricing_model=Savings%20Plan", false,
			`pricingCategory =(i) ["Standard"], and(pricingCategory =(i) ["Committed"], commitmentDiscountType =(i) ["Savings Plan","SavingsPlan"])`, ""},
		{"reservation", "pricing_model=reservation", true,
			`and(pricingCategory =(i) ["Committed"], not(commitmentDiscountType =(i) ["Savings Plan","SavingsPlan"]))`, ""},
		{"resource name", "resource_name=vm1", true,
			`or(resourceName =(i) ["vm1"], resourceId suffix(i) ["/vm1","/vm1/"])`, ""},
		{"costs", "min_cost=1.5&max_cost=2", true, `billed (USD) >= 1.5, billed (USD) <= 2`, ""},
		{"bad min_cost", "min_cost=abc", true, "", "min_cost"},
		{"NaN", "max_cost=NaN", false, "", "max_cost"},
		{"source id", "source_id=" + itoa(sourceID("mpa-prod")), true, `source = ["mpa-prod"]`, ""},
		{"unknown source", "source_id=42", true, `or()`, ""},
		{"bad source id", "source_id=1.5", true, "", "source_id"},
		{"tag key", "tag_key=env", true, `tag: = ["env"]`, ""},
		{"tag value", "tag_key=env&tag_value=prod", true, `tag: = ["env"], tag:env = ["prod"]`, ""},
		{"tag value alone", "tag_value=prod", true, "", ""},
		{"tags", `tags={"team":"web","env":"prod","n":5,"b":true}`, false,
			`and(tag:b = ["true"], tag:env = ["prod"], tag:n = ["5"], tag:team = ["web"])`, ""},
		{"tags not an object", `tags=["a"]`, false, `or()`, ""},
		{"tags nested", `tags={"a":{"b":1}}`, false, `or()`, ""},
		{"tags bad", `tags={"a":`, false, "", "tags"},
		{"tags trailing", `tags={} {}`, false, "", "tags"},
		{"snapshot", "snapshot=abc", false, "", "snapshot"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := url.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			q, err := parseRequest(v, c.summary)
			var fe *fieldError
			switch {
			case c.err != "":
				if !errors.As(err, &fe) || fe.field != c.err {
					t.Fatalf("error %v, want a field error on %s", err, c.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			want := ms
			if c.want != "" {
				want = "and(" + ms + ", " + c.want + ")"
			}
			if got := q.expr(sources).String(); got != want {
				t.Errorf("filter\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestParseDates(t *testing.T) {
	f := func(query string, given, valid bool, want string) {
		t.Helper()
		v, _ := url.ParseQuery(query)
		q, err := parseRequest(v, true)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if q.dateValid {
			got = q.day.Format(time.RFC3339)
		}
		if q.dateGiven != given || q.dateValid != valid || got != want {
			t.Errorf("%s: given %v valid %v %s, want %v %v %s", query, q.dateGiven, q.dateValid, got, given, valid, want)
		}
	}
	f("", false, false, "")
	f("date=", false, false, "")
	f("date=2024-03-01", true, true, "2024-03-01T00:00:00Z")
	f("date=2024-3-1", true, true, "2024-03-01T00:00:00Z")
	f("date=2024-02-29", true, true, "2024-02-29T00:00:00Z")
	f("date=2023-02-29", true, false, "")
	f("date=2024-13-01", true, false, "")
	f("date=0000-01-01", true, false, "")
	f("date=2024-03-01T00:00:00Z", true, false, "")
	f("date=03/01/2024", true, false, "")

	month := func(s, want string) {
		t.Helper()
		m, err := parseMonth(s, now)
		got := m.Format("2006-01-02")
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("month %q = %s, want %s", s, got, want)
		}
	}
	month("", "2024-03-01")
	month("2024-01", "2024-01-01")
	month("2024-1", "2024-01-01")
	month("2024-13", "invalid month")
	month("2024-00", "invalid month")
	month("x", "invalid month")
	month("2024-01-01", "invalid month")
}

func TestParseGroupBy(t *testing.T) {
	f := func(query, want, wantIgnored string) {
		t.Helper()
		v, _ := url.ParseQuery(query)
		fields, ignored, err := parseGroupBy(v)
		var keys []string
		for _, f := range fields {
			keys = append(keys, f.key)
		}
		got := strings.Join(keys, ",")
		if err != nil {
			got = err.Error()
		}
		if got != want || strings.Join(ignored, ",") != wantIgnored {
			t.Errorf("%s = %s (ignored %q), want %s (ignored %q)", query, got, ignored, want, wantIgnored)
		}
	}
	f("", "group_by parameter required", "")
	f("group_by=", "invalid group_by fields", "")
	f("group_by=nope&group_by=subscription_name", "invalid group_by fields", "")
	f("group_by=subscriptionname", "invalid group_by fields", "") // names are case-sensitive, as upstream's
	f("group_by=subscriptionName&group_by=nope&group_by=meterCategory&group_by=subscriptionName", "subscription__name,meter__category", "nope")
	f("group_by=resourceGroupName&group_by=resourceLocation&group_by=pricingModel&group_by=chargeType&group_by=publisherName&group_by=costCenter&group_by=serviceFamily&group_by=meterSubCategory",
		"resource__resource_group,resource__location,pricing_model,charge_type,publisher_name,cost_center,meter__service_family,meter__subcategory", "")
	// Comma-separated names, as well as repeated parameters, mixed.
	f("group_by=subscriptionName,meterCategory", "subscription__name,meter__category", "")
	f("group_by=subscriptionName,%20meterCategory,&group_by=chargeType,subscriptionName", "subscription__name,meter__category,charge_type", "")
	f("group_by=bogus,meterCategory,bogus", "meter__category", "bogus")
	f("group_by=,", "invalid group_by fields", "")
}

func TestCostBound(t *testing.T) {
	for _, c := range []struct{ min, max, want string }{
		{"0", "", "billed (USD) >= 0"},
		{"-0.0", "", "billed (USD) >= 0"},
		{"1e3", "", "billed (USD) >= 1000"},
		{"+2.50", "", "billed (USD) >= 2.5"},
		// More places than stored: rounded outwards, which matches the
		// same amounts.
		{"0.0000000000000000000000001", "", "billed (USD) >= 0.000000000000000000000001"},
		{"", "0.0000000000000000000000001", "billed (USD) <= 0"},
		{"-0.0000000000000000000000001", "", "billed (USD) >= 0"},
		{"", "-0.0000000000000000000000001", "billed (USD) <= -0.000000000000000000000001"},
		{"1e-999", "", "billed (USD) >= 0.000000000000000000000001"},
		{"", "-1e-999", "billed (USD) <= -0.000000000000000000000001"},
		// Beyond every storable amount: all or nothing.
		{"1e14", "", "or()"},
		{"1e9999", "", "or()"},
		{" -1e9999 ", "", "and()"},
		{"", "1e20", "and()"},
		{"", "-1e20", "or()"},
		{"99999999999999.5", "", "billed (USD) >= 99999999999999.5"},
	} {
		q := url.Values{}
		if c.min != "" {
			q.Set("min_cost", c.min)
		}
		if c.max != "" {
			q.Set("max_cost", c.max)
		}
		r, err := parseRequest(q, false)
		if err != nil {
			t.Errorf("%s/%s: %v", c.min, c.max, err)
			continue
		}
		if got := r.filters[0].String(); got != c.want {
			t.Errorf("min %s max %s = %s, want %s", c.min, c.max, got, c.want)
		}
	}
}

func TestParsePage(t *testing.T) {
	f := func(query string, want page, wantErr bool) {
		t.Helper()
		v, _ := url.ParseQuery(query)
		p, err := parsePage(v)
		var de *detailError
		if wantErr {
			if !errors.As(err, &de) || de.status != http.StatusNotFound || de.detail != "Invalid page." {
				t.Errorf("%s: %v, want Invalid page.", query, err)
			}
			return
		}
		if err != nil || p != want {
			t.Errorf("%s = %+v %v, want %+v", query, p, err, want)
		}
	}
	f("", page{}, false)
	f("page=", page{}, false)
	// page alone is ignored, as upstream (which has no pagination)
	// ignores it: only page_size asks for pages.
	f("page=2", page{}, false)
	f("page=last", page{}, false)
	f("page=0", page{}, false)
	f("page=x", page{}, false)
	f("page=2&page_size=", page{}, false)
	f("page=2&page_size=10", page{asked: true, number: 2, size: 10}, false)
	f("page_size=5", page{asked: true, number: 1, size: 5}, false)
	f("page_size=0", page{asked: true, number: 1, size: 100}, false)
	f("page_size=x&page=1", page{asked: true, number: 1, size: 100}, false)
	f("page_size=100000", page{asked: true, number: 1, size: 1000}, false)
	f("page=last&page_size=5", page{asked: true, last: true, size: 5}, false)
	f("page=0&page_size=5", page{}, true)
	f("page=-1&page_size=5", page{}, true)
	f("page=x&page_size=5", page{}, true)

	for _, c := range []struct {
		p     page
		count int64
		want  int
		err   bool
	}{
		{page{number: 1, size: 10}, 0, 1, false}, // page 1 of nothing exists
		{page{number: 2, size: 10}, 0, 0, true},
		{page{number: 2, size: 10}, 11, 2, false},
		{page{number: 3, size: 10}, 20, 0, true},
		{page{last: true, size: 10}, 21, 3, false},
		{page{last: true, size: 10}, 0, 1, false},
	} {
		n, err := c.p.resolve(c.count)
		if n != c.want || (err != nil) != c.err {
			t.Errorf("%+v of %d = %d %v, want %d", c.p, c.count, n, err, c.want)
		}
	}
}

func TestRender(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{someNumber(decimal.RequireFromString("5")), "5.0"},
		{someNumber(decimal.RequireFromString("-0.10")), "-0.1"},
		{someNumber(decimal.RequireFromString("1234567890123.000000000000000000000001")), "1234567890123.000000000000000000000001"},
		{number{}, "null"},
		// Fixed places, rounded half to even as Django quantizes.
		{fixed(decimal.NewNullDecimal(decimal.RequireFromString("1.123456789")), 4), `"1.1235"`},
		{fixed(decimal.NewNullDecimal(decimal.RequireFromString("0.00005")), 4), `"0.0000"`},
		{fixed(decimal.NewNullDecimal(decimal.RequireFromString("0.00015")), 4), `"0.0002"`},
		{fixed(decimal.NewNullDecimal(decimal.RequireFromString("-2.5")), 6), `"-2.500000"`},
		{fixed(decimal.NullDecimal{}, 4), "null"},
		{obj{{"b", 1}, {"a", "x&y<z>"}}, `{"b":1,"a":"x&y<z>"}`},
		{datetimeText(time.Date(2024, 1, 2, 6, 0, 0, 123456789, time.FixedZone("x", 3600))), `"2024-01-02T05:00:00.123456Z"`},
		{fileName([]string{`C:\exports\part_1.csv`}), `"part_1.csv"`},
		{fileName([]string{"https://a.blob.core.windows.net/c/run/part_0.csv.gz?sig=secret"}), `"part_0.csv.gz"`},
		{pricingModel("Committed", "Savings Plan"), `"SavingsPlan"`},
		{pricingModel("Committed", ""), `"Reservation"`},
		{pricingModel("Other", ""), `"Marketplace"`},
		{resourceName("/subscriptions/s/resourceGroups/rg/providers/P/vms/vm1/", "x"), `"vm1"`},
		{resourceName("", "x"), `"x"`},
	} {
		got, err := marshal(c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("%#v renders %s %v, want %s", c.v, got, err, c.want)
		}
	}
}

func TestStableID(t *testing.T) {
	seen := map[int64]string{}
	for _, k := range []string{"", "a", "b", "sub-1", "tenant-1", "/subscriptions/x"} {
		for _, kind := range []string{"customer", "subscription", "resource", "meter", "source"} {
			id := stableID(kind, k)
			if id <= 0 || id > maxID || stableID(kind, k) != id {
				t.Errorf("%s %q: id %d", kind, k, id)
			}
			if prev, ok := seen[id]; ok {
				t.Errorf("%s %q and %s share id %d", kind, k, prev, id)
			}
			seen[id] = kind + " " + k
		}
	}
	// Ids are part of the wire format: clients keep them. This one must
	// never change.
	if got := sourceID("mpa-prod"); got != 7634546356969138 {
		t.Errorf("sourceID(mpa-prod) = %d", got)
	}
}

// TestPricingModelRules checks that the mapping the store compiles for
// group_by=pricingModel and the function cost entries render with agree
// on every category and commitment type the readers write, and more.
func TestPricingModelRules(t *testing.T) {
	rules := fieldMappings[dimPricingModel]
	var match func(e filter.Expr, get func(cost.Dimension) string) bool
	match = func(e filter.Expr, get func(cost.Dimension) string) bool {
		switch x := e.(type) {
		case filter.Cond:
			for _, v := range x.Values {
				if got := get(x.Dim); got == v || (x.FoldCase && strings.EqualFold(got, v)) {
					return true
				}
			}
			return false
		case filter.And:
			for _, y := range x.Xs {
				if !match(y, get) {
					return false
				}
			}
			return true
		}
		t.Fatalf("pricing model rules use %T", e)
		return false
	}
	q := query.Query{Mappings: fieldMappings}
	for _, category := range []string{"Standard", "Dynamic", "Committed", "Other", "Marketplace", "", "standard"} {
		for _, ct := range []string{"", "Reservation", "Savings Plan", "SavingsPlan", "savings plan", "SAVINGSPLAN"} {
			stored := func(d cost.Dimension) string {
				switch d {
				case cost.DimPricingCategory:
					return category
				case cost.DimCommitmentType:
					return ct
				}
				return ""
			}
			got := q.Value(dimPricingModel, match, stored)
			if want := pricingModel(category, ct); got != want {
				t.Errorf("category %q, commitment %q: mapping %q, entries %q", category, ct, got, want)
			}
		}
	}
	if len(rules.Rules) == 0 {
		t.Fatal("no rules")
	}
}

// TestSameRows checks when a summary's coverage reuses the answer's
// sources: a plain dated summary selects the rows of the day's question,
// a filtered one does not.
func TestSameRows(t *testing.T) {
	day := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	dq := query.Query{Window: cost.Window{Start: day, End: day.AddDate(0, 0, 1)}, Selection: query.Selection{Day: day}, Filter: microsoft}
	c := &catalog{}
	for _, tc := range []struct {
		raw  string
		same bool
	}{
		{"date=2024-03-05", true},
		{"date=2024-03-06", false},
		{"date=2024-03-05&meter_category=Storage", false},
	} {
		v, _ := url.ParseQuery(tc.raw)
		q, err := parseRequest(v, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := sameRows(dq, costQuery(q, c)); got != tc.same {
			t.Errorf("%s: sameRows = %v, want %v", tc.raw, got, tc.same)
		}
	}
}
