// Package rightsizing proposes smaller EC2 instance types from uploaded
// metrics (internal/metricstore) and what an instance costs, as pure
// functions: the native API gathers the inputs through the engine and
// the metric store and renders the result.
//
// The rule: take the 95th percentile (nearest rank) of the instance's
// hourly average CPU use and of its hourly average memory use over the
// window. The next smaller type of the same family (types.go) has
// `next/current` of the capacity, so the same load would run it at
// p95 × current/next. Propose it when that stays under TargetPercent
// (80%) for CPU and for memory alike: for a halving step, when both p95
// are under 40%. The monthly saving is the current monthly cost times
// (1 − next/current): prices within a family scale with the size, so the
// smaller type costs next/current of the current one, whatever discount
// applies to both.
package rightsizing

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/metricsupload"
)

// The rule's parameters.
const (
	// TargetPercent is the highest projected p95 a proposal may cause.
	TargetPercent = 80
	// MinHours is the fewest hours of CPU and of memory data a proposal
	// needs: three days, so that one quiet day proposes nothing.
	MinHours = 72
	// HoursPerMonth is AWS's month of instance hours (365 × 24 / 12).
	HoursPerMonth = 730
)

// The metric keys the rule reads: hourly averages.
const (
	keyCPU     = "cpu:used:percent.avg"
	keyMemUsed = "memory:used:percent.avg"
	keyMemFree = "memory:free:bytes.avg"
	keyMemSize = "memory:size:bytes.avg"
)

// Usage returns an instance's hourly CPU and memory use in percent from
// its points (file systems' are ignored): cpu:used:percent.avg, and
// memory:used:percent.avg or, for an hour without it, (size − free) ÷
// size from the byte averages, which some agents send instead.
func Usage(points []metricstore.Point) (cpu, memory []decimal.Decimal) {
	type hour struct{ used, free, size *decimal.Decimal }
	hours := map[time.Time]*hour{}
	var order []time.Time
	for _, p := range points {
		if p.Series.AssetType != metricsupload.AssetInstance {
			continue
		}
		v := p.Value
		switch p.Key {
		case keyCPU:
			cpu = append(cpu, v)
			continue
		case keyMemUsed, keyMemFree, keyMemSize:
		default:
			continue
		}
		h := hours[p.Time]
		if h == nil {
			h = &hour{}
			hours[p.Time] = h
			order = append(order, p.Time)
		}
		switch p.Key {
		case keyMemUsed:
			h.used = &v
		case keyMemFree:
			h.free = &v
		case keyMemSize:
			h.size = &v
		}
	}
	for _, t := range order {
		h := hours[t]
		switch {
		case h.used != nil:
			memory = append(memory, *h.used)
		case h.free != nil && h.size != nil && h.size.IsPositive() && !h.free.GreaterThan(*h.size):
			memory = append(memory, cost.Quo(h.size.Sub(*h.free).Mul(dec(100)), *h.size))
		}
	}
	return cpu, memory
}

// P95 returns the 95th percentile of vs by nearest rank: the smallest
// value with at least 95% of the values at or below it, one of the
// values itself, so no interpolation rounds it. False for no values.
func P95(vs []decimal.Decimal) (decimal.Decimal, bool) {
	if len(vs) == 0 {
		return decimal.Decimal{}, false
	}
	s := slices.Clone(vs)
	slices.SortFunc(s, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	rank := (95*len(s) + 99) / 100 // ⌈0.95 n⌉
	return s[rank-1], true
}

// MonthlyCost is the cost of a month of running at the rate observed:
// amount ÷ hours × HoursPerMonth, exact to cost.Scale. False without
// hours, when no rate can be observed.
func MonthlyCost(amount, hours decimal.Decimal) (decimal.Decimal, bool) {
	if !hours.IsPositive() {
		return decimal.Decimal{}, false
	}
	return cost.Quo(amount.Mul(dec(HoursPerMonth)), hours), true
}

// Action is what a recommendation says to do.
type Action string

// The actions.
const (
	Downsize Action = "downsize"
	Keep     Action = "keep"
	// NoData: too few hours of metrics to judge.
	NoData Action = "insufficient_data"
	// UnknownType: no instance type in the bill, or one the size table
	// does not hold.
	UnknownType Action = "unknown_type"
)

// Input is what the rule reads of one instance.
type Input struct {
	Type string // "" when the bill names none
	// MonthlyCost is nil when unknown (no cost in the window).
	MonthlyCost *decimal.Decimal
	CPU, Memory []decimal.Decimal // hourly use in percent
}

// Evidence is what a recommendation is based on.
type Evidence struct {
	CPUHours, MemoryHours int
	CPUP95, MemoryP95     *decimal.Decimal
	// Projected p95 on the proposed type (set with a proposal or a
	// refused one), exact to cost.Scale.
	ProjectedCPUP95, ProjectedMemoryP95 *decimal.Decimal
}

// Recommendation is the rule's answer for one instance.
type Recommendation struct {
	Action   Action
	Proposed string // the smaller type, with Downsize
	// MonthlySaving, with Downsize and a known monthly cost.
	MonthlySaving *decimal.Decimal
	Reason        string
	Evidence      Evidence
}

// Recommend applies the rule to one instance.
func Recommend(in Input) Recommendation {
	var r Recommendation
	r.Evidence.CPUHours, r.Evidence.MemoryHours = len(in.CPU), len(in.Memory)
	if p, ok := P95(in.CPU); ok {
		r.Evidence.CPUP95 = &p
	}
	if p, ok := P95(in.Memory); ok {
		r.Evidence.MemoryP95 = &p
	}
	switch {
	case in.Type == "":
		r.Action, r.Reason = UnknownType, "the bill shows no instance hours of this instance in the window"
		return r
	case !Known(in.Type):
		r.Action, r.Reason = UnknownType, "the size table does not hold "+in.Type
		return r
	case r.Evidence.CPUHours < MinHours || r.Evidence.MemoryHours < MinHours:
		r.Action, r.Reason = NoData, "fewer than 72 hours of CPU or memory metrics in the window"
		return r
	}
	smaller, cur, next, ok := Smaller(in.Type)
	if !ok {
		r.Action, r.Reason = Keep, in.Type+" is the smallest size of its family"
		return r
	}
	pc := cost.Quo(r.Evidence.CPUP95.Mul(dec(cur)), dec(next))
	pm := cost.Quo(r.Evidence.MemoryP95.Mul(dec(cur)), dec(next))
	r.Evidence.ProjectedCPUP95, r.Evidence.ProjectedMemoryP95 = &pc, &pm
	// Compared without division: p95 × current < 80 × next.
	limit := dec(TargetPercent * next)
	if !r.Evidence.CPUP95.Mul(dec(cur)).LessThan(limit) || !r.Evidence.MemoryP95.Mul(dec(cur)).LessThan(limit) {
		r.Action, r.Reason = Keep, "on "+smaller+" the p95 CPU or memory use would reach 80% or more"
		return r
	}
	r.Action, r.Proposed = Downsize, smaller
	r.Reason = "on " + smaller + " the p95 CPU and memory use would stay under 80%"
	if in.MonthlyCost != nil {
		s := cost.Quo(in.MonthlyCost.Mul(dec(cur-next)), dec(cur))
		r.MonthlySaving = &s
	}
	return r
}
