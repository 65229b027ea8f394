package synth

// Month-level CUR rows, written at the end of the last day of each month
// in the range and dated over the month's part of the range. The order is
// fixed; when the plan gave the day fewer slots than rows, the first ones
// are written.

var (
	awsSupport = awsProduct{code: "AWSSupportBusiness", name: "AWS Support (Business)"}
	// supportMinimum is the Business support plan's monthly minimum.
	supportMinimum int64 = 100_0000000000
	creditLimit    int64 = 250_0000000000 // the sandbox's monthly promotional credit
	cent           int64 = 1_00000000     // $0.01 at awsScale
)

// closeMonth writes up to n month-level rows for the month of day d.
func (g *awsGen) closeMonth(o *out, d int, n int64) {
	m := &g.month
	base := g.usage // the month's usage alone: the discount and credit base
	hours := int64(m.toT.Sub(m.fromT).Hours())
	key := uint64(d+1) << 48
	w := func(row *curRow, account, prod int) bool {
		if n <= 0 {
			return false
		}
		n--
		key++
		row.idKey = hash2(g.seed, key)
		row.start, row.end = m.from, m.to
		row.interval = append(append(append(row.interval[:0:0], m.from...), '/'), m.to...)
		if !row.net.ok {
			row.net = some(row.cost*100, netScale)
		}
		g.emit(o, row, account, prod)
		return true
	}
	// Reservations: the monthly recurring fee for every reserved hour of
	// the period. Its amortization columns carry the unused part
	// (billing-formats.md §5.1: RIFee amortized =
	// reservation/UnusedAmortizedUpfrontFeeForBillingPeriod +
	// reservation/UnusedRecurringFee).
	for i := range awsRIs {
		ri := &awsRIs[i]
		it := &awsItems[ri.item]
		total := g.riUnits[i] * hours
		unused := max(total-g.riUsed[i]/10000, 0) // riUsed is in hours at scale 4
		row := g.riRow(ri, it)
		row.typ = "RIFee"
		row.amount, row.rate = some(total, 0), some(ri.recurringPerH, 6)
		row.cost = ri.recurringPerH * total * 10000 // scale 6 → awsScale
		row.riUpPeriod = some(ri.upfrontPerHr*total, 6)
		row.riUnusedUp = some(ri.upfrontPerHr*unused, 6)
		row.riUnusedRc = some(ri.recurringPerH*unused, 6)
		row.riUnusedQ, row.riTotalQ = some(unused, 0), some(total, 0)
		if !w(row, ri.account, it.prod) {
			return
		}
	}
	// Reservations are bought on the first day of the range: the upfront
	// fee (amortized cost 0: it is spread over the covered usage).
	if m.first {
		for i := range awsRIs {
			ri := &awsRIs[i]
			it := &awsItems[ri.item]
			row := g.riRow(ri, it)
			row.typ = "Fee"
			row.amount, row.rate = some(g.riUnits[i], 0), some(ri.upfrontPerHr*awsRIHours, 6)
			row.cost = ri.upfrontPerHr * awsRIHours * g.riUnits[i] * 10000
			row.desc[0] = "Sign up charge for subscription: "
			row.desc[1] = ri.id
			if !w(row, ri.account, it.prod) {
				return
			}
		}
	}
	// Support: 10 % of the month's charges, at least the plan minimum.
	support := max(g.spend/10/cent*cent, supportMinimum)
	if !w(&curRow{typ: "Fee", account: awsPayer, prod: &awsSupport, usageType: "Dollar", cost: support,
		desc: [4]string{"AWS Support (Business)"}}, -1, -1) {
		return
	}
	// A promotional credit on the sandbox account's EC2 usage.
	credit := -min(creditLimit, max(base[awsSandbox][pEC2], 0))
	if !w(&curRow{typ: "Credit", account: awsAccounts[awsSandbox].id, prod: &awsProducts[pEC2], cost: credit,
		desc: [4]string{"AWS Activate Credits"}}, awsSandbox, pEC2) {
		return
	}
	// The enterprise discount of the month's usage per account and
	// product; the net columns of usage rows already exclude it, so its
	// own NetUnblendedCost is 0 (Σ net = Σ unblended, up to the
	// truncation of the discount to 1e-10).
	for a := range awsAccounts {
		for p := range awsProducts {
			edp := -max(base[a][p], 0) * awsEDPPercent / 100
			if !w(&curRow{typ: "EdpDiscount", account: awsAccounts[a].id, prod: &awsProducts[p], cost: edp,
				noBlended: true, net: some(0, 0), desc: [4]string{"Enterprise Program Discount"}}, a, p) {
				return
			}
		}
	}
	for a := range awsAccounts {
		for p := range awsProducts {
			// g.usage now holds usage, reservation fees, credit and
			// discount of (a, p): the taxable amount.
			tax := max(g.usage[a][p], 0) * awsTaxPercent / 100 / cent * cent
			if !w(&curRow{typ: "Tax", account: awsAccounts[a].id, prod: &awsProducts[p], cost: tax, taxType: "Sales Tax",
				desc: [4]string{"Tax for product code ", awsProducts[p].code}}, -1, -1) {
				return
			}
		}
	}
}

// riRow starts a reservation's fee row.
func (g *awsGen) riRow(ri *awsRI, it *awsItem) *curRow {
	return &curRow{
		account: awsAccounts[ri.account].id, prod: &awsProducts[it.prod], region: &awsRegions[0],
		usageType: "HeavyUsage:" + it.instanceType, operation: it.operation, ri: ri,
		term: "Reserved", unit: "Hrs", desc: [4]string{ri.usageDesc},
	}
}
