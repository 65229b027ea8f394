package native

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/budget"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// dailyHistory is 100 days of account 333 (2024-01-01 to 2024-04-09,
// the day before the tests' now): service Steady costs about 100 on
// weekdays and 40 at weekends, service Spiky 10 a day but 95.5 on
// Friday 5 April (the seeded anomaly); and account 444, billed in EUR,
// 5 a day in April.
func dailyHistory() []*cost.LineItem {
	var out []*cost.LineItem
	for d := storetest.Day(1, 1); d.Before(storetest.Day(4, 10)); d = d.AddDate(0, 0, 1) {
		i := int(d.Sub(storetest.Day(1, 1)) / day)
		steady := fmt.Sprintf("%d.%02d", 100+i%5, (i*37)%100)
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			steady = fmt.Sprintf("40.%02d", (i*13)%100)
		}
		spiky := "10"
		if d.Equal(storetest.Day(4, 5)) {
			spiky = "95.5"
		}
		out = append(out, storetest.Item("333", "Steady", d, steady), storetest.Item("333", "Spiky", d, spiky))
		if d.Month() == time.April {
			e := storetest.Item("444", "Steady", d, "5")
			e.BillingCurrency = "EUR"
			out = append(out, e)
		}
	}
	return out
}

// newBudgetServer is newServer's data plus dailyHistory, with budgets.
func newBudgetServer(t *testing.T) (*httptest.Server, *tenant.Service) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storetest.Load(t, st, "daily", dailyHistory()...)
	tenants, err := tenant.Open(ctx, &tenant.MemRepo{})
	if err != nil {
		t.Fatal(err)
	}
	book, err := budget.Open(ctx, st, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	api := New(engine.New(st), tenants, nil)
	api.SetBudgets(book)
	api.SetClock(func() time.Time { return now })
	mux := http.NewServeMux()
	api.Register(mux)
	return serveAs(t, tenants, mux), tenants
}

// TestBudgetsEndpoints walks budgets through the native API (create,
// list, get, status, replace, delete, validation) and checks that an
// organization scoped to account 444 neither sees the default
// organization's budgets nor, through its own, account 333's costs.
func TestBudgetsEndpoints(t *testing.T) {
	srv, tenants := newBudgetServer(t)
	editorB, viewerB := otherOrg(t, tenants, "Euro team", "444")
	runCRUD(t, srv, []crudCase{
		{"budgets_create", "", "POST", "/api/v1/budgets", `{"name":"Steady service","filter":"service:\"Steady\"","amount":"2000","currency":"usd","thresholds":[100,50,80]}`, 201},
		{"budgets_create_all", "", "POST", "/api/v1/budgets", `{"name":"Everything","amount":"2500.50","currency":"USD","metric":"amortized"}`, 201},
		{"budgets_create_eur", "", "POST", "/api/v1/budgets", `{"name":"Euro bills","amount":"100","currency":"EUR","thresholds":[25]}`, 201},
		{"error_budgets_no_amount", "", "POST", "/api/v1/budgets", `{"name":"x","currency":"USD"}`, 400},
		{"error_budgets_amount_number", "", "POST", "/api/v1/budgets", `{"name":"x","amount":12,"currency":"USD"}`, 400},
		{"error_budgets_bad_amount", "", "POST", "/api/v1/budgets", `{"name":"x","amount":"-1","currency":"USD"}`, 400},
		{"error_budgets_bad_filter", "", "POST", "/api/v1/budgets", `{"name":"x","amount":"1","currency":"USD","filter":"service:\"Steady"}`, 400},
		{"error_budgets_bad_currency", "", "POST", "/api/v1/budgets", `{"name":"x","amount":"1","currency":"dollars"}`, 400},
		{"error_budgets_bad_threshold", "", "POST", "/api/v1/budgets", `{"name":"x","amount":"1","currency":"USD","thresholds":[0]}`, 400},
		{"error_budgets_unknown_field", "", "POST", "/api/v1/budgets", `{"name":"x","amount":"1","currency":"USD","owner":2}`, 400},
		{"budgets_list", "", "GET", "/api/v1/budgets", "", 200},
		{"budgets_get", "", "GET", "/api/v1/budgets/1", "", 200},
		{"budgets_status", "", "GET", "/api/v1/budgets/1/status", "", 200},
		{"budgets_status_all", "", "GET", "/api/v1/budgets/2/status", "", 200},
		{"budgets_status_eur", "", "GET", "/api/v1/budgets/3/status", "", 200},
		{"error_budgets_status_param", "", "GET", "/api/v1/budgets/1/status?month=2024-03", "", 400},
		{"error_budgets_get_unknown", "", "GET", "/api/v1/budgets/9", "", 404},
		{"budgets_put", "", "PUT", "/api/v1/budgets/2", `{"name":"Everything, smaller","amount":"1500","currency":"USD","thresholds":[90]}`, 200},
		{"budgets_delete", "", "DELETE", "/api/v1/budgets/2", "", 204},
		{"error_budgets_delete_again", "", "DELETE", "/api/v1/budgets/2", "", 404},

		// Organization B (account 444 only): its viewer may not create; its
		// editor's budget over every service sees only 444's euros.
		{"error_budgets_viewer_forbidden", viewerB, "POST", "/api/v1/budgets", `{"name":"x","amount":"1","currency":"EUR"}`, 403},
		{"budgets_create_org_b", editorB, "POST", "/api/v1/budgets", `{"name":"All of B","amount":"100","currency":"EUR"}`, 201},
		{"budgets_list_org_b", viewerB, "GET", "/api/v1/budgets", "", 200},
		{"budgets_status_org_b", viewerB, "GET", "/api/v1/budgets/4/status", "", 200},
		{"error_budgets_get_other_org", editorB, "GET", "/api/v1/budgets/1", "", 404},
		{"error_budgets_status_other_org", editorB, "GET", "/api/v1/budgets/1/status", "", 404},
		{"error_budgets_put_other_org", editorB, "PUT", "/api/v1/budgets/1", `{"name":"Mine","amount":"1","currency":"USD"}`, 404},
		{"error_budgets_delete_other_org", editorB, "DELETE", "/api/v1/budgets/1", "", 404},
		{"budgets_list_admin", "", "GET", "/api/v1/budgets", "", 200},

		{"forecast_month", "", "GET", "/api/v1/forecast", "", 200},
		{"forecast_filter", "", "GET", `/api/v1/forecast?filter=service:"Steady"&window=month&metric=billed`, "", 200},
		{"forecast_future", "", "GET", `/api/v1/forecast?window=2024-05-01,2024-05-08&currency=usd&history=28`, "", 200},
		{"forecast_past", "", "GET", `/api/v1/forecast?window=2024-03-25,2024-04-01&filter=service:"Spiky"`, "", 200},
		{"forecast_org_b", viewerB, "GET", "/api/v1/forecast", "", 200},
		{"error_forecast_param", "", "GET", "/api/v1/forecast?horizon=7", "", 400},
		{"error_forecast_history", "", "GET", "/api/v1/forecast?history=0", "", 400},
		{"error_forecast_window", "", "GET", "/api/v1/forecast?window=2020-01-01,2024-01-01", "", 400},
		{"error_forecast_metric", "", "GET", "/api/v1/forecast?metric=cheapest", "", 400},

		{"anomalies_default", "", "GET", "/api/v1/anomalies", "", 200},
		{"anomalies_by_account", "", "GET", "/api/v1/anomalies?window=2024-04-01,2024-04-10&groupBy=subAccountId", "", 200},
		{"anomalies_filter", "", "GET", `/api/v1/anomalies?window=14d&groupBy=service,subAccountId&filter=service:"Spiky"&metric=net`, "", 200},
		{"anomalies_org_b", viewerB, "GET", "/api/v1/anomalies?window=30d", "", 200},
		{"error_anomalies_group", "", "GET", "/api/v1/anomalies?groupBy=colour", "", 400},
		{"error_anomalies_window", "", "GET", "/api/v1/anomalies?window=yesteryear", "", 400},
		{"error_anomalies_currency", "", "GET", "/api/v1/anomalies?currency=GBP", "", 400},
	})
}

// TestSeededAnomaly: the seeded spike of dailyHistory is found with its
// exact cost, expected value and difference, and so is the first day of
// account 444's euros (new spend); nothing else is flagged in April: the
// weekend dips of Steady are not anomalies, nor are 444's later days.
func TestSeededAnomaly(t *testing.T) {
	srv, _ := newBudgetServer(t)
	_, body := call(t, srv, "", "GET", "/api/v1/anomalies?window=2024-04-01,2024-04-10", "")
	var res anomaliesResponse
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Data) != 2 {
		t.Fatalf("anomalies = %+v", res.Data)
	}
	if a := res.Data[0]; a.Date != "2024-04-01" || a.Group["service"] != "Steady" || a.Currency != "EUR" || a.Expected != "0" || a.Difference != "5" {
		t.Errorf("new spend = %+v", a)
	}
	a := res.Data[1]
	if a.Date != "2024-04-05" || a.Group["service"] != "Spiky" || a.Cost != "95.5" || a.Expected != "10" || a.Difference != "85.5" || a.Currency != "USD" {
		t.Errorf("anomaly = %+v", a)
	}
}

// TestBudgetStatusSums: a budget's spend is the exact sum of its month's
// days, computed here from dailyHistory, and the projection adds the
// forecast to it.
func TestBudgetStatusSums(t *testing.T) {
	srv, _ := newBudgetServer(t)
	code, out := call(t, srv, "", "POST", "/api/v1/budgets", `{"name":"Steady","filter":"service:\"Steady\"","amount":"1000","currency":"USD"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, out)
	}
	_, body := call(t, srv, "", "GET", "/api/v1/budgets/1/status", "")
	var st struct {
		Spent, SpentPercent, Method, LastActualDay string
		Crossed                                    []int
		Days                                       []dayJSON
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	var cents int64
	for _, li := range dailyHistory() {
		// A USD budget counts every bill's USD value, the euro bills' too.
		if li.ServiceName == "Steady" && li.ChargePeriodStart.Month() == time.April {
			cents += li.USD[cost.Billed].Decimal.Shift(2).IntPart()
		}
	}
	if want := fmt.Sprintf("%d.%02d", cents/100, cents%100); strings.TrimRight(strings.TrimRight(want, "0"), ".") != st.Spent {
		t.Errorf("spent = %s, want %s", st.Spent, want)
	}
	if st.Method != "holt-winters" || st.LastActualDay != "2024-04-09" || len(st.Days) != 30 {
		t.Errorf("method %s, last day %s, %d days", st.Method, st.LastActualDay, len(st.Days))
	}
	if fmt.Sprint(st.Crossed) != "[50 80]" || st.SpentPercent != "84.60" {
		t.Errorf("crossed %v at %s%%", st.Crossed, st.SpentPercent)
	}
}

// TestBudgetsUnconfigured: without SetBudgets the endpoints say so.
func TestBudgetsUnconfigured(t *testing.T) {
	srv := newServer(t)
	if code, out := call(t, srv, "", "GET", "/api/v1/budgets", ""); code != http.StatusNotImplemented {
		t.Errorf("GET /api/v1/budgets without budgets: %d %s", code, out)
	}
}

// TestOpenAPIForecastParams keeps the documented parameters of
// /api/v1/forecast and /api/v1/anomalies those their handlers read.
func TestOpenAPIForecastParams(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for path, known := range map[string]map[string]bool{"/api/v1/forecast": forecastParams, "/api/v1/anomalies": anomalyParams} {
		var get struct {
			Parameters []struct {
				Name string `json:"name"`
			} `json:"parameters"`
		}
		if err := json.Unmarshal(doc.Paths[path]["get"], &get); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		params := get.Parameters
		for _, p := range params {
			if !known[p.Name] {
				t.Errorf("%s: documented parameter %q is not read by the handler", path, p.Name)
			}
		}
		if len(params) != len(known) {
			t.Errorf("%s: handler reads %d parameters, document lists %d", path, len(known), len(params))
		}
	}
}
