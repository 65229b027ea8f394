// Package focus reads FinOps FOCUS cost exports (FOCUS 1.0, 1.0r2, 1.1,
// 1.2 and the 1.3 provider column; billing-formats.md §2), in CSV or, via
// tabular.ParquetReader, Parquet, including the native exports of
// Microsoft, AWS and Google Cloud with their x_ columns (§2.4).
//
// Tolerated spellings (§0.7): the literal string NULL for null, timestamps
// with or without T/Z, epoch timestamps, enum values in any case, empty
// enums, extra columns. Derivations of each metric are documented on
// Map.
package focus

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// columns holds the position of every column the mapper reads; -1 when
// the file does not have it.
type columns struct {
	billed, effective, list, contracted                      int
	billedUSD, effectiveUSD, listUSD, contractedUSD          int
	chargeStart, chargeEnd, billingStart, billingEnd         int
	provider, publisher, invoiceIssuer, invoiceID            int
	billingAccountID, billingAccountName                     int
	rootAccountID, rootAccountName                           int
	subAccountID, subAccountName, currency                   int
	chargeCategory, chargeClass, chargeFrequency, chargeDesc int
	serviceName, serviceCategory                             int
	regionID, regionName, availabilityZone                   int
	resourceID, resourceName, resourceType                   int
	skuID, skuPriceID, pricingCategory                       int
	pricingUnit, pricingQuantity, consumedUnit, consumedQty  int
	cdID, cdType, cdCategory, cdStatus                       int
	tags                                                     int
	resourceGroup, meterCategory, meterSubcategory, meter    int
	usageType, operation, serviceCode, skuDetails, skuDesc   int
	meterID, serviceFamily, orderName, costCenter            int
	customerID, customerName                                 int
	contractedUnitPrice, listUnitPrice                       int
}

// Mapper maps the rows of one FOCUS file.
type Mapper struct {
	ix  *tabular.Index
	c   columns
	str []stringColumn
}

// stringColumn copies one text column into a LineItem field.
type stringColumn struct {
	col int
	set func(li *cost.LineItem, v string)
}

// find looks a column up by its FOCUS name and by the snake_case spelling
// some warehouse exports use (BilledCost, billed_cost).
func find(ix *tabular.Index, names ...string) int {
	for _, n := range names {
		if i := ix.Find(n, snake(n)); i >= 0 {
			return i
		}
	}
	return -1
}

// snake turns a FOCUS PascalCase name into snake_case; x_ names keep their
// prefix (x_BilledCostInUsd → x_billed_cost_in_usd).
func snake(n string) string {
	var b strings.Builder
	prefix := ""
	if strings.HasPrefix(n, "x_") {
		prefix, n = "x_", n[2:]
	}
	b.WriteString(prefix)
	for i, r := range n {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Detect reports whether header is a FOCUS header: it has BilledCost,
// ChargePeriodStart and a provider column.
func Detect(header []string) bool {
	_, err := NewMapper(header)
	return err == nil
}

// NewMapper returns the mapper for a FOCUS header, or an error wrapping
// tabular.ErrUnknownLayout that names the missing required columns.
func NewMapper(header []string) (tabular.Mapper, error) {
	ix := tabular.NewIndex(header)
	f := func(names ...string) int { return find(ix, names...) }
	c := columns{
		billed: f("BilledCost"), effective: f("EffectiveCost"), list: f("ListCost"), contracted: f("ContractedCost"),
		billedUSD: f("x_BilledCostInUsd"), effectiveUSD: f("x_EffectiveCostInUsd"),
		listUSD: f("x_ListCostInUsd"), contractedUSD: f("x_ContractedCostInUsd"),
		chargeStart: f("ChargePeriodStart"), chargeEnd: f("ChargePeriodEnd"),
		billingStart: f("BillingPeriodStart"), billingEnd: f("BillingPeriodEnd"),
		// FOCUS 1.3 renamed ProviderName to ServiceProviderName.
		provider:      f("ProviderName", "ServiceProviderName"),
		publisher:     f("PublisherName"),
		invoiceIssuer: f("InvoiceIssuerName"),
		// InvoiceId is FOCUS 1.2; Microsoft's 1.0 export wrote x_InvoiceId.
		invoiceID:        f("InvoiceId", "x_InvoiceId"),
		billingAccountID: f("BillingAccountId"), billingAccountName: f("BillingAccountName"),
		// Microsoft's export: the billing account above BillingAccountId
		// (which is the MCA billing profile there).
		rootAccountID: f("x_BillingAccountId"), rootAccountName: f("x_BillingAccountName"),
		subAccountID: f("SubAccountId"), subAccountName: f("SubAccountName"),
		currency:       f("BillingCurrency"),
		chargeCategory: f("ChargeCategory"), chargeClass: f("ChargeClass"),
		chargeFrequency: f("ChargeFrequency"), chargeDesc: f("ChargeDescription"),
		serviceName: f("ServiceName"), serviceCategory: f("ServiceCategory"),
		regionID: f("RegionId"), regionName: f("RegionName"), availabilityZone: f("AvailabilityZone"),
		resourceID: f("ResourceId"), resourceName: f("ResourceName"), resourceType: f("ResourceType", "x_ResourceType"),
		skuID: f("SkuId"), skuPriceID: f("SkuPriceId"), pricingCategory: f("PricingCategory"),
		pricingUnit: f("PricingUnit"), pricingQuantity: f("PricingQuantity"),
		consumedUnit: f("ConsumedUnit"), consumedQty: f("ConsumedQuantity"),
		cdID: f("CommitmentDiscountId"), cdType: f("CommitmentDiscountType"),
		cdCategory: f("CommitmentDiscountCategory"), cdStatus: f("CommitmentDiscountStatus"),
		tags:          f("Tags"),
		resourceGroup: f("x_ResourceGroupName"),
		meterCategory: f("x_SkuMeterCategory"), meterSubcategory: f("x_SkuMeterSubcategory"), meter: f("x_SkuMeterName"),
		usageType: f("x_UsageType"), operation: f("x_Operation"), serviceCode: f("x_ServiceCode"),
		skuDetails: f("x_SkuDetails"), skuDesc: f("x_SkuDescription"),
		// Microsoft's FOCUS export columns the Azure billing API needs
		// (azure-billing.md §10.1; billing-formats.md §2.4).
		meterID: f("x_SkuMeterId"), serviceFamily: f("x_SkuServiceFamily"), orderName: f("x_SkuOrderName"),
		costCenter: f("x_CostCenter"), customerID: f("x_CustomerId"), customerName: f("x_CustomerName"),
		contractedUnitPrice: f("ContractedUnitPrice"), listUnitPrice: f("ListUnitPrice"),
	}
	var missing []string
	if c.billed < 0 {
		missing = append(missing, "BilledCost")
	}
	if c.chargeStart < 0 {
		missing = append(missing, "ChargePeriodStart")
	}
	if c.provider < 0 {
		missing = append(missing, "ProviderName (or ServiceProviderName)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: not a FOCUS file: looked for BilledCost, ChargePeriodStart and ProviderName (or ServiceProviderName); missing %s",
			tabular.ErrUnknownLayout, strings.Join(missing, ", "))
	}
	m := &Mapper{ix: ix, c: c}
	m.str = []stringColumn{
		{c.provider, func(li *cost.LineItem, v string) { li.ProviderName = v }},
		{c.publisher, func(li *cost.LineItem, v string) { li.PublisherName = v }},
		{c.invoiceIssuer, func(li *cost.LineItem, v string) { li.InvoiceIssuerName = v }},
		{c.invoiceID, func(li *cost.LineItem, v string) { li.InvoiceID = v }},
		{c.billingAccountID, func(li *cost.LineItem, v string) { li.BillingAccountID = v }},
		{c.billingAccountName, func(li *cost.LineItem, v string) { li.BillingAccountName = v }},
		{c.rootAccountID, func(li *cost.LineItem, v string) { li.RootAccountID = v }},
		{c.rootAccountName, func(li *cost.LineItem, v string) { li.RootAccountName = v }},
		{c.subAccountID, func(li *cost.LineItem, v string) { li.SubAccountID = v }},
		{c.subAccountName, func(li *cost.LineItem, v string) { li.SubAccountName = v }},
		{c.currency, func(li *cost.LineItem, v string) { li.BillingCurrency = strings.ToUpper(v) }},
		{c.chargeDesc, func(li *cost.LineItem, v string) { li.ChargeDescription = v }},
		{c.serviceName, func(li *cost.LineItem, v string) { li.ServiceName = v }},
		{c.serviceCategory, func(li *cost.LineItem, v string) { li.ServiceCategory = normEnum(serviceCategories, v) }},
		{c.regionID, func(li *cost.LineItem, v string) { li.RegionID = v }},
		{c.regionName, func(li *cost.LineItem, v string) { li.RegionName = v }},
		{c.availabilityZone, func(li *cost.LineItem, v string) { li.AvailabilityZone = v }},
		{c.resourceID, func(li *cost.LineItem, v string) { li.ResourceID = v }},
		{c.resourceName, func(li *cost.LineItem, v string) { li.ResourceName = v }},
		{c.resourceType, func(li *cost.LineItem, v string) { li.ResourceType = v }},
		{c.skuID, func(li *cost.LineItem, v string) { li.SkuID = v }},
		{c.skuPriceID, func(li *cost.LineItem, v string) { li.SkuPriceID = v }},
		{c.pricingCategory, func(li *cost.LineItem, v string) { li.PricingCategory = normEnum(pricingCategories, v) }},
		{c.pricingUnit, func(li *cost.LineItem, v string) { li.PricingUnit = v }},
		{c.consumedUnit, func(li *cost.LineItem, v string) { li.ConsumedUnit = v }},
		{c.cdID, func(li *cost.LineItem, v string) { li.CommitmentDiscountID = v }},
		{c.cdType, func(li *cost.LineItem, v string) { li.CommitmentDiscountType = v }},
		{c.cdCategory, func(li *cost.LineItem, v string) { li.CommitmentDiscountCategory = normEnum(commitmentCategories, v) }},
		{c.cdStatus, func(li *cost.LineItem, v string) { li.CommitmentDiscountStatus = normEnum(commitmentStatuses, v) }},
		{c.chargeClass, func(li *cost.LineItem, v string) { li.ChargeClass = normEnum(chargeClasses, v) }},
		{c.chargeFrequency, func(li *cost.LineItem, v string) { li.ChargeFrequency = normEnum(chargeFrequencies, v) }},
		{c.resourceGroup, func(li *cost.LineItem, v string) { li.ResourceGroup = v }},
		{c.meterCategory, func(li *cost.LineItem, v string) { li.MeterCategory = v }},
		{c.meterSubcategory, func(li *cost.LineItem, v string) { li.MeterSubcategory = v }},
		{c.meter, func(li *cost.LineItem, v string) { li.MeterName = v }},
		{c.usageType, func(li *cost.LineItem, v string) { li.UsageType = v }},
		{c.operation, func(li *cost.LineItem, v string) { li.Operation = v }},
		{c.meterID, func(li *cost.LineItem, v string) { li.MeterID = v }},
		{c.serviceFamily, func(li *cost.LineItem, v string) { li.ServiceFamily = v }},
		{c.orderName, func(li *cost.LineItem, v string) { li.ProductOrderName = v }},
		{c.costCenter, func(li *cost.LineItem, v string) { li.CostCenter = v }},
		{c.customerID, func(li *cost.LineItem, v string) { li.CustomerID = v }},
		{c.customerName, func(li *cost.LineItem, v string) { li.CustomerName = v }},
	}
	return m, nil
}

// Map fills li from one FOCUS row.
//
// Metrics (billing-formats.md §1), each empty or NULL cell read as 0:
//   - list         = ListCost
//   - billed       = BilledCost
//   - net          = BilledCost. FOCUS has no column for cost net of
//     credits: providers write discounted per-row prices into BilledCost
//     and credits as separate ChargeCategory=Credit rows, so summing
//     BilledCost over the rows is the net (cash) view.
//   - amortized    = EffectiveCost
//   - amortizedNet = EffectiveCost (it is already net of negotiated
//     discounts; FOCUS has no separate net amortized column)
//   - contracted   = ContractedCost
//
// USD: when BillingCurrency is USD every metric's USD value is its cost.
// Otherwise only Microsoft's export gives USD: list = x_ListCostInUsd,
// billed and net = x_BilledCostInUsd, amortized and amortizedNet =
// x_EffectiveCostInUsd, contracted = x_ContractedCostInUsd; a null USD
// cell leaves that metric without a USD value (unknown, not 0).
//
// ChargeType = ChargeCategory (the file's own value for values outside
// the spec, whose ChargeCategory becomes Adjustment).
func (m *Mapper) Map(r *tabular.Row, li *cost.LineItem) error {
	c := &m.c
	for _, s := range m.str {
		if s.col >= 0 {
			if v := cell(r, s.col); v != "" {
				s.set(li, v)
			}
		}
	}
	li.ChargeType, li.ChargeCategory = chargeCategory(cell(r, c.chargeCategory))

	if err := m.times(r, li); err != nil {
		return err
	}
	if err := m.metrics(r, li); err != nil {
		return err
	}
	var err error
	if li.PricingQuantity, err = m.quantity(r, c.pricingQuantity); err != nil {
		return err
	}
	if li.ConsumedQuantity, err = m.quantity(r, c.consumedQty); err != nil {
		return err
	}
	// Unit prices as the bill writes them, in the billing currency:
	// UnitPrice = ContractedUnitPrice, ListUnitPrice = ListUnitPrice.
	if li.UnitPrice, err = m.price(r, c.contractedUnitPrice); err != nil {
		return err
	}
	if li.ListUnitPrice, err = m.price(r, c.listUnitPrice); err != nil {
		return err
	}
	if c.tags >= 0 {
		if err := parseTags(cell(r, c.tags), li); err != nil {
			return tabular.CellError(r, m.ix.Name(c.tags), err)
		}
	}
	kubecostProperties(li, m.extras(r))
	return nil
}

// times reads the charge and billing periods. ChargePeriodStart is
// required; a missing BillingPeriodStart/End is derived from it (the
// calendar month of the charge), since imports are keyed by billing
// period.
func (m *Mapper) times(r *tabular.Row, li *cost.LineItem) error {
	c := &m.c
	var err error
	if li.ChargePeriodStart, err = parseTime(cell(r, c.chargeStart)); err != nil {
		return tabular.CellError(r, m.ix.Name(c.chargeStart), err)
	}
	for _, t := range []struct {
		col int
		dst *time.Time
	}{{c.chargeEnd, &li.ChargePeriodEnd}, {c.billingStart, &li.BillingPeriodStart}, {c.billingEnd, &li.BillingPeriodEnd}} {
		v := cell(r, t.col)
		if v == "" {
			continue // optional: a null end or billing period is not an error
		}
		tm, err := parseTime(v)
		if err != nil {
			return tabular.CellError(r, m.ix.Name(t.col), err)
		}
		*t.dst = tm
	}
	if li.BillingPeriodStart.IsZero() {
		li.BillingPeriodStart = cost.MonthStart(li.ChargePeriodStart)
	}
	if li.BillingPeriodEnd.IsZero() {
		li.BillingPeriodEnd = li.BillingPeriodStart.AddDate(0, 1, 0)
	}
	return nil
}

// metrics reads the cost columns; see Map for the derivations.
func (m *Mapper) metrics(r *tabular.Row, li *cost.LineItem) error {
	c := &m.c
	var list, billed, effective, contracted decimal.Decimal
	for _, a := range []struct {
		col int
		dst *decimal.Decimal
	}{{c.list, &list}, {c.billed, &billed}, {c.effective, &effective}, {c.contracted, &contracted}} {
		v, err := cost.ParseAmount(cell(r, a.col)) // empty or NULL is 0
		if err != nil {
			return tabular.CellError(r, m.ix.Name(a.col), err)
		}
		*a.dst = v
	}
	li.Cost[cost.List] = list              // ListCost
	li.Cost[cost.Billed] = billed          // BilledCost
	li.Cost[cost.Net] = billed             // BilledCost (no credits-excluded net in FOCUS)
	li.Cost[cost.Amortized] = effective    // EffectiveCost
	li.Cost[cost.AmortizedNet] = effective // EffectiveCost
	li.Cost[cost.Contracted] = contracted  // ContractedCost

	if li.BillingCurrency == "USD" {
		for i := range li.Cost {
			li.USD[i] = decimal.NullDecimal{Decimal: li.Cost[i], Valid: true}
		}
		return nil
	}
	for _, u := range []struct {
		col     int
		metrics []cost.Metric
	}{
		{c.listUSD, []cost.Metric{cost.List}},                              // x_ListCostInUsd
		{c.billedUSD, []cost.Metric{cost.Billed, cost.Net}},                // x_BilledCostInUsd
		{c.effectiveUSD, []cost.Metric{cost.Amortized, cost.AmortizedNet}}, // x_EffectiveCostInUsd
		{c.contractedUSD, []cost.Metric{cost.Contracted}},                  // x_ContractedCostInUsd
	} {
		if u.col < 0 {
			continue
		}
		v, err := cost.ParseNullAmount(cell(r, u.col))
		if err != nil {
			return tabular.CellError(r, m.ix.Name(u.col), err)
		}
		for _, mt := range u.metrics {
			li.USD[mt] = v
		}
	}
	return nil
}

// quantity reads an optional decimal quantity column.
func (m *Mapper) quantity(r *tabular.Row, col int) (decimal.NullDecimal, error) {
	if col < 0 {
		return decimal.NullDecimal{}, nil
	}
	q, err := cost.ParseQuantity(cell(r, col))
	if err != nil {
		return decimal.NullDecimal{}, tabular.CellError(r, m.ix.Name(col), err)
	}
	return q, nil
}

// price reads an optional unit price column; empty or NULL is null. It
// parses like an amount (prices are money per unit), keeping every digit
// up to cost.Scale.
func (m *Mapper) price(r *tabular.Row, col int) (decimal.NullDecimal, error) {
	if col < 0 {
		return decimal.NullDecimal{}, nil
	}
	p, err := cost.ParseNullAmount(cell(r, col))
	if err != nil {
		return decimal.NullDecimal{}, tabular.CellError(r, m.ix.Name(col), err)
	}
	return p, nil
}

// extras gathers the provider columns the Kubecost rules need beyond the
// LineItem itself.
func (m *Mapper) extras(r *tabular.Row) extraColumns {
	return extraColumns{
		serviceCode:    cell(r, m.c.serviceCode),
		skuDetails:     cell(r, m.c.skuDetails),
		skuDescription: cell(r, m.c.skuDesc),
	}
}
