package browsertest

import (
	"encoding/csv"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// apiCosts is the part of GET /api/v1/costs the tests compare.
type apiCosts struct {
	Window struct {
		Start, End time.Time
	}
	Data   []apiRow
	Totals []apiRow
}

type apiRow struct {
	Group      map[string]string
	Currency   string
	Items      int64
	Costs      map[string]string
	Kubernetes map[string]string
}

// twoDecimals is an amount shown in en-US currency format (the headless
// browser's locale): a symbol or code, thousands separators, two decimals.
var twoDecimals = regexp.MustCompile(`^\D*\d{1,3}(,\d{3})*\.\d\d\D*$`)

// screenRow is one table row as the page shows it.
type screenRow struct {
	Group    string `json:"group"`
	Currency string `json:"currency"`
	Exact    string `json:"exact"`
	Title    string `json:"title"`
	Text     string `json:"text"`
	K8sTitle string `json:"k8sTitle"`
}

const readTable = `[...document.querySelectorAll('[data-testid=row]')].map(tr => {
  const c = tr.querySelector('[data-testid=cost]'), k = tr.querySelector('[data-testid=k8s]');
  return {group: tr.dataset.group, currency: tr.dataset.currency, exact: c.dataset.exact, title: c.title, text: c.textContent, k8sTitle: k.title};
})`

const readTotals = `[...document.querySelectorAll('[data-testid=total]')].map(tr => {
  const c = tr.querySelector('[data-testid=total-cost]'), k = tr.querySelector('[data-testid=total-k8s]');
  return {group: "", currency: tr.dataset.currency, exact: c.dataset.exact, title: c.title, text: c.textContent, k8sTitle: k.title};
})`

// renders is the explorer's count of finished loads.
func renders(t *testing.T, b *Browser) int {
	n, _ := strconv.Atoi(Eval[string](t, b, `document.getElementById('main').dataset.renders || "0"`))
	return n
}

// after runs steps and waits until the explorer has finished one more load.
func after(t *testing.T, b *Browser, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	n := renders(t, b)
	b.Do(t, steps...)
	b.WaitFor(t, `Number(document.getElementById('main').dataset.renders || 0) > `+strconv.Itoa(n))
}

// choose picks an option of a select as a person would: the value, then
// the change event.
func choose(testid, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SetValue(chromedp.CSS(`[data-testid=`+testid+`]`), value),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=`+testid+`]').dispatchEvent(new Event('change'))`),
	)
}

// checkTable compares the table on screen with the API's answer to q:
// every group, its exact amount in the title and the data, and the totals.
func checkTable(t *testing.T, env *Env, b *Browser, q url.Values, dims []string, metric string) apiCosts {
	t.Helper()
	var want apiCosts
	env.GetJSON(t, "/api/v1/costs?"+q.Encode(), &want)
	got := Eval[[]screenRow](t, b, readTable)
	if len(got) != len(want.Data) {
		t.Fatalf("query %s: %d rows on screen, %d from the API", q.Encode(), len(got), len(want.Data))
	}
	if len(got) == 0 {
		t.Fatalf("query %s: no rows; the test would prove nothing", q.Encode())
	}
	byKey := map[string]apiRow{}
	for _, r := range want.Data {
		var vals []string
		for _, d := range dims {
			vals = append(vals, r.Group[d])
		}
		byKey[strings.Join(vals, "\x1f")+"|"+r.Currency] = r
	}
	for _, g := range got {
		r, ok := byKey[g.Group+"|"+g.Currency]
		if !ok {
			t.Fatalf("query %s: group %q (%s) on screen is not in the API's answer", q.Encode(), g.Group, g.Currency)
		}
		if g.Exact != r.Costs[metric] || g.Title != r.Costs[metric]+" "+r.Currency {
			t.Errorf("group %q: screen %q (title %q), API %s %s", g.Group, g.Exact, g.Title, r.Costs[metric], r.Currency)
		}
		if !strings.HasPrefix(g.K8sTitle, r.Kubernetes[metric]+" ") {
			t.Errorf("group %q: Kubernetes part %q, API %s", g.Group, g.K8sTitle, r.Kubernetes[metric])
		}
		if !twoDecimals.MatchString(g.Text) {
			t.Errorf("group %q: shown %q is not rounded to two decimals", g.Group, g.Text)
		}
	}
	tots := Eval[[]screenRow](t, b, readTotals)
	if len(tots) != len(want.Totals) {
		t.Fatalf("%d totals on screen, %d from the API", len(tots), len(want.Totals))
	}
	for i, tot := range tots {
		w := want.Totals[i]
		if tot.Currency != w.Currency || tot.Exact != w.Costs[metric] || !strings.HasPrefix(tot.K8sTitle, w.Kubernetes[metric]+" ") {
			t.Errorf("total %s %s (k8s %q), API %s %s (k8s %s)", tot.Exact, tot.Currency, tot.K8sTitle, w.Costs[metric], w.Currency, w.Kubernetes[metric])
		}
	}
	return want
}

func hashParams(t *testing.T, b *Browser) url.Values {
	t.Helper()
	h := Eval[string](t, b, `location.hash`)
	_, qs, _ := strings.Cut(h, "?")
	v, err := url.ParseQuery(qs)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestExplorer(t *testing.T) {
	// contoso-prod of the demo's Azure bill, under a name a user gave it.
	const subscription, registered = "c2a8f3e1-6b4d-4f7a-9e2c-1d5b8a7f3e90", "Contoso Production"
	env := StartWith(t, Options{Names: map[string]string{subscription: registered}})
	b := env.Browser(t)

	// Sign-in: a refused key is said so, a good one opens the explorer;
	// the key is never in the URL.
	b.Do(t, chromedp.Navigate(env.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-key]`)))
	b.Screenshot(t, "signin")
	b.Allow("status of 401") // the refused key's request, logged by the browser
	b.Do(t,
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signin-key]`), "tly_not_a_key"),
		chromedp.Click(chromedp.CSS(`[data-testid=signin-submit]`)),
	)
	b.WaitFor(t, `document.querySelector('[data-testid=signin-error]')?.textContent.includes('refused')`)
	b.SignIn(t)
	b.WaitFor(t, `Number(document.getElementById('main').dataset.renders || 0) >= 1`)
	if h := Eval[string](t, b, `location.href`); strings.Contains(h, env.Key) || !strings.Contains(h, "#/explorer") {
		t.Fatalf("after sign-in the URL is %q", h)
	}
	if nav := Eval[string](t, b, `document.querySelector('[data-testid=nav]').textContent`); !strings.Contains(nav, "Explorer") {
		t.Fatalf("nav = %q", nav)
	}

	// First render of a 90-day explorer, from a fresh load of the page.
	b.Do(t, chromedp.Navigate(env.URL+"/#/explorer?window=90d"), chromedp.Reload())
	b.WaitFor(t, `document.getElementById('main').dataset.firstRenderMs !== undefined`)
	ms := Eval[string](t, b, `document.getElementById('main').dataset.firstRenderMs`)
	t.Logf("first render of the 90-day explorer: %s ms from navigation start (budget 1000 ms)", ms)
	q := url.Values{"window": {"90d"}, "groupBy": {"service"}, "metric": {"billed"}}
	checkTable(t, env, b, q, []string{"service"}, "billed")
	if n := Eval[int](t, b, `document.querySelectorAll('[data-testid=chart] canvas').length`); n != 1 {
		t.Fatalf("chart canvases = %d", n)
	}
	b.Screenshot(t, "explorer")
	// Every control has a name a screen reader reads, and none is taken
	// out of the keyboard's reach.
	unnamed := Eval[[]string](t, b, `[...document.querySelectorAll('button, select, input, a[href], [tabindex]')].filter(e => {
	  if (e.tabIndex < 0 && e.id !== 'main') return true;
	  if (e.closest('[hidden]') || e.id === 'main') return false;
	  const name = e.getAttribute('aria-label') || (e.id && document.querySelector('label[for="' + e.id + '"]')?.textContent) ||
	    (['BUTTON', 'A'].includes(e.tagName) && e.textContent.trim());
	  return !name;
	}).map(e => e.outerHTML.slice(0, 120))`)
	if len(unnamed) > 0 {
		t.Fatalf("controls without a label or out of keyboard reach:\n%s", strings.Join(unnamed, "\n"))
	}

	// The chart's buckets are the API's: the demo has costs every day, so
	// the API answers every bucket of the window.
	for _, step := range []string{"day", "week", "month"} {
		var res struct {
			Window struct{ Start, End string }
			Data   []struct{ Start time.Time }
		}
		env.GetJSON(t, "/api/v1/costs?window=90d&metric=billed&step="+step, &res)
		var want []int64
		for _, r := range res.Data {
			want = append(want, r.Start.UnixMilli())
		}
		got := Eval[[]int64](t, b, `import('/pages/explorer.js').then(m => m.buckets({start: "`+res.Window.Start+`", end: "`+res.Window.End+`"}, "`+step+`"))`)
		if !slices.Equal(got, want) {
			t.Errorf("step %s: the chart's buckets %v, the API's %v", step, got, want)
		}
	}

	// Grouping, metric and window.
	after(t, b, choose("group", "region"))
	q.Set("groupBy", "region")
	checkTable(t, env, b, q, []string{"region"}, "billed")
	after(t, b, choose("metric", "amortized"))
	q.Set("metric", "amortized")
	checkTable(t, env, b, q, []string{"region"}, "amortized")
	after(t, b, choose("window", "7d"))
	q.Set("window", "7d")
	checkTable(t, env, b, q, []string{"region"}, "amortized")
	after(t, b, choose("step", "week"))
	if p := hashParams(t, b); p.Get("step") != "week" {
		t.Fatalf("step not kept in the URL: %v", p)
	}
	// A custom range: the form's "to" day is included.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	from, to := today.AddDate(0, 0, -20), today.AddDate(0, 0, -11)
	b.Do(t, choose("window", "custom"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=from]`)))
	after(t, b,
		chromedp.SetValue(chromedp.CSS(`[data-testid=from]`), from.Format(time.DateOnly)),
		chromedp.SetValue(chromedp.CSS(`[data-testid=to]`), to.Format(time.DateOnly)),
		chromedp.Click(chromedp.CSS(`[data-testid=range-apply]`)),
	)
	q.Set("window", from.Format(time.DateOnly)+","+to.AddDate(0, 0, 1).Format(time.DateOnly))
	got := checkTable(t, env, b, q, []string{"region"}, "amortized")
	if !got.Window.Start.Equal(from) || !got.Window.End.Equal(to.AddDate(0, 0, 1)) {
		t.Fatalf("custom window = %v", got.Window)
	}

	// A tag: the key typed in, the groups the tag's values.
	b.Do(t, choose("group", "tag"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=group-key]`)))
	after(t, b, chromedp.SendKeys(chromedp.CSS(`[data-testid=group-key]`), "team"), chromedp.Click(chromedp.CSS(`[data-testid=group-key-apply]`)))
	q.Set("groupBy", "tag:team")
	checkTable(t, env, b, q, []string{"tag:team"}, "amortized")
	if p := hashParams(t, b); p.Get("group") != "tag:team" {
		t.Fatalf("tag grouping URL = %v", p)
	}

	// Filters: two, compiled to the native filter language.
	after(t, b, choose("window", "30d"), choose("group", "service"))
	q.Set("window", "30d")
	q.Set("groupBy", "service")
	var providers apiCosts
	env.GetJSON(t, "/api/v1/costs?window=30d&groupBy=provider&metric=billed", &providers)
	if len(providers.Data) < 2 {
		t.Fatalf("the demo has %d providers", len(providers.Data))
	}
	// Microsoft, whose subscription has a registered name (checked below).
	prov := "Microsoft"
	if !slices.ContainsFunc(providers.Data, func(r apiRow) bool { return r.Group["provider"] == prov }) {
		t.Fatalf("no %s costs in the demo: %+v", prov, providers.Data)
	}
	after(t, b,
		chromedp.SetValue(chromedp.CSS(`[data-testid=filter-dim]`), "provider"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=filter-value]`), prov),
		chromedp.Click(chromedp.CSS(`[data-testid=filter-add]`)),
	)
	q.Set("filter", `provider:"`+prov+`"`)
	svc := checkTable(t, env, b, q, []string{"service"}, "amortized")
	skip := svc.Data[len(svc.Data)-1].Group["service"]
	after(t, b,
		chromedp.SetValue(chromedp.CSS(`[data-testid=filter-dim]`), "service"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=filter-op]`), "not"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=filter-value]`), skip),
		chromedp.Click(chromedp.CSS(`[data-testid=filter-add]`)),
	)
	q.Set("filter", `provider:"`+prov+`"+service!:"`+skip+`"`)
	svc = checkTable(t, env, b, q, []string{"service"}, "amortized")
	if slices.ContainsFunc(svc.Data, func(r apiRow) bool { return r.Group["service"] == skip }) {
		t.Fatalf("the excluded service %s is still there", skip)
	}

	// Drill-down: a click on the first row filters on it and groups by region.
	first := Eval[string](t, b, `document.querySelector('[data-testid=row]').dataset.group`)
	after(t, b, chromedp.Click(chromedp.CSS(`[data-testid=row] [data-testid=drill]`)))
	q.Set("groupBy", "region")
	q.Set("filter", `provider:"`+prov+`"+service!:"`+skip+`"+service:"`+first+`"`)
	checkTable(t, env, b, q, []string{"region"}, "amortized")
	if p := hashParams(t, b); p.Get("group") != "region" || len(p["f"]) != 3 {
		t.Fatalf("drill-down URL = %v", p)
	}
	b.Screenshot(t, "explorer-drilldown")

	// Accounts by id with their names.
	after(t, b, chromedp.Click(chromedp.CSS(`[data-testid=filter-remove-2]`)))
	after(t, b, choose("group", "account"))
	q.Set("groupBy", "subAccountId,subAccountName")
	q.Set("filter", `provider:"`+prov+`"+service!:"`+skip+`"`)
	accounts := checkTable(t, env, b, q, []string{"subAccountId", "subAccountName"}, "amortized")
	label := Eval[string](t, b, `[...document.querySelectorAll('[data-testid=drill]')].map(e => e.textContent).join("\n")`)
	if !strings.Contains(label, registered+" ("+subscription+")") {
		t.Fatalf("the registered name is not shown; accounts:\n%s", label)
	}

	// CSV: the exact amounts of the API.
	b.Do(t, chromedp.Click(chromedp.CSS(`[data-testid=csv]`)))
	var csvPath string
	deadline := time.Now().Add(15 * time.Second)
	for csvPath == "" && time.Now().Before(deadline) {
		m, _ := filepath.Glob(filepath.Join(b.DownloadDir, "*.csv"))
		if len(m) > 0 {
			csvPath = m[0]
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if csvPath == "" {
		t.Fatal("no CSV was downloaded")
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"subAccountId", "subAccountName", "currency", "amortized", "amortizedKubernetes", "items"}; !slices.Equal(recs[0], want) {
		t.Fatalf("CSV header %v, want %v", recs[0], want)
	}
	if len(recs)-1 != len(accounts.Data) {
		t.Fatalf("CSV has %d rows, the API %d", len(recs)-1, len(accounts.Data))
	}
	for _, r := range accounts.Data {
		row := []string{r.Group["subAccountId"], r.Group["subAccountName"], r.Currency, r.Costs["amortized"], r.Kubernetes["amortized"], strconv.FormatInt(r.Items, 10)}
		if !slices.ContainsFunc(recs[1:], func(rec []string) bool { return slices.Equal(rec, row) }) {
			t.Errorf("CSV lacks the API's row %v", row)
		}
	}

	// The URL restores the whole view.
	before := Eval[[]screenRow](t, b, readTable)
	b.Do(t, chromedp.Reload())
	b.WaitFor(t, `Number(document.getElementById('main').dataset.renders || 0) >= 1`)
	if again := Eval[[]screenRow](t, b, readTable); !slices.Equal(before, again) {
		t.Fatalf("after a reload the table differs:\n%v\n%v", before, again)
	}
	checkTable(t, env, b, q, []string{"subAccountId", "subAccountName"}, "amortized")
	if v := Eval[string](t, b, `document.querySelector('[data-testid=metric]').value + "/" + document.querySelector('[data-testid=group]').value`); v != "amortized/account" {
		t.Fatalf("controls after reload: %s", v)
	}

	// The skip link moves the focus to the page and keeps the view.
	hash := Eval[string](t, b, `location.hash`)
	b.Do(t, chromedp.Focus(chromedp.CSS(`[data-testid=skip]`)), chromedp.KeyEvent("\r"))
	if got := Eval[string](t, b, `location.hash + " " + document.activeElement.id`); got != hash+" main" {
		t.Fatalf("after the skip link: %q, want %q", got, hash+" main")
	}

	// Sorting by the group's name, ascending.
	after(t, b, chromedp.Click(chromedp.CSS(`[data-testid=sort-group]`)))
	after(t, b, chromedp.Click(chromedp.CSS(`[data-testid=sort-group]`)))
	if s := Eval[string](t, b, `document.querySelector('th[aria-sort]').getAttribute('aria-sort')`); s != "ascending" {
		t.Fatalf("aria-sort = %q", s)
	}

	// A phone: the nav folds behind its button.
	b.Do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.WaitFor(t, `getComputedStyle(document.querySelector('[data-testid=nav-toggle]')).display !== 'none'`)
	b.Screenshot(t, "explorer-phone")
	b.Do(t, chromedp.ResetViewport())

	// Sign out forgets the key.
	b.Do(t, chromedp.Click(chromedp.CSS(`[data-testid=signout]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-key]`)))
	if k := Eval[string](t, b, `sessionStorage.getItem('tally-key') || ""`); k != "" {
		t.Fatal("the key is still in session storage after sign-out")
	}
}
