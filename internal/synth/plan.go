package synth

import (
	"math/bits"
	"time"
)

// A plan decides how many rows each day and each hour gets before any row
// is written, so that the output has exactly Options.Rows rows whatever
// the mix of row kinds. Days are weighted like a real bill: weekdays
// heavier than weekends, slow month-on-month growth, a little noise. Each
// provider then fills an hour's slots with resources 0, 1, 2, … in order,
// so the low-numbered resources run every hour of every day (databases,
// storage, committed instances: the "steady" fleet) while the high ones
// only run when the day is busy (autoscaled instances, transfer): the
// weekly pattern of the bill comes from the slot counts themselves.
//
// The last day of each calendar month in the range (and the last day of
// the range) ends with a block of month-level rows: fees, taxes, credits,
// discounts, commitment purchases.
type plan struct {
	start   time.Time
	days    int
	hours   int     // 24 for hourly rows, 1 for daily rows
	rows    []int64 // rows of day d, month-level rows included
	monthly []int64 // month-level rows at the end of day d
}

// dayWeight is the relative activity of day d: Monday–Friday 100,
// Saturday 86, Sunday 83; growth of about 4.5 % a month; ±4 % noise.
func dayWeight(seed uint64, start time.Time, d int) int64 {
	var dow int64 = 100
	switch start.AddDate(0, 0, d).Weekday() {
	case time.Saturday:
		dow = 86
	case time.Sunday:
		dow = 83
	}
	growth := 2000 + 3*int64(d) // per mille ×2: +0.15 % a day
	noise := between(hash2(seed^0x5eed, uint64(d)), 96, 104)
	return dow * growth * noise / 100
}

// newPlan spreads rows over days by weight. monthRows(first) is how many
// month-level rows a month needs (first: the range's first month).
func newPlan(seed uint64, start time.Time, days int, rows int64, hours int, monthRows func(first bool) int64) *plan {
	p := &plan{start: start, days: days, hours: hours, rows: make([]int64, days), monthly: make([]int64, days)}
	weights := make([]int64, days)
	var sum uint64
	for d := range days {
		weights[d] = dayWeight(seed, start, d)
		sum += uint64(weights[d])
	}
	// Row i of the range belongs to the day whose cumulative weight
	// interval holds i/rows: day d gets floor(rows·C(d+1)/W) −
	// floor(rows·C(d)/W) rows, which sums to exactly rows.
	var cum uint64
	prev := int64(0)
	for d := range days {
		cum += uint64(weights[d])
		hi, lo := bits.Mul64(uint64(rows), cum)
		q, _ := bits.Div64(hi, lo, sum)
		p.rows[d] = int64(q) - prev
		prev = int64(q)
	}
	first := true
	for d := range days {
		if p.closesMonth(d) {
			p.monthly[d] = min(monthRows(first), p.rows[d])
			first = false
		}
	}
	return p
}

func (p *plan) day(d int) time.Time { return p.start.AddDate(0, 0, d) }

func (p *plan) end() time.Time { return p.day(p.days) }

// closesMonth reports whether day d is the last day of its month in the
// range.
func (p *plan) closesMonth(d int) bool {
	return d == p.days-1 || p.day(d+1).Day() == 1
}

// period returns the part of day d's calendar month inside the range,
// [from, to), and the whole calendar month [ms, me).
func (p *plan) period(d int) (from, to, ms, me time.Time) {
	t := p.day(d)
	ms = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	me = ms.AddDate(0, 1, 0)
	from, to = ms, me
	if from.Before(p.start) {
		from = p.start
	}
	if end := p.end(); to.After(end) {
		to = end
	}
	return from, to, ms, me
}

// usageRows is the number of ordinary (non-month-level) rows of day d.
func (p *plan) usageRows(d int) int64 { return p.rows[d] - p.monthly[d] }

// hourRows is the number of ordinary rows in hour h of day d: the day's
// rows split evenly over its hours.
func (p *plan) hourRows(d, h int) int64 {
	n, H := p.usageRows(d), int64(p.hours)
	return n*int64(h+1)/H - n*int64(h)/H
}

// minHourRows is the smallest hour of the whole range: every resource
// that fits in it runs in every hour, which is what makes it steady.
func (p *plan) minHourRows() int64 {
	m := int64(-1)
	for d := range p.days {
		if v := p.usageRows(d) / int64(p.hours); m < 0 || v < m {
			m = v
		}
	}
	return max(m, 0)
}

// monthSegments returns the first day index of each month segment and the
// index after its last day, for writing one file per billing period.
func (p *plan) monthSegments() [][2]int {
	var segs [][2]int
	from := 0
	for d := range p.days {
		if p.closesMonth(d) {
			segs = append(segs, [2]int{from, d + 1})
			from = d + 1
		}
	}
	return segs
}
