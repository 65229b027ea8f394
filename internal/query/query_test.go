package query

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

var day = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func TestUsesRollup(t *testing.T) {
	w := cost.Window{Start: day, End: day.AddDate(0, 0, 30)}
	f := func(q Query, want bool) {
		t.Helper()
		if got := UsesRollup(q); got != want {
			t.Fatalf("UsesRollup(%+v) = %v, want %v", q, got, want)
		}
	}
	f(Query{Window: w}, true)
	f(Query{Window: w, GroupBy: []cost.Dimension{cost.DimService, cost.DimSubAccountID}}, true)
	f(Query{Window: w, GroupBy: []cost.Dimension{cost.DimResourceID}}, false)
	f(Query{Window: w, GroupBy: []cost.Dimension{cost.TagDimension("team")}}, false)
	f(Query{Window: w, Filter: filter.Cond{Dim: cost.DimRegion, Values: []string{"x"}}}, true)
	f(Query{Window: w, Filter: filter.Not{X: filter.Cond{Dim: cost.DimUsageType, Values: []string{"x"}}}}, false)
	f(Query{Window: cost.Window{Start: day.Add(time.Hour), End: w.End}}, false)
}

func TestPage(t *testing.T) {
	var rows []Row
	for d := range 2 {
		for k := range 3 {
			rows = append(rows, Row{Start: day.AddDate(0, 0, d), Keys: []string{fmt.Sprintf("%d%d", d, k)}})
		}
	}
	f := func(limit, offset int, want string) {
		t.Helper()
		var got []string
		for _, r := range Page(append([]Row(nil), rows...), limit, offset) {
			got = append(got, r.Keys[0])
		}
		if fmt.Sprint(got) != want {
			t.Fatalf("Page(limit %d, offset %d) = %v, want %s", limit, offset, got, want)
		}
	}
	f(0, 0, "[00 01 02 10 11 12]")
	f(1, 0, "[00 10]")
	f(2, 1, "[01 02 11 12]")
	f(0, 2, "[02 12]")
	f(5, 3, "[]")
}

func TestParseStepAndValidate(t *testing.T) {
	for in, want := range map[string]Step{"": StepNone, "day": StepDay, "daily": StepDay, "week": StepWeek, "month": StepMonth} {
		if got, err := ParseStep(in); err != nil || got != want {
			t.Fatalf("ParseStep(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseStep("hour"); !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("ParseStep(hour) err = %v", err)
	}
	bad := []Query{
		{},
		{Window: cost.Window{Start: day, End: day}},
		{Window: cost.Window{Start: day, End: day.AddDate(0, 0, 1)}, Limit: -1},
	}
	for _, q := range bad {
		if err := q.Validate(); !errors.Is(err, cost.ErrInvalid) {
			t.Fatalf("Validate(%+v) = %v, want ErrInvalid", q, err)
		}
	}
}
