package cloudkitty

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// The rated data of the report, storage and summary tests: three scopes,
// two metric types, three periods in January 2024 (testNow's month) and
// one in February, attributes in groupby and metadata, and prices that
// floats get wrong (0.1 + 0.2, a price of 28 significant digits).
var (
	periodA = time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	periodB = periodA.Add(time.Hour)
	periodC = time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC)
	periodF = time.Date(2024, 2, 5, 0, 0, 0, 0, time.UTC)
)

// bigPrice has 28 significant digits, 24 of them fractional: the most
// a stored amount keeps.
const bigPrice = "1234.567890123456789012345678"

func pt(scope, id, unit, qty, price string, meta map[string]string) frames.Point {
	if meta == nil {
		meta = map[string]string{}
	}
	return frames.Point{Unit: unit, Qty: decimal.RequireFromString(qty), Price: decimal.RequireFromString(price),
		Groupby: map[string]string{"project_id": scope, "id": id}, Metadata: meta}
}

func frame(scope string, start time.Time, usage map[string][]frames.Point) frames.Frame {
	return frames.Frame{Scope: scope, Start: start, End: start.Add(time.Hour), Usage: usage}
}

// ratedFixture is what loadRated writes, by scope.
func ratedFixture() map[string][]frames.Frame {
	return map[string][]frames.Frame{
		"p1": {
			frame("p1", periodA, map[string][]frames.Point{
				"instance": {
					pt("p1", "vm1", "instance", "1", "0.1", map[string]string{"flavor": "m1.small"}),
					pt("p1", "vm2", "instance", "2", "0.2", map[string]string{"flavor": "m1.large"}),
				},
				"volume": {pt("p1", "vol1", "GiB", "10.5", bigPrice, nil)},
			}),
			frame("p1", periodB, map[string][]frames.Point{
				"instance": {pt("p1", "vm1", "instance", "1", "0.1", map[string]string{"flavor": "m1.small"})},
			}),
			frame("p1", periodF, map[string][]frames.Point{
				"instance": {pt("p1", "vm1", "instance", "1", "100", map[string]string{"flavor": "m1.small"})},
			}),
		},
		"p2": {
			frame("p2", periodA, map[string][]frames.Point{
				"instance": {pt("p2", "vm3", "instance", "0.000000000001", "0.3", map[string]string{"flavor": "m1.small"})},
			}),
		},
		"p3": {
			frame("p3", periodC, map[string][]frames.Point{
				"volume": {pt("p3", "vol2", "GiB", "5", "2.5", nil)},
			}),
		},
	}
}

// loadRated writes the fixture with frames.Write, plus line items of
// another provider in the same accounts and hours, which no CloudKitty
// answer may count.
func loadRated(t *testing.T, s *testServer) {
	t.Helper()
	ctx := context.Background()
	for _, scope := range []string{"p1", "p2", "p3"} {
		if _, err := frames.Write(ctx, s.store, scope, "USD", ratedFixture()[scope]...); err != nil {
			t.Fatal(err)
		}
	}
	storetest.Load(t, s.store, "aws", storetest.Item("p1", "instance", periodA, "1000"), storetest.Item("p2", "volume", periodC, "1000"))
}
