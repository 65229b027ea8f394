package gcp

import (
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// mapCells maps one row made of a minimal USD usage row overridden by
// cells; a cell whose value is "<absent>" removes the column.
func mapCells(t *testing.T, cells map[string]string) (*cost.LineItem, error) {
	t.Helper()
	all := map[string]string{
		"cost":                "1",
		"usage_start_time":    "2024-03-10 10:00:00+00:00",
		"service.description": "Compute Engine",
		"currency":            "USD",
	}
	for k, v := range cells {
		all[k] = v
	}
	var header, values []string
	for k := range all {
		if all[k] != "<absent>" {
			header = append(header, k)
		}
	}
	sort.Strings(header)
	for _, h := range header {
		values = append(values, all[h])
	}
	m, err := NewMapper(header)
	if err != nil {
		t.Fatal(err)
	}
	li := &cost.LineItem{}
	err = m.Map(&tabular.Row{File: "x.csv", Line: 7, Values: values}, li)
	return li, err
}

func mustMap(t *testing.T, cells map[string]string) *cost.LineItem {
	t.Helper()
	li, err := mapCells(t, cells)
	if err != nil {
		t.Fatal(err)
	}
	return li
}

// wantMetrics checks the metrics in the order list, billed, net,
// amortized, amortizedNet, contracted.
func wantMetrics(t *testing.T, li *cost.LineItem, want ...string) {
	t.Helper()
	for m, w := range want {
		if got := li.Cost[m].String(); got != w {
			t.Errorf("%v = %s, want %s", cost.Metric(m), got, w)
		}
	}
}

func TestMetrics(t *testing.T) {
	credits := `[{'name': 'CUD', 'amount': -6, 'id': 'c1', 'type': 'COMMITTED_USAGE_DISCOUNT'},
		{'name': 'SUD', 'amount': -1, 'type': 'SUSTAINED_USAGE_DISCOUNT'},
		{'name': 'Flex', 'amount': -2, 'id': 'f1', 'type': 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE'}]`
	li := mustMap(t, map[string]string{"cost": "10", "cost_at_list": "12", "credits": credits})
	// list = cost_at_list; billed = net = 10-6-1-2; amortized = 10-6-2;
	// amortized net = amortized - 1; contracted = billed (no price).
	wantMetrics(t, li, "12", "1", "1", "2", "1", "1")
	if li.CommitmentDiscountID != "c1" || li.CommitmentDiscountCategory != "Usage" {
		t.Errorf("commitment %q %q, want c1 Usage", li.CommitmentDiscountID, li.CommitmentDiscountCategory)
	}
	li = mustMap(t, map[string]string{"credits": `[{"amount": -0.5, "id": "f1", "type": "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE"}]`})
	wantMetrics(t, li, "1", "0.5", "0.5", "0.5", "0.5", "0.5")
	if li.CommitmentDiscountID != "f1" || li.CommitmentDiscountCategory != "Spend" {
		t.Errorf("commitment %q %q, want f1 Spend", li.CommitmentDiscountID, li.CommitmentDiscountCategory)
	}

	// Without cost_at_list, list is cost; credits other than CUDs are not
	// in amortized.
	li = mustMap(t, map[string]string{"cost": "3", "cost_at_list": "", "credits": `[{'amount': -1, 'type': 'PROMOTION'}]`})
	wantMetrics(t, li, "3", "2", "2", "3", "2", "2")
	if li.CommitmentDiscountID != "" {
		t.Errorf("CommitmentDiscountID = %q for a promotion", li.CommitmentDiscountID)
	}

	// Resource-based commitment fee: 0 for list (OpenCost), kept in billed,
	// net and amortized (see metrics.go).
	li = mustMap(t, map[string]string{"cost": "5", "cost_at_list": "5", "sku.description": "Commitment v1: N2 Cpu in Americas for 1 Year"})
	wantMetrics(t, li, "0", "5", "5", "5", "5", "5")
	// Spend-based commitment fee: kept everywhere (no daily allocation).
	li = mustMap(t, map[string]string{"cost": "3", "sku.description": "Commitment - dollar based v1: GCE for 1 year"})
	wantMetrics(t, li, "3", "3", "3", "3", "3", "3")

	// contracted = price.effective_price × usage.amount_in_pricing_units,
	// rounded to 24 fractional digits.
	li = mustMap(t, map[string]string{"price.effective_price": "0.04", "usage.amount_in_pricing_units": "2.3198314011096954e-05"})
	wantMetrics(t, li, "1", "1", "1", "1", "1", "0.00000092793256044387816")
	li = mustMap(t, map[string]string{"price.effective_price": "0.123456789", "usage.amount_in_pricing_units": "1.2345678901234567e-10"})
	wantMetrics(t, li, "1", "1", "1", "1", "1", "0.000000000015241578751715")
	// A tie at the 24th digit goes to even (cost.Round), not away from zero.
	li = mustMap(t, map[string]string{"price.effective_price": "0.5", "usage.amount_in_pricing_units": "5e-24"})
	wantMetrics(t, li, "1", "1", "1", "1", "1", "0.000000000000000000000002")
	// A price without a quantity falls back to billed.
	li = mustMap(t, map[string]string{"cost": "2", "price.effective_price": "0.5"})
	wantMetrics(t, li, "2", "2", "2", "2", "2", "2")
}

func TestUSD(t *testing.T) {
	f := func(currency, rate, costCell string, want string) {
		t.Helper()
		li := mustMap(t, map[string]string{"currency": currency, "currency_conversion_rate": rate, "cost": costCell})
		for m := range li.USD {
			got := "null"
			if li.USD[m].Valid {
				got = li.USD[m].Decimal.String()
			}
			if got != want {
				t.Fatalf("%s rate %q cost %s: USD[%v] = %s, want %s", currency, rate, costCell, cost.Metric(m), got, want)
			}
		}
	}
	f("USD", "1.0", "0.25", "0.25")
	f("usd", "", "0.25", "0.25")
	f("EUR", "0.9", "9", "10")
	f("EUR", "0.9", "1", "1.111111111111111111111111")
	f("JPY", "3", "-2", "-0.666666666666666666666667")
	// Ties at the 24th digit go to even (cost.Quo), as every reader rounds.
	f("EUR", "2", "0.000000000000000000000005", "0.000000000000000000000002")
	f("EUR", "2", "-0.000000000000000000000007", "-0.000000000000000000000004")
	f("EUR", "0", "9", "null")
	f("EUR", "", "9", "null")
	li := mustMap(t, map[string]string{"currency": "EUR", "currency_conversion_rate": "<absent>"})
	if li.USD[cost.Billed].Valid || li.BillingCurrency != "EUR" {
		t.Fatalf("no rate column: USD %v, currency %q", li.USD[cost.Billed], li.BillingCurrency)
	}
}

func TestChargeCategory(t *testing.T) {
	f := func(costType, wantType, wantCategory string) {
		t.Helper()
		li := mustMap(t, map[string]string{"cost_type": costType})
		if li.ChargeType != wantType || li.ChargeCategory != wantCategory {
			t.Fatalf("cost_type %q: %q/%q, want %q/%q", costType, li.ChargeType, li.ChargeCategory, wantType, wantCategory)
		}
	}
	f("regular", "regular", "Usage")
	f("", "regular", "Usage")
	f("tax", "tax", "Tax")
	f("adjustment", "adjustment", "Adjustment")
	f("rounding_error", "rounding_error", "Adjustment")
	f("brand_new_type", "brand_new_type", "Adjustment")
}

func TestTagsAndKubernetes(t *testing.T) {
	li := mustMap(t, map[string]string{
		"labels":         `[{"key":"env","value":"prod"},{"key":"goog-k8s-cluster-name","value":"c1"},{"key":"compute.googleapis.com/cores","value":"user"}]`,
		"system_labels":  `[{'key': 'compute.googleapis.com/cores', 'value': '2'}, {'key': 'compute.googleapis.com/machine_spec', 'value': 'n2-standard-2'}]`,
		"project.labels": `[{'key': 'env', 'value': 'staging'}]`,
		"tags":           `[{"key":"cost-center","value":"42","inherited":true,"namespace":"123456"},{"key":"team","value":"a"}]`,
	})
	want := map[string]string{
		"env":                                 "prod",
		"goog-k8s-cluster-name":               "c1",
		"compute.googleapis.com/cores":        "user", // a user label wins
		"compute.googleapis.com/machine_spec": "n2-standard-2",
		"project:env":                         "staging",
		"tag:123456/cost-center":              "42",
		"tag:team":                            "a",
	}
	if len(li.Tags) != len(want) {
		t.Errorf("tags = %v, want %v", li.Tags, want)
	}
	for k, v := range want {
		if li.Tags[k] != v {
			t.Errorf("tag %q = %q, want %q", k, li.Tags[k], v)
		}
	}
	if !li.Kubernetes {
		t.Error("goog-k8s-cluster-name did not mark the row as Kubernetes")
	}
	for _, k := range []string{"goog-gke-volume", "goog-gke-node"} {
		if li := mustMap(t, map[string]string{"labels": `[{'key': '` + k + `', 'value': ''}]`}); !li.Kubernetes {
			t.Errorf("label %s did not mark the row as Kubernetes", k)
		}
	}
	// A project label or system label of that name is not a GKE resource label.
	if li := mustMap(t, map[string]string{"project.labels": `[{'key': 'goog-gke-node', 'value': 'x'}]`}); li.Kubernetes {
		t.Error("a project label marked the row as Kubernetes")
	}
}

func TestDimensions(t *testing.T) {
	li := mustMap(t, map[string]string{
		"resource.name":        "//compute.googleapis.com/projects/p/zones/us-east1-b/instances/gke-node-1",
		"resource.global_name": "//compute.googleapis.com/projects/p/zones/us-east1-b/instances/123",
		"location.location":    "us-east1",
		"location.region":      "",
		"location.zone":        "us-east1-b",
		"sku.description":      "PD Capacity",
		"seller_name":          "Acme Marketplace",
		"service.description":  "<absent>",
		"service.id":           "6F81-5844-456A",
	})
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("ProviderID", li.ProviderID, "gke-node-1")
	check("ResourceID", li.ResourceID, "//compute.googleapis.com/projects/p/zones/us-east1-b/instances/123")
	check("RegionID", li.RegionID, "us-east1")
	check("AvailabilityZone", li.AvailabilityZone, "us-east1-b")
	check("Category", li.Category, "Storage")
	check("PublisherName", li.PublisherName, "Acme Marketplace")
	check("ServiceName from service.id", li.ServiceName, "6F81-5844-456A")
	// Without usage_end_time and invoice.month: one hour, and the Pacific
	// month of usage_start_time (10 March 2024 is still PST).
	check("ChargePeriodEnd", li.ChargePeriodEnd.Format(time.RFC3339), "2024-03-10T11:00:00Z")
	check("BillingPeriodStart", li.BillingPeriodStart.Format(time.RFC3339), "2024-03-01T08:00:00Z")
	check("BillingPeriodEnd", li.BillingPeriodEnd.Format(time.RFC3339), "2024-04-01T07:00:00Z")

	li = mustMap(t, map[string]string{"resource.global_name": "//storage.googleapis.com/projects/_/buckets/b1/"})
	check("ProviderID from global name", li.ProviderID, "b1")

	cat := func(service, sku, want string) {
		t.Helper()
		check("Category("+service+", "+sku+")", Category(service, sku), want)
	}
	cat("Compute Engine", "N2 Instance Core running in Americas", "Compute")
	cat("Compute Engine", "Network Inter Zone Egress", "Network")
	cat("Compute Engine", "Licensing Fee for Windows Server", "Other")
	cat("Cloud SQL", "DB custom CORE", "Storage")
	cat("Kubernetes Engine", "Autopilot Pod mCPU Requests", "Management")
	cat("Cloud Pub/Sub", "Message Delivery Basic", "Network")
	cat("BigQuery", "Analysis", "Storage")
	cat("Cloud Run", "CPU Allocation Time", "Other")

	check("ProviderID of name", ProviderID("projects/p/zones/z/instances/gke-node-1", "//x/instances/1"), "gke-node-1")
	check("ProviderID of global name", ProviderID("", "//compute.googleapis.com/projects/p/zones/z/disks/d1"), "d1")
	check("ProviderID of neither", ProviderID("", ""), "")
	for key, want := range map[string]bool{"goog-gke-node": true, "goog-gke-volume": true, "goog-k8s-cluster-name": true, "GOOG-GKE-NODE": false, "env": false} {
		if got := IsKubernetes(map[string]string{key: ""}); got != want {
			t.Errorf("IsKubernetes(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestRowErrors(t *testing.T) {
	f := func(cells map[string]string, wantColumn string) {
		t.Helper()
		_, err := mapCells(t, cells)
		var pe *tabular.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%v: err = %v, want *tabular.ParseError", cells, err)
		}
		if pe.File != "x.csv" || pe.Line != 7 || pe.Column != wantColumn || !errors.Is(err, cost.ErrInvalid) {
			t.Fatalf("%v: err = %v (file %q line %d column %q), want x.csv:7 column %q wrapping ErrInvalid", cells, err, pe.File, pe.Line, pe.Column, wantColumn)
		}
		if !strings.Contains(err.Error(), "x.csv:7") {
			t.Fatalf("message %q does not name the file and line", err)
		}
	}
	f(map[string]string{"cost": "abc"}, "cost")
	f(map[string]string{"cost": "1,5"}, "cost")
	f(map[string]string{"usage_start_time": "yesterday"}, "usage_start_time")
	f(map[string]string{"usage_start_time": ""}, "usage_start_time")
	// The column is named as the file spells it.
	f(map[string]string{"usage_start_time": "<absent>", "Usage_Start_Time": "2024-13-01"}, "Usage_Start_Time")
	f(map[string]string{"usage_end_time": "soon"}, "usage_end_time")
	f(map[string]string{"invoice.month": "2024-03"}, "invoice.month")
	f(map[string]string{"credits": "[{'amount': 'x'}]"}, "credits")
	f(map[string]string{"credits": "[{'amount'"}, "credits")
	f(map[string]string{"labels": "not labels"}, "labels")
	f(map[string]string{"project.labels": "[1]"}, "project.labels")
	f(map[string]string{"cost_at_list": "n/a"}, "cost_at_list")
	f(map[string]string{"usage.amount": "lots"}, "usage.amount")
	f(map[string]string{"price.effective_price": "?"}, "price.effective_price")
	f(map[string]string{"currency": "EUR", "currency_conversion_rate": "x"}, "currency_conversion_rate")
}

func TestUnknownLayout(t *testing.T) {
	f := func(header []string, wantMissing string) {
		t.Helper()
		_, err := NewMapper(header)
		if !errors.Is(err, tabular.ErrUnknownLayout) || !strings.Contains(err.Error(), "missing "+wantMissing) {
			t.Fatalf("NewMapper(%q) err = %v, want ErrUnknownLayout missing %s", header, err, wantMissing)
		}
		if Detect(header) {
			t.Fatalf("Detect(%q) = true", header)
		}
	}
	f([]string{"usage_start_time", "service.description"}, "cost")
	f([]string{"cost", "service.id"}, "usage_start_time")
	f([]string{"cost", "usage_start_time", "sku.description"}, "service.description or service.id")
	f([]string{"lineItem/UnblendedCost", "lineItem/UsageStartDate", "product/ProductName"}, "cost, usage_start_time, service.description or service.id")
	f(nil, "cost, usage_start_time")

	for _, h := range [][]string{Columns, {"COST", "Usage_Start_Time", "Service.Id"}} {
		if !Detect(h) {
			t.Errorf("Detect(%q) = false", h)
		}
		if _, err := NewMapper(h); err != nil {
			t.Errorf("NewMapper(%q): %v", h, err)
		}
	}
}
