package anomaly

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var start = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func decs(vs ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(vs))
	for i, v := range vs {
		out[i] = decimal.RequireFromString(v)
	}
	return out
}

// noisy is 14 days around 100 with a weekly wobble: the baseline of
// every test.
var noisy = []string{"100", "102", "98", "101", "99", "90", "91", "100", "103", "97", "100", "100", "92", "90"}

func with(tail ...string) []decimal.Decimal {
	return decs(append(append([]string{}, noisy...), tail...)...)
}

// flat is Default without the weekend split, whose arithmetic the
// cases of TestDetect follow.
var flat = func() Rule { r := Default; r.SplitWeekends = false; return r }()

func TestDetect(t *testing.T) {
	day := func(i int) time.Time { return start.AddDate(0, 0, i) }
	type flag struct {
		day                        int
		cost, expected, difference string
	}
	cases := []struct {
		name  string
		costs []decimal.Decimal
		want  []flag
	}{
		{"ordinary day", with("104"), nil},
		{"seeded spike", with("250"), []flag{{14, "250", "99.5", "150.5"}}},
		{"seeded drop", with("10"), []flag{{14, "10", "99.5", "-89.5"}}},
		{"spike then return: the spike does not move the median", with("400", "101"), []flag{{14, "400", "99.5", "300.5"}}},
		{"two spikes in a row both flagged", with("400", "410"), []flag{{14, "400", "99.5", "300.5"}, {15, "410", "99.5", "310.5"}}},
		// A flat history has MAD 0: the 5 % floor keeps 110 (10 % off)
		// quiet and flags 120 (20 % off, beyond 3.5 × 5 %).
		{"flat history, small change", decs("100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "110"), nil},
		{"flat history, large change", decs("100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "100", "120"), []flag{{14, "120", "100", "20"}}},
		// Pennies: far off in spreads, but under one unit of currency.
		{"pennies", decs("0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.90"), nil},
		{"new spend after nothing", decs("0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "50"), []flag{{14, "50", "0", "50"}}},
		{"new spend is flagged once, not until the baseline fills", decs("0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "50", "50", "51", "50", "49", "50"), []flag{{14, "50", "0", "50"}}},
		{"too short for a baseline", decs("1", "1000"), nil},
		// Exact: 28 decimal places survive the median and the difference.
		{"exact decimals", decs("1.0000000000000000000000000001", "1.0000000000000000000000000003", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1.0000000000000000000000000001", "1.0000000000000000000000000001", "9.0000000000000000000000000001"),
			[]flag{{14, "9.0000000000000000000000000001", "1", "8.0000000000000000000000000001"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Detect([]Series{{Group: map[string]string{"service": "S"}, Currency: "USD", Start: start, Costs: c.costs}}, time.Time{}, flat)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d anomalies, want %d: %+v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				g := got[i]
				if !g.Day.Equal(day(w.day)) || g.Cost.String() != w.cost || g.Expected.String() != w.expected || g.Difference.String() != w.difference {
					t.Errorf("anomaly %d = day %s cost %s expected %s difference %s; want day %s %s %s %s",
						i, g.Day.Format(time.DateOnly), g.Cost, g.Expected, g.Difference, day(w.day).Format(time.DateOnly), w.cost, w.expected, w.difference)
				}
				if g.Group["service"] != "S" || g.Currency != "USD" {
					t.Errorf("anomaly %d: group %v currency %s", i, g.Group, g.Currency)
				}
			}
		})
	}
}

// TestDetectFromAndOrder: days before from are baseline only, and a day's
// anomalies come largest difference first, across groups.
func TestDetectFromAndOrder(t *testing.T) {
	small := Series{Group: map[string]string{"service": "small"}, Start: start, Costs: with("150", "100")}
	big := Series{Group: map[string]string{"service": "big"}, Start: start, Costs: with("500", "600")}
	got, err := Detect([]Series{small, big}, time.Time{}, flat)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range got {
		names = append(names, a.Day.Format("02")+":"+a.Group["service"])
	}
	if want := "[15:big 15:small 16:big]"; fmtList(names) != want {
		t.Errorf("order = %v, want %s", names, want)
	}
	got, _ = Detect([]Series{small, big}, start.AddDate(0, 0, 15), flat)
	if len(got) != 1 || got[0].Group["service"] != "big" {
		t.Errorf("from day 16: %+v", got)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out + "]"
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{{nil, "0"}, {[]string{"3"}, "3"}, {[]string{"3", "1", "2"}, "2"}, {[]string{"4", "1", "3", "2"}, "2.5"},
		{[]string{"0.0000000000000000000000000001", "0"}, "0.00000000000000000000000000005"}} {
		if got := Median(decs(c.in...)); got.String() != c.want {
			t.Errorf("Median(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestRuleValidate(t *testing.T) {
	r := Default
	r.Baseline = 2
	if _, err := Detect(nil, time.Time{}, r); err == nil {
		t.Error("a 2-day baseline was accepted")
	}
	r = Default
	r.K = decimal.Zero
	if _, err := Detect(nil, time.Time{}, r); err == nil {
		t.Error("k = 0 was accepted")
	}
}

// TestWeekends: five weeks of weekday costs of about 100 and weekends of
// 40, with one seeded spike on a Wednesday and one on a Sunday. Split at
// weekends, only the spikes are flagged, each against its own kind of
// day; without the split every weekend day is.
func TestWeekends(t *testing.T) {
	monday := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	var costs []string
	for i := range 35 {
		d := monday.AddDate(0, 0, i)
		v := fmt.Sprint(100 + i%3)
		if weekend(d) {
			v = fmt.Sprint(40 + i%2)
		}
		switch d.Day() {
		case 27: // Wednesday
			v = "180"
		case 31: // Sunday
			v = "95"
		}
		costs = append(costs, v)
	}
	s := []Series{{Start: monday, Costs: decs(costs...)}}
	got, err := Detect(s, time.Time{}, Default)
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, a := range got {
		days = append(days, a.Day.Format("Mon 02")+" expected "+a.Expected.String())
	}
	if want := "[Wed 27 expected 101 Sun 31 expected 40.5]"; fmtList(days) != want {
		t.Errorf("split at weekends: %v, want %s", days, want)
	}
	got, _ = Detect(s, time.Time{}, flat)
	if len(got) < 6 {
		t.Errorf("without the split %d anomalies; the weekends should all be flagged", len(got))
	}
}

// TestMonthlyCharges: a charge billed on the same day each month (a
// support plan, an invoice line) is flagged as new spend the first time
// only; the next month's equal charge, and one within 10 %, pass as
// monthly, while one that doubled is flagged, and so is any day without
// a day of its number in the month before.
func TestMonthlyCharges(t *testing.T) {
	// From 2024-03-01: 14 quiet days, then the 15th of March, April, May.
	series := func(march, april, may string) []decimal.Decimal {
		costs := make([]string, 0, 80)
		for d := start; d.Before(time.Date(2024, 5, 20, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
			v := "0"
			if d.Day() == 15 {
				v = map[time.Month]string{time.March: march, time.April: april, time.May: may}[d.Month()]
			}
			costs = append(costs, v)
		}
		return decs(costs...)
	}
	cases := []struct {
		name  string
		costs []decimal.Decimal
		want  []string
	}{
		{"the same charge each month", series("250", "250", "250"), []string{"2024-03-15"}},
		{"within 10 %", series("250", "270", "245"), []string{"2024-03-15"}},
		{"a charge that doubled", series("250", "250", "500"), []string{"2024-03-15", "2024-05-15"}},
	}
	for _, c := range cases {
		got, err := Detect([]Series{{Group: map[string]string{"service": "Support"}, Currency: "USD", Start: start, Costs: c.costs}}, time.Time{}, Default)
		if err != nil {
			t.Fatal(err)
		}
		var days []string
		for _, a := range got {
			days = append(days, a.Day.Format(time.DateOnly))
		}
		if fmt.Sprint(days) != fmt.Sprint(c.want) {
			t.Errorf("%s: flagged %v, want %v", c.name, days, c.want)
		}
	}
	// Without the monthly rule every month's charge is new against a
	// fortnight of zeros.
	r := Default
	r.Monthly = decimal.Zero
	if got, _ := Detect([]Series{{Group: map[string]string{"service": "Support"}, Currency: "USD", Start: start, Costs: series("250", "250", "250")}}, time.Time{}, r); len(got) != 3 {
		t.Errorf("without the monthly rule: %d flags, want 3", len(got))
	}
}
