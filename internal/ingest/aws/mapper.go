package aws

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// providerName is FOCUS ProviderName for every CUR row.
const providerName = "AWS"

// rowCtx is one row being mapped. The CUR 2.0 product map is decoded only
// when a promoted column is missing, and then once per row.
type rowCtx struct {
	m       *mapper
	r       *tabular.Row
	product map[string]string
	decoded bool
}

// cell returns column c's text, trimmed, or "" when the file has no such
// column.
func (x *rowCtx) cell(c col) string {
	return strings.TrimSpace(x.r.Get(x.m.l.pos[c]))
}

// productAttr returns a product attribute: the column c when the file has
// it non-empty (legacy CUR, CUR 2.0 promoted columns), else key of the CUR
// 2.0 `product` map, whose keys are the snake_case column names without
// "product_" (`product_region_code` → `region_code`).
func (x *rowCtx) productAttr(c col, key string) (string, error) {
	if v := x.cell(c); v != "" {
		return v, nil
	}
	if !x.m.l.has(colProductMap) {
		return "", nil
	}
	if !x.decoded {
		p, err := parseMap(x.cell(colProductMap))
		if err != nil {
			return "", tabular.CellError(x.r, x.m.l.name[colProductMap], err)
		}
		x.product, x.decoded = p, true
	}
	return x.product[key], nil
}

// time parses column c as a date, with errors naming the column and line.
func (x *rowCtx) time(c col) (time.Time, error) {
	t, err := cost.ParseTime(x.cell(c))
	if err != nil {
		return time.Time{}, tabular.CellError(x.r, x.m.l.name[c], err)
	}
	return t, nil
}

// Map turns one CUR row into li (reset by the caller). Errors are
// *tabular.ParseError values naming the file, line and column.
func (m *mapper) Map(r *tabular.Row, li *cost.LineItem) error {
	x := &rowCtx{m: m, r: r}
	li.ProviderName = providerName

	// ChargeType = lineItem/LineItemType, as AWS writes it.
	li.ChargeType = x.cell(colLineItemType)
	t := lineTypeOf(li.ChargeType)

	// SubAccountId = lineItem/UsageAccountId; BillingAccountId =
	// bill/PayerAccountId (§5.2). Names exist only in CUR 2.0.
	li.SubAccountID = x.cell(colUsageAccountID)
	li.SubAccountName = x.cell(colUsageAccountName)
	li.BillingAccountID = x.cell(colPayerAccountID)
	li.BillingAccountName = x.cell(colPayerAccountName)

	if err := x.periods(li); err != nil {
		return err
	}

	// BillingCurrency = lineItem/CurrencyCode. Every real CUR has it; a
	// file without it is taken to be in USD, AWS's default billing
	// currency.
	li.BillingCurrency = strings.ToUpper(x.cell(colCurrency))
	if li.BillingCurrency == "" {
		li.BillingCurrency = "USD"
	}

	li.InvoiceID = x.cell(colInvoiceID) // blank until the bill is final (§3.4)
	li.InvoiceIssuerName = x.cell(colInvoicingEntity)
	li.PublisherName = x.cell(colLegalEntity)
	li.ChargeDescription = x.cell(colDescription)
	li.ServiceName = x.cell(colProductCode) // Kubecost "service" (kubecost-cloudcost.md §5.3)
	li.ServiceCategory = serviceCategory(li.ServiceName)
	li.UsageType = x.cell(colUsageType)
	li.Operation = x.cell(colOperation)
	li.AvailabilityZone = x.cell(colAvailabilityZone)
	li.ResourceID = x.cell(colResourceID)
	li.ResourceType, li.ResourceName = resourceTypeAndName(li.ResourceID)
	li.PricingUnit = x.cell(colPricingUnit)
	// SkuPriceId = pricing/RateCode, else pricing/RateId (§5.2).
	li.SkuPriceID = x.cell(colRateCode)
	if li.SkuPriceID == "" {
		li.SkuPriceID = x.cell(colRateID)
	}
	if err := x.productCols(li); err != nil {
		return err
	}
	if err := x.quantities(li); err != nil {
		return err
	}

	x.classify(t, li)
	if err := x.metrics(t, li); err != nil {
		return err
	}
	if li.BillingCurrency == "USD" {
		for i := range li.Cost {
			li.USD[i].Decimal, li.USD[i].Valid = li.Cost[i], true
		}
	}

	if err := x.tags(li); err != nil {
		return err
	}
	li.Kubernetes = IsKubernetes(li.ServiceName, li.Tags)
	li.Category = Category(li.ResourceID, li.UsageType, li.ServiceName)
	li.ProviderID = ProviderID(li.ResourceID, li.UsageType, li.ServiceName, li.Category)
	return nil
}

// periods fills the charge and billing periods.
func (x *rowCtx) periods(li *cost.LineItem) error {
	var err error
	iv := x.cell(colTimeInterval) // "2023-06-01T00:00:00Z/2023-06-01T01:00:00Z"
	ivStart, ivEnd, _ := strings.Cut(iv, "/")
	// ChargePeriodStart = lineItem/UsageStartDate (required), else the
	// start of identity/TimeInterval when the cell is blank.
	if x.cell(colUsageStart) == "" && ivStart != "" {
		if li.ChargePeriodStart, err = cost.ParseTime(ivStart); err != nil {
			return tabular.CellError(x.r, x.m.l.name[colTimeInterval], err)
		}
	} else if li.ChargePeriodStart, err = x.time(colUsageStart); err != nil {
		return err
	}
	// ChargePeriodEnd = lineItem/UsageEndDate, else the end of
	// identity/TimeInterval, else the start: a row that says nothing about
	// its end is taken as an instant.
	switch {
	case x.cell(colUsageEnd) != "":
		if li.ChargePeriodEnd, err = x.time(colUsageEnd); err != nil {
			return err
		}
	case iv != "":
		if li.ChargePeriodEnd, err = cost.ParseTime(ivEnd); err != nil {
			return tabular.CellError(x.r, x.m.l.name[colTimeInterval], err)
		}
	default:
		li.ChargePeriodEnd = li.ChargePeriodStart
	}

	// BillingPeriodStart/End = bill/BillingPeriodStartDate/EndDate; when
	// absent, the calendar month of the usage start (AWS bills by
	// calendar month).
	if x.cell(colBillingPeriodStart) != "" {
		if li.BillingPeriodStart, err = x.time(colBillingPeriodStart); err != nil {
			return err
		}
	} else {
		li.BillingPeriodStart = cost.MonthStart(li.ChargePeriodStart)
	}
	if x.cell(colBillingPeriodEnd) != "" {
		if li.BillingPeriodEnd, err = x.time(colBillingPeriodEnd); err != nil {
			return err
		}
	} else {
		li.BillingPeriodEnd = li.BillingPeriodStart.AddDate(0, 1, 0)
	}
	return nil
}

// productCols fills the columns taken from product attributes.
func (x *rowCtx) productCols(li *cost.LineItem) error {
	var err error
	// RegionId = product/regionCode; legacy CURs without it have the code
	// in product/region; CUR 2.0 promotes product_region_code (§4, §5.2).
	if li.RegionID, err = x.productAttr(colRegionCode, "region_code"); err != nil {
		return err
	}
	if li.RegionID == "" {
		if li.RegionID, err = x.productAttr(colRegion, "region"); err != nil {
			return err
		}
	}
	// RegionName = product/location ("US East (N. Virginia)").
	if li.RegionName, err = x.productAttr(colLocation, "location"); err != nil {
		return err
	}
	// SkuId = product/sku (§5.2).
	if li.SkuID, err = x.productAttr(colSku, "sku"); err != nil {
		return err
	}
	return nil
}

// quantities fills PricingQuantity (and, in classify, ConsumedQuantity)
// from lineItem/UsageAmount, with their unit from pricing/unit (§5.2).
func (x *rowCtx) quantities(li *cost.LineItem) error {
	q, ok, err := x.quantity()
	if err != nil {
		return err
	}
	li.PricingQuantity = decimal.NullDecimal{Decimal: q, Valid: ok}
	return nil
}

// quantity reads lineItem/UsageAmount. A usage amount is not money:
// cost.ParseQuantity rounds digits beyond 1e-24 rather than failing the
// row, and allows amounts larger than money can be.
func (x *rowCtx) quantity() (decimal.Decimal, bool, error) {
	q, err := cost.ParseQuantity(x.cell(colUsageAmount))
	if err != nil {
		return decimal.Zero, false, tabular.CellError(x.r, x.m.l.name[colUsageAmount], err)
	}
	return q.Decimal, q.Valid, nil
}
