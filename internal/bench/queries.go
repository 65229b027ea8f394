package bench

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Query is one timed question: a GET through a dialect, a check of the
// answer's shape, and hand-written DuckDB SQL over RawTable that
// computes the same answer from the raw line items (the yardstick).
type Query struct {
	Name string // one word, dashes between: a cell of the report
	Path string // path and query string from the server's root
	// Check refuses an answer of the wrong shape (a benchmark timing
	// errors would flatter Tally); it is not timed.
	Check func(body []byte) error
	// Where selects the raw line items the question reads (with Args);
	// Raw is the yardstick SQL over them.
	Where string
	Args  []any
	Raw   string
	// RawRows is how many rows Raw must return; with AtLeast, the least.
	RawRows int
	AtLeast bool
}

// ReadSQL counts the raw line items the question reads.
func (q Query) ReadSQL() string { return `SELECT count(*) FROM ` + RawTable + ` WHERE ` + q.Where }

// CheckRaw refuses a yardstick that returned the wrong number of rows.
func (q Query) CheckRaw(n int) error {
	if n == q.RawRows || (q.AtLeast && n > q.RawRows) {
		return nil
	}
	return fmt.Errorf("%s: raw SQL returned %d rows, want %d", q.Name, n, q.RawRows)
}

const window = `charge_period_start >= ? AND charge_period_start < ?`

// kubecostSums are the five metrics and their Kubernetes parts that
// every /model/cloudCost item carries (cost and kubernetesPercent each).
func kubecostSums() string {
	var sums []string
	for _, m := range []string{"list_cost", "net_cost", "amortized_net_cost", "billed_cost", "amortized_cost"} {
		sums = append(sums, fmt.Sprintf("sum(%[1]s)::VARCHAR, sum(CASE WHEN kubernetes THEN %[1]s ELSE 0 END)::VARCHAR", m))
	}
	return strings.Join(sums, ", ")
}

// sets checks a /model/cloudCost answer of n daily sets.
func sets(n int) func([]byte) error {
	return func(body []byte) error {
		if k := strings.Count(string(body), `"cloudCosts":{`); k != n {
			return fmt.Errorf("%d sets, want %d", k, n)
		}
		return nil
	}
}

// CloudCostByService is Kubecost's /model/cloudCost for the 30 days from
// from, aggregated by service (one set per day), over synthetic AWS rows
// of 40 services.
func CloudCostByService(from time.Time) Query {
	to := from.AddDate(0, 0, 30)
	return Query{
		Name:    "kubecost-30d-by-service",
		Path:    fmt.Sprintf("/model/cloudCost?window=%s,%s&aggregate=service", from.Format(time.RFC3339), to.Format(time.RFC3339)),
		Check:   sets(30),
		Where:   window,
		Args:    []any{from, to},
		Raw:     `SELECT date_trunc('day', charge_period_start), service_name, ` + kubecostSums() + ` FROM ` + RawTable + ` WHERE ` + window + ` GROUP BY ALL ORDER BY 1, 2`,
		RawRows: 30 * 40,
	}
}

// CloudCostByLabel is the same question aggregated by the label team
// (twelve teams, a tag of every synthetic row; on an AWS item without
// user:team or user_team Kubecost's label is the tag itself), which the
// daily rollup does not keep: the DuckDB store's tag rollup answers (no
// synthetic item has the other two keys).
func CloudCostByLabel(from time.Time) Query {
	to := from.AddDate(0, 0, 30)
	return Query{
		Name:    "kubecost-30d-by-label",
		Path:    fmt.Sprintf("/model/cloudCost?window=%s,%s&aggregate=label:team", from.Format(time.RFC3339), to.Format(time.RFC3339)),
		Check:   sets(30),
		Where:   window,
		Args:    []any{from, to},
		Raw:     `SELECT date_trunc('day', charge_period_start), tags['team'], ` + kubecostSums() + ` FROM ` + RawTable + ` WHERE ` + window + ` GROUP BY ALL ORDER BY 1, 2`,
		RawRows: 30 * 12,
	}
}

// CostHistory is CloudHealth's cost history for the twelve months of
// 2024 by time × account × service category × the Environment
// perspective (id groupset), issue 21's benchmark: the server's clock
// must be in December 2024.
func CostHistory(groupset string) Query {
	return Query{
		Name: "cloudhealth-history-3d",
		Path: "/cloudhealth/olap_reports/cost/history?interval=monthly&measures[]=cost" +
			"&dimensions[]=time&dimensions[]=AWS-Account&dimensions[]=AWS-Service-Category&dimensions[]=Groupset-" + groupset,
		Check: func(body []byte) error {
			var report struct {
				Dimensions []map[string][]struct {
					Name string `json:"name"`
				} `json:"dimensions"`
			}
			if err := json.Unmarshal(body, &report); err != nil || len(report.Dimensions) != 4 {
				return fmt.Errorf("not a report of four dimensions: %v", err)
			}
			// Members with Total: 12 months, 25 accounts, 10 categories, 3 groups.
			for i, want := range []int{13, 26, 11, 4} {
				for _, ms := range report.Dimensions[i] {
					if len(ms) != want {
						return fmt.Errorf("dimension %d has %d members, want %d", i, len(ms), want)
					}
				}
			}
			return nil
		},
		Where: `charge_period_start >= TIMESTAMP '2024-01-01' AND charge_period_start < TIMESTAMP '2025-01-01'`,
		Raw: `SELECT date_trunc('month', charge_period_start), sub_account_id, service_category,
  CASE WHEN sub_account_id IN ('acct-0', 'acct-1', 'acct-2') THEN 'Production' WHEN region_id = 'region-3' THEN 'Staging' ELSE 'Other' END,
  sum(usd_billed_cost)::VARCHAR
FROM ` + RawTable + ` WHERE charge_period_start >= TIMESTAMP '2024-01-01' AND charge_period_start < TIMESTAMP '2025-01-01'
GROUP BY ALL`,
		// Accounts and categories are i%25 and i%10: 50 pairs a month.
		RawRows: 12 * 50, AtLeast: true,
	}
}

// AzureSummary is the Azure billing subscription summary of one day
// (date=): the day's rows of the snapshot holding it, summed in USD and
// in the billing currency per subscription (25).
func AzureSummary(day time.Time) Query {
	return Query{
		Name: "azure-summary-date",
		Path: "/azure-billing/api/costs/subscription-summary/?date=" + day.Format("2006-01-02"),
		Check: func(body []byte) error {
			var s struct {
				Data []json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(body, &s); err != nil {
				return err
			}
			if len(s.Data) != 25 {
				return fmt.Errorf("%d subscriptions, want 25", len(s.Data))
			}
			return nil
		},
		Where:   window,
		Args:    []any{day, day.AddDate(0, 0, 1)},
		Raw:     `SELECT sub_account_id, sub_account_name, sum(usd_billed_cost)::VARCHAR, sum(billed_cost)::VARCHAR FROM ` + RawTable + ` WHERE ` + window + ` GROUP BY ALL ORDER BY 3 DESC`,
		RawRows: 25,
	}
}

// CloudKittySummary is CloudKitty's v2 summary of [from, to) grouped by
// metric type and project (4 × 25 rows), the Horizon dashboard's
// question, over rated line items.
func CloudKittySummary(from, to time.Time) Query {
	v := url.Values{}
	v.Set("begin", from.Format(time.RFC3339))
	v.Set("end", to.Format(time.RFC3339))
	v.Add("groupby", "type")
	v.Add("groupby", "project_id")
	v.Set("response_format", "object")
	where := `provider_name = 'rating' AND ` + window
	return Query{
		Name: "cloudkitty-v2-summary",
		Path: "/cloudkitty/v2/summary?" + v.Encode(),
		Check: func(body []byte) error {
			var s struct {
				Total   int               `json:"total"`
				Results []json.RawMessage `json:"results"`
			}
			if err := json.Unmarshal(body, &s); err != nil {
				return err
			}
			if s.Total != 100 || len(s.Results) != 100 {
				return fmt.Errorf("total %d, %d results, want 100", s.Total, len(s.Results))
			}
			return nil
		},
		Where:   where,
		Args:    []any{from, to},
		Raw:     `SELECT service_name, sub_account_id, sum(consumed_quantity)::VARCHAR, sum(billed_cost)::VARCHAR FROM ` + RawTable + ` WHERE ` + where + ` GROUP BY ALL ORDER BY 1, 2`,
		RawRows: 100,
	}
}
