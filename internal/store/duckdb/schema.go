package duckdb

import (
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
)

// money is the SQL type of every amount; quantity of usage quantities.
var (
	money    = fmt.Sprintf("DECIMAL(%d,%d)", cost.Precision, cost.Scale)
	quantity = fmt.Sprintf("DECIMAL(%d,%d)", cost.Precision, cost.QuantityScale)
)

// metricColumns are the cost columns in cost.Metric order; USD columns
// carry the "usd_" prefix. In line_items a NULL USD amount of a bill in US
// dollars means "the billing amount": storing it twice cost a fifth of
// the append time. usdExpr reads it back.
var metricColumns = [cost.NumMetrics]string{"list_cost", "billed_cost", "net_cost", "amortized_cost", "amortized_net_cost", "contracted_cost"}

// dimColumns maps each stored dimension to its line_items column. The
// rollup keeps the subset listed in query.RollupDimensions under the same
// names.
var dimColumns = map[cost.Dimension]string{
	cost.DimSource:             "source",
	cost.DimProvider:           "provider_name",
	cost.DimPublisher:          "publisher_name",
	cost.DimInvoiceIssuer:      "invoice_issuer_name",
	cost.DimInvoiceID:          "invoice_id",
	cost.DimBillingAccountID:   "billing_account_id",
	cost.DimBillingAccountName: "billing_account_name",
	cost.DimSubAccountID:       "sub_account_id",
	cost.DimSubAccountName:     "sub_account_name",
	cost.DimService:            "service_name",
	cost.DimServiceCategory:    "service_category",
	cost.DimRegion:             "region_id",
	cost.DimRegionName:         "region_name",
	cost.DimAvailabilityZone:   "availability_zone",
	cost.DimResourceID:         "resource_id",
	cost.DimResourceName:       "resource_name",
	cost.DimResourceType:       "resource_type",
	cost.DimResourceGroup:      "resource_group",
	cost.DimSku:                "sku_id",
	cost.DimChargeCategory:     "charge_category",
	cost.DimChargeClass:        "charge_class",
	cost.DimChargeType:         "charge_type",
	cost.DimChargeFrequency:    "charge_frequency",
	cost.DimPricingCategory:    "pricing_category",
	cost.DimUsageType:          "usage_type",
	cost.DimOperation:          "operation",
	cost.DimMeterCategory:      "meter_category",
	cost.DimMeterSubcategory:   "meter_subcategory",
	cost.DimMeterName:          "meter_name",
	cost.DimCommitmentID:       "commitment_discount_id",
	cost.DimCommitmentType:     "commitment_discount_type",
	cost.DimProviderID:         "provider_id",
	cost.DimCategory:           "category",
	cost.DimCurrency:           "billing_currency",
	cost.DimKubernetes:         "kubernetes",
}

// lineItemColumns lists the line_items columns after snapshot_id and
// source, in appender order, with how to read each from a line item.
// Keeping name, type and value together means the table, the appender
// and the rollup cannot drift apart.
var lineItemColumns = []struct {
	name, typ string
	get       func(li *cost.LineItem) any
}{
	{"provider_name", "VARCHAR", func(li *cost.LineItem) any { return li.ProviderName }},
	{"publisher_name", "VARCHAR", func(li *cost.LineItem) any { return li.PublisherName }},
	{"invoice_issuer_name", "VARCHAR", func(li *cost.LineItem) any { return li.InvoiceIssuerName }},
	{"invoice_id", "VARCHAR", func(li *cost.LineItem) any { return li.InvoiceID }},
	{"billing_account_id", "VARCHAR", func(li *cost.LineItem) any { return li.BillingAccountID }},
	{"billing_account_name", "VARCHAR", func(li *cost.LineItem) any { return li.BillingAccountName }},
	{"sub_account_id", "VARCHAR", func(li *cost.LineItem) any { return li.SubAccountID }},
	{"sub_account_name", "VARCHAR", func(li *cost.LineItem) any { return li.SubAccountName }},
	{"billing_currency", "VARCHAR", func(li *cost.LineItem) any { return li.BillingCurrency }},
	{"billing_period_start", "TIMESTAMP", func(li *cost.LineItem) any { return li.BillingPeriodStart }},
	{"billing_period_end", "TIMESTAMP", func(li *cost.LineItem) any { return li.BillingPeriodEnd }},
	{"charge_period_start", "TIMESTAMP", func(li *cost.LineItem) any { return li.ChargePeriodStart }},
	{"charge_period_end", "TIMESTAMP", func(li *cost.LineItem) any { return li.ChargePeriodEnd }},
	{"charge_category", "VARCHAR", func(li *cost.LineItem) any { return li.ChargeCategory }},
	{"charge_class", "VARCHAR", func(li *cost.LineItem) any { return li.ChargeClass }},
	{"charge_frequency", "VARCHAR", func(li *cost.LineItem) any { return li.ChargeFrequency }},
	{"charge_description", "VARCHAR", func(li *cost.LineItem) any { return li.ChargeDescription }},
	{"charge_type", "VARCHAR", func(li *cost.LineItem) any { return li.ChargeType }},
	{"service_name", "VARCHAR", func(li *cost.LineItem) any { return li.ServiceName }},
	{"service_category", "VARCHAR", func(li *cost.LineItem) any { return li.ServiceCategory }},
	{"region_id", "VARCHAR", func(li *cost.LineItem) any { return li.RegionID }},
	{"region_name", "VARCHAR", func(li *cost.LineItem) any { return li.RegionName }},
	{"availability_zone", "VARCHAR", func(li *cost.LineItem) any { return li.AvailabilityZone }},
	{"resource_id", "VARCHAR", func(li *cost.LineItem) any { return li.ResourceID }},
	{"resource_name", "VARCHAR", func(li *cost.LineItem) any { return li.ResourceName }},
	{"resource_type", "VARCHAR", func(li *cost.LineItem) any { return li.ResourceType }},
	{"sku_id", "VARCHAR", func(li *cost.LineItem) any { return li.SkuID }},
	{"sku_price_id", "VARCHAR", func(li *cost.LineItem) any { return li.SkuPriceID }},
	{"pricing_category", "VARCHAR", func(li *cost.LineItem) any { return li.PricingCategory }},
	{"pricing_unit", "VARCHAR", func(li *cost.LineItem) any { return li.PricingUnit }},
	{"pricing_quantity", quantity, func(li *cost.LineItem) any { return quantityValue(li.PricingQuantity) }},
	{"consumed_unit", "VARCHAR", func(li *cost.LineItem) any { return li.ConsumedUnit }},
	{"consumed_quantity", quantity, func(li *cost.LineItem) any { return quantityValue(li.ConsumedQuantity) }},
	{"commitment_discount_id", "VARCHAR", func(li *cost.LineItem) any { return li.CommitmentDiscountID }},
	{"commitment_discount_type", "VARCHAR", func(li *cost.LineItem) any { return li.CommitmentDiscountType }},
	{"commitment_discount_category", "VARCHAR", func(li *cost.LineItem) any { return li.CommitmentDiscountCategory }},
	{"commitment_discount_status", "VARCHAR", func(li *cost.LineItem) any { return li.CommitmentDiscountStatus }},
	{"usage_type", "VARCHAR", func(li *cost.LineItem) any { return li.UsageType }},
	{"operation", "VARCHAR", func(li *cost.LineItem) any { return li.Operation }},
	{"meter_category", "VARCHAR", func(li *cost.LineItem) any { return li.MeterCategory }},
	{"meter_subcategory", "VARCHAR", func(li *cost.LineItem) any { return li.MeterSubcategory }},
	{"meter_name", "VARCHAR", func(li *cost.LineItem) any { return li.MeterName }},
	{"resource_group", "VARCHAR", func(li *cost.LineItem) any { return li.ResourceGroup }},
	{"provider_id", "VARCHAR", func(li *cost.LineItem) any { return li.ProviderID }},
	{"category", "VARCHAR", func(li *cost.LineItem) any { return li.Category }},
	{"kubernetes", "BOOLEAN", func(li *cost.LineItem) any { return li.Kubernetes }},
}

func schemaSQL() []string {
	var li strings.Builder
	li.WriteString("CREATE TABLE IF NOT EXISTS line_items (\n  snapshot_id BIGINT NOT NULL,\n  source VARCHAR NOT NULL")
	for _, c := range lineItemColumns {
		fmt.Fprintf(&li, ",\n  %s %s", c.name, c.typ)
	}
	for _, m := range metricColumns {
		fmt.Fprintf(&li, ",\n  %s %s NOT NULL", m, money)
	}
	for _, m := range metricColumns {
		fmt.Fprintf(&li, ",\n  usd_%s %s", m, money)
	}
	li.WriteString(",\n  tags MAP(VARCHAR, VARCHAR)\n)")

	var ru strings.Builder
	ru.WriteString("CREATE TABLE IF NOT EXISTS rollup_daily (\n  snapshot_id BIGINT NOT NULL,\n  day TIMESTAMP NOT NULL")
	for _, c := range rollupColumns() {
		typ := "VARCHAR"
		if c == "kubernetes" {
			typ = "BOOLEAN"
		}
		fmt.Fprintf(&ru, ",\n  %s %s", c, typ)
	}
	for _, m := range metricColumns {
		fmt.Fprintf(&ru, ",\n  %s %s NOT NULL, k8s_%s %s NOT NULL, usd_%s %s, usd_k8s_%s %s", m, money, m, money, m, money, m, money)
	}
	ru.WriteString(",\n  items BIGINT NOT NULL,\n  usd_missing BIGINT DEFAULT 0\n)")

	return append([]string{
		`CREATE SEQUENCE IF NOT EXISTS snapshot_ids START 1`,
		`CREATE SEQUENCE IF NOT EXISTS import_ids START 1`,
		`CREATE TABLE IF NOT EXISTS snapshots (
  id BIGINT NOT NULL,
  import_id BIGINT NOT NULL,
  source VARCHAR NOT NULL,
  provider VARCHAR NOT NULL,
  billing_period_start TIMESTAMP,
  billing_period_end TIMESTAMP,
  status VARCHAR NOT NULL,
  row_count BIGINT NOT NULL DEFAULT 0,
  error VARCHAR,
  files VARCHAR[],
  created_at TIMESTAMP NOT NULL,
  committed_at TIMESTAMP
)`,
		`CREATE TABLE IF NOT EXISTS snapshot_totals (
  snapshot_id BIGINT NOT NULL,
  currency VARCHAR NOT NULL,` + totalsColumnsSQL() + `
)`,
		li.String(),
		ru.String(),
		// Files made before usd_missing existed: their rows count as
		// having USD values, which is what their queries assumed.
		`ALTER TABLE rollup_daily ADD COLUMN IF NOT EXISTS usd_missing BIGINT DEFAULT 0`,
	}, append(tenantSchemaSQL, documentsSQL)...)
}

func totalsColumnsSQL() string {
	parts := make([]string, len(metricColumns))
	for i, m := range metricColumns {
		parts[i] = fmt.Sprintf("\n  %s %s NOT NULL", m, money)
	}
	return strings.Join(parts, ",")
}

// rollupColumns are the dimension columns of rollup_daily.
func rollupColumns() []string {
	cols := make([]string, 0, 16)
	for _, d := range rollupDims {
		cols = append(cols, dimColumns[d])
	}
	return cols
}

// usdExpr is the USD amount of metric column m of line_items.
func usdExpr(m string) string {
	return "coalesce(usd_" + m + ", CASE WHEN billing_currency = 'USD' THEN " + m + " END)"
}
