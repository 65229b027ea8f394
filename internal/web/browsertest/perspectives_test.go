package browsertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"
)

// post sends body to path with the administrator's key and decodes the
// 200 or 201 answer into v.
func (e *Env) post(t *testing.T, path, body string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.Key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", path, res.StatusCode, out)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
}

// pageGroup is a group, its currency and its exact cost, as the page's
// title attribute ("<exact> <currency>") and the API give it.
type pageGroup struct {
	Group    string `json:"group"`
	Currency string `json:"currency"`
	Exact    string `json:"exact"`
	Title    string `json:"title"`
}

const readPreview = `[...document.querySelectorAll('[data-testid=persp-preview-row]')].map(tr => {
  const c = tr.querySelector('[data-testid=persp-preview-cost]');
  return {group: tr.dataset.group, currency: tr.dataset.currency, exact: c.dataset.exact, title: c.title};
})`

const readExplorer = `[...document.querySelectorAll('[data-testid=row]')].map(tr => {
  const c = tr.querySelector('[data-testid=cost]');
  return {group: tr.dataset.group, currency: tr.dataset.currency, exact: c.dataset.exact, title: c.title};
})`

// noNull fails the test when the page shows the word null: a missing
// value, or an absent element appended as text.
func noNull(t *testing.T, b *Browser) {
	t.Helper()
	if txt := Eval[string](t, b, `document.getElementById('main').innerText`); strings.Contains(txt, "null") {
		t.Fatalf("the page shows null:\n%s", txt)
	}
}

func sortGroups(gs []pageGroup) []pageGroup {
	slices.SortFunc(gs, func(a, b pageGroup) int { return strings.Compare(a.Currency+"\x00"+a.Group, b.Currency+"\x00"+b.Group) })
	return gs
}

// TestPerspectiveEditor: an editor builds a perspective in the page (a
// static group for the demo's largest service by a filter rule, then one
// group per team tag), sees the preview's groups with the exact costs
// the API's preview answers for the same schema, saves it, finds it in
// the list and opens it in the explorer, whose groups are the preview's.
// Then a saved report is created and deleted on the reports page. Both
// pages are photographed on a laptop and a phone; every control is
// labelled; no console errors (the harness fails the test on any).
func TestPerspectiveEditor(t *testing.T) {
	env := Start(t)
	b := env.Browser(t)
	b.SignIn(t)
	b.WaitFor(t, `Number(document.getElementById('main').dataset.renders || 0) >= 1`)

	var services struct {
		Data []apiRow
	}
	env.GetJSON(t, "/api/v1/costs?window=30d&groupBy=service&metric=billed", &services)
	if len(services.Data) == 0 {
		t.Fatal("the demo has no services in the last 30 days")
	}
	top := services.Data[0]
	for _, r := range services.Data {
		if decimal.RequireFromString(r.Costs["billed"]).GreaterThan(decimal.RequireFromString(top.Costs["billed"])) {
			top = r
		}
	}
	service := top.Group["service"]

	Eval[bool](t, b, `(location.hash = '#/perspectives?edit=new', true)`)
	b.Do(t,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=persp-editor]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=persp-name]`), "Browser teams"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=persp-new-group]`), "Top service"),
		chromedp.Click(chromedp.CSS(`[data-testid=persp-add-group]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=persp-add-filter]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=persp-rule-0-clause-0-value]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=persp-rule-0-clause-0-value]`), service),
		chromedp.Click(chromedp.CSS(`[data-testid=persp-add-categorize]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=persp-rule-1-key]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=persp-rule-1-key]`), "team"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=persp-rule-1-name]`), "Team"),
	)
	b.WaitFor(t, `document.querySelector('[data-testid=persp-preview]').dataset.state === 'ready' &&
	  document.querySelector('[data-testid=persp-preview-status]').textContent.startsWith('Billed cost')`)

	schema := fmt.Sprintf(`{"name":"Browser teams","rules":[`+
		`{"type":"filter","asset":"AwsAsset","to":"Top service","condition":{"combine_with":"AND","clauses":[{"field":["service"],"op":"=","val":%q}]}},`+
		`{"type":"categorize","asset":"AwsAsset","tag_field":["team"],"name":"Team"}],`+
		`"constants":[{"type":"Static Group","list":[{"ref_id":"Top service","name":"Top service"}]}]}`, service)
	var preview struct {
		Groups []struct {
			Name, Currency string
			Costs          map[string]string
		}
	}
	env.post(t, "/api/v1/perspectives/preview", `{"schema":`+schema+`,"window":"30d","metric":"billed"}`, &preview)
	var want []pageGroup
	for _, g := range preview.Groups {
		want = append(want, pageGroup{Group: g.Name, Currency: g.Currency, Exact: g.Costs["billed"], Title: g.Costs["billed"] + " " + g.Currency})
	}
	want = sortGroups(want)
	if len(want) < 3 || !slices.ContainsFunc(want, func(g pageGroup) bool { return g.Group == "Top service" }) {
		t.Fatalf("the API's preview has groups %+v: want Top service and some teams", want)
	}
	got := sortGroups(Eval[[]pageGroup](t, b, readPreview))
	if !slices.Equal(got, want) {
		t.Fatalf("the page previews\n%+v\nthe API\n%+v", got, want)
	}
	noNull(t, b)
	b.Screenshot(t, "perspectives-editor")
	labelled(t, b)

	b.Do(t, chromedp.Click(chromedp.CSS(`[data-testid=persp-save]`)))
	b.WaitFor(t, `!!document.querySelector('[data-testid=persp-table] tr[data-name="Browser teams"]')`)
	var list struct {
		Data []struct{ ID, Name string }
	}
	env.GetJSON(t, "/api/v1/perspectives", &list)
	if len(list.Data) != 1 || list.Data[0].Name != "Browser teams" {
		t.Fatalf("perspectives after saving: %+v", list.Data)
	}
	id := list.Data[0].ID
	b.Screenshot(t, "perspectives")

	// The saved perspective reopens in the editor as it was read back
	// (Other and the Remaining group, which PUT refuses, included in
	// what GET answers): the same preview, and saving it unchanged is
	// accepted as version 2.
	b.WaitFor(t, `location.hash.includes('edit=`+id+`') && document.querySelector('[data-testid=persp-preview]')?.dataset.state === 'ready' &&
	  document.querySelector('[data-testid=persp-preview-status]').textContent.startsWith('Billed cost')`)
	if got := sortGroups(Eval[[]pageGroup](t, b, readPreview)); !slices.Equal(got, want) {
		t.Fatalf("the reopened perspective previews\n%+v\nthe API\n%+v", got, want)
	}
	b.Do(t, chromedp.Click(chromedp.CSS(`[data-testid=persp-save]`)))
	b.WaitFor(t, `location.hash.includes('saved=2')`)
	var saved struct{ Version int }
	env.GetJSON(t, "/api/v1/perspectives/"+id, &saved)
	if saved.Version != 2 {
		t.Fatalf("after saving again, version %d", saved.Version)
	}

	// The explorer by the saved perspective shows the preview's groups.
	b.Do(t, chromedp.Click(chromedp.CSS(`[data-testid=persp-explore-`+id+`]`)))
	b.WaitFor(t, `location.hash.includes('perspective:`+id+`') && document.querySelectorAll('[data-testid=row]').length > 0 &&
	  document.getElementById('main').dataset.loading === 'false'`)
	if got := sortGroups(Eval[[]pageGroup](t, b, readExplorer)); !slices.Equal(got, want) {
		t.Fatalf("the explorer by perspective:%s shows\n%+v\nthe preview\n%+v", id, got, want)
	}

	// A saved report: created from a name and a query string, then deleted.
	Eval[bool](t, b, `(location.hash = '#/reports', true)`)
	b.Do(t,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=report-form]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=report-name]`), "Monthly by service"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=report-query]`), "dimensions[]=time&measures[]=cost&interval=monthly"),
		chromedp.Click(chromedp.CSS(`[data-testid=report-submit]`)),
	)
	b.WaitFor(t, `!!document.querySelector('[data-testid=reports-table] tr[data-name="Monthly by service"]')`)
	var reports struct {
		Data []struct {
			ID          int64
			Name, Query string
		}
	}
	env.GetJSON(t, "/api/v1/reports", &reports)
	if len(reports.Data) != 1 || reports.Data[0].Query != "dimensions[]=time&measures[]=cost&interval=monthly" {
		t.Fatalf("reports after saving: %+v", reports.Data)
	}
	noNull(t, b)
	b.Screenshot(t, "reports")
	labelled(t, b)
	del := fmt.Sprintf(`[data-testid=report-delete-%d]`, reports.Data[0].ID)
	b.Do(t, chromedp.Click(chromedp.CSS(del)), chromedp.Click(chromedp.CSS(del)))
	b.WaitFor(t, `!!document.querySelector('[data-testid=reports-none]')`)
	env.GetJSON(t, "/api/v1/reports", &reports)
	if len(reports.Data) != 0 {
		t.Fatalf("reports after deleting: %+v", reports.Data)
	}
	// One more to show on the phone.
	b.Do(t,
		chromedp.SendKeys(chromedp.CSS(`[data-testid=report-name]`), "Kept"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=report-query]`), "dimensions[]=time&measures[]=cost&interval=daily"),
		chromedp.Click(chromedp.CSS(`[data-testid=report-submit]`)),
	)
	b.WaitFor(t, `!!document.querySelector('[data-testid=reports-table] tr[data-name="Kept"]')`)

	// On a phone both pages fit the screen's width.
	b.Do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, page := range []struct{ name, hash, ready string }{
		{"perspectives", "#/perspectives?edit=" + id, `document.querySelector('[data-testid=persp-preview]')?.dataset.state === 'ready'`},
		{"reports", "#/reports", `!!document.querySelector('[data-testid=reports-table]')`},
	} {
		Eval[bool](t, b, fmt.Sprintf(`(location.hash = %q, true)`, page.hash))
		b.WaitFor(t, page.ready)
		if w := Eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
			b.Screenshot(t, "failure-phone-"+page.name)
			t.Fatalf("%s on a phone is %d pixels wide", page.name, w)
		}
		b.Screenshot(t, page.name+"-phone")
	}
}
