package kubecost

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
)

// now is a Wednesday morning: 2024-04-21 is the Sunday of its week.
var now = time.Date(2024, 4, 24, 10, 30, 0, 0, time.UTC)

func d(month time.Month, day int) time.Time { return time.Date(2024, month, day, 0, 0, 0, 0, time.UTC) }

func win(a, b time.Time) cost.Window { return cost.Window{Start: a, End: b} }

// TestParseWindows checks every window form of §4, after the widening to
// whole days of §3.4.
func TestParseWindows(t *testing.T) {
	unix := func(t time.Time) string { return fmt.Sprint(t.Unix()) }
	tests := []struct {
		window string
		want   cost.Window
	}{
		{"today", win(d(4, 24), d(4, 25))},
		{"yesterday", win(d(4, 23), d(4, 24))},
		{"week", win(d(4, 21), d(4, 25))},
		{"lastweek", win(d(4, 14), d(4, 21))},
		{"month", win(d(4, 1), d(4, 25))},
		{"lastmonth", win(d(3, 1), d(4, 1))},
		{"24h", win(d(4, 23), d(4, 25))},
		{"45m", win(d(4, 24), d(4, 25))},
		{"2d", win(d(4, 23), d(4, 25))},
		{"7d", win(d(4, 18), d(4, 25))},
		{"2w", win(d(4, 11), d(4, 25))},
		{"24h offset 1h", win(d(4, 23), d(4, 25))},
		{"2d offset 1w", win(d(4, 15), d(4, 18))},
		{"2024-04-01T00:00:00Z,2024-04-03T00:00:00Z", win(d(4, 1), d(4, 3))},
		{"2024-04-01T06:00:00Z,2024-04-02T06:00:00Z", win(d(4, 1), d(4, 3))},
		{unix(d(4, 2)) + "," + unix(d(4, 3)), win(d(4, 2), d(4, 3))},
		{unix(d(4, 2)) + "-" + unix(d(4, 4)), win(d(4, 2), d(4, 4))},
		{unix(d(4, 2)) + "|" + unix(d(4, 5).Add(time.Hour)), win(d(4, 2), d(4, 6))},
	}
	for _, tc := range tests {
		r, err := ParseCloudCostRequest(url.Values{"window": {tc.window}}, now)
		if err != nil {
			t.Fatalf("window=%s: %v", tc.window, err)
		}
		if r.Window != tc.want {
			t.Errorf("window=%s: got %s, want %s", tc.window, r.Window, tc.want)
		}
		// Default accumulate: one set per day, tiling the window.
		if len(r.Steps) != r.Window.Days() || r.Steps[0].Start != r.Window.Start || r.Steps[len(r.Steps)-1].End != r.Window.End {
			t.Errorf("window=%s: steps %v do not tile %s by day", tc.window, r.Steps, r.Window)
		}
	}
}

func TestParseAggregate(t *testing.T) {
	tests := []struct {
		aggregate string
		want      string // aggregationProperties, then the dimensions
	}{
		{"", "[invoiceEntityID accountID provider providerID category service] [kubecost.invoiceEntityID subAccountId provider providerId category service]"},
		{" , ", "[invoiceEntityID accountID provider providerID category service] [kubecost.invoiceEntityID subAccountId provider providerId category service]"},
		{"invoiceEntityID", "[invoiceEntityID] [kubecost.invoiceEntityID]"},
		{"INVOICEENTITYNAME", "[invoiceEntityName] [kubecost.invoiceEntityName]"},
		{"accountid, service", "[accountID service] [subAccountId service]"},
		{"accountName,regionID,availabilityZone", "[accountName regionID availabilityZone] [kubecost.accountName region availabilityZone]"},
		{"Provider,providerid,CATEGORY", "[provider providerID category] [provider providerId category]"},
		{"label:team", "[label:team] [kubecost.label:team]"},
		{"label: kubernetes.io/name ,service", "[label:kubernetes.io/name service] [kubecost.label:kubernetes.io/name service]"},
		{"service,Service,label:a,label:a", "[service label:a] [service kubecost.label:a]"},
	}
	for _, tc := range tests {
		r, err := ParseCloudCostRequest(url.Values{"window": {"1d"}, "aggregate": {tc.aggregate}}, now)
		if err != nil {
			t.Fatalf("aggregate=%q: %v", tc.aggregate, err)
		}
		var dims []cost.Dimension
		for _, p := range r.Aggregate {
			dims = append(dims, p.Dim)
		}
		if got := fmt.Sprint(propertyNamesOf(r.Aggregate), " ", dims); got != tc.want {
			t.Errorf("aggregate=%q: got %s, want %s", tc.aggregate, got, tc.want)
		}
	}
}

func TestParseAccumulate(t *testing.T) {
	steps := func(ws ...cost.Window) string { return fmt.Sprint(ws) }
	tests := []struct {
		window, accumulate string
		want               Accumulate
		steps              string
	}{
		{"2d", "", AccumulateDay, steps(win(d(4, 23), d(4, 24)), win(d(4, 24), d(4, 25)))},
		{"2d", "false", AccumulateDay, steps(win(d(4, 23), d(4, 24)), win(d(4, 24), d(4, 25)))},
		{"2d", "yes", AccumulateDay, steps(win(d(4, 23), d(4, 24)), win(d(4, 24), d(4, 25)))},
		{"2d", "Day", AccumulateDay, steps(win(d(4, 23), d(4, 24)), win(d(4, 24), d(4, 25)))},
		{"7d", "TRUE", AccumulateAll, steps(win(d(4, 18), d(4, 25)))},
		// Weeks start on Sunday: the 14th and the 21st.
		{"2024-04-10T00:00:00Z,2024-04-25T00:00:00Z", "week", AccumulateWeek,
			steps(win(d(4, 10), d(4, 14)), win(d(4, 14), d(4, 21)), win(d(4, 21), d(4, 25)))},
		{"2024-03-15T00:00:00Z,2024-04-25T00:00:00Z", "month", AccumulateMonth,
			steps(win(d(3, 15), d(4, 1)), win(d(4, 1), d(4, 25)))},
		{"2024-02-10T00:00:00Z,2024-07-02T00:00:00Z", "quarter", AccumulateQuarter,
			steps(win(d(2, 10), d(4, 1)), win(d(4, 1), d(7, 1)), win(d(7, 1), d(7, 2)))},
	}
	for _, tc := range tests {
		r, err := ParseCloudCostRequest(url.Values{"window": {tc.window}, "accumulate": {tc.accumulate}}, now)
		if err != nil {
			t.Fatalf("accumulate=%s: %v", tc.accumulate, err)
		}
		if r.Accumulate != tc.want || steps(r.Steps...) != tc.steps {
			t.Errorf("window=%s accumulate=%s: got %s %s, want %s %s", tc.window, tc.accumulate, r.Accumulate, steps(r.Steps...), tc.want, tc.steps)
		}
	}
}

// TestParseFilter checks every operator, several values, labels and the
// translation of Kubecost's provider names to the stored FOCUS names.
func TestParseFilter(t *testing.T) {
	tests := []struct{ filter, want string }{
		{`service:"AmazonEC2"`, `service = ["AmazonEC2"]`},
		{`service!:"A","B"`, `not(service = ["A","B"])`},
		{`accountID~:"11"`, `subAccountId contains ["11"]`},
		{`accountID!~:"11"`, `not(subAccountId contains ["11"])`},
		{`service<~:"Amazon"`, `service prefix ["Amazon"]`},
		{`service!<~:"Amazon"`, `not(service prefix ["Amazon"])`},
		{`providerID~>:"-vm"`, `providerId suffix ["-vm"]`},
		{`providerID!~>:"-vm"`, `not(providerId suffix ["-vm"])`},
		{`regionID:"__unallocated__"`, `region = [""]`},
		// Labels read as OpenCost names them (labels_test.go).
		{`label[env]:"prod"`, `kubecost.label:env = ["prod"]`},
		{`label:"team","env"`, `or(not(kubecost.label:team = [""]), not(kubecost.label:env = [""]))`},
		{`label<~:"te"`, `or(tag: prefix ["te"], and(provider = ["AWS"], tag: prefix ["user:te","user_te"]))`},
		{`label~>:"am"`, `tag: suffix ["am"]`},
		{`invoiceEntityID:"1"+category!:"Network"`, `and(kubecost.invoiceEntityID = ["1"], not(category = ["Network"]))`},
		{`(accountID:"1111" | accountID:"2222") + label[env]:"prod"`, `and(or(subAccountId = ["1111"], subAccountId = ["2222"]), kubecost.label:env = ["prod"])`},
		{`service:AmazonEC2,AmazonS3`, `service = ["AmazonEC2","AmazonS3"]`},
		{`availabilityZone:"us-east-1a"|accountName:"x"|invoiceEntityName:"y"`, `or(availabilityZone = ["us-east-1a"], kubecost.accountName = ["x"], kubecost.invoiceEntityName = ["y"])`},
		// Providers are compared as Kubecost shows them, by the query's
		// mapping (TestProviderFilter), not rewritten here.
		{`provider:"Azure"`, `provider = ["Azure"]`},
	}
	for _, tc := range tests {
		r, err := ParseCloudCostRequest(url.Values{"window": {"1d"}, "filter": {tc.filter}}, now)
		if err != nil {
			t.Fatalf("filter=%s: %v", tc.filter, err)
		}
		if got := r.Filter.String(); got != tc.want {
			t.Errorf("filter=%s: got %s, want %s", tc.filter, got, tc.want)
		}
	}
	if r, err := ParseCloudCostRequest(url.Values{"window": {"1d"}, "filter": {"  "}}, now); err != nil || r.Filter != nil {
		t.Errorf("blank filter: %v, %v; want no filter", r.Filter, err)
	}
}

func TestParseViewRequest(t *testing.T) {
	tests := []struct{ query, want string }{
		{"window=1d", "2 cost false false 0 0"},
		{"window=1d&costMetric=LISTCOST&sortBy=Name&sortByOrder=ASC&format=csv&offset=2&limit=3", "0 name true true 2 3"},
		{"window=1d&costMetric=invoicedCost&sortBy=kubernetesPercent&format=json", "3 kubernetesPercent false false 0 0"},
		{"window=1d&costMetric=netcost", "1 cost false false 0 0"},
		{"window=1d&costMetric=amortizedCost", "4 cost false false 0 0"},
	}
	for _, tc := range tests {
		v, _ := url.ParseQuery(tc.query)
		r, err := ParseViewRequest(v, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if got := fmt.Sprintf("%v %v %v %v %v %v", r.Metric, r.SortBy, r.Ascending, r.CSV, r.Offset, r.Limit); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.query, got, tc.want)
		}
	}
}

// TestParseErrors checks that every bad parameter is a 400 whose message
// names it, in OpenCost's wording where OpenCost has one.
func TestParseErrors(t *testing.T) {
	tests := []struct{ query, want string }{
		{"", "missing require window param"},
		{"aggregate=service", "missing require window param"},
		{"window=yesteryear", "invalid window parameter: illegal window: yesteryear"},
		{"window=7D", "invalid window parameter: illegal window: 7D"},
		{"window=2024-04-03T00:00:00Z,2024-04-01T00:00:00Z", "invalid window parameter: illegal window: 2024-04-03T00:00:00Z,2024-04-01T00:00:00Z (end is not after start)"},
		{"window=100000d", "invalid window parameter: [1750-07-11T00:00:00Z, 2024-04-25T00:00:00Z) gives more than 10000 sets with accumulate=day; use a shorter window or a longer accumulate"},
		{"window=1000000d", "invalid window parameter: illegal window: 1000000d (too long: it would start before 0001-01-02)"},
		{"window=0001-01-01T00:00:00Z,2024-01-01T00:00:00Z", "invalid window parameter: illegal window: 0001-01-01T00:00:00Z,2024-01-01T00:00:00Z (starts before 0001-01-02)"},
		{"window=1d&aggregate=colour", "error parsing aggregate by invalid cloud cost property: colour"},
		{"window=1d&aggregate=service,Label:team", "error parsing aggregate by invalid cloud cost property: Label:team"},
		{"window=1d&aggregate=label:", "error parsing aggregate by invalid cloud cost property: label:"},
		{"window=1d&accumulate=hour", "invalid accumulate parameter: hour: cloud costs are daily; use day, week, month, quarter or true"},
		{`window=1d&filter=service:"AmazonEC2`, "Parsing 'filter' parameter: lexing filter: unterminated string starting at 8"},
		{`window=1d&filter=service~>"x"`, "Parsing 'filter' parameter: lexing filter: Position 8: Unexpected '>'"},
		{`window=1d&filter=servic:"x"`, "Parsing 'filter' parameter: parsing filter: at 'servic': expect filter field (position 0)"},
		{`window=1d&filter=service:"a"|service:"b"%2Bservice:"c"`, `Parsing 'filter' parameter: parsing filter: Found "plus", Expected "or" (position 23)`},
		{"window=1d&limit=-1", "invalid value for limit -1"},
		{"window=1d&offset=x", "invalid value for offset x"},
		{"window=1d&costMetric=cheapest", "error parsing 'costMetric': failed to parse a valid CostMetricName from 'cheapest'"},
		{"window=1d&sortBy=size", "error parsing 'sortBy': failed to parse a valid SortField from 'size'"},
		{"window=1d&sortByOrder=up", "error parsing 'sortByOrder': failed to parse a valid SortDirection from 'up'"},
		{"window=1d&format=xml", "invalid value for format xml (want json or csv)"},
	}
	for _, tc := range tests {
		v, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseViewRequest(v, now)
		if err == nil || !errors.Is(err, cost.ErrInvalid) || err.Error() != tc.want {
			t.Errorf("%s: err = %v, want 400 %q", tc.query, err, tc.want)
		}
		// The view parameters are not the cloud cost endpoint's.
		if _, err := ParseCloudCostRequest(v, now); err == nil && !strings.Contains(tc.query, "costMetric") &&
			!strings.Contains(tc.query, "sortBy") && !strings.Contains(tc.query, "format") {
			t.Errorf("%s: ParseCloudCostRequest accepted it", tc.query)
		}
	}
	// A long window is fine in one set.
	if _, err := ParseCloudCostRequest(url.Values{"window": {"100000d"}, "accumulate": {"true"}}, now); err != nil {
		t.Errorf("100000d accumulated: %v", err)
	}
	// Longer than a time.Duration holds (292 years), too.
	if r, err := ParseCloudCostRequest(url.Values{"window": {"200000d"}, "accumulate": {"quarter"}}, now); err != nil || len(r.Steps) != 2192 {
		t.Errorf("200000d by quarter: %d steps, %v", len(r.Steps), err)
	}
}

// TestEmptyWindow: "week" at the instant the week begins is an empty
// window, which has no sets rather than an error.
func TestEmptyWindow(t *testing.T) {
	sunday := d(4, 21)
	r, err := ParseCloudCostRequest(url.Values{"window": {"week"}}, sunday)
	if err != nil || len(r.Steps) != 0 {
		t.Fatalf("week at its start: steps %v, err %v; want none, nil", r.Steps, err)
	}
}
