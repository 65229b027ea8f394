package azurebilling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
)

// A restated export: Azure writes the month to date every day, restating
// earlier days, and each run is a snapshot. The test describes the runs
// as data, loads them, and computes what every endpoint must answer from
// the same data by the documented rule (§7.1, §7.3), independently of the
// engine: without a date, each source's newest run; with date=D, for each
// subscription the newest run holding D, rows of D only.

type restatedRow struct {
	sub, rg, category string
	day               int
	cost              string
}

type restatedRun struct {
	source, id string
	report     int // report date: March <report>
	rows       []restatedRow
}

var restatedRuns = []restatedRun{
	{"azure-daily", "d1", 1, []restatedRow{
		{"sub-a", "rg-a", "Virtual Machines", 1, "1.10"},
		{"sub-a", "rg-b", "Storage", 1, "0.20"},
	}},
	{"azure-other", "o1", 1, []restatedRow{
		{"sub-b", "rg-c", "Virtual Machines", 1, "100"},
	}},
	{"azure-daily", "d2", 2, []restatedRow{
		{"sub-a", "rg-a", "Virtual Machines", 1, "7.25"}, // restated
		{"sub-a", "rg-b", "Storage", 1, "0.2"},
		{"sub-a", "rg-a", "Virtual Machines", 2, "2.5"},
	}},
	// The other source's newest run no longer holds March 1: a dated
	// query still finds it in the run before.
	{"azure-other", "o2", 2, []restatedRow{
		{"sub-b", "rg-c", "Virtual Machines", 2, "200.005"},
	}},
	{"azure-daily", "d3", 3, []restatedRow{
		{"sub-a", "rg-a", "Virtual Machines", 1, "7.25"},
		{"sub-a", "rg-b", "Storage", 1, "0.3"}, // restated again
		{"sub-a", "rg-a", "Virtual Machines", 2, "5.125"},
		{"sub-a", "rg-a", "Virtual Machines", 3, "3.3333"},
		{"sub-c", "rg-a", "Storage", 3, "0.0001"}, // a subscription new in this run
	}},
}

// restatedServer loads restatedRuns, then a failed run that must never be
// read.
func restatedServer(t *testing.T) *httptest.Server {
	t.Helper()
	st := openStore(t)
	for _, r := range restatedRuns {
		var items []*cost.LineItem
		for _, row := range r.rows {
			li := item(row.sub, row.day, row.cost)
			li.ResourceGroup, li.MeterCategory = row.rg, row.category
			items = append(items, li)
		}
		loadRun(t, st, r.source, r.id, day(r.report), items...)
	}
	imp, err := st.BeginImport(context.Background(), store.ImportSpec{Source: "azure-daily", Provider: "azure"})
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.Append(item("sub-a", 1, "1000")); err != nil {
		t.Fatal(err)
	}
	imp.Fail(context.Background(), errors.New("broken export"))
	return serve(t, st)
}

// selected returns the rows the documented rule reads, with their runs:
// d == 0 is the undated rule.
func selected(d int) (rows []restatedRow, runs map[string]bool) {
	runs = map[string]bool{}
	if d == 0 {
		newest := map[string]restatedRun{}
		for _, r := range restatedRuns {
			newest[r.source] = r
		}
		for _, r := range newest {
			rows = append(rows, r.rows...)
			runs[r.id] = true
		}
		return rows, runs
	}
	newest := map[string]restatedRun{} // by subscription
	for _, r := range restatedRuns {
		for _, row := range r.rows {
			if row.day == d {
				newest[row.sub] = r
			}
		}
	}
	for sub, r := range newest {
		for _, row := range r.rows {
			if row.sub == sub && row.day == d {
				rows = append(rows, row)
				runs[r.id] = true
			}
		}
	}
	return rows, runs
}

// sums totals rows by key, as text of exact decimals.
func sums(rows []restatedRow, key func(restatedRow) string) map[string]string {
	acc := map[string]decimal.Decimal{}
	for _, r := range rows {
		acc[key(r)] = acc[key(r)].Add(decimal.RequireFromString(r.cost))
	}
	out := map[string]string{}
	for k, v := range acc {
		out[k] = v.String()
	}
	return out
}

// numbers reads a list of rows into key → exact total.
func numbers(t *testing.T, rows []map[string]any, keyName, totalName string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range rows {
		n, ok := r[totalName].(json.Number)
		if !ok {
			t.Fatalf("%s of %v is not a number", totalName, r)
		}
		out[fmt.Sprint(r[keyName])] = decimal.RequireFromString(n.String()).String()
	}
	return out
}

func sameTotals(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestRestatement(t *testing.T) {
	srv := restatedServer(t)
	// The undated totals spelled out once, so that the computed
	// expectations are themselves checked: sub-a's newest run, 7.25 + 0.3
	// + 5.125 + 3.3333; sub-b's, 200.005.
	if want := sums(mustRows(selected(0)), func(r restatedRow) string { return r.sub }); want["sub-a"] != "16.0083" || want["sub-b"] != "200.005" {
		t.Fatalf("the test's own expectation is off: %v", want)
	}
	for _, d := range []int{0, 1, 2, 3, 4} {
		t.Run(fmt.Sprintf("day%d", d), func(t *testing.T) {
			rows, runs := selected(d)
			q := ""
			if d != 0 {
				q = fmt.Sprintf("date=2024-03-%02d", d)
			}
			bySub := func(r restatedRow) string { return r.sub }
			byName := func(r restatedRow) string { return strings.ToUpper(r.sub[:1]) + r.sub[1:] }

			var env struct {
				Date            any              `json:"date"`
				Queried         json.Number      `json:"sources_queried"`
				Included        json.Number      `json:"sources_included"`
				Missing         []map[string]any `json:"sources_missing"`
				Data            []map[string]any `json:"data"`
				ResourceGroup   string           `json:"resource_group"`
				TotalResources  json.Number      `json:"total_resources"`
				AvailableDates  []string         `json:"available_dates"`
				AvailableReport []string         `json:"available_report_dates"`
			}
			summary := func(name string) {
				t.Helper()
				env.Data = nil
				decode(t, get(t, srv, Prefix+"costs/"+name+"/?"+q), &env)
			}
			summary("subscription-summary")
			sameTotals(t, "subscription-summary", numbers(t, env.Data, "subscription_id", "total_usd"), sums(rows, bySub))
			sameTotals(t, "subscription-summary total_billing", numbers(t, env.Data, "subscription_id", "total_billing"), sums(rows, bySub))
			// Sources: the daily source holds every day 1-3, the other only
			// days 1 and 2; nobody holds day 4.
			contributing := map[string]bool{}
			for _, r := range restatedRuns {
				if runs[r.id] {
					contributing[r.source] = true
				}
			}
			if env.Queried.String() != "2" || env.Included.String() != fmt.Sprint(len(contributing)) || len(env.Missing) != 2-len(contributing) {
				t.Errorf("sources: queried %s, included %s, missing %v; want 2, %d", env.Queried, env.Included, env.Missing, len(contributing))
			}
			for _, m := range env.Missing {
				want := "no snapshot for date"
				if contributing[fmt.Sprint(m["name"])] || m["reason"] != want {
					t.Errorf("missing %v, want reason %q for a source without rows", m, want)
				}
			}

			summary("resource-group-summary")
			sameTotals(t, "resource-group-summary", numbers(t, env.Data, "resource_group", "total_usd"), sums(rows, func(r restatedRow) string { return r.rg }))
			summary("meter-category-summary")
			sameTotals(t, "meter-category-summary", numbers(t, env.Data, "meter_category", "total_usd"), sums(rows, func(r restatedRow) string { return r.category }))
			summary("virtual-machines-summary")
			var vms []restatedRow
			for _, r := range rows {
				if r.category == "Virtual Machines" {
					vms = append(vms, r)
				}
			}
			sameTotals(t, "virtual-machines-summary", numbers(t, env.Data, "subscription_id", "total_usd"), sums(vms, bySub))

			var inRG []restatedRow
			for _, r := range rows {
				if r.rg == "rg-a" {
					inRG = append(inRG, r)
				}
			}
			decode(t, get(t, srv, Prefix+"costs/resource-group-totals/?resource_group=RG-A&"+q), &env)
			total := decimal.Zero
			for _, v := range numbers(t, env.Data, "resource_id", "total_usd") {
				total = total.Add(decimal.RequireFromString(v))
			}
			if want := sumCosts(inRG); !total.Equal(want) {
				t.Errorf("resource-group-totals = %s, want %s", total, want)
			}

			// The aggregate honours the same rule: no restated day twice.
			var agg []map[string]any
			decode(t, get(t, srv, Prefix+"cost-entries/aggregate/?group_by=subscriptionName&"+q), &agg)
			sameTotals(t, "aggregate", numbers(t, agg, "subscription__name", "total_cost"), sums(rows, byName))

			// Cost entries list exactly the selected rows of the selected
			// runs.
			var entries []struct {
				Cost     string `json:"cost_in_usd"`
				Date     string `json:"date"`
				Snapshot struct {
					RunID string `json:"run_id"`
				} `json:"snapshot"`
				Subscription struct {
					ID string `json:"subscription_id"`
				} `json:"subscription"`
			}
			decode(t, get(t, srv, Prefix+"cost-entries/?"+q), &entries)
			var got, want []string
			for _, e := range entries {
				if !runs[e.Snapshot.RunID] {
					t.Errorf("an entry of run %s, want only %v", e.Snapshot.RunID, runs)
				}
				got = append(got, e.Subscription.ID+" "+e.Date+" "+e.Cost)
			}
			for _, r := range rows {
				want = append(want, fmt.Sprintf("%s 2024-03-%02d %s", r.sub, r.day, decimal.RequireFromString(r.cost).StringFixed(4)))
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("cost entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func mustRows(rows []restatedRow, _ map[string]bool) []restatedRow { return rows }

func sumCosts(rows []restatedRow) decimal.Decimal {
	s := decimal.Zero
	for _, r := range rows {
		s = s.Add(decimal.RequireFromString(r.cost))
	}
	return s
}

// TestRestatedDates: the days with data are those of the newest runs;
// report dates are every complete run's, once each, the failed run's
// never.
func TestRestatedDates(t *testing.T) {
	srv := restatedServer(t)
	var got struct {
		Dates   []string `json:"available_dates"`
		Reports []string `json:"available_report_dates"`
	}
	decode(t, get(t, srv, Prefix+"costs/available-report-dates/?month=2024-03"), &got)
	decode(t, get(t, srv, Prefix+"reports/available-report-dates/"), &got)
	if fmt.Sprint(got.Dates) != "[2024-03-01 2024-03-02 2024-03-03]" || fmt.Sprint(got.Reports) != "[2024-03-01 2024-03-02 2024-03-03]" {
		t.Errorf("dates %v, report dates %v", got.Dates, got.Reports)
	}
}
