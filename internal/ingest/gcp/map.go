package gcp

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// Tag key prefixes of the label columns other than labels. GCP label keys
// hold only lower-case letters, digits, '_' and '-', so a ':' cannot clash
// with a user label; system labels keep their own keys, which are already
// namespaced ("compute.googleapis.com/machine_spec", "goog-…").
const (
	projectLabelPrefix = "project:" // project.labels
	resourceTagPrefix  = "tag:"     // tags (Resource Manager tags), "tag:<namespace>/<key>"
)

// Map fills li from one row (billing-formats.md §7.4).
func (m *mapper) Map(r *tabular.Row, li *cost.LineItem) error {
	c := &m.c
	get := func(i int) string { return strings.TrimSpace(r.Get(i)) }
	cellErr := func(i int, err error) error { return tabular.CellError(r, m.ix.Name(i), err) }

	li.ProviderName = "Google Cloud"
	// PublisherName: seller_name (Marketplace rows), else Google Cloud.
	li.PublisherName = get(c.sellerName)
	if li.PublisherName == "" {
		li.PublisherName = "Google Cloud"
	}
	// BillingAccountID: billing_account_id. The export has no account
	// name; like OpenCost (invoiceEntityName) we repeat the id.
	li.BillingAccountID = get(c.billingAccount)
	li.BillingAccountName = li.BillingAccountID
	// SubAccountID/Name: project.id / project.name.
	li.SubAccountID = get(c.projectID)
	li.SubAccountName = get(c.projectName)
	li.BillingCurrency = strings.ToUpper(get(c.currency))

	// ChargePeriodStart/End: usage_start_time / usage_end_time. A file
	// without usage_end_time gets the hour the export's rows usually span.
	start, err := cost.ParseTime(get(c.start))
	if err != nil {
		return cellErr(c.start, err)
	}
	li.ChargePeriodStart, li.ChargePeriodEnd = start, start.Add(time.Hour)
	if s := get(c.end); s != "" {
		if li.ChargePeriodEnd, err = cost.ParseTime(s); err != nil {
			return cellErr(c.end, err)
		}
	}
	// BillingPeriodStart/End: invoice.month, a Pacific-time month; else the
	// Pacific month of usage_start_time, which is how Google assigns usage
	// to invoice months.
	if s := get(c.invoiceMonth); s != "" {
		if li.BillingPeriodStart, li.BillingPeriodEnd, err = invoicePeriod(s); err != nil {
			return cellErr(c.invoiceMonth, err)
		}
	} else {
		li.BillingPeriodStart, li.BillingPeriodEnd = periodOf(start)
	}

	// ChargeType: cost_type (regular when empty); ChargeCategory from it.
	li.ChargeType = get(c.costType)
	if li.ChargeType == "" {
		li.ChargeType = "regular"
	}
	li.ChargeCategory = chargeCategory(li.ChargeType)

	// ServiceName: service.description, else service.id.
	li.ServiceName = get(c.serviceDesc)
	if li.ServiceName == "" {
		li.ServiceName = get(c.serviceID)
	}
	li.ServiceCategory = serviceCategory(li.ServiceName)
	li.SkuID = get(c.skuID)
	sku := get(c.skuDesc)
	li.ChargeDescription = sku
	// RegionID: location.region, else location.location; zone as is.
	li.RegionID = get(c.region)
	if li.RegionID == "" {
		li.RegionID = get(c.location)
	}
	li.AvailabilityZone = get(c.zone)
	// ResourceID/Name: resource.global_name / resource.name (detailed
	// export only).
	li.ResourceID = get(c.resourceGlobal)
	li.ResourceName = get(c.resourceName)
	li.ProviderID = ProviderID(li.ResourceName, li.ResourceID)
	li.Category = Category(li.ServiceName, sku)

	// ConsumedQuantity/Unit: usage.amount / usage.unit; PricingQuantity/
	// Unit: usage.amount_in_pricing_units / usage.pricing_unit.
	if li.ConsumedQuantity, err = parseQuantity(get(c.usageAmount)); err != nil {
		return cellErr(c.usageAmount, err)
	}
	li.ConsumedUnit = get(c.usageUnit)
	if li.PricingQuantity, err = parseQuantity(get(c.pricingAmount)); err != nil {
		return cellErr(c.pricingAmount, err)
	}
	li.PricingUnit = get(c.pricingUnit)

	ch := charge{sku: sku, quantity: li.PricingQuantity}
	if ch.cost, err = cost.ParseAmount(get(c.cost)); err != nil {
		return cellErr(c.cost, err)
	}
	if ch.atList, err = cost.ParseNullAmount(get(c.atList)); err != nil {
		return cellErr(c.atList, err)
	}
	if ch.price, err = cost.ParseNullAmount(get(c.effectivePrice)); err != nil {
		return cellErr(c.effectivePrice, err)
	}
	if ch.credits, err = parseCredits(r.Get(c.credits)); err != nil {
		return cellErr(c.credits, fmt.Errorf("%w: %w", cost.ErrInvalid, err))
	}
	li.Cost = ch.metrics()
	setCommitment(li, ch.credits)
	if err := m.setUSD(r, li); err != nil {
		return err
	}
	return m.setTags(r, li)
}

// chargeCategory maps cost_type to FOCUS ChargeCategory: regular → Usage
// (billing-formats.md §7.4 recommendation; the FOCUS converters say
// Purchase), tax → Tax, adjustment and rounding_error → Adjustment, and
// any type Google adds later → Adjustment, so that the row is kept.
func chargeCategory(costType string) string {
	switch strings.ToLower(costType) {
	case "regular":
		return "Usage"
	case "tax":
		return "Tax"
	}
	return "Adjustment"
}

// setCommitment fills the commitment discount columns from the first
// committed-use credit of the row: its id and whether it is a
// resource-based (Usage) or spend-based (Spend) commitment.
func setCommitment(li *cost.LineItem, credits []credit) {
	for _, cr := range credits {
		if !cr.isCommitment() {
			continue
		}
		li.CommitmentDiscountID = cr.ID
		if li.CommitmentDiscountID == "" {
			li.CommitmentDiscountID = cr.Name
		}
		li.CommitmentDiscountCategory = "Usage"
		if cr.Type == creditCUDDollarBase {
			li.CommitmentDiscountCategory = "Spend"
		}
		return
	}
}

// setUSD fills the USD metrics. A USD bill is its own USD. Otherwise
// currency_conversion_rate is "currency per USD" (§7.1), so USD = value ÷
// rate. That quotient rarely terminates; it is rounded by Tally's one rule
// (cost.Quo: half to even at cost.Scale, 24, fractional digits). Without a
// usable rate USD stays null: Tally never invents a rate.
func (m *mapper) setUSD(r *tabular.Row, li *cost.LineItem) error {
	if li.BillingCurrency == "USD" {
		for i := range li.Cost {
			li.USD[i] = decimal.NewNullDecimal(li.Cost[i])
		}
		return nil
	}
	rate, err := cost.ParseNullAmount(strings.TrimSpace(r.Get(m.c.rate)))
	if err != nil {
		return tabular.CellError(r, m.ix.Name(m.c.rate), err)
	}
	if !rate.Valid || rate.Decimal.Sign() <= 0 {
		return nil
	}
	for i := range li.Cost {
		li.USD[i] = decimal.NewNullDecimal(cost.Quo(li.Cost[i], rate.Decimal))
	}
	return nil
}

// setTags reads labels (plain keys), system_labels (their own namespaced
// keys), project.labels ("project:<key>") and tags ("tag:<namespace>/
// <key>", or "tag:<key>" without a namespace). A user label wins over a
// system label of the same key. Kubernetes is set from the GKE labels.
func (m *mapper) setTags(r *tabular.Row, li *cost.LineItem) error {
	for _, col := range []struct {
		i      int
		prefix string
	}{{m.c.systemLabels, ""}, {m.c.labels, ""}, {m.c.projectLabels, projectLabelPrefix}, {m.c.tags, resourceTagPrefix}} {
		labels, err := parseLabels(r.Get(col.i))
		if err != nil {
			return tabular.CellError(r, m.ix.Name(col.i), fmt.Errorf("%w: %w", cost.ErrInvalid, err))
		}
		for _, l := range labels {
			key := l.Key
			if l.Namespace != "" && col.prefix == resourceTagPrefix {
				key = l.Namespace + "/" + key
			}
			li.SetTag(col.prefix+key, l.Value)
		}
	}
	li.Kubernetes = IsKubernetes(li.Tags)
	return nil
}

// parseQuantity reads a usage quantity. BigQuery keeps usage amounts as
// FLOAT64; cost.ParseQuantity rounds their float noise and allows the huge
// byte-second amounts GCP reports. Money is never read this way.
func parseQuantity(s string) (decimal.NullDecimal, error) {
	return cost.ParseQuantity(s)
}
