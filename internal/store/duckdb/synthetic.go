package duckdb

import (
	"context"
	"fmt"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
)

// LoadSynthetic fills the store with n line items over 90 days through SQL (the
// ingest path has its own benchmark) and commits them through the store's
// own commit, which builds the rollup. It is for benchmarks: 90 days from
// 2024-01-01 of hourly rows over 40 services, 25 accounts and 8 regions,
// every seventh Kubernetes. It returns the first day.
func (st *Store) LoadSynthetic(ctx context.Context, n int) (time.Time, error) {
	return st.loadSynthetic(ctx, n, awsShape)
}

// LoadSyntheticAzure is LoadSynthetic with Azure-shaped rows: source
// "azure-bench" of provider azure, Microsoft's line items with
// subscriptions, meters, resource groups, quantities and prices, and each
// row's line_no (its entry id) set as an import sets it. It is for the
// benchmarks of the Azure billing dialect's cost entries.
func (st *Store) LoadSyntheticAzure(ctx context.Context, n int) (time.Time, error) {
	return st.loadSynthetic(ctx, n, azureShape)
}

// LoadSyntheticYear is LoadSynthetic over the twelve months of 2024
// (twelve monthly snapshots), with service categories (ten) as well: for
// the benchmarks of month-scale reports (CloudHealth's cost history).
func (st *Store) LoadSyntheticYear(ctx context.Context, n int) (time.Time, error) {
	return st.loadSynthetic(ctx, n, yearShape)
}

// LoadSyntheticRated is LoadSynthetic with rated line items as the
// rating processor stores them (frames.ToLineItem): provider "rating",
// four metric types as the service, 25 projects as the scope (billing
// and sub account), quantities: for the benchmarks of the CloudKitty
// dialect's summaries without rating millions of points first.
func (st *Store) LoadSyntheticRated(ctx context.Context, n int) (time.Time, error) {
	return st.loadSynthetic(ctx, n, ratedShape)
}

// synthShape is the provider-specific part of a synthetic load.
type synthShape struct {
	source, provider string
	// months is how many months from 2024-01-01 the rows cover, one
	// snapshot each; 0 is the 90 days (three snapshots) of LoadSynthetic.
	months int
	// cols and vals are further columns of synthetic_items and their SQL
	// over i (the row number) and ts.t (its hour).
	cols, vals string
}

var awsShape = synthShape{
	source: "bench", provider: "aws",
	cols: `provider_name, billing_account_id, sub_account_id, charge_type, service_name, region_id, resource_id, category, kubernetes`,
	vals: `'AWS', 'payer', 'acct-' || (i % 25), 'Usage', 'Service' || (i % 40), 'region-' || (i % 8), 'r-' || (i % 100000), 'Compute', i % 7 = 0`,
}

var yearShape = synthShape{
	source: "bench-year", provider: "aws", months: 12,
	cols: awsShape.cols + `, service_category`,
	vals: awsShape.vals + `, 'Category ' || (i % 10)`,
}

var ratedShape = synthShape{
	source: "rating/bench", provider: "rating",
	cols: `provider_name, billing_account_id, sub_account_id, charge_type, service_name, usage_type, resource_id, category,
  kubernetes, consumed_quantity, pricing_quantity, consumed_unit, pricing_unit`,
	vals: `'rating', 'project-' || (i % 25), 'project-' || (i % 25), 'Usage', 'type-' || (i % 4), 'type-' || (i % 4),
  'r-' || (i % 100000), '', false, ((i % 97) * 0.5)::` + quantity + `, ((i % 97) * 0.5)::` + quantity + `, 'unit', 'unit'`,
}

var azureShape = synthShape{
	source: "azure-bench", provider: "azure",
	cols: `line_no, provider_name, publisher_name, billing_account_id, sub_account_id, sub_account_name, charge_type,
  service_name, region_id, resource_id, resource_group, meter_id, meter_category, meter_name, pricing_category,
  consumed_quantity, unit_price, list_unit_price, cost_center, category, kubernetes`,
	vals: `i + 1, 'Microsoft', 'Microsoft', 'ea-1234', printf('%08x-0000-4000-8000-%012x', i % 25, i % 25),
  'subscription-' || (i % 25), 'Usage', 'Service' || (i % 40), 'region-' || (i % 8),
  '/subscriptions/' || (i % 25) || '/resourcegroups/rg-' || (i % 300) || '/providers/microsoft.compute/virtualmachines/vm-' || (i % 100000),
  'rg-' || (i % 300), printf('%08x-1111-4000-8000-%012x', i % 500, i % 500), 'Meter category ' || (i % 40), 'Meter ' || (i % 500),
  'OnDemand', ((i % 97) * 0.5)::` + quantity + `, ((i % 13) * 0.0123)::` + quantity + `, ((i % 13) * 0.015)::` + quantity + `,
  'cc-' || (i % 7), 'Compute', false`,
}

func (st *Store) loadSynthetic(ctx context.Context, n int, sh synthShape) (time.Time, error) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	months, hours := 3, 2160 // 90 days
	if sh.months > 0 {
		months = sh.months
		hours = int(start.AddDate(0, months, 0).Sub(start).Hours())
	}
	var pend []*pending
	for m := range months {
		ps := start.AddDate(0, m, 0)
		id, err := st.newSnapshot(ctx, 1, store.ImportSpec{Source: sh.source, Provider: sh.provider}, ps, ps.AddDate(0, 1, 0), store.StatusLoading, "")
		if err != nil {
			return start, err
		}
		pend = append(pend, &pending{id: id, start: ps, end: ps.AddDate(0, 1, 0), rows: int64(n / months)})
	}
	// Hourly rows over the months; 40 services, 25 accounts, 8 regions.
	// The rows are made as texts in a table shaped like the view
	// line_items, then coded into line_items_coded (codes.go).
	if _, err := st.db.ExecContext(ctx, `CREATE OR REPLACE TABLE synthetic_items AS SELECT * EXCLUDE (rowid) FROM line_items LIMIT 0`); err != nil {
		return start, err
	}
	sql := fmt.Sprintf(`INSERT INTO synthetic_items (snapshot_id, source, billing_currency, billing_period_start, billing_period_end,
  charge_period_start, charge_period_end, charge_category, %s, %s, %s, tags)
SELECT %d + (ts.m)::BIGINT, '%s', 'USD',
  date_trunc('month', ts.t), date_trunc('month', ts.t) + INTERVAL 1 MONTH, ts.t, ts.t + INTERVAL 1 HOUR, 'Usage',
  %s, %s, %s, MAP {'team': 'team' || (i %% 12)}
FROM (SELECT i, TIMESTAMP '2024-01-01' + to_hours((i * %d // %d)::BIGINT) AS t FROM range(%d) r(i)) AS x(i, t),
  LATERAL (SELECT x.t AS t, (month(x.t) - 1) AS m) ts`,
		sh.cols, joinCols(metricColumns[:], "", ""), joinCols(metricColumns[:], "usd_", ""),
		pend[0].id, sh.source,
		sh.vals, repeatCost(), repeatCost(), hours, n, n)
	if _, err := st.db.Exec(sql); err != nil {
		return start, err
	}
	// SQL adds texts to text_codes: the dictionary in memory is stale
	// after it, whether or not it all succeeds.
	defer st.codes.forget()
	for _, q := range append(encodeSQL("synthetic_items"), `DROP TABLE synthetic_items`) {
		if _, err := st.db.ExecContext(ctx, q); err != nil {
			return start, err
		}
	}
	if err := st.commit(ctx, sh.source, pend); err != nil {
		return start, err
	}
	return start, nil
}

func repeatCost() string {
	s := ""
	for i := range cost.NumMetrics {
		if i > 0 {
			s += ", "
		}
		s += "((i % 997) * 0.000123456789)::" + money
	}
	return s
}

// RawTable copies the line items, texts decoded, into a plain table
// named name, for benchmarks whose yardstick is hand-written SQL over a
// raw table of bills: querying the view line_items would charge the
// yardstick for decoding the coded columns (codes.go).
func (st *Store) RawTable(ctx context.Context, name string) error {
	_, err := st.db.ExecContext(ctx, `CREATE OR REPLACE TABLE `+name+` AS SELECT * EXCLUDE (rowid) FROM line_items`)
	return err
}
