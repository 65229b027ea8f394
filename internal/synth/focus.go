package synth

import (
	"math"
	"time"
)

// focusGen writes a FOCUS 1.2 CSV (billing-formats.md §2.1, columns in
// the spec's order) for AWS, Microsoft and Google Cloud together, daily.
// Usage a commitment covers is billed 0 and has its share of the
// commitment as EffectiveCost; each month closes with the commitments'
// Purchase rows (EffectiveCost 0), their unused part (Usage, status
// Unused, BilledCost 0), a Tax row and a Credit row.
type focusGen struct {
	seed                  uint64
	p                     *plan
	steady                int64
	steadyPick, burstPick *picker
	accountPick           *picker
	commit                [3]int64 // commitment per day per provider, focusScale

	// Day and month state.
	dayStart, dayEnd   []byte
	billStart, billEnd []byte
	from, to           []byte
	fromT, toT         time.Time
	invoice            []byte
	used               [3]int64 // commitment used this month, focusScale
	billed             [3]int64 // BilledCost this month, focusScale

	row  focusRow
	rid  []byte
	tags []byte
}

type focusRes struct {
	k       int64
	h       uint64
	svc     *focusService
	account int
	team    int
	size    int64
	steady  bool
	covered bool
}

func newFocus(opt Options) *focusGen {
	g := &focusGen{seed: uint64(opt.Seed) ^ 0xf0c, steady: math.MaxInt64}
	g.p = newPlan(g.seed, opt.Start, opt.Days, opt.Rows, 1, func(bool) int64 { return 8 })
	steadyW, burstW := make([]int, len(focusServices)), make([]int, len(focusServices))
	for i, s := range focusServices {
		steadyW[i], burstW[i] = s.steady, s.burst
	}
	g.steadyPick, g.burstPick = newPicker(steadyW), newPicker(burstW)
	g.accountPick = newPicker([]int{60, 40})
	budget := g.p.minHourRows()
	k := int64(0)
	for ; k < budget; k++ {
		if r := g.res(k); r.covered {
			g.commit[r.svc.provider] += focusCommitted(r.svc) * r.size
		}
	}
	g.steady = k
	for i := range g.commit { // 5 % headroom, in whole cents a day
		g.commit[i] = (g.commit[i]*105/100 + 99_999_999) / 100_000_000 * 100_000_000
	}
	return g
}

func (g *focusGen) plan() *plan        { return g.p }
func (g *focusGen) costColumn() string { return "BilledCost" }
func (g *focusGen) costScale() int     { return focusScale }

func focusContracted(s *focusService) int64 { return s.list * (100 - s.discount) / 100 }

func focusCommitted(s *focusService) int64 {
	return focusContracted(s) * focusProviders[s.provider].commitment.percent / 100
}

func (g *focusGen) res(k int64) focusRes {
	h := hash2(g.seed, uint64(k))
	h2 := mix(h ^ golden)
	r := focusRes{k: k, h: h, steady: k < g.steady, team: -1, account: g.accountPick.pick(h >> 10)}
	idx := g.burstPick.pick(h)
	if r.steady {
		idx = g.steadyPick.pick(h)
		if k < int64(len(focusAnchors)) {
			idx = focusAnchors[k]
		}
	}
	r.svc = &focusServices[idx]
	if (h>>30)%100 >= 12 {
		r.team = int((h >> 37) % uint64(len(teams)))
	}
	r.size = between(h2, r.svc.qtyLo, r.svc.qtyHi)
	r.covered = r.steady && r.svc.commit && (h2>>40)%3 != 0
	return r
}

func (g *focusGen) write(o *out, from, to int) {
	o.header(focusHeader[:])
	for d := from; d < to && o.err == nil; d++ {
		day := g.p.day(d)
		if d == from || day.Day() == 1 {
			g.startMonth(d)
		}
		g.dayStart = appendISO(g.dayStart[:0], day)
		g.dayEnd = appendISO(g.dayEnd[:0], day.AddDate(0, 0, 1))
		n := g.p.hourRows(d, 0)
		for k := int64(0); k < n; k++ {
			g.usageRow(o, d, g.res(k))
		}
		if g.p.closesMonth(d) {
			g.closeMonth(o, g.p.monthly[d])
		}
	}
}

func (g *focusGen) startMonth(d int) {
	from, to, ms, me := g.p.period(d)
	g.fromT, g.toT = from, to
	g.billStart = appendISO(g.billStart[:0], ms)
	g.billEnd = appendISO(g.billEnd[:0], me)
	g.from = appendISO(g.from[:0], from)
	g.to = appendISO(g.to[:0], to)
	g.invoice = g.invoice[:0]
	if to.Equal(me) {
		g.invoice = append(g.invoice, "INV-"...)
		g.invoice = appendYM(g.invoice, ms)
	}
	g.used, g.billed = [3]int64{}, [3]int64{}
}

// usageRow writes resource r's row of day d. ListCost = ListUnitPrice ×
// PricingQuantity, ContractedCost = ContractedUnitPrice × PricingQuantity;
// BilledCost = ContractedCost, or 0 when a commitment covers the usage,
// whose EffectiveCost is then the committed price × PricingQuantity.
func (g *focusGen) usageRow(o *out, d int, r focusRes) {
	s := r.svc
	q := r.size
	if s.elastic {
		q = q * between(hash3(r.h, uint64(d), 0), 50, 150) / 100
	} else if s.unit != "Hours" {
		q = q * (2000 + 3*int64(d)) / 2000 // stored data grows
	}
	q = max(q, 1)
	row := &g.row
	*row = focusRow{svc: s, prov: &focusProviders[s.provider], qty: some(q, focusQtyScale),
		list: s.list, contracted: focusContracted(s), category: "Usage", frequency: "Usage-Based",
		pricing: "Standard", start: g.dayStart, end: g.dayEnd}
	row.sub = row.prov.subAccounts[r.account%len(row.prov.subAccounts)]
	row.listCost = s.list * q
	row.contractedCost = row.contracted * q
	row.billed, row.effective = row.contractedCost, row.contractedCost
	if r.covered {
		row.billed, row.effective = 0, focusCommitted(s)*q
		row.commitment, row.status, row.pricing = &row.prov.commitment, "Used", "Committed"
		g.used[s.provider] += row.effective
	}
	g.fillFocusResource(row, &r)
	g.emit(o, row)
}

// closeMonth writes up to n month-level rows.
func (g *focusGen) closeMonth(o *out, n int64) {
	days := int64(g.toT.Sub(g.fromT).Hours() / 24)
	w := func(row *focusRow) bool {
		if n <= 0 {
			return false
		}
		n--
		row.start, row.end = g.from, g.to
		row.sub = row.prov.subAccounts[0]
		if row.category != "Usage" { // purchases, tax and credits are priced as billed
			row.listCost, row.contractedCost = row.billed, row.billed
		}
		g.rid, g.tags = g.rid[:0], g.tags[:0]
		g.emit(o, row)
		return true
	}
	for p := range focusProviders {
		prov := &focusProviders[p]
		total := g.commit[p] * days
		if !w(&focusRow{prov: prov, commitment: &prov.commitment, category: "Purchase", frequency: "Recurring",
			pricing: "Committed", billed: total, desc: "Commitment purchase: " + prov.commitment.name}) {
			return
		}
		unused := max(total-g.used[p], 0)
		if !w(&focusRow{prov: prov, commitment: &prov.commitment, status: "Unused", category: "Usage",
			frequency: "Recurring", pricing: "Committed", effective: unused, desc: "Unused commitment: " + prov.commitment.name}) {
			return
		}
	}
	tax := max(g.billed[0], 0) * awsTaxPercent / 100 / 100_000_000 * 100_000_000
	if !w(&focusRow{prov: &focusProviders[0], category: "Tax", frequency: "One-Time", billed: tax, effective: tax,
		desc: "Tax for the month"}) {
		return
	}
	credit := -min(200_0000000000, max(g.billed[2], 0))
	w(&focusRow{prov: &focusProviders[2], category: "Credit", frequency: "One-Time", billed: credit, effective: credit,
		desc: "Promotional credit"})
}

func (g *focusGen) emit(o *out, row *focusRow) {
	for p := range focusProviders {
		if row.prov == &focusProviders[p] {
			g.billed[p] += row.billed
		}
	}
	o.buf = appendFocus(o.buf[:0], row, g)
	o.end(row.billed)
}
