package synth

import (
	"math"
	"time"
)

// gcpGen writes the Google Cloud billing export (billing-formats.md §7):
// the flattened CSV of the real test files (dotted column names, JSON list
// cells) or, with Format jsonl, one nested BigQuery row per line. Rows are
// hourly; `cost` is before credits, credits are negative. Machines covered
// by the N2 commitment get a COMMITTED_USAGE_DISCOUNT credit of their whole
// on-demand cost and the month ends with the commitment's fee rows.
type gcpGen struct {
	seed                  uint64
	p                     *plan
	json                  bool
	perRow                int64
	steady                int64
	steadyPick, burstPick *picker
	projectPick, locPick  *picker
	cudVCPUs, cudGiB      int64
	cudCut                int64 // resources below it may use the commitment

	// Hour and month state.
	start, end, export, partition []byte
	invoice                       []byte
	diurnal                       int64
	net                           int64 // Σ cost + credits of the month, micro-dollars
	from, to                      time.Time

	row  gcpRow
	bufs gcpBufs
}

type gcpRes struct {
	k       int64
	h       uint64
	kind    *gcpKind
	project int
	loc     int
	team    int
	num     int64 // pricing quantity numerator per hour (size)
	steady  bool
	cud     bool
}

func newGCP(opt Options) *gcpGen {
	g := &gcpGen{seed: uint64(opt.Seed) ^ 0x6c, json: opt.Format == "jsonl", perRow: 1, steady: math.MaxInt64, cudCut: math.MaxInt64}
	hours := 24
	if opt.Daily {
		hours, g.perRow = 1, 24
	}
	g.p = newPlan(g.seed, opt.Start, opt.Days, opt.Rows, hours, func(bool) int64 { return 4 })
	steadyW, burstW := make([]int, len(gcpKinds)), make([]int, len(gcpKinds))
	for i, k := range gcpKinds {
		steadyW[i], burstW[i] = k.steady, k.burst
	}
	g.steadyPick, g.burstPick = newPicker(steadyW), newPicker(burstW)
	g.projectPick, g.locPick = newPicker(gcpProjectWeights), newPicker(gcpLocationWeights)
	// The steady fleet fits the smallest hour; the commitment is sized to
	// the steady N2 machines it covers.
	budget := g.p.minHourRows()
	var used int64
	k := int64(0)
	for ; ; k++ {
		r := g.res(k)
		slots := int64(1)
		if r.kind.ram >= 0 {
			slots = 2
		}
		if used+slots > budget {
			break
		}
		used += slots
		if r.cud && g.cudVCPUs+r.kind.vcpus > gcpCUDCap {
			g.cudCut = k // the commitment is full: later machines run on demand
			r.cud = false
		}
		if r.cud {
			g.cudVCPUs += r.kind.vcpus
			g.cudGiB += r.kind.ramGiB
		}
	}
	g.steady = k
	return g
}

func (g *gcpGen) plan() *plan        { return g.p }
func (g *gcpGen) costColumn() string { return "cost" }
func (g *gcpGen) costScale() int     { return gcpScale }

func (g *gcpGen) res(k int64) gcpRes {
	h := hash2(g.seed, uint64(k))
	h2 := mix(h ^ golden)
	r := gcpRes{k: k, h: h, steady: k < g.steady, project: g.projectPick.pick(h >> 10), loc: g.locPick.pick(h >> 20), team: -1}
	idx := g.burstPick.pick(h)
	if r.steady {
		idx = g.steadyPick.pick(h)
		if k < int64(len(gcpAnchors)) {
			idx = gcpAnchors[k]
		}
	}
	r.kind = &gcpKinds[idx]
	if (h>>30)%100 >= 10 {
		r.team = int((h >> 37) % uint64(len(teams)))
	}
	r.num = between(h2, r.kind.numLo, r.kind.numHi)
	r.cud = r.steady && r.kind.cud && r.loc == 0 && (h2>>40)%3 != 0 && k < g.cudCut
	return r
}

func (g *gcpGen) write(o *out, from, to int) {
	if !g.json {
		o.header(gcpHeader[:])
	}
	for d := from; d < to && o.err == nil; d++ {
		day := g.p.day(d)
		if d == from || day.Day() == 1 {
			g.from, g.to, _, _ = g.p.period(d)
			// invoice.month is the UTC month here, not Google's Pacific
			// month, so that each month of rows is one billing period.
			g.invoice = appendYM(g.invoice[:0], day)
			g.net = 0
		}
		g.partition = appendYMD(g.partition[:0], day, '-')
		for hr := range g.p.hours {
			t := day.Add(time.Duration(hr) * time.Hour)
			g.setTimes(t, t.Add(time.Duration(g.perRow)*time.Hour))
			g.diurnal = 100
			if g.perRow == 1 {
				g.diurnal = diurnal[hr]
			}
			g.hour(o, d, hr, g.p.hourRows(d, hr))
		}
		if g.p.closesMonth(d) {
			g.closeMonth(o, g.p.monthly[d])
		}
	}
}

// setTimes prepares the time cells of rows over [s, e): BigQuery's JSON
// spelling "2024-01-15 00:00:00 UTC", the flattened CSV's
// "2024-01-15 00:00:00+00:00". Rows are exported a few hours later.
func (g *gcpGen) setTimes(s, e time.Time) {
	suffix := "+00:00"
	if g.json {
		suffix = " UTC"
	}
	g.start = appendSpaced(g.start[:0], s, suffix)
	g.end = appendSpaced(g.end[:0], e, suffix)
	x := e.Add(3*time.Hour + 12*time.Minute + 5*time.Second)
	g.export = appendSpaced(g.export[:0], x, "")
	g.export = append(g.export, ".123000"...)
	g.export = append(g.export, suffix...)
}

func (g *gcpGen) hour(o *out, d, hr int, n int64) {
	for k := int64(0); n > 0; k++ {
		r := g.res(k)
		num := r.num
		switch {
		case r.kind.vcpus > 0:
			num = 1 // one machine-hour
		case r.kind.elastic:
			num = num * between(hash3(r.h, uint64(d), uint64(hr)), 50, 150) * g.diurnal / 10_000
		case r.kind.name == "pd" || r.kind.name == "bucket":
			num = num * (2000 + 3*int64(d)) / 2000
		}
		num = max(num, 1) * g.perRow
		if r.kind.ram < 0 {
			g.usageRow(o, &r, r.kind.sku, num)
			n--
			continue
		}
		// A machine bills a core row and a RAM row; when the hour has one
		// slot left, only the core row.
		g.usageRow(o, &r, r.kind.sku, num*r.kind.vcpus)
		if n--; n > 0 {
			g.usageRow(o, &r, r.kind.ram, num*r.kind.ramGiB)
			n--
		}
	}
}

// usageRow writes one SKU of resource r: cost = rate × num / den
// (truncated to the micro-dollar), credits by what covers it.
func (g *gcpGen) usageRow(o *out, r *gcpRes, s int, num int64) {
	sku := &gcpSKUs[s]
	row := g.newRow(sku, r.loc, "regular")
	row.project = &gcpProjects[r.project]
	row.cost = sku.rate * num / sku.den
	row.usage = num * sku.usageMul
	row.pricingNum, row.pricingDen = num, sku.den
	switch {
	case r.cud:
		row.credit = gcpCredit{name: "Committed Usage Discount: N2", typ: "COMMITTED_USAGE_DISCOUNT", amount: -row.cost}
	case r.steady && r.kind.vcpus > 0 && sku.desc[:2] == "N2":
		row.credit = gcpCredit{name: "Sustained Usage Discount", typ: "SUSTAINED_USAGE_DISCOUNT", amount: -row.cost * gcpSUDPercent / 100}
	case s == skuBQ:
		row.credit = gcpCredit{name: "BigQuery Analysis Free Tier", typ: "FREE_TIER", amount: -row.cost / 10}
	}
	g.fillGCPResource(row, r)
	g.emit(o, row)
}

// closeMonth writes the month's commitment fees (the discounted price of
// the committed cores and memory for every hour of the period), the tax
// on the month's net cost and a rounding row that brings the month to
// whole cents.
func (g *gcpGen) closeMonth(o *out, n int64) {
	hours := int64(g.to.Sub(g.from).Hours())
	g.setTimes(g.from, g.to)
	emit := func(s int, num int64, cost int64, costType string) bool {
		if n <= 0 {
			return false
		}
		n--
		sku := &gcpSKUs[s]
		row := g.newRow(sku, 0, costType)
		if s == skuCommitCPU || s == skuCommitRAM {
			row.project = &gcpProjects[0]
		} else {
			row.loc = nil
		}
		row.cost, row.usage, row.pricingNum, row.pricingDen = cost, num*sku.usageMul, num, sku.den
		g.bufs.reset()
		g.emit(o, row)
		return true
	}
	cpu, ram := g.cudVCPUs*hours, g.cudGiB*hours
	if !emit(skuCommitCPU, cpu, gcpSKUs[skuCommitCPU].rate*cpu, "regular") ||
		!emit(skuCommitRAM, ram, gcpSKUs[skuCommitRAM].rate*ram, "regular") {
		return
	}
	tax := max(g.net, 0) * gcpTaxPercent / 100 / 10000 * 10000
	if !emit(skuTax, 0, tax, "tax") {
		return
	}
	emit(skuRounding, 0, -(g.net % 10000), "rounding_error")
}

func (g *gcpGen) emit(o *out, row *gcpRow) {
	g.net += row.cost + row.credit.amount
	if g.json {
		o.buf = appendGCPJSON(o.buf[:0], row, g)
	} else {
		o.buf = appendGCPCSV(o.buf[:0], row, g)
	}
	o.end(row.cost)
}
