package focus

import (
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// TestSamplePrices checks UnitPrice = ContractedUnitPrice and
// ListUnitPrice = ListUnitPrice on every row of the sample, exactly, with
// NULL as null; and that the sample, which has none of Microsoft's x_
// columns, leaves the Azure fields empty.
func TestSamplePrices(t *testing.T) {
	col, recs := rawSample(t)
	items := readSampleCSV(t)
	if len(items) != len(recs) {
		t.Fatalf("%d items for %d rows", len(items), len(recs))
	}
	nulls, values := 0, 0
	for i, li := range items {
		for _, p := range []struct {
			column string
			got    decimal.NullDecimal
		}{{"ContractedUnitPrice", li.UnitPrice}, {"ListUnitPrice", li.ListUnitPrice}} {
			raw := recs[i][col[p.column]]
			if raw == "NULL" {
				nulls++
				if p.got.Valid {
					t.Errorf("row %d %s = %s, want null", i+2, p.column, p.got.Decimal)
				}
				continue
			}
			values++
			want, ok := new(big.Rat).SetString(raw)
			if !ok {
				t.Fatalf("row %d raw %s %q", i+2, p.column, raw)
			}
			if !p.got.Valid || p.got.Decimal.Rat().Cmp(want) != 0 {
				t.Errorf("row %d %s = %v, want %s", i+2, p.column, p.got, raw)
			}
		}
		if li.MeterID != "" || li.ServiceFamily != "" || li.ProductOrderName != "" || li.CostCenter != "" ||
			li.CustomerID != "" || li.CustomerName != "" {
			t.Fatalf("row %d: Azure fields set without x_ columns: %+v", i+2, li)
		}
	}
	// The sample has 7 NULL contracted and 1 NULL list prices.
	if nulls != 8 || values != 2*len(recs)-8 {
		t.Errorf("%d null and %d valued prices, want 8 and %d", nulls, values, 2*len(recs)-8)
	}
	// Row 2 (the first): AWS SQS at 0.0000004 list, 0 contracted.
	if got := items[0].ListUnitPrice; !got.Valid || got.Decimal.String() != "0.0000004" {
		t.Errorf("first row ListUnitPrice = %v, want 0.0000004", got)
	}
	if got := items[0].UnitPrice; !got.Valid || !got.Decimal.IsZero() {
		t.Errorf("first row UnitPrice = %v, want 0", got)
	}
}

// TestMicrosoftAPIColumns maps Microsoft FOCUS export rows with the x_
// columns the Azure billing API needs (azure-billing.md §10.1) and the
// root account (x_BillingAccountId, Kubecost's invoice entity), in the
// export's spelling and the snake_case one, with NULL cells.
func TestMicrosoftAPIColumns(t *testing.T) {
	type fields struct {
		customerID, customerName, costCenter, meterID, family, order, unitPrice, listPrice string
		billingAccount, rootID, rootName                                                   string
	}
	get := func(li cost.LineItem) fields {
		ns := func(d decimal.NullDecimal) string {
			if !d.Valid {
				return "null"
			}
			return d.Decimal.String()
		}
		return fields{li.CustomerID, li.CustomerName, li.CostCenter, li.MeterID, li.ServiceFamily, li.ProductOrderName,
			ns(li.UnitPrice), ns(li.ListUnitPrice), li.BillingAccountID, li.RootAccountID, li.RootAccountName}
	}
	tests := []struct {
		name  string
		cells map[string]string
		want  fields
	}{
		{"Microsoft 1.2 export", map[string]string{
			"ProviderName": "Microsoft", "x_CustomerId": "c0ffee00-1111", "x_CustomerName": "Contoso",
			"x_CostCenter": "CC-42", "x_SkuMeterId": "9995d93a-7d35-4d3f-9c69-7a7fea447ef4",
			"x_SkuServiceFamily": "Networking", "x_SkuOrderName": "Azure plan",
			"ContractedUnitPrice": "0.000001234567890123456789", "ListUnitPrice": "0.6",
			// MCA: BillingAccountId is the billing profile, the account above it x_.
			"BillingAccountId": "NF5V-BI6B-BG7-PGB", "x_BillingAccountId": "3c100a8a-215e", "x_BillingAccountName": "Red Hat"},
			fields{"c0ffee00-1111", "Contoso", "CC-42", "9995d93a-7d35-4d3f-9c69-7a7fea447ef4", "Networking", "Azure plan",
				"0.000001234567890123456789", "0.6", "NF5V-BI6B-BG7-PGB", "3c100a8a-215e", "Red Hat"}},
		{"snake_case warehouse", map[string]string{
			"provider_name": "Microsoft", "x_customer_id": "t-2", "x_customer_name": "Fabrikam", "x_cost_center": "7",
			"x_sku_meter_id": "m-2", "x_sku_service_family": "Compute", "x_sku_order_name": "Reserved VM Instance",
			"contracted_unit_price": "1", "list_unit_price": "2.5", "x_billing_account_id": "acct-2", "x_billing_account_name": "Acct Two"},
			fields{"t-2", "Fabrikam", "7", "m-2", "Compute", "Reserved VM Instance", "1", "2.5", "", "acct-2", "Acct Two"}},
		{"NULL cells", map[string]string{
			"ProviderName": "Microsoft", "x_CustomerId": "NULL", "x_CustomerName": "null", "x_CostCenter": "",
			"x_SkuMeterId": "NULL", "x_SkuServiceFamily": "NULL", "x_SkuOrderName": "NULL",
			"ContractedUnitPrice": "NULL", "ListUnitPrice": "", "x_BillingAccountId": "NULL", "x_BillingAccountName": "NULL"},
			fields{unitPrice: "null", listPrice: "null"}},
		{"other provider without the columns", map[string]string{"ProviderName": "AWS"},
			fields{unitPrice: "null", listPrice: "null"}},
	}
	for _, tc := range tests {
		if got := get(mustMap(t, tc.cells)); got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestPriceErrors(t *testing.T) {
	tests := []struct {
		cells  map[string]string
		column string
	}{
		{map[string]string{"ContractedUnitPrice": "n/a"}, "ContractedUnitPrice"},
		{map[string]string{"ListUnitPrice": "1,5"}, "ListUnitPrice"},
		{map[string]string{"list_unit_price": "1e40"}, "list_unit_price"}, // too large to store
	}
	for _, tc := range tests {
		_, err := mapOne(t, tc.cells)
		if err == nil {
			t.Fatalf("Map(%v) succeeded", tc.cells)
		}
		checkCellError(t, err, tc.column)
	}
}
