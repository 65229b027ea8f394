package synth

import (
	"math"
	"time"
)

// azureGen writes an Azure EA actual-cost export, 2024-08-01 layout
// (billing-formats.md §6.2): daily rows, US MM/DD/YYYY dates, tags without
// braces. Usage covered by the VM reservation costs 0 (actual cost) and
// the reservation's monthly Purchase row closes each month.
type azureGen struct {
	seed                  uint64
	p                     *plan
	steady                int64
	steadyPick, burstPick *picker
	subPick, regionPick   *picker
	reservedCut           int64 // resources below it may use the reservation
	reservedUnits         int64

	date, billStart, billEnd []byte
	periodFrom               []byte
	row                      azRow
	rid, tags, info, raw     []byte // the row's resource id, tags and AdditionalInfo
}

type azRes struct {
	k        int64
	h        uint64
	m        *azMeter
	sub      int
	region   int
	team     int // -1: untagged
	size     int64
	steady   bool
	reserved bool
}

func newAzure(opt Options) *azureGen {
	g := &azureGen{seed: uint64(opt.Seed) ^ 0xa2, reservedCut: math.MaxInt64, steady: math.MaxInt64}
	g.p = newPlan(g.seed, opt.Start, opt.Days, opt.Rows, 1, func(bool) int64 { return 1 })
	steadyW, burstW := make([]int, len(azMeters)), make([]int, len(azMeters))
	for i, m := range azMeters {
		steadyW[i], burstW[i] = m.steady, m.burst
	}
	g.steadyPick, g.burstPick = newPicker(steadyW), newPicker(burstW)
	g.subPick, g.regionPick = newPicker(azSubscriptionWeights), newPicker(azRegionWeights)
	// The steady fleet fits the smallest day; the reservation is sized to
	// the steady D4s v5 machines it covers.
	budget := g.p.minHourRows()
	k := int64(0)
	for ; k < budget; k++ {
		if r := g.res(k); r.reserved {
			g.reservedUnits++
			if g.reservedUnits == azReservedCap {
				g.reservedCut = k + 1
			}
		}
	}
	g.steady = k
	g.reservedUnits = max(g.reservedUnits, 1)
	return g
}

func (g *azureGen) plan() *plan        { return g.p }
func (g *azureGen) costColumn() string { return "CostInBillingCurrency" }
func (g *azureGen) costScale() int     { return azScale }

func (g *azureGen) res(k int64) azRes {
	h := hash2(g.seed, uint64(k))
	h2 := mix(h ^ golden)
	r := azRes{k: k, h: h, steady: k < g.steady, sub: g.subPick.pick(h >> 10), region: g.regionPick.pick(h >> 20), team: -1}
	idx := g.burstPick.pick(h)
	if r.steady {
		idx = g.steadyPick.pick(h)
		if k < int64(len(azAnchors)) {
			idx = azAnchors[k]
		}
	}
	r.m = &azMeters[idx]
	if (h>>30)%100 >= 15 {
		r.team = int((h >> 37) % uint64(len(teams)))
	}
	r.size = between(h2, r.m.qtyLo, r.m.qtyHi)
	if r.m.unit == "1 Hour" { // machines and servers run whole hours
		r.size = r.size / 1_000000 * 1_000000
	}
	r.reserved = r.steady && r.m.reservable && r.region == 0 && k < g.reservedCut && (h2>>40)&3 != 0
	return r
}

func (g *azureGen) write(o *out, from, to int) {
	o.header(azHeader[:])
	for d := from; d < to && o.err == nil; d++ {
		day := g.p.day(d)
		if d == from || day.Day() == 1 {
			pf, _, ms, me := g.p.period(d)
			g.billStart = appendUS(g.billStart[:0], ms)
			g.billEnd = appendUS(g.billEnd[:0], me.AddDate(0, 0, -1)) // EA writes the last day, inclusive
			g.periodFrom = appendUS(g.periodFrom[:0], pf)
		}
		g.date = appendUS(g.date[:0], day)
		n := g.p.hourRows(d, 0)
		for k := int64(0); k < n; k++ {
			g.usageRow(o, d, g.res(k))
		}
		if g.p.closesMonth(d) && g.p.monthly[d] > 0 {
			g.purchaseRow(o, day)
		}
	}
}

// quantity is r's usage on day d, scale 6.
func (g *azureGen) quantity(r *azRes, d int) int64 {
	q := r.size
	switch {
	case r.m.growing:
		q = q * (2000 + 3*int64(d)) / 2000
	case r.m.elastic:
		q = q * between(hash3(r.h, uint64(d), 0), 50, 150) / 100
	case !r.steady && r.m.unit == "1 Hour":
		// An autoscaled machine runs part of a busy day.
		q = q * between(hash3(r.h, uint64(d), 1), 30, 100) / 100
	}
	return max(q, 1)
}

// usageRow writes resource r's row of day d. Cost = EffectivePrice ×
// Quantity: the EA price (UnitPrice, 5 % below PayGPrice) for on-demand
// usage, 0 for usage the reservation covers (actual cost, §6.8).
func (g *azureGen) usageRow(o *out, d int, r azRes) {
	m := r.m
	sub := &azSubscriptions[r.sub]
	reg := &azRegions[r.region]
	q := g.quantity(&r, d)
	unit := m.payg * (100 - azEADiscount) / 100
	row := &g.row
	*row = azRow{sub: sub, region: reg, meter: m, qty: q, unitPrice: unit, payg: m.payg, effPrice: unit,
		chargeType: "Usage", frequency: "UsageBased", pricing: "OnDemand", publisherType: "Azure"}
	if r.reserved {
		row.effPrice, row.payg, row.pricing, row.reserved = 0, 0, "Reservation", true
	}
	row.cost = row.effPrice * q
	g.fillAzResource(row, &r)
	o.buf = appendAzure(o.buf[:0], row, g)
	o.end(row.cost)
}

// purchaseRow is the reservation's monthly payment: Purchase, Recurring,
// dated on the first day of the month's part of the range.
func (g *azureGen) purchaseRow(o *out, day time.Time) {
	monthly := int64(azReservedRate) * 730 // scale 6: the same amount every month
	row := &g.row
	*row = azRow{sub: &azSubscriptions[0], region: &azRegions[0], meter: &azMeters[0], purchase: true,
		qty: g.reservedUnits * 1_000000, effPrice: monthly, unitPrice: monthly, reserved: true,
		chargeType: "Purchase", frequency: "Recurring", pricing: "Reservation", publisherType: "Azure"}
	row.cost = row.effPrice * row.qty
	row.resource = append(g.rid[:0], "/providers/Microsoft.Capacity/reservationOrders/"+azReservationOrder+"/reservations/"...)
	o.buf = appendAzure(o.buf[:0], row, g)
	o.end(row.cost)
}
