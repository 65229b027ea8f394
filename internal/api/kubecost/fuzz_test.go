package kubecost

import (
	"errors"
	"net/url"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
)

// FuzzParseCloudCostRequest checks that no query string panics the
// parsers of /model/cloudCost and its views; that every error is a 400
// (wraps cost.ErrInvalid); and that an accepted request is one the
// handlers can serve: a whole-day window tiled by at most maxSets steps,
// at least one aggregate property, a valid metric, no negative paging.
func FuzzParseCloudCostRequest(f *testing.F) {
	for _, s := range []string{
		`window=2d&aggregate=invoiceEntityID&filter=service:"AmazonEC2"`,
		"window=7d&aggregate=accountID,service&accumulate=true",
		"window=today", "window=yesterday", "window=week", "window=lastweek", "window=month", "window=lastmonth",
		"window=24h", "window=45m", "window=2w", "window=24h offset 1h", "window=2d%20offset%201w",
		"window=2020-04-01T00:00:00Z,2020-04-03T00:00:00Z", "window=1586822400,1586908800",
		"window=1586822400-1586908800", "window=1586822400|1586908800",
		"window=7d&aggregate=label:team&accumulate=week", "window=7d&accumulate=month&offset=1&limit=2",
		"window=7d&accumulate=quarter", "window=7d&accumulate=hour", "window=100000d", "window=100000d&accumulate=true",
		`window=7d&filter=provider:"AWS","GCP"%2Bcategory!:"Network"`,
		`window=7d&filter=(accountID:"1111" | accountID:"2222") %2B label[env]:"prod"`,
		`window=7d&filter=service<~:"Amazon"|providerID~>:"-vm"|label:"team"|provider~:"zu"`,
		"window=7d&filter=provider:providerA,providerB",
		"window=7d&costMetric=listCost&sortBy=kubernetesPercent&sortByOrder=asc&format=csv",
		"window=7d&costMetric=nope", "window=7d&limit=-1", "aggregate=service", "window=", "",
		"window=9999999999999999999d", "window=0d", "window=week&accumulate=week",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw) // what the server sees, even for bad escapes
		if _, err := ParseCloudCostRequest(v, now); err != nil && !errors.Is(err, cost.ErrInvalid) {
			t.Fatalf("%q: error %v is not a 400", raw, err)
		}
		r, err := ParseViewRequest(v, now)
		if err != nil {
			if !errors.Is(err, cost.ErrInvalid) {
				t.Fatalf("%q: error %v is not a 400", raw, err)
			}
			return
		}
		if r.Window != r.Window.WidenToDays() {
			t.Fatalf("%q: window %s is not whole days", raw, r.Window)
		}
		if len(r.Steps) > maxSets {
			t.Fatalf("%q: %d steps", raw, len(r.Steps))
		}
		at := r.Window.Start
		for _, s := range r.Steps {
			if s.Start != at || !s.End.After(s.Start) {
				t.Fatalf("%q: steps %v do not tile %s", raw, r.Steps, r.Window)
			}
			at = s.End
		}
		if len(r.Steps) > 0 && at != r.Window.End {
			t.Fatalf("%q: steps end at %s, window at %s", raw, at, r.Window.End)
		}
		if len(r.Aggregate) == 0 || r.Metric < 0 || r.Metric >= numMetrics || r.Offset < 0 || r.Limit < 0 {
			t.Fatalf("%q: unusable request %+v", raw, r)
		}
		if r.Filter != nil {
			_ = r.Filter.String()
		}
		if len(r.Steps) > 0 {
			if err := r.query(r.Accumulate.step()).Validate(); err != nil {
				t.Fatalf("%q: engine query invalid: %v", raw, err)
			}
		}
	})
}
