package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// spikeService is the service of the seeded anomaly.
const spikeService = "SeededSpike"

// seedSpike loads, next to the demo data, a service that costs 10 a day
// up to today, from 60 days back, but 95.5 on one of them (the seeded anomaly, as
// internal/api/native's TestSeededAnomaly has it) and returns that day.
// Its first day lies outside the 30-day windows the tests look at, so
// that its start is not flagged as new spend there.
func seedSpike(t *testing.T, env *Env) string {
	t.Helper()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	spike := today.AddDate(0, 0, -5)
	var items []*cost.LineItem
	for d := today.AddDate(0, 0, -60); !d.After(today); d = d.AddDate(0, 0, 1) {
		v := "10"
		if d.Equal(spike) {
			v = "95.5"
		}
		items = append(items, storetest.Item("333", spikeService, d, v))
	}
	storetest.Load(t, env.Store, "seeded", items...)
	return spike.Format(time.DateOnly)
}

// apiAnomaly is one day of GET /api/v1/anomalies.
type apiAnomaly struct {
	Date, Currency, Cost, Expected, Difference string
	Group                                      map[string]string
}

// wantSpike returns the API's anomaly of the seeded service on day for
// query, failing when the API does not flag it.
func wantSpike(t *testing.T, env *Env, query, day string) apiAnomaly {
	t.Helper()
	var res struct{ Data []apiAnomaly }
	env.GetJSON(t, "/api/v1/anomalies?"+query, &res)
	for _, a := range res.Data {
		if a.Group["service"] == spikeService && a.Date == day {
			if a.Cost != "95.5" || a.Expected != "10" || a.Difference != "85.5" {
				t.Fatalf("the API's seeded anomaly: %+v", a)
			}
			return a
		}
	}
	t.Fatalf("the API does not flag the seeded spike of %s: %+v", day, res.Data)
	return apiAnomaly{}
}

// signInWith signs in with key instead of the administrator's.
func signInWith(t *testing.T, b *Browser, key string) {
	t.Helper()
	b.Do(t,
		chromedp.Navigate(b.Env.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-key]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signin-key]`), key),
		chromedp.Click(chromedp.CSS(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signout]`)),
	)
}

type apiBudget struct {
	ID         int64
	Name       string
	Filter     string
	Amount     string
	Currency   string
	Thresholds []int
}

type apiStatus struct {
	Spent     string
	Projected struct{ Mean, Lower, Upper string }
}

func budgetsByName(t *testing.T, env *Env) map[string]apiBudget {
	t.Helper()
	var res struct{ Data []apiBudget }
	env.GetJSON(t, "/api/v1/budgets", &res)
	out := map[string]apiBudget{}
	for _, b := range res.Data {
		out[b.Name] = b
	}
	return out
}

func text(t *testing.T, b *Browser, sel, prop string) string {
	t.Helper()
	return Eval[string](t, b, fmt.Sprintf(`document.querySelector(%q)?.%s ?? "<none>"`, sel, prop))
}

// TestBudgetsAndAnomalies: an editor creates a budget on the budgets
// page and sees its month-to-date spend exactly as the budget's status
// has it, the projection with its interval; the seeded anomaly is listed
// with the API's expected value and difference; the budget is edited and
// deleted; a viewer sees the budgets without the controls to change them.
func TestBudgetsAndAnomalies(t *testing.T) {
	env := Start(t)
	day := seedSpike(t, env)
	b := env.Browser(t)
	b.SignIn(t)
	b.WaitFor(t, `Number(document.getElementById('main').dataset.renders || 0) >= 1`)
	Eval[bool](t, b, `(location.hash = '#/budgets', true)`)
	b.WaitFor(t, `!!document.querySelector('[data-testid=budgets-empty]')`)

	// Create: name, scope, amount, thresholds.
	b.Do(t,
		chromedp.SendKeys(chromedp.CSS(`[data-testid=budget-name]`), "Seeded service"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=budget-filter]`), `service:"`+spikeService+`"`),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=budget-amount]`), "500.25"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=budget-thresholds]`), "50, 75, 100"),
		chromedp.Click(chromedp.CSS(`[data-testid=budget-submit]`)),
	)
	b.WaitFor(t, `!!document.querySelector('[data-testid=budgets-table]')`)
	bud, ok := budgetsByName(t, env)["Seeded service"]
	if !ok || bud.Filter != `service:"`+spikeService+`"` || bud.Amount != "500.25" || fmt.Sprint(bud.Thresholds) != "[50 75 100]" {
		t.Fatalf("the budget the page created: %+v (found %v)", bud, ok)
	}
	var st apiStatus
	env.GetJSON(t, fmt.Sprintf("/api/v1/budgets/%d/status", bud.ID), &st)
	if st.Spent == "" || st.Spent == "0" {
		t.Fatalf("the seeded service has no spend this month: %+v", st)
	}
	spent := fmt.Sprintf(`[data-testid=budget-spent-%d]`, bud.ID)
	if got := text(t, b, spent, "title"); got != st.Spent+" USD" {
		t.Errorf("spend on the page %q, the status's %s USD", got, st.Spent)
	}
	if got := text(t, b, spent, "dataset.exact"); got != st.Spent {
		t.Errorf("spend's exact value %q, the status's %s", got, st.Spent)
	}
	if got := text(t, b, fmt.Sprintf(`[data-testid=budget-amount-%d]`, bud.ID), "title"); got != "500.25 USD" {
		t.Errorf("amount %q", got)
	}
	proj := fmt.Sprintf(`[data-testid=budget-projected-%d]`, bud.ID)
	if got, want := text(t, b, proj, "title"), fmt.Sprintf("%s (%s – %s) USD", st.Projected.Mean, st.Projected.Lower, st.Projected.Upper); !strings.HasPrefix(got, want) {
		t.Errorf("projection's title %q, want it to start with %q", got, want)
	}
	if got := text(t, b, proj, "textContent"); !strings.Contains(got, "–") || !strings.Contains(got, "(") {
		t.Errorf("the projection shows no interval: %q", got)
	}

	// The seeded anomaly in the anomalies list (30 days by service).
	a := wantSpike(t, env, "window=30d&groupBy=service", day)
	row := fmt.Sprintf(`[data-testid=anomaly-row][data-date=%q][data-group=%q]`, day, spikeService)
	b.WaitFor(t, fmt.Sprintf(`!!document.querySelector('%s')`, row))
	for _, c := range []struct{ id, want string }{{"anomaly-cost", a.Cost}, {"anomaly-expected", a.Expected}, {"anomaly-difference", a.Difference}} {
		if got := text(t, b, row+" [data-testid="+c.id+"]", "dataset.exact"); got != c.want {
			t.Errorf("%s on the page %q, the API's %s", c.id, got, c.want)
		}
	}
	if got := text(t, b, row, "className"); got != "spike" {
		t.Errorf("the spike's row is marked %q", got)
	}
	labelled(t, b)
	b.Screenshot(t, "budgets")

	// The budget's days: actual bars and the forecast in its band.
	b.Do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=budget-open-%d]`, bud.ID))))
	b.WaitFor(t, `!!document.querySelector('[data-testid=forecast-chart]')`)
	b.Screenshot(t, "budgets-detail")

	// Edit: a new amount and thresholds.
	b.Do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=budget-edit-%d]`, bud.ID))))
	b.WaitFor(t, `document.querySelector('[data-testid=budget-name]').value === 'Seeded service'`)
	b.Do(t,
		chromedp.SetValue(chromedp.CSS(`[data-testid=budget-amount]`), "750"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=budget-thresholds]`), "80, 100"),
		chromedp.Click(chromedp.CSS(`[data-testid=budget-submit]`)),
	)
	b.WaitFor(t, fmt.Sprintf(`document.querySelector('[data-testid=budget-amount-%d]')?.title === '750 USD'`, bud.ID))
	if got := budgetsByName(t, env)["Seeded service"]; got.Amount != "750" || fmt.Sprint(got.Thresholds) != "[80 100]" {
		t.Fatalf("after the edit the API has %+v", got)
	}

	// A viewer sees the budget, and no control to change it.
	viewerKey, _, err := env.Tenants.CreateKey(context.Background(), tenant.System, tenant.KeySpec{Name: "browser-viewer", Role: tenant.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	v := env.Browser(t)
	signInWith(t, v, viewerKey)
	Eval[bool](t, v, `(location.hash = '#/budgets', true)`)
	v.WaitFor(t, fmt.Sprintf(`!!document.querySelector('[data-testid=budget-spent-%d]')`, bud.ID))
	if n := Eval[int](t, v, `document.querySelectorAll('[data-testid=budget-form], [data-testid^=budget-edit-], [data-testid^=budget-delete-]').length`); n != 0 {
		t.Fatalf("a viewer is offered %d controls to change budgets", n)
	}
	if got := text(t, v, spent, "dataset.exact"); got != st.Spent {
		t.Errorf("the viewer sees spend %q, the status's %s", got, st.Spent)
	}
	v.Screenshot(t, "budgets-viewer")

	// On a phone the page fits the screen's width.
	b.Do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.WaitFor(t, `document.documentElement.clientWidth === 390`)
	if w := Eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
		b.Screenshot(t, "failure-budgets-phone")
		// What sticks out: inside a table's scrolling box only what is
		// positioned out of it (an absolute element placed against the page).
		wide := Eval[[]string](t, b, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right + scrollX > 391 &&
		  (!e.parentElement.closest('.table-wrap') || getComputedStyle(e).position === 'absolute')).slice(0, 8).map(e => Math.round(e.getBoundingClientRect().right + scrollX) + "px " + e.outerHTML.slice(0, 100))`)
		t.Errorf("budgets on a phone is %d pixels wide; wider than the screen:\n%s", w, strings.Join(wide, "\n"))
	}
	b.Screenshot(t, "budgets-phone")
	b.Do(t, chromedp.ResetViewport())

	// Delete, confirmed (the page asks with confirm()).
	Eval[bool](t, b, `(window.confirm = () => true, true)`)
	b.Do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=budget-delete-%d]`, bud.ID))))
	b.WaitFor(t, `!!document.querySelector('[data-testid=budgets-empty]')`)
	if left := budgetsByName(t, env); len(left) != 0 {
		t.Fatalf("after the delete the API has %v", left)
	}
}

// TestExplorerAnomalies: the explorer's daily chart marks the seeded
// spike; the list under the chart names its group, expected value and
// difference as the API has them, and the cursor on the mark shows them.
func TestExplorerAnomalies(t *testing.T) {
	env := Start(t)
	day := seedSpike(t, env)
	a := wantSpike(t, env, "window=30d&groupBy=service&metric=billed", day)
	b := env.Browser(t)
	b.SignIn(t)
	b.Do(t, chromedp.Navigate(env.URL+"/#/explorer?window=30d"))
	b.WaitFor(t, `location.hash.includes('window=30d') && /^\d+$/.test(document.getElementById('main').dataset.anomalies || '')`)
	item := fmt.Sprintf(`[data-testid=chart-anomaly][data-date=%q][data-group=%q]`, day, spikeService)
	if n := Eval[int](t, b, fmt.Sprintf(`document.querySelectorAll('%s').length`, item)); n != 1 {
		t.Fatalf("the seeded spike is listed %d times under the chart: %s", n,
			Eval[string](t, b, `document.querySelector('[data-testid=chart-anomalies]').textContent`))
	}
	for _, c := range []struct{ id, want string }{{"chart-anomaly-expected", a.Expected}, {"chart-anomaly-difference", a.Difference}} {
		if got := text(t, b, item+" [data-testid="+c.id+"]", "dataset.exact"); got != c.want {
			t.Errorf("%s under the chart %q, the API's %s", c.id, got, c.want)
		}
	}
	// The mark is drawn where the chart's plugin says; the cursor there
	// names the group, the expected value and the difference.
	type point struct {
		Date string  `json:"date"`
		X    float64 `json:"x"`
		Y    float64 `json:"y"`
	}
	marks := Eval[[]point](t, b, `JSON.parse(document.querySelector('[data-testid=chart]').dataset.anomalyMarks || '[]')`)
	var at *point
	for i := range marks {
		if marks[i].Date == day {
			at = &marks[i]
		}
	}
	if at == nil {
		t.Fatalf("no mark drawn on %s: %+v", day, marks)
	}
	origin := Eval[[]float64](t, b, `(r => [r.left, r.top])(document.querySelector('[data-testid=chart] .u-over').getBoundingClientRect())`)
	b.Do(t, chromedp.MouseEvent("mouseMoved", origin[0]+at.X, origin[1]+at.Y))
	b.WaitFor(t, `!document.querySelector('[data-testid=chart-anomaly-tip]').hidden`)
	tip := text(t, b, `[data-testid=chart-anomaly-tip]`, "textContent")
	for _, want := range []string{day, spikeService, "expected $10.00", "difference $85.50"} {
		if !strings.Contains(tip, want) {
			t.Errorf("the tip %q does not say %q", tip, want)
		}
	}
	b.Screenshot(t, "explorer-anomalies")

	// A weekly chart has no days to mark, and says nothing about anomalies.
	n := renders(t, b)
	Eval[bool](t, b, `(location.hash = '#/explorer?window=30d&step=week', true)`)
	b.WaitFor(t, fmt.Sprintf(`Number(document.getElementById('main').dataset.renders) > %d && document.getElementById('main').dataset.anomalies === 'off'`, n))
	if hidden := Eval[bool](t, b, `document.querySelector('[data-testid=chart-anomalies]').hidden`); !hidden {
		t.Error("the weekly chart still lists anomalies")
	}
}
