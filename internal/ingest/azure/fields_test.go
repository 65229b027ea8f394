package azure

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// apiField is one line-item field the Azure billing API needs
// (azure-billing.md §10.1), with the header spellings it is read from
// in the raw files (lower-cased, BOM stripped).
type apiField struct {
	name    string
	headers []string
	text    func(li *cost.LineItem) string
	price   func(li *cost.LineItem) decimal.NullDecimal
}

var apiFields = []apiField{
	{name: "MeterID", headers: []string{"meterid"}, text: func(li *cost.LineItem) string { return li.MeterID }},
	{name: "ServiceFamily", headers: []string{"servicefamily"}, text: func(li *cost.LineItem) string { return li.ServiceFamily }},
	{name: "ProductOrderName", headers: []string{"productordername"}, text: func(li *cost.LineItem) string { return li.ProductOrderName }},
	{name: "CostCenter", headers: []string{"costcenter"}, text: func(li *cost.LineItem) string { return li.CostCenter }},
	{name: "CustomerID", headers: []string{"customertenantid"}, text: func(li *cost.LineItem) string { return li.CustomerID }},
	{name: "CustomerName", headers: []string{"customername"}, text: func(li *cost.LineItem) string { return li.CustomerName }},
	{name: "UnitPrice", headers: []string{"unitprice"}, price: func(li *cost.LineItem) decimal.NullDecimal { return li.UnitPrice }},
	{name: "ListUnitPrice", headers: []string{"paygprice", "marketprice"}, price: func(li *cost.LineItem) decimal.NullDecimal { return li.ListUnitPrice }},
}

// rawRecords reads a file with encoding/csv, independently of the code
// under test: lower-cased header → index, and the records.
func rawRecords(t *testing.T, path string) (map[string]int, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	return col, recs[1:]
}

// TestFileAPIFields checks, for every Azure test export, that each field
// the Azure billing API needs holds the raw cell of its column on every
// row (prices compared as exact rationals, an empty cell as null), and
// that a file without the column leaves the field empty.
func TestFileAPIFields(t *testing.T) {
	dir := filepath.Join(testdataDir(t), "azure")
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Azure test files (%v)", err)
	}
	// Which fields each file must carry, so that a header lookup that
	// silently finds nothing fails here instead of comparing "" to "".
	wantCols := map[string][]string{
		"EA_ActualCost_Small.csv":            {"MeterID", "ServiceFamily", "ProductOrderName", "CostCenter", "UnitPrice", "ListUnitPrice"},
		"EA_AmortizedCost_Small.csv":         {"MeterID", "ServiceFamily", "ProductOrderName", "CostCenter", "UnitPrice", "ListUnitPrice"},
		"EA_NoRows.csv":                      {"MeterID", "ServiceFamily", "ProductOrderName", "CostCenter", "UnitPrice", "ListUnitPrice"},
		"ea-v2-camel-case.csv":               {"MeterID", "ServiceFamily", "ProductOrderName", "CostCenter", "UnitPrice", "ListUnitPrice"},
		"ea-v2-cost-in-billing-currency.csv": {"MeterID", "ServiceFamily", "ProductOrderName", "CostCenter", "UnitPrice", "ListUnitPrice"},
		"legacy-camel-case.csv":              {"MeterID"},
		"legacy-pretax-cost.csv":             {"MeterID"},
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			want, ok := wantCols[name]
			if !ok {
				t.Fatalf("new test file %s: list its columns in wantCols", name)
			}
			col, recs := rawRecords(t, path)
			items := readItems(t, path, KindFromName(name))
			if len(items) != len(recs) {
				t.Fatalf("%d items for %d raw rows", len(items), len(recs))
			}
			for _, f := range apiFields {
				at := -1
				for _, h := range f.headers {
					if i, ok := col[h]; ok {
						at = i
						break
					}
				}
				if has := at >= 0; has != contains(want, f.name) {
					t.Fatalf("%s column present = %v, wantCols says %v", f.name, has, !has)
				}
				nonEmpty := 0
				for i, li := range items {
					raw := ""
					if at >= 0 {
						raw = strings.TrimSpace(recs[i][at])
					}
					if raw != "" {
						nonEmpty++
					}
					if f.text != nil {
						if got := f.text(&li); got != raw {
							t.Errorf("row %d %s = %q, raw %q", i+2, f.name, got, raw)
						}
						continue
					}
					samePrice(t, name, i+2, f.name, f.price(&li), raw)
				}
				if at >= 0 && len(recs) > 0 && nonEmpty == 0 && f.name != "CostCenter" && f.name != "ProductOrderName" {
					t.Errorf("%s: every raw cell is empty; the test proves nothing", f.name)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// samePrice compares a parsed price with its raw cell as exact rationals.
func samePrice(t *testing.T, file string, line int, field string, got decimal.NullDecimal, raw string) {
	t.Helper()
	if raw == "" {
		if got.Valid {
			t.Errorf("%s:%d %s = %s, want null for an empty cell", file, line, field, got.Decimal)
		}
		return
	}
	want, ok := new(big.Rat).SetString(raw)
	if !ok {
		t.Fatalf("%s:%d raw %s %q does not parse", file, line, field, raw)
	}
	if !got.Valid || got.Decimal.Rat().Cmp(want) != 0 {
		t.Errorf("%s:%d %s = %v, want %s", file, line, field, got, raw)
	}
}

// TestFileAPIFieldValues pins known rows of the real exports with literal
// values, so that a reader and a raw reading that agree on a wrong column
// would still fail.
func TestFileAPIFieldValues(t *testing.T) {
	dir := filepath.Join(testdataDir(t), "azure")
	tests := []struct {
		file                                         string
		row                                          int
		meterID, family, orderName, costCenter, unit string
		unitPrice, listPrice                         string // "" is null
	}{
		{"EA_ActualCost_Small.csv", 0, "f31064a2-ed95-4e11-8b69-270f2fc4fbdd", "Compute",
			"Reserved VM Instance, Standard_B1s, UK South, 3 Years", "acm9000", "1 Hour", "3.25", "0"},
		{"EA_AmortizedCost_Small.csv", 1, "2c57ed84-f939-4f5c-ba90-782349a367b8", "Compute",
			"Compute savings plan, 3 Years", "ACM9000", "1 Hour", "0.0416", "0.0416"},
		{"ea-v2-camel-case.csv", 0, "469a7d8f-36f1-4a99-a884-6eb97643be2c", "Storage",
			"Azure plan", "", "1 GB/Month", "0.0589", "0.0589"}, // raw unitPrice 0.05890
		{"ea-v2-cost-in-billing-currency.csv", 3, "2a9755a9-6326-4b6d-bf7b-a123e5766b59", "Compute",
			"", "", "100000000", "0.44422", "0"},
		{"legacy-camel-case.csv", 1, "42e2a22f-fabf-41ea-a21e-e86bb3ff5799", "", "", "", "", "", ""},
		{"legacy-pretax-cost.csv", 0, "0fc067a1-65d2-46da-b24b-7a9cbe2c69bd", "", "", "", "", "", ""},
	}
	for _, tc := range tests {
		li := readItems(t, filepath.Join(dir, tc.file), KindFromName(tc.file))[tc.row]
		at := fmt.Sprintf("%s row %d", tc.file, tc.row)
		check(t, at+" MeterID", li.MeterID, tc.meterID)
		check(t, at+" ServiceFamily", li.ServiceFamily, tc.family)
		check(t, at+" ProductOrderName", li.ProductOrderName, tc.orderName)
		check(t, at+" CostCenter", li.CostCenter, tc.costCenter)
		// UnitOfMeasure is kept in PricingUnit and ConsumedUnit.
		check(t, at+" PricingUnit", li.PricingUnit, tc.unit)
		check(t, at+" ConsumedUnit", li.ConsumedUnit, tc.unit)
		check(t, at+" UnitPrice", nullString(li.UnitPrice), tc.unitPrice)
		check(t, at+" ListUnitPrice", nullString(li.ListUnitPrice), tc.listPrice)
		// No test export is a partner (MPA) file: no customer.
		check(t, at+" CustomerID", li.CustomerID, "")
		check(t, at+" CustomerName", li.CustomerName, "")
	}
}

func nullString(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

// TestPartnerLayoutFields maps one MPA row (§6.5) under its camelCase
// export spelling and the PascalCase one, and an EA row without customer
// columns.
func TestPartnerLayoutFields(t *testing.T) {
	tests := []struct {
		layout  string
		header  []string
		values  []string
		want    [8]string // CustomerID, CustomerName, CostCenter, MeterID, ServiceFamily, ProductOrderName, UnitPrice, ListUnitPrice
		wantCur string
	}{
		{
			layout: "MPA camelCase",
			header: []string{"customerTenantId", "customerName", "costCenter", "date", "serviceFamily", "productOrderName", "meterId",
				"SubscriptionId", "billingCurrency", "costInBillingCurrency", "costInUsd", "quantity", "unitOfMeasure", "unitPrice", "PayGPrice"},
			values: []string{"c0ffee00-1111-2222-3333-444455556666", "Contoso Ltd", "CC-42", "09/21/2023", "Networking", "Azure plan",
				"9995d93a-7d35-4d3f-9c69-7a7fea447ef4", "sub-1", "EUR", "1.5", "1.6", "3", "1 GB", "0.0000012345678901234", "0.6"},
			want:    [8]string{"c0ffee00-1111-2222-3333-444455556666", "Contoso Ltd", "CC-42", "9995d93a-7d35-4d3f-9c69-7a7fea447ef4", "Networking", "Azure plan", "0.0000012345678901234", "0.6"},
			wantCur: "EUR",
		},
		{
			layout: "MPA PascalCase, empty prices",
			header: []string{"CustomerTenantId", "CustomerName", "CostCenter", "Date", "ServiceFamily", "ProductOrderName", "MeterId",
				"SubscriptionId", "BillingCurrency", "CostInBillingCurrency", "CostInUsd", "Quantity", "UnitOfMeasure", "UnitPrice", "PayGPrice"},
			values: []string{"t-2", "", "", "2023-09-21", "Compute", "", "m-2", "sub-2", "USD", "2", "2", "1", "1 Hour", "", ""},
			want:   [8]string{"t-2", "", "", "m-2", "Compute", "", "", ""},
		},
		{
			layout: "MCA 2019-10-01 MarketPrice",
			header: []string{"SubscriptionGuid", "Date", "CostInBillingCurrency", "Quantity", "UnitPrice", "MarketPrice", "MeterId"},
			values: []string{"sub-3", "09/21/2023", "1", "1", "0.9", "1", "m-3"},
			want:   [8]string{"", "", "", "m-3", "", "", "0.9", "1"},
		},
		{
			layout: "EA without customer columns",
			header: []string{"SubscriptionId", "Date", "CostInBillingCurrency", "CostCenter", "MeterId", "ServiceFamily", "ProductOrderName"},
			values: []string{"sub-4", "09/21/2023", "1", " 1234 ", "m-4", "Storage", "Azure plan"},
			want:   [8]string{"", "", "1234", "m-4", "Storage", "Azure plan", "", ""},
		},
	}
	for _, tc := range tests {
		li := mustMap(t, tc.header, tc.values, KindAuto)
		got := [8]string{li.CustomerID, li.CustomerName, li.CostCenter, li.MeterID, li.ServiceFamily, li.ProductOrderName,
			nullString(li.UnitPrice), nullString(li.ListUnitPrice)}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.layout, got, tc.want)
		}
		if tc.wantCur != "" {
			check(t, tc.layout+" BillingCurrency", li.BillingCurrency, tc.wantCur)
		}
	}
}

// TestPriceCellErrors: a price that is not a number fails the row with
// an error naming the column as the file spells it, also where the
// metric rules would not have read it (no quantity).
func TestPriceCellErrors(t *testing.T) {
	tests := []struct {
		header []string
		values []string
		column string
	}{
		{[]string{"SubscriptionId", "Date", "Cost", "UnitPrice"}, []string{"s", "09/21/2023", "1", "n/a"}, "UnitPrice"},
		{[]string{"SubscriptionId", "Date", "Cost", "unitPrice"}, []string{"s", "09/21/2023", "1", "1,5"}, "unitPrice"},
		{[]string{"SubscriptionId", "Date", "Cost", "PayGPrice"}, []string{"s", "09/21/2023", "1", "$1"}, "PayGPrice"},
		{[]string{"SubscriptionId", "Date", "Cost", "payGPrice"}, []string{"s", "09/21/2023", "1", "1e40"}, "payGPrice"},
		{[]string{"SubscriptionId", "Date", "Cost", "MarketPrice"}, []string{"s", "09/21/2023", "1", "x"}, "MarketPrice"},
	}
	for _, tc := range tests {
		_, err := mapRow(t, tc.header, tc.values, KindActual)
		var pe *tabular.ParseError
		if !errors.As(err, &pe) || pe.Column != tc.column || pe.Line != 2 || !errors.Is(err, cost.ErrInvalid) {
			t.Errorf("%s %q: err = %v, want a ParseError on column %s wrapping ErrInvalid", tc.column, tc.values[3], err, tc.column)
		}
	}
}

// TestReuseAPIFields: a reused item keeps nothing of the previous row.
func TestReuseAPIFields(t *testing.T) {
	header := []string{"SubscriptionId", "Date", "Cost", "customerTenantId", "costCenter", "meterId", "unitPrice", "payGPrice"}
	m, err := NewMapper(header, KindActual)
	if err != nil {
		t.Fatal(err)
	}
	var li cost.LineItem
	if err := m.Map(&tabular.Row{File: "f", Line: 2, Values: []string{"a", "09/01/2023", "1", "t", "cc", "m", "1", "2"}}, &li); err != nil {
		t.Fatal(err)
	}
	li.Reset()
	if err := m.Map(&tabular.Row{File: "f", Line: 3, Values: []string{"b", "09/02/2023", "2", "", "", "", "", ""}}, &li); err != nil {
		t.Fatal(err)
	}
	if li.CustomerID != "" || li.CostCenter != "" || li.MeterID != "" || li.UnitPrice.Valid || li.ListUnitPrice.Valid {
		t.Errorf("second row kept fields of the first: %+v", li)
	}
}
