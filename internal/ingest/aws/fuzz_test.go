package aws

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// cur2Sample is a CUR 2.0 CSV with map columns, for the fuzz corpus.
const cur2Sample = `bill_payer_account_id,line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_unblended_cost,line_item_net_unblended_cost,line_item_currency_code,line_item_product_code,pricing_public_on_demand_cost,reservation_effective_cost,savings_plan_savings_plan_effective_cost,product,resource_tags,cost_category,discount
1,2,SavingsPlanCoveredUsage,2024-03-01T00:00:00Z,2024-03-01T01:00:00Z,10,9,USD,AmazonEC2,10,,6,"{""region_code"":""us-east-1""}","{""user_team"":""a"",""aws_eks_cluster_name"":""c""}","{""env"":""prod""}","{""total_discount"":-1}"
1,2,DiscountedUsage,2024-03-01T00:00:00Z,2024-03-01T01:00:00Z,0,,EUR,AmazonRDS,3,1.5,,{},,,"{""bundled_discount"":-0.5}"
`

// FuzzMap maps CSV text through NewMapper and Map. Whatever the input,
// nothing panics; NewMapper fails only with ErrUnknownLayout; Map fails
// only with a cell error naming a column; a mapped item is an AWS item
// whose amounts fit the store and whose USD values follow the currency.
func FuzzMap(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(testdataDir(f), "aws", "*.csv"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(cur2Sample))
	f.Fuzz(func(t *testing.T, data []byte) {
		// encoding/csv with any row length, so that short rows (as in
		// cur-legacy-slash-columns.csv) reach Map.
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if err != nil {
			return
		}
		m, err := NewMapper(header)
		if err != nil {
			if !errors.Is(err, tabular.ErrUnknownLayout) {
				t.Fatalf("NewMapper: %v, want ErrUnknownLayout", err)
			}
			return
		}
		var li cost.LineItem
		for line := int64(2); line < 200; line++ {
			rec, err := cr.Read()
			if err != nil {
				return
			}
			li.Reset()
			err = m.Map(&tabular.Row{File: "fuzz.csv", Line: line, Values: rec}, &li)
			if err != nil {
				var pe *tabular.ParseError
				if !errors.As(err, &pe) || pe.Column == "" || pe.Line != line {
					t.Fatalf("Map error %v is not a cell error at line %d", err, line)
				}
				continue
			}
			if li.ProviderName != "AWS" || li.ChargeCategory == "" {
				t.Fatalf("item without provider or charge category: %+v", li)
			}
			for i, v := range li.Cost {
				if err := cost.CheckStorable(v); err != nil {
					t.Fatalf("%s = %s does not fit the store: %v", cost.Metric(i), v, err)
				}
				if usd := li.USD[i]; usd.Valid != (li.BillingCurrency == "USD") || (usd.Valid && !usd.Decimal.Equal(v)) {
					t.Fatalf("USD %s = %v for currency %q and cost %s", cost.Metric(i), usd, li.BillingCurrency, v)
				}
			}
		}
	})
}
