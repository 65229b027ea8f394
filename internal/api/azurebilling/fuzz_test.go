package azurebilling

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

// FuzzParseQuery checks that no query string panics the parsers of the
// dialect; that their errors are the client errors the spec words (a
// field error, 400 with a known text, or 404 "Invalid page."); and that
// what they accept can be served: cost bounds the store can hold, dates
// at midnight UTC, distinct group_by keys, pages within bounds.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "date=2024-03-01", "date=2024-3-1", "date=bad", "date=2024-02-30", "month=2024-13", "month=2024-1",
		"resourceGroupName=RG1&resource_group=rg1&subscriptionName=Prod&subscription_id=s1",
		"meterCategory=Virtual%20Machines&meter_subcategory=Dv3&serviceFamily=Compute&location=West%20Europe",
		"pricingModel=OnDemand&pricing_model=SavingsPlan&chargeType=Usage&publisherName=Microsoft&costCenter=c",
		"min_cost=1.5&max_cost=1e9999", "min_cost=-1e-9999", "max_cost=abc", "min_cost=99999999999999.99999999999999999999999999",
		"source_id=42", "source_id=-1", "source_id=9999999999999999999", "tag_key=env&tag_value=prod",
		`tags={"env":"prod","n":1.5,"b":false}`, `tags=[1]`, `tags={"":"x"}`, `tags={`, "tags=null",
		"group_by=subscriptionName&group_by=meterCategory&group_by=x", "group_by=", "group_by=pricingModel",
		"page=2&page_size=10", "page=last", "page=0", "page_size=-5", "page=99999999999999999999",
		"snapshot=3", "snapshot=0", "resource_name=vm1", "%zz=1&date=%",
	} {
		f.Add(s)
	}
	sources := []string{"ea-main", "mpa-prod"}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw) // what the server sees, even for bad escapes
		for _, summary := range []bool{false, true} {
			q, err := parseRequest(v, summary)
			if err != nil {
				var fe *fieldError
				if !errors.As(err, &fe) || !errors.Is(err, cost.ErrInvalid) {
					t.Fatalf("%q: error %v is not a field error", raw, err)
				}
				continue
			}
			checkAmounts(t, raw, q.expr(sources))
			if q.dateValid && (!q.dateGiven || q.day.Location() != time.UTC || !q.day.Equal(q.day.Truncate(24*time.Hour))) {
				t.Fatalf("%q: day %s", raw, q.day)
			}
			if summary && q.snapshot != 0 {
				t.Fatalf("%q: a summary reads one snapshot", raw)
			}
		}
		if fields, _, err := parseGroupBy(v); err != nil {
			var de *detailError
			if !errors.As(err, &de) || de.status != http.StatusBadRequest ||
				(de.detail != msgGroupByRequired && de.detail != msgInvalidGroupBy) {
				t.Fatalf("%q: group_by error %v", raw, err)
			}
		} else {
			seen := map[string]bool{}
			for _, f := range fields {
				if seen[f.key] || f.dim == "" {
					t.Fatalf("%q: group_by fields %v", raw, fields)
				}
				seen[f.key] = true
			}
		}
		if p, err := parsePage(v); err != nil {
			var de *detailError
			if !errors.As(err, &de) || de.status != http.StatusNotFound || de.detail != msgInvalidPage {
				t.Fatalf("%q: page error %v", raw, err)
			}
		} else if p.asked && (p.size < 1 || p.size > maxPageSize || (p.number < 1) != p.last) {
			t.Fatalf("%q: page %+v", raw, p)
		}
		if m, err := parseMonth(last(v, "month"), now); err != nil {
			if err.Error() != msgInvalidMonth {
				t.Fatalf("%q: month error %v", raw, err)
			}
		} else if m.Day() != 1 || m.Hour() != 0 {
			t.Fatalf("%q: month %s", raw, m)
		}
	})
}

// checkAmounts fails unless every cost bound in e can be stored exactly,
// as the store compares it with DECIMAL(38, 24) amounts.
func checkAmounts(t *testing.T, raw string, e filter.Expr) {
	t.Helper()
	switch x := e.(type) {
	case filter.Amount:
		if err := cost.CheckStorable(x.Value); err != nil || !x.USD || x.Metric != cost.Billed {
			t.Fatalf("%q: bound %s: %v", raw, x, err)
		}
	case filter.Not:
		checkAmounts(t, raw, x.X)
	case filter.And:
		for _, y := range x.Xs {
			checkAmounts(t, raw, y)
		}
	case filter.Or:
		for _, y := range x.Xs {
			checkAmounts(t, raw, y)
		}
	}
	_ = e.String()
}

// TestNoServerErrors sends odd query strings to every endpoint: whatever
// the parsers accept, the engine must answer, so nothing is a 5xx.
func TestNoServerErrors(t *testing.T) {
	srv := testServer(t)
	paths := []string{"", "schema/", "snapshots/", "customers/", "subscriptions/", "resources/", "meters/",
		"cost-entries/", "cost-entries/aggregate/", "costs/subscription-summary/", "costs/virtual-machines-summary/",
		"costs/resource-group-summary/", "costs/meter-category-summary/", "costs/region-summary/",
		"costs/resource-group-totals/", "costs/available-report-dates/", "reports/available-report-dates/"}
	for _, raw := range []string{
		"", "date=2024-03-02&group_by=pricingModel&resource_group=rg1", "min_cost=1e9999&max_cost=-1e-9999&group_by=costCenter",
		`tags={"it's":"a \"quoted\" value"}&tag_key=o'k&tag_value=%27;drop`, "tag_key=%00&tag_value=%FF&group_by=chargeType",
		"source_id=-9223372036854775808&resource_group=x&group_by=resourceLocation", "page=last&page_size=1&snapshot=2",
		"snapshot=9223372036854775807&date=2024-03-01&group_by=serviceFamily", "page=2&page_size=1&date=2024-03-01",
		"resource_name=%2F&location=%20&pricing_model=%20&resource_group=RG1&min_cost=0.00000000000000000000000001",
		"month=9999-12&date=9999-12-31&resource_group=a&group_by=meterSubCategory",
		"tags=%7B%22%5Cu0000%22%3A%22x%22%7D&tag_key=%00", "resourceGroupName=%00&group_by=%00",
	} {
		for _, p := range paths {
			if res := do(t, srv, http.MethodGet, Prefix+p+"?"+raw); res.status >= 500 {
				t.Errorf("GET %s?%s = %d %s", p, raw, res.status, res.body)
			}
		}
	}
}
