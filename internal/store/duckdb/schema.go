package duckdb

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

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
	cost.DimMeterID:            "meter_id",
	cost.DimServiceFamily:      "service_family",
	cost.DimProductOrderName:   "product_order_name",
	cost.DimCostCenter:         "cost_center",
	cost.DimCustomerID:         "customer_id",
	cost.DimCustomerName:       "customer_name",
	cost.DimPricingUnit:        "pricing_unit",
	cost.DimRootAccountID:      "root_account_id",
	cost.DimRootAccountName:    "root_account_name",
}

// lineItemColumns lists the line_items columns after snapshot_id and
// source, in spool order, with how to read each from a line item.
// Keeping name, type and value together means the table, the spool file
// and the rollup cannot drift apart. Exactly one getter is set, typed so
// that writing a row boxes no value.
var lineItemColumns = []column{
	{name: "provider_name", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ProviderName }},
	{name: "publisher_name", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.PublisherName }},
	{name: "invoice_issuer_name", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.InvoiceIssuerName }},
	{name: "invoice_id", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.InvoiceID }},
	{name: "billing_account_id", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.BillingAccountID }},
	{name: "billing_account_name", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.BillingAccountName }},
	{name: "sub_account_id", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.SubAccountID }},
	{name: "sub_account_name", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.SubAccountName }},
	{name: "billing_currency", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.BillingCurrency }},
	{name: "billing_period_start", typ: "TIMESTAMP", time: func(li *cost.LineItem) *time.Time { return &li.BillingPeriodStart }},
	{name: "billing_period_end", typ: "TIMESTAMP", time: func(li *cost.LineItem) *time.Time { return &li.BillingPeriodEnd }},
	{name: "charge_period_start", typ: "TIMESTAMP", time: func(li *cost.LineItem) *time.Time { return &li.ChargePeriodStart }},
	{name: "charge_period_end", typ: "TIMESTAMP", time: func(li *cost.LineItem) *time.Time { return &li.ChargePeriodEnd }},
	{name: "charge_category", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ChargeCategory }},
	{name: "charge_class", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ChargeClass }},
	{name: "charge_frequency", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ChargeFrequency }},
	{name: "charge_description", typ: "VARCHAR", free: true, text: func(li *cost.LineItem) *string { return &li.ChargeDescription }},
	{name: "charge_type", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ChargeType }},
	{name: "service_name", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ServiceName }},
	{name: "service_category", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ServiceCategory }},
	{name: "region_id", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.RegionID }},
	{name: "region_name", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.RegionName }},
	{name: "availability_zone", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.AvailabilityZone }},
	{name: "resource_id", typ: "VARCHAR", free: true, text: func(li *cost.LineItem) *string { return &li.ResourceID }},
	{name: "resource_name", typ: "VARCHAR", free: true, text: func(li *cost.LineItem) *string { return &li.ResourceName }},
	{name: "resource_type", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ResourceType }},
	{name: "sku_id", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.SkuID }},
	{name: "sku_price_id", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.SkuPriceID }},
	{name: "pricing_category", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.PricingCategory }},
	{name: "pricing_unit", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.PricingUnit }},
	{name: "pricing_quantity", typ: quantity, qty: func(li *cost.LineItem) *decimal.NullDecimal { return &li.PricingQuantity }},
	{name: "consumed_unit", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ConsumedUnit }},
	{name: "consumed_quantity", typ: quantity, qty: func(li *cost.LineItem) *decimal.NullDecimal { return &li.ConsumedQuantity }},
	{name: "commitment_discount_id", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.CommitmentDiscountID }},
	{name: "commitment_discount_type", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.CommitmentDiscountType }},
	{name: "commitment_discount_category", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.CommitmentDiscountCategory }},
	{name: "commitment_discount_status", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.CommitmentDiscountStatus }},
	{name: "usage_type", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.UsageType }},
	{name: "operation", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.Operation }},
	{name: "meter_category", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.MeterCategory }},
	{name: "meter_subcategory", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.MeterSubcategory }},
	{name: "meter_name", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.MeterName }},
	{name: "resource_group", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.ResourceGroup }},
	{name: "provider_id", typ: "VARCHAR", free: true, text: func(li *cost.LineItem) *string { return &li.ProviderID }},
	{name: "category", typ: "VARCHAR", text: func(li *cost.LineItem) *string { return &li.Category }},
	{name: "kubernetes", typ: "BOOLEAN", flag: func(li *cost.LineItem) *bool { return &li.Kubernetes }},
	// The Azure billing API's fields (azure-billing.md §10.1), added after
	// the first files were written: Open adds them to older files.
	{name: "meter_id", typ: "VARCHAR", added: true, text: func(li *cost.LineItem) *string { return &li.MeterID }},
	{name: "service_family", typ: "VARCHAR", added: true, text: func(li *cost.LineItem) *string { return &li.ServiceFamily }},
	{name: "product_order_name", typ: "VARCHAR", added: true, text: func(li *cost.LineItem) *string { return &li.ProductOrderName }},
	{name: "cost_center", typ: "VARCHAR", added: true, text: func(li *cost.LineItem) *string { return &li.CostCenter }},
	{name: "customer_id", typ: "VARCHAR", added: true, text: func(li *cost.LineItem) *string { return &li.CustomerID }},
	{name: "customer_name", typ: "VARCHAR", added: true, text: func(li *cost.LineItem) *string { return &li.CustomerName }},
	// Unit prices are stored like quantities, rounded half-even to
	// cost.QuantityScale: they are rates, never summed into totals.
	{name: "unit_price", typ: quantity, added: true, qty: func(li *cost.LineItem) *decimal.NullDecimal { return &li.UnitPrice }},
	{name: "list_unit_price", typ: quantity, added: true, qty: func(li *cost.LineItem) *decimal.NullDecimal { return &li.ListUnitPrice }},
	// The account above the billing account (Azure MCA BillingAccountId),
	// which Kubecost's invoiceEntityID shows.
	{name: "root_account_id", typ: "VARCHAR", added: true, text: func(li *cost.LineItem) *string { return &li.RootAccountID }},
	{name: "root_account_name", typ: "VARCHAR", added: true, text: func(li *cost.LineItem) *string { return &li.RootAccountName }},
}

type column struct {
	name, typ string
	// Exactly one accessor is set. It points into the line item, so the
	// spool reads a row through it and Entries writes one back.
	text func(li *cost.LineItem) *string
	time func(li *cost.LineItem) *time.Time
	qty  func(li *cost.LineItem) *decimal.NullDecimal
	flag func(li *cost.LineItem) *bool

	// free marks a text column whose values are mostly unique (ids,
	// descriptions): it is stored as text, every other text column as
	// codes (see codes.go).
	free bool

	// added marks a column that files made by earlier versions lack:
	// schemaSQL adds it with ALTER TABLE, at the end of their table, which
	// is why loadSQL names every column it inserts.
	added bool
}

// coded reports whether c is stored as codes into text_codes.
func (c *column) coded() bool { return c.text != nil && !c.free }

// storedType is c's type in line_items_coded.
func (c *column) storedType() string {
	if c.coded() {
		return "INTEGER"
	}
	return c.typ
}

// lineItemsTableSQL creates line_items_coded, the table the view
// line_items decodes (codes.go).
func lineItemsTableSQL() string {
	var li strings.Builder
	li.WriteString("CREATE TABLE IF NOT EXISTS line_items_coded (\n  snapshot_id BIGINT NOT NULL,\n  source VARCHAR NOT NULL,\n  line_no BIGINT")
	for _, c := range lineItemColumns {
		fmt.Fprintf(&li, ",\n  %s %s", c.name, c.storedType())
	}
	for _, m := range metricColumns {
		fmt.Fprintf(&li, ",\n  %s %s NOT NULL", m, money)
	}
	for _, m := range metricColumns {
		fmt.Fprintf(&li, ",\n  usd_%s %s", m, money)
	}
	li.WriteString(",\n  tags MAP(VARCHAR, VARCHAR)\n)")
	return li.String()
}

// rollupTableSQL creates a daily rollup table: rollup_daily, or with
// tags the tag rollup (tagrollup.go), made with every column its
// version has, where rollup_daily's later columns come from ALTER TABLE
// in files made before them.
func rollupTableSQL(name string, tags bool) string {
	return rollupTableOf(name, rollupColumns(), rollupAddedColumns(), tags, tags)
}

// rollupTableOf creates a rollup table named name with the dimension
// columns dims, then added after usd_missing (rollupAddedColumns), with
// the c_hi columns when hi and the tags when tags.
func rollupTableOf(name string, dims, added []string, hi, tags bool) string {
	var ru strings.Builder
	ru.WriteString("CREATE TABLE IF NOT EXISTS " + name + " (\n  snapshot_id BIGINT NOT NULL,\n  day TIMESTAMP NOT NULL")
	for _, c := range dims {
		typ := "VARCHAR"
		if c == "kubernetes" {
			typ = "BOOLEAN"
		}
		fmt.Fprintf(&ru, ",\n  %s %s", c, typ)
	}
	// The rollup's money columns are stored uncompressed: DuckDB packs
	// DECIMAL(38, 24) values as bit-packed 128-bit integers, and unpacking
	// them was most of the CPU of a 30-day question by service over the
	// rollup (issue 23: 12 grouped sums over 12,000 of 36,000 rows, a
	// median of 18.8 ms packed, 5.7 ms plain; BENCHMARKS.md). The rollup
	// is small (days × distinct groups, not line items), so the room this
	// takes is small too. Files made before keep their packed columns,
	// which read the same numbers.
	plain := money + " USING COMPRESSION uncompressed"
	for _, m := range metricColumns {
		fmt.Fprintf(&ru, ",\n  %s %s NOT NULL, k8s_%s %s NOT NULL, usd_%s %s, usd_k8s_%s %s", m, plain, m, plain, m, plain, m, plain)
	}
	ru.WriteString(",\n  items BIGINT NOT NULL,\n  usd_missing BIGINT DEFAULT 0")
	for _, c := range added {
		fmt.Fprintf(&ru, ",\n  %s VARCHAR", c)
	}
	// Last, where ALTER puts it in older files (addRollupQuantities).
	fmt.Fprintf(&ru, ",\n  consumed_quantity %s USING COMPRESSION uncompressed", quantity)
	if hi {
		for _, c := range rollupMoneyColumns() {
			fmt.Fprintf(&ru, ",\n  %s%s HUGEINT", c, hiSuffix)
		}
	}
	if tags {
		ru.WriteString(",\n  tags MAP(VARCHAR, VARCHAR)")
	}
	ru.WriteString("\n)")
	return ru.String()
}

func schemaSQL() []string {
	var addRollup []string
	for _, c := range rollupAddedColumns() {
		// Files made before the column: their rows read NULL, which
		// readers take as empty (Kubecost then shows the billing account).
		addRollup = append(addRollup, `ALTER TABLE rollup_daily ADD COLUMN IF NOT EXISTS `+c+` VARCHAR`)
	}

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
		rollupTableSQL("rollup_daily", false),
		rollupTableSQL(tagRollupTable, true),
		serviceRollupTableSQL(),
		// Files made before usd_missing existed: their rows count as
		// having USD values, which is what their queries assumed.
		`ALTER TABLE rollup_daily ADD COLUMN IF NOT EXISTS usd_missing BIGINT DEFAULT 0`,
		// Files made before the rollup summed quantities: their rows
		// read NULL until addRollupQuantities rebuilds them.
		`ALTER TABLE rollup_daily ADD COLUMN IF NOT EXISTS consumed_quantity ` + quantity,
		// The export run a snapshot imported (Azure manifests).
		`ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS run_id VARCHAR`,
		`ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS report_date TIMESTAMP`,
		// The items that run past their start day (spread.go); NULL in
		// snapshots not yet noted.
		`ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS spread_items BIGINT`,
		`ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS spread_from TIMESTAMP`,
		`ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS spread_to TIMESTAMP`,
		// Whether the tag rollup holds a snapshot's rows, and the tag
		// keys of its items that it leaves out (tagrollup.go); NULL in
		// snapshots not yet looked at.
		`ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS tag_rollup BOOLEAN`,
		`ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS tag_keys_left VARCHAR[]`,
	}, append(addRollup, append(append(tenantSchemaSQL, documentsSQL, generationSQL), metricsSchemaSQL...)...)...)
}

// addedColumnsSQL adds the columns marked added to table (line_items in
// files made before coding, line_items_coded after) when it lacks them;
// their old rows read NULL there. DuckDB refuses constraints on ADD
// COLUMN, so the columns are plain and nullable, as CREATE TABLE makes
// them. line_no, the row's position in its import (which makes its entry
// id), is NULL in files made before it existed (see entryID).
func addedColumnsSQL(table string, coded bool) []string {
	stmts := []string{"ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS line_no BIGINT"}
	for _, c := range lineItemColumns {
		if c.added {
			typ := c.typ
			if coded {
				typ = c.storedType()
			}
			stmts = append(stmts, "ALTER TABLE "+table+" ADD COLUMN IF NOT EXISTS "+c.name+" "+typ)
		}
	}
	return stmts
}

func totalsColumnsSQL() string {
	parts := make([]string, len(metricColumns))
	for i, m := range metricColumns {
		parts[i] = fmt.Sprintf("\n  %s %s NOT NULL", m, money)
	}
	return strings.Join(parts, ",")
}

// rollupColumns are the dimension columns of rollup_daily that follow
// its day, and rollupAddedColumns those added after the first schema,
// which follow usd_missing: ALTER TABLE adds a column at the end of an
// older file's table, so new files put it there too, and rollupInsertSQL
// fills both in table order.
func rollupColumns() []string {
	cols := make([]string, 0, 16)
	for _, d := range rollupDims {
		if !rollupAdded[d] {
			cols = append(cols, dimColumns[d])
		}
	}
	return cols
}

func rollupAddedColumns() []string {
	var cols []string
	for _, d := range rollupDims {
		if rollupAdded[d] {
			cols = append(cols, dimColumns[d])
		}
	}
	return cols
}

// rollupAdded marks the rollup dimensions added after the first schema.
var rollupAdded = map[cost.Dimension]bool{cost.DimRootAccountID: true, cost.DimRootAccountName: true}

// usdExpr is the USD amount of metric column m of line_items.
func usdExpr(m string) string {
	return "coalesce(usd_" + m + ", CASE WHEN billing_currency = 'USD' THEN " + m + " END)"
}
