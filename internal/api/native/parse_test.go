package native

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

func TestParseCostsRequest(t *testing.T) {
	ok := func(raw string, check func(q query.Query) bool) {
		t.Helper()
		v, _ := url.ParseQuery(raw)
		q, err := ParseCostsRequest(v, now)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if !check(q) {
			t.Fatalf("%s: unexpected query %+v", raw, q)
		}
	}
	ok("", func(q query.Query) bool {
		return q.Window.End.Sub(q.Window.Start).Hours() == 30*24 && len(q.Metrics) == 0
	})
	ok("groupBy=service,tag:team", func(q query.Query) bool {
		return len(q.GroupBy) == 2 && q.GroupBy[0] == cost.DimService && q.GroupBy[1] == cost.TagDimension("team")
	})
	ok("metric=invoiced,amortizedNet", func(q query.Query) bool {
		return len(q.Metrics) == 2 && q.Metrics[0] == cost.Billed && q.Metrics[1] == cost.AmortizedNet
	})
	ok("step=day&window=24h", func(q query.Query) bool { return q.Step == query.Days(1) && query.UsesRollup(q) })
	ok("currency=USD", func(q query.Query) bool { return q.USD })
	// Longer than a time.Duration (292 years) and still a valid query.
	ok("window=200000d&step=month", func(q query.Query) bool {
		return q.Window.Start.Year() == 1476 && q.Window.Days() == 200000 && q.Validate() == nil
	})
	ok("window=0001-01-02,2024-01-01", func(q query.Query) bool { return q.Validate() == nil })
	ok("window=0001-01-02,2024-01-01&step=year", func(q query.Query) bool { return q.Validate() == nil })
	ok("step=2w", func(q query.Query) bool { return q.Step == query.Weeks(2, time.Monday) })
	ok("step=hour&window=24h", func(q query.Query) bool { return q.Step == query.Hours(1) && !query.UsesRollup(q) })

	bad := func(raw string) {
		t.Helper()
		v, _ := url.ParseQuery(raw)
		if _, err := ParseCostsRequest(v, now); !errors.Is(err, cost.ErrInvalid) {
			t.Fatalf("%s: err = %v, want ErrInvalid", raw, err)
		}
	}
	// More than query.MaxBuckets buckets.
	bad("window=0001-01-02,2024-01-01&step=day")
	bad("window=soon")
	bad("groupBy=nope")
	bad("metric=nope")
	bad("filter=service")
	bad("step=fortnight")
	bad("step=0d")
	bad("currency=EUR")
	bad("limit=x")
	bad("offset=-2")
	bad("foo=bar")
}
