package synth

import (
	"math"
	"time"
)

// awsGen writes a legacy CUR (billing-formats.md §3). Each hour holds the
// usage of resources 0, 1, 2, … (see plan), then one
// SavingsPlanRecurringFee row that reports how much of the hour's
// commitment the covered rows used; the last day of each month ends with
// the month-level rows (aws_month.go).
type awsGen struct {
	seed   uint64
	p      *plan
	perRow int64 // hours per usage row: 1, or 24 for daily rows

	steady                int64 // resources 0..steady-1 run every hour
	steadyPick, burstPick *picker
	accountPick           *picker
	regionPick            *picker
	riCut                 [2]int64 // resources below riCut may use reservation i
	riUnits               [2]int64 // instances each reservation covers
	spCommit              int64    // Savings Plan commitment per hour, awsScale

	// Hour state: the time cells of its rows and its activity factors.
	interval, start, end []byte
	diurnal              int64

	// Month state, reset on the first day of each month.
	month  curMonth
	usage  [4][numAWSProducts]int64 // Σ unblended of usage rows: the EDP and tax base
	riUsed [2]int64                 // covered amount per reservation, scale 4 hours
	spend  int64                    // Σ unblended before month-level rows: the support fee base

	row curRow
	rid []byte // resource id of the current row
	az  []byte
}

// curMonth holds the cells shared by a billing period's rows.
type curMonth struct {
	first              bool // the range's first month: the reservations are bought
	billStart, billEnd []byte
	from, to           []byte // the period's part inside the range
	fromT, toT         time.Time
	invoice            []byte
}

type coverage uint8

const (
	onDemand coverage = iota
	reserved
	savingsPlan
)

// awsRes is resource k: every attribute is a function of (seed, k).
type awsRes struct {
	k       int64
	h       uint64
	item    *awsItem
	account int
	region  int
	team    int // -1: untagged
	size    int64
	cover   coverage
	ri      int
}

func newAWS(opt Options) *awsGen {
	g := &awsGen{seed: uint64(opt.Seed), perRow: 1}
	hours := 24
	if opt.Daily {
		hours, g.perRow = 1, 24
	}
	monthRows := func(first bool) int64 {
		n := int64(len(awsRIs) + 2 + 2*len(awsAccounts)*numAWSProducts) // RIFee, support, credit, EDP, tax
		if first {
			n += int64(len(awsRIs)) // upfront fees
		}
		return n
	}
	g.p = newPlan(g.seed, opt.Start, opt.Days, opt.Rows, hours, monthRows)
	steadyW, burstW := make([]int, len(awsItems)), make([]int, len(awsItems))
	for i, it := range awsItems {
		steadyW[i], burstW[i] = it.steady, it.burst
	}
	g.steadyPick, g.burstPick = newPicker(steadyW), newPicker(burstW)
	g.accountPick, g.regionPick = newPicker(awsAccountWeights), newPicker(awsRegionWeights)
	g.sizeFleet()
	return g
}

// sizeFleet finds the steady fleet: the resources that fit in the
// smallest hour of the range next to its Savings Plan fee row. It sizes
// the reservations to the instances they cover and the Savings Plan
// commitment to 104 % of its covered usage, so that commitments are
// nearly, but not entirely, used, as in a well-run account.
func (g *awsGen) sizeFleet() {
	g.riCut = [2]int64{math.MaxInt64, math.MaxInt64}
	g.steady = math.MaxInt64
	budget := g.p.minHourRows() - 1
	var used, eff int64
	k := int64(0)
	for ; budget > 0; k++ {
		r := g.res(k)
		slots := int64(1)
		if r.cover == savingsPlan {
			slots = 2
		}
		if used+slots > budget {
			break
		}
		used += slots
		switch r.cover {
		case reserved:
			g.riUnits[r.ri]++
			if g.riUnits[r.ri] == awsRICap {
				g.riCut[r.ri] = k + 1
			}
		case savingsPlan:
			eff += spRate(r.item) * r.size
		}
	}
	g.steady = k
	for i := range g.riUnits {
		g.riUnits[i] = max(g.riUnits[i], 1) // a reservation with nothing to cover is still paid
	}
	// Commitments are bought in tenths of a cent per hour, at least $1.
	const step = 10_000_000 // $0.001 at awsScale
	g.spCommit = max((eff*104/100+step-1)/step*step, 1_0000000000)
}

func spRate(it *awsItem) int64 { return it.rate * awsSPPercent / 100 }

func (g *awsGen) res(k int64) awsRes {
	h := hash2(g.seed, uint64(k))
	h2 := mix(h ^ golden)
	steady := k < g.steady
	idx := g.burstPick.pick(h)
	if steady {
		idx = g.steadyPick.pick(h)
		if k < int64(len(awsAnchors)) {
			idx = awsAnchors[k]
		}
	}
	it := &awsItems[idx]
	r := awsRes{k: k, h: h, item: it, account: g.accountPick.pick(h >> 10), region: g.regionPick.pick(h >> 20), team: -1, ri: -1}
	if (h>>30)%100 >= 12 {
		r.team = int((h >> 37) % uint64(len(teams)))
	}
	r.size = between(h2, it.amtLo, it.amtHi)
	if steady {
		switch {
		case it.ri >= 0 && r.region == 0 && k < g.riCut[it.ri] && (h2>>40)&3 != 0:
			r.cover, r.ri = reserved, it.ri
		case it.sp && (h2>>44)%3 != 0:
			r.cover = savingsPlan
		}
	}
	return r
}

// diurnal is the activity of each hour of the day (UTC), in percent:
// elastic usage (transfer, requests, functions) follows it.
var diurnal = [24]int64{70, 65, 62, 60, 60, 62, 70, 85, 100, 115, 125, 130, 130, 128, 125, 120, 115, 110, 105, 100, 95, 90, 82, 75}

// amount is resource r's usage in hour hr of day d, in its item's scale.
func (g *awsGen) amount(r *awsRes, d, hr int) int64 {
	a := r.size
	switch {
	case r.item.growing:
		a = a * (2000 + 3*int64(d)) / 2000
	case r.item.elastic:
		f := between(hash3(r.h, uint64(d), uint64(hr)), 50, 150)
		a = a * f * g.diurnal / 10_000
	}
	return max(a, 1) * g.perRow
}

func (g *awsGen) write(o *out, from, to int) {
	o.header(curHeader[:])
	for d := from; d < to && o.err == nil; d++ {
		if d == from || g.p.day(d).Day() == 1 {
			g.startMonth(d)
		}
		for hr := range g.p.hours {
			g.hour(o, d, hr, g.p.hourRows(d, hr))
		}
		if g.p.closesMonth(d) {
			g.closeMonth(o, d, g.p.monthly[d])
		}
	}
}

func (g *awsGen) startMonth(d int) {
	from, to, ms, me := g.p.period(d)
	m := &g.month
	m.first = from.Equal(g.p.start)
	m.fromT, m.toT = from, to
	m.billStart = appendISO(m.billStart[:0], ms)
	m.billEnd = appendISO(m.billEnd[:0], me)
	m.from = appendISO(m.from[:0], from)
	m.to = appendISO(m.to[:0], to)
	m.invoice = m.invoice[:0]
	if to.Equal(me) { // bill/InvoiceId is blank until the month is final (§3.4)
		m.invoice = appendDec(m.invoice, between(hash2(g.seed, uint64(ms.Unix())), 1_000_000_000, 9_999_999_999), 0)
	}
	g.usage = [4][numAWSProducts]int64{}
	g.riUsed = [2]int64{}
	g.spend = 0
}

func (g *awsGen) setHour(d, hr int) {
	t := g.p.day(d).Add(time.Duration(hr) * time.Hour)
	e := t.Add(time.Duration(g.perRow) * time.Hour)
	g.start = appendISO(g.start[:0], t)
	g.end = appendISO(g.end[:0], e)
	g.interval = append(append(append(g.interval[:0], g.start...), '/'), g.end...)
	g.diurnal = 100
	if g.perRow == 1 {
		g.diurnal = diurnal[hr]
	}
}

// hour writes the n rows of hour hr of day d.
func (g *awsGen) hour(o *out, d, hr int, n int64) {
	if n <= 0 {
		return
	}
	g.setHour(d, hr)
	fee := n >= 2
	if fee {
		n--
	}
	commit := g.spCommit * g.perRow
	var used int64
	hourKey := uint64(d*24+hr) << 32
	for k := int64(0); n > 0; k++ {
		r := g.res(k)
		a := g.amount(&r, d, hr)
		key := hourKey | uint64(k)<<2
		switch r.cover {
		case savingsPlan:
			eff := spRate(r.item) * a
			if n >= 2 && used+eff <= commit {
				g.usageRow(o, &r, a, key, "SavingsPlanCoveredUsage")
				g.negationRow(o, &r, a, key|1)
				used += eff
				n -= 2
				continue
			}
		case reserved:
			g.usageRow(o, &r, a, key, "DiscountedUsage")
			n--
			continue
		}
		g.usageRow(o, &r, a, key, "Usage")
		n--
	}
	if fee {
		g.spFeeRow(o, used, commit, hourKey|3)
	}
}

// fillResource sets the cells every usage-type row of r shares.
func (g *awsGen) fillResource(r *awsRes, key uint64) *curRow {
	row := &g.row
	*row = curRow{idKey: hash2(g.seed, key), interval: g.interval, start: g.start, end: g.end}
	it := r.item
	acct := &awsAccounts[r.account]
	reg := &awsRegions[r.region]
	row.account, row.prod, row.region, row.item = acct.id, &awsProducts[it.prod], reg, it
	row.operation, row.unit, row.norm = it.operation, it.unit, it.norm
	g.rid = appendResourceID(g.rid[:0], r, acct, reg)
	row.resource = g.rid
	if it.res == resInstance || it.res == resVolume || it.res == resDB || it.res == resNAT {
		g.az = append(append(g.az[:0], reg.code...), byte('a'+r.h>>50%3))
		row.az = g.az
	}
	if r.team >= 0 {
		row.team, row.env = teams[r.team], acct.env
	}
	if it.eks {
		row.cluster = acct.clusters[(r.h>>54)%uint64(len(acct.clusters))]
	}
	return row
}

// usageRow writes a Usage, DiscountedUsage or SavingsPlanCoveredUsage row
// of a hours (scaled) of r.
//
// Amortization columns (billing-formats.md §5.1): DiscountedUsage has
// UnblendedCost 0 and reservation/EffectiveCost = (amortized upfront +
// recurring fee per hour) × hours; SavingsPlanCoveredUsage keeps the
// on-demand UnblendedCost and carries savingsPlan/SavingsPlanEffectiveCost
// = SavingsPlanRate × UsageAmount. Net columns are the gross ones less the
// enterprise discount (awsEDPPercent), which the month's EdpDiscount rows
// then bring into the unblended total.
func (g *awsGen) usageRow(o *out, r *awsRes, a int64, key uint64, typ string) {
	row := g.fillResource(r, key)
	it := r.item
	row.typ = typ
	od := it.rate * a // on-demand cost, awsScale
	row.amount = some(a, it.amtScale)
	row.pubCost, row.pubRate = some(od, awsScale), some(it.rate, it.rateScale)
	row.desc[0] = it.desc
	row.term = "OnDemand"
	switch typ {
	case "DiscountedUsage":
		ri := &awsRIs[r.ri]
		row.ri, row.term, row.desc[0] = ri, "Reserved", ri.usageDesc
		row.rate, row.netRate, row.net = some(0, 0), some(0, 0), some(0, 0)
		up, rec := ri.upfrontPerHr*a, ri.recurringPerH*a // scale 6 + 4
		row.riUpUse, row.riRecUse = some(up, awsScale), some(rec, awsScale)
		row.riEff = some(up+rec, awsScale)
		row.riNetEff = some((up+rec)*(100-awsEDPPercent), netScale)
		g.riUsed[r.ri] += a
	default:
		row.cost = od
		row.rate = some(it.rate, it.rateScale)
		row.netRate = some(it.rate*(100-awsEDPPercent), it.rateScale+2)
		row.net = some(od*(100-awsEDPPercent), netScale)
		if typ == "SavingsPlanCoveredUsage" {
			sr := spRate(it)
			row.sp = true
			row.spRate = some(sr, it.rateScale)
			row.spEff = some(sr*a, awsScale)
			row.spNetEff = some(sr*a*(100-awsEDPPercent), netScale)
		}
	}
	g.emit(o, row, r.account, it.prod)
}

// negationRow offsets a SavingsPlanCoveredUsage row: the negative of its
// on-demand cost, so that the pair bills nothing and the hour's fee row
// bills the commitment.
func (g *awsGen) negationRow(o *out, r *awsRes, a int64, key uint64) {
	row := g.fillResource(r, key)
	it := r.item
	row.typ, row.sp = "SavingsPlanNegation", true
	row.amount = some(0, 0)
	row.cost = -it.rate * a
	row.rate = some(-it.rate, it.rateScale)
	row.netRate = some(-it.rate*(100-awsEDPPercent), it.rateScale+2)
	row.net = some(row.cost*(100-awsEDPPercent), netScale)
	row.desc = [4]string{"SavingsPlanNegation used by AccountId : ", row.account, " and UsageSku : ", it.sku}
	g.emit(o, row, r.account, it.prod)
}

var awsSPProduct = awsProduct{code: "ComputeSavingsPlans", name: "Savings Plans for AWS Compute usage"}

// spFeeRow bills the hour's commitment. Its amortized cost is the unused
// part, savingsPlan/TotalCommitmentToDate − savingsPlan/UsedCommitment.
func (g *awsGen) spFeeRow(o *out, used, commit int64, key uint64) {
	row := &g.row
	*row = curRow{idKey: hash2(g.seed, key), interval: g.interval, start: g.start, end: g.end}
	row.typ, row.account, row.prod, row.sp = "SavingsPlanRecurringFee", awsAccounts[0].id, &awsSPProduct, true
	row.usageType = "ComputeSP:1yrNoUpfront"
	row.amount = some(g.perRow, 0)
	row.rate = some(g.spCommit, awsScale)
	row.cost = commit
	row.net = some(commit*100, netScale)
	row.desc[0] = "1 year No Upfront Compute Savings Plan"
	row.spTotal, row.spUsed = some(commit, awsScale), some(used, awsScale)
	row.unit = "Hrs"
	g.emit(o, row, -1, -1)
}

// emit writes the row and adds its cost to the month's bases.
func (g *awsGen) emit(o *out, row *curRow, account, prod int) {
	if account >= 0 && prod >= 0 {
		g.usage[account][prod] += row.cost
	}
	g.spend += row.cost
	o.buf = appendCur(o.buf[:0], row, &g.month)
	o.end(row.cost)
}

// appendResourceID spells r's lineItem/ResourceId the way AWS does for its
// kind of resource.
func appendResourceID(b []byte, r *awsRes, acct *awsAccount, reg *awsRegion) []byte {
	x := mix(r.h ^ 0xa11ce)
	name := "shared"
	if r.team >= 0 {
		name = teams[r.team]
	}
	arn := func(b []byte, service string) []byte {
		b = append(b, "arn:aws:"...)
		b = append(b, service...)
		b = append(b, ':')
		b = append(b, reg.code...)
		b = append(b, ':')
		b = append(b, acct.id...)
		return append(b, ':')
	}
	switch r.item.res {
	case resInstance:
		return appendHex(append(b, "i-0"...), x, 16)
	case resVolume:
		return appendHex(append(b, "vol-0"...), x, 16)
	case resSnapshot:
		return appendHex(append(arn(b, "ec2"), "snapshot/snap-0"...), x, 16)
	case resNAT:
		return appendHex(append(arn(b, "ec2"), "natgateway/nat-0"...), x, 16)
	case resDB:
		b = append(append(arn(b, "rds"), "db:"...), name...)
		return appendHex(append(b, "-db-"...), x, 4)
	case resBucket:
		b = append(append(b, "acme-"...), name...)
		return appendHex(append(b, '-'), x, 6)
	case resCluster:
		return append(append(arn(b, "eks"), "cluster/"...), acct.clusters[(r.h>>54)%uint64(len(acct.clusters))]...)
	case resFunction:
		b = append(append(arn(b, "lambda"), "function:"...), name...)
		return appendHex(append(b, "-fn-"...), x, 4)
	case resLogGroup:
		b = append(append(arn(b, "logs"), "log-group:/aws/lambda/"...), name...)
		return appendHex(append(b, '-'), x, 4)
	}
	return b
}
