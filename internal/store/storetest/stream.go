package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// testWeekStarts: the same days cut into Sunday weeks (Kubecost's) and
// Monday weeks (the native API's), quarters, years and multiples, each
// bucket holding exactly its days' costs. 2024-03-05 is a Tuesday.
func testWeekStarts(t *testing.T, st store.Store) {
	var items []*cost.LineItem
	for d := 1; d <= 20; d++ {
		items = append(items, Item("a1", "A", Day(3, d).Add(13*time.Hour), fmt.Sprint(d)))
	}
	Load(t, st, "s1", items...)
	w := cost.Window{Start: Day(3, 5), End: Day(3, 20)}
	cases := []struct {
		step query.Step
		want string
	}{
		// 5..9 = 35, 10..16 = 91, 17..19 = 54
		{query.Weeks(1, time.Sunday), "03-05:35 03-10:91 03-17:54"},
		// 5..10 = 45, 11..17 = 98, 18..19 = 37
		{query.Weeks(1, time.Monday), "03-05:45 03-11:98 03-18:37"},
		{query.Weeks(2, time.Monday), "03-05:143 03-18:37"},
		{query.Days(5), "03-05:35 03-10:60 03-15:85"},
		{query.Quarters(1), "03-05:180"},
		{query.Years(1), "03-05:180"},
	}
	for _, c := range cases {
		res, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: w, Step: c.step, Metrics: []cost.Metric{cost.Billed}})
		if err != nil {
			t.Fatalf("%v: %v", c.step, err)
		}
		var got []string
		for _, r := range res.Rows {
			got = append(got, r.Start.Format("01-02")+":"+r.Values[0].String())
		}
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("%+v: %s, want %s", c.step, s, c.want)
		}
	}
	res, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: w, Step: query.Hours(6), Metrics: []cost.Metric{cost.Billed}})
	if err != nil || len(res.Rows) != 15 || len(res.Buckets) != 60 || res.Rows[0].Start != Day(3, 5).Add(12*time.Hour) {
		t.Fatalf("six-hour buckets: %d rows of %d buckets, first %v, err %v; want 15 rows of 60, the first at 12:00", len(res.Rows), len(res.Buckets), res.Rows[0].Start, err)
	}
}

// testStream: rows reach the callback in order, and an error from the
// callback stops the answer and is returned as is.
func testStream(t *testing.T, st store.Store) {
	var items []*cost.LineItem
	for d := 1; d <= 10; d++ {
		items = append(items, Item("a1", "A", Day(3, d), "1"), Item("a2", "B", Day(3, d), "2"))
	}
	Load(t, st, "s1", items...)
	q := query.Query{Scope: scope.All(), Window: march, Step: query.Days(1), GroupBy: []cost.Dimension{cost.DimService}, Metrics: []cost.Metric{cost.Billed}}
	var got []string
	stats, err := st.Stream(ctx, q, func(r query.Row) error {
		got = append(got, r.Start.Format("02")+r.Keys[0])
		return nil
	})
	if err != nil || stats.Total != 20 || len(stats.Buckets) != 31 || strings.Join(got[:4], " ") != "01B 01A 02B 02A" {
		t.Fatalf("streamed %v, stats %+v, err %v", got, stats, err)
	}
	stop := errors.New("enough")
	n := 0
	for _, page := range []bool{false, true} {
		n = 0
		q.Limit = map[bool]int{false: 0, true: 1}[page]
		_, err = st.Stream(ctx, q, func(query.Row) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 3 {
			t.Fatalf("paged %v: stopping at the third row: %d rows, err %v", page, n, err)
		}
	}
}
