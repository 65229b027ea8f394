package synth

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"
)

// The headers are spelled out here, not taken from the generator, so that
// a change to a column name fails a test. They follow
// billing-formats.md §3.2 (AWS), §6.2 (Azure EA 2024-08-01, all 57 in
// order), §7.3 and the real flattened export (GCP), §2.1 (FOCUS 1.2).
var goldenHeaders = map[string][]string{
	"aws": {
		"identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/InvoicingEntity", "bill/BillingEntity",
		"bill/BillType", "bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate",
		"lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
		"lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/AvailabilityZone",
		"lineItem/ResourceId", "lineItem/UsageAmount", "lineItem/NormalizationFactor",
		"lineItem/NormalizedUsageAmount", "lineItem/CurrencyCode", "lineItem/UnblendedRate",
		"lineItem/UnblendedCost", "lineItem/BlendedRate", "lineItem/BlendedCost", "lineItem/NetUnblendedRate",
		"lineItem/NetUnblendedCost", "lineItem/LineItemDescription", "lineItem/TaxType", "lineItem/LegalEntity",
		"product/ProductName", "product/productFamily", "product/servicecode", "product/sku", "product/region",
		"product/regionCode", "product/location", "product/instanceType", "product/usagetype", "product/operation",
		"pricing/publicOnDemandCost", "pricing/publicOnDemandRate", "pricing/term", "pricing/unit",
		"pricing/LeaseContractLength", "pricing/OfferingClass", "pricing/PurchaseOption",
		"reservation/ReservationARN", "reservation/EffectiveCost", "reservation/NetEffectiveCost",
		"reservation/AmortizedUpfrontCostForUsage", "reservation/RecurringFeeForUsage",
		"reservation/AmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
		"reservation/UnusedRecurringFee", "reservation/UnusedQuantity", "reservation/TotalReservedUnits",
		"savingsPlan/SavingsPlanARN", "savingsPlan/SavingsPlanRate", "savingsPlan/SavingsPlanEffectiveCost",
		"savingsPlan/NetSavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment",
		"savingsPlan/OfferingType", "resourceTags/user:team", "resourceTags/user:env",
		"resourceTags/aws:eks:cluster-name",
	},
	"azure": {
		"InvoiceSectionName", "AccountName", "AccountOwnerId", "SubscriptionId", "SubscriptionName", "ResourceGroup",
		"ResourceLocation", "Date", "ProductName", "MeterCategory", "MeterSubCategory", "MeterId", "MeterName",
		"MeterRegion", "UnitOfMeasure", "Quantity", "EffectivePrice", "CostInBillingCurrency", "CostCenter",
		"ConsumedService", "ResourceId", "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2",
		"ResourceName", "ReservationId", "ReservationName", "UnitPrice", "ProductOrderId", "ProductOrderName", "Term",
		"PublisherType", "PublisherName", "ChargeType", "Frequency", "PricingModel", "AvailabilityZone",
		"BillingAccountId", "BillingAccountName", "BillingCurrencyCode", "BillingPeriodStartDate",
		"BillingPeriodEndDate", "BillingProfileId", "BillingProfileName", "InvoiceSectionId",
		"IsAzureCreditEligible", "PartNumber", "PayGPrice", "PlanName", "ServiceFamily", "CostAllocationRuleName",
		"benefitId", "benefitName", "AccountId", "ResourceLocationNormalized",
	},
	"gcp": {
		"billing_account_id", "service.id", "service.description", "sku.id", "sku.description", "usage_start_time",
		"usage_end_time", "project.id", "project.name", "project.labels", "project.ancestry_numbers", "labels",
		"system_labels", "location.location", "location.country", "location.region", "location.zone",
		"export_time", "cost", "currency", "currency_conversion_rate", "usage.amount", "usage.unit",
		"usage.amount_in_pricing_units", "usage.pricing_unit", "credits", "invoice.month", "cost_type",
		"resource.name", "resource.global_name", "partition_date",
	},
	"focus": {
		"AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
		"BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "CapacityReservationId",
		"CapacityReservationStatus", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
		"ChargePeriodStart", "ChargePeriodEnd", "CommitmentDiscountCategory", "CommitmentDiscountId",
		"CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus",
		"CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
		"ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
		"PricingCategory", "PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
		"PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
		"RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName",
		"ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId",
		"SubAccountName", "SubAccountType", "Tags",
	},
}

// costColumns is the primary cost column and dateColumns the charge date
// column of each provider, with the date's layout.
var (
	costColumns = map[string]string{"aws": "lineItem/UnblendedCost", "azure": "CostInBillingCurrency", "gcp": "cost", "focus": "BilledCost"}
	dateColumns = map[string][2]string{
		"aws":   {"lineItem/UsageStartDate", time.RFC3339},
		"azure": {"Date", "01/02/2006"},
		"gcp":   {"usage_start_time", "2006-01-02 15:04:05-07:00"},
		"focus": {"ChargePeriodStart", time.RFC3339},
	}
)

var testStart = time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC)

// table is a CSV output read back with encoding/csv.
type table struct {
	header []string
	col    map[string]int
	rows   [][]string
}

func (t *table) get(row []string, name string) string { return row[t.col[name]] }

func readTable(t *testing.T, data []byte) *table {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("output is not valid CSV: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("no header")
	}
	tb := &table{header: recs[0], col: map[string]int{}, rows: recs[1:]}
	for i, h := range tb.header {
		tb.col[h] = i
	}
	return tb
}

func generate(t *testing.T, opt Options) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := Write(&buf, opt)
	if err != nil {
		t.Fatalf("Write(%+v): %v", opt, err)
	}
	if st.Bytes != int64(buf.Len()) {
		t.Errorf("Stats.Bytes = %d, wrote %d", st.Bytes, buf.Len())
	}
	return buf.Bytes(), st
}

func ratOf(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("%q is not a decimal number", s)
	}
	return r
}

func TestHeaders(t *testing.T) {
	for _, p := range Providers {
		data, st := generate(t, Options{Provider: p, Rows: 50, Days: 3, Start: testStart, Seed: 1})
		tb := readTable(t, data)
		if strings.Join(tb.header, "|") != strings.Join(goldenHeaders[p], "|") {
			t.Errorf("%s header:\n got %q\nwant %q", p, tb.header, goldenHeaders[p])
		}
		if st.CostColumn != costColumns[p] {
			t.Errorf("%s Stats.CostColumn = %q, want %q", p, st.CostColumn, costColumns[p])
		}
	}
}

// The GCP header is the real flattened export's header.
func TestGCPHeaderMatchesRealExport(t *testing.T) {
	data := readTestdata(t, "gcp/bigquery-export-flat.csv")
	header, err := csv.NewReader(bytes.NewReader(data)).Read()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(header, ",") != strings.Join(goldenHeaders["gcp"], ",") {
		t.Errorf("real export header %q differs from %q", header, goldenHeaders["gcp"])
	}
}

func TestDeterministic(t *testing.T) {
	sum := func(opt Options) [32]byte {
		data, _ := generate(t, opt)
		return sha256.Sum256(data)
	}
	for _, p := range Providers {
		opt := Options{Provider: p, Rows: 3000, Days: 40, Start: testStart, Seed: 42}
		a, b := sum(opt), sum(opt)
		if a != b {
			t.Errorf("%s: two runs with seed 42 differ", p)
		}
		opt.Seed = 43
		if c := sum(opt); c == a {
			t.Errorf("%s: seeds 42 and 43 give the same bytes", p)
		}
	}
	opt := Options{Provider: "gcp", Format: "jsonl", Rows: 2000, Days: 10, Start: testStart, Seed: 5}
	if a, b := sum(opt), sum(opt); a != b {
		t.Error("gcp jsonl: two runs differ")
	}
}

// TestTotals re-reads the cost column with encoding/csv and math/big.
func TestTotals(t *testing.T) {
	f := func(opt Options) {
		t.Helper()
		data, st := generate(t, opt)
		tb := readTable(t, data)
		sum := new(big.Rat)
		for _, row := range tb.rows {
			sum.Add(sum, ratOf(t, tb.get(row, costColumns[opt.Provider])))
		}
		if got := ratOf(t, st.Total); got.Cmp(sum) != 0 {
			t.Errorf("%s rows=%d: Stats.Total = %s, column sums to %s", opt.Provider, opt.Rows, st.Total, sum.FloatString(12))
		}
		if sum.Sign() <= 0 {
			t.Errorf("%s: total %s is not positive", opt.Provider, st.Total)
		}
	}
	for _, p := range Providers {
		f(Options{Provider: p, Rows: 20000, Days: 45, Start: testStart, Seed: 3})
		f(Options{Provider: p, Rows: 777, Days: 31, Start: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Seed: 9, Daily: true})
	}
}

func TestGCPJSONLines(t *testing.T) {
	opt := Options{Provider: "gcp", Rows: 5000, Days: 20, Start: testStart, Seed: 11}
	csvData, csvStats := generate(t, opt)
	opt.Format = "jsonl"
	jsonData, jsonStats := generate(t, opt)
	if jsonStats.Total != csvStats.Total || jsonStats.Rows != csvStats.Rows {
		t.Errorf("jsonl %d rows total %s, csv %d rows total %s", jsonStats.Rows, jsonStats.Total, csvStats.Rows, csvStats.Total)
	}
	lines := strings.Split(strings.TrimSuffix(string(jsonData), "\n"), "\n")
	if int64(len(lines)) != opt.Rows {
		t.Fatalf("%d lines, want %d", len(lines), opt.Rows)
	}
	tb := readTable(t, csvData)
	sum := new(big.Rat)
	for i, line := range lines {
		var v struct {
			Service struct{ Description string }
			Cost    json.Number
			Credits []struct {
				Amount json.Number
				Type   string
			}
			Invoice struct{ Month string }
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		sum.Add(sum, ratOf(t, v.Cost.String()))
		row := tb.rows[i]
		if v.Service.Description != tb.get(row, "service.description") || v.Cost.String() != tb.get(row, "cost") ||
			v.Invoice.Month != tb.get(row, "invoice.month") {
			t.Fatalf("line %d differs from the CSV row: %s\n%q", i+1, line, row)
		}
	}
	if ratOf(t, jsonStats.Total).Cmp(sum) != 0 {
		t.Errorf("Stats.Total %s, jsonl sums to %s", jsonStats.Total, sum.FloatString(6))
	}
}

// TestRowsAndDays checks the exact row count and that rows are dated on
// every day of the range and on no other.
func TestRowsAndDays(t *testing.T) {
	f := func(opt Options) {
		t.Helper()
		data, st := generate(t, opt)
		tb := readTable(t, data)
		if st.Rows != opt.Rows || int64(len(tb.rows)) != opt.Rows {
			t.Fatalf("%s: Stats.Rows %d, file rows %d, want %d", opt.Provider, st.Rows, len(tb.rows), opt.Rows)
		}
		end := opt.Start.AddDate(0, 0, opt.Days)
		if !st.Start.Equal(opt.Start) || !st.End.Equal(end) {
			t.Errorf("%s: Stats range %v–%v, want %v–%v", opt.Provider, st.Start, st.End, opt.Start, end)
		}
		dc := dateColumns[opt.Provider]
		perDay := map[time.Time]int{}
		for _, row := range tb.rows {
			ts, err := time.Parse(dc[1], tb.get(row, dc[0]))
			if err != nil {
				t.Fatalf("%s: %s: %v", opt.Provider, dc[0], err)
			}
			ts = ts.UTC()
			if ts.Before(opt.Start) || !ts.Before(end) {
				t.Fatalf("%s: row dated %v outside %v–%v", opt.Provider, ts, opt.Start, end)
			}
			perDay[ts.Truncate(24*time.Hour)]++
		}
		if len(perDay) != opt.Days {
			t.Errorf("%s: rows on %d days, want %d", opt.Provider, len(perDay), opt.Days)
		}
		// Weekdays are busier than weekends.
		var weekday, weekend, nwd, nwe int
		for d, n := range perDay {
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				weekend, nwe = weekend+n, nwe+1
			} else {
				weekday, nwd = weekday+n, nwd+1
			}
		}
		if nwe > 0 && nwd > 0 && weekday*nwe <= weekend*nwd {
			t.Errorf("%s: %d rows on %d weekdays, %d on %d weekend days", opt.Provider, weekday, nwd, weekend, nwe)
		}
	}
	for _, p := range Providers {
		f(Options{Provider: p, Rows: 30000, Days: 40, Start: testStart, Seed: 1})
		f(Options{Provider: p, Rows: 5003, Days: 17, Start: time.Date(2023, 12, 25, 0, 0, 0, 0, time.UTC), Seed: 2})
	}
}

func TestEmptyAndTiny(t *testing.T) {
	for _, p := range Providers {
		data, st := generate(t, Options{Provider: p, Rows: 0, Days: 5, Start: testStart})
		if st.Rows != 0 || st.Total != "0" || bytes.Count(data, []byte("\n")) != 1 {
			t.Errorf("%s with no rows: %d rows, total %s, %d lines", p, st.Rows, st.Total, bytes.Count(data, []byte("\n")))
		}
		for _, rows := range []int64{1, 2, 3, 25} {
			data, st := generate(t, Options{Provider: p, Rows: rows, Days: 3, Start: testStart})
			if tb := readTable(t, data); int64(len(tb.rows)) != rows || st.Rows != rows {
				t.Errorf("%s: asked %d rows, got %d (stats %d)", p, rows, len(tb.rows), st.Rows)
			}
		}
	}
}

func TestOptionErrors(t *testing.T) {
	f := func(opt Options, want string) {
		t.Helper()
		_, err := Write(io.Discard, opt)
		if err == nil || !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), want) {
			t.Errorf("Write(%+v) = %v, want an ErrOptions error mentioning %q", opt, err, want)
		}
	}
	f(Options{Provider: "oracle", Rows: 1, Days: 1}, `unknown provider "oracle"`)
	f(Options{Provider: "aws", Rows: -1, Days: 1}, "rows must not be negative")
	f(Options{Provider: "aws", Rows: 1, Days: 0}, "days must be at least 1")
	f(Options{Provider: "aws", Rows: 1, Days: 1, Format: "jsonl"}, `format "jsonl" is not available for provider "aws"`)
	f(Options{Provider: "gcp", Rows: 1, Days: 1, Format: "parquet"}, `format "parquet"`)
}

func TestStartDefaultsToDaysBeforeToday(t *testing.T) {
	before := time.Now().UTC().Truncate(24 * time.Hour)
	st, err := Write(io.Discard, Options{Provider: "azure", Rows: 10, Days: 7})
	after := time.Now().UTC().Truncate(24 * time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !st.End.Equal(before) && !st.End.Equal(after) {
		t.Errorf("range ends %v, want today %v", st.End, after)
	}
	if got := st.End.Sub(st.Start); got != 7*24*time.Hour {
		t.Errorf("range is %v long, want 7 days", got)
	}
}

// errWriter fails after n bytes.
type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	for _, p := range Providers {
		_, err := Write(&errWriter{n: 100_000}, Options{Provider: p, Rows: 100_000, Days: 10, Start: testStart})
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error %v, want the writer's", p, err)
		}
	}
}
