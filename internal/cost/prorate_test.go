package cost

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestProrate(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 6, d, 0, 0, 0, 0, time.UTC) }
	june := [2]time.Time{day(1), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		name       string
		amount     string
		start, end time.Time
		a, b       time.Time
		want       string
	}{
		{"a day of a 30-day fee", "30", june[0], june[1], day(2), day(3), "1"},
		{"a third rounds half to even", "1", june[0], june[1], day(1), day(11), "0.333333333333333333333333"},
		{"the next third takes the carry", "1", june[0], june[1], day(11), day(21), "0.333333333333333333333334"},
		{"the last third ends on the amount", "1", june[0], june[1], day(21), june[1], "0.333333333333333333333333"},
		{"negative amounts round symmetrically", "-1", june[0], june[1], day(11), day(21), "-0.333333333333333333333334"},
		{"a tie rounds to even (down)", "0.000000000000000000000001", day(1), day(3), day(1), day(2), "0"},
		{"a tie rounds to even (up)", "0.000000000000000000000003", day(1), day(3), day(1), day(2), "0.000000000000000000000002"},
		{"clipped to the item", "30", june[0], june[1], day(1).AddDate(0, -1, 0), day(2), "1"},
		{"outside the item", "30", june[0], june[1], june[1], june[1].AddDate(0, 0, 1), "0"},
		{"the whole item", "99999999999999.999999999999999999999999", june[0], june[1], june[0], june[1], "99999999999999.999999999999999999999999"},
		{"an item without duration, in", "5", day(2), day(2), day(2), day(3), "5"},
		{"an item without duration, out", "5", day(2), day(2), day(3), day(4), "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Prorate(decimal.RequireFromString(tt.amount), tt.start, tt.end, tt.a, tt.b)
			if !got.Equal(decimal.RequireFromString(tt.want)) {
				t.Fatalf("Prorate = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestProratePartsAddUp: the parts of any cut of an item's period add up
// to the item exactly, even where each part is rounded.
func TestProratePartsAddUp(t *testing.T) {
	start := time.Date(2024, 1, 31, 13, 7, 11, 0, time.UTC)
	end := start.Add(31*24*time.Hour + 17*time.Second)
	for _, amount := range []string{"1", "-7.000000000000000000000001", "12345678901234.123456789012345678901234", "0.1"} {
		a := decimal.RequireFromString(amount)
		sum := decimal.Zero
		for t0 := start.Truncate(24 * time.Hour); t0.Before(end); t0 = t0.Add(24 * time.Hour) {
			sum = sum.Add(Prorate(a, start, end, t0, t0.Add(24*time.Hour)))
		}
		if !sum.Equal(a) {
			t.Errorf("daily parts of %s add up to %s", amount, sum)
		}
	}
}
