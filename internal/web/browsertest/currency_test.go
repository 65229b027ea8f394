package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestCurrencies: each amount shows in its bill's currency with
// thousands separators and two decimals, rounded from the exact value
// (kept in the title); bills in two currencies are never added: the
// table gets a currency column and one total per currency.
func TestCurrencies(t *testing.T) {
	env := StartWith(t, Options{NoData: true})
	usd := storetest.Item("111", "AmazonEC2", storetest.Day(3, 1), "1.005")
	eur := storetest.Item("222", "AmazonS3", storetest.Day(3, 2), "1234567.8949")
	eur.BillingCurrency = "EUR"
	k8s := storetest.Item("111", "AmazonEKS", storetest.Day(3, 3), "3")
	k8s.Kubernetes = true
	storetest.Load(t, env.Store, "mixed", usd, eur, k8s)
	b := env.Browser(t)
	b.SignIn(t)
	b.Do(t, chromedp.Navigate(env.URL+"/#/explorer?window=2024-03-01,2024-04-01&group=service"))
	b.WaitFor(t, `Number(document.getElementById('main').dataset.renders || 0) >= 1 && location.hash.includes('2024-03-01')`)
	b.WaitFor(t, `document.querySelectorAll('[data-testid=row]').length === 3`)
	rows := Eval[[]screenRow](t, b, readTable)
	want := map[string][2]string{ // service: shown, title
		"AmazonEC2": {"$1.01", "1.005 USD"},
		"AmazonS3":  {"€1,234,567.89", "1234567.8949 EUR"},
		"AmazonEKS": {"$3.00", "3 USD"},
	}
	for _, r := range rows {
		w := want[r.Group]
		if r.Text != w[0] || r.Title != w[1] {
			t.Errorf("%s: shows %q (title %q), want %q (%q)", r.Group, r.Text, r.Title, w[0], w[1])
		}
	}
	tots := Eval[[]screenRow](t, b, readTotals)
	if len(tots) != 2 || tots[0].Title != "1234567.8949 EUR" || tots[1].Title != "4.005 USD" {
		t.Fatalf("totals = %+v, want one per currency", tots)
	}
	if cols := Eval[string](t, b, `document.querySelector('[data-testid=table] thead').textContent`); !strings.Contains(cols, "Currency") {
		t.Fatalf("no currency column: %q", cols)
	}
	// Shares are within a currency: EKS is 3 of 4.005 USD, all of it Kubernetes.
	share := Eval[string](t, b, `[...document.querySelectorAll('[data-testid=row]')].find(r => r.dataset.group === 'AmazonEKS').querySelector('[data-testid=share]').textContent + '|' +
	  [...document.querySelectorAll('[data-testid=row]')].find(r => r.dataset.group === 'AmazonEKS').querySelector('[data-testid=k8s]').textContent`)
	if share != "74.9%|100.0%" {
		t.Fatalf("EKS share|Kubernetes share = %q", share)
	}
	if note := Eval[string](t, b, `document.querySelector('[data-testid=chart-note]').textContent`); !strings.Contains(note, "Chart in EUR") || !strings.Contains(note, "USD") {
		t.Fatalf("the chart does not say which currency it leaves out: %q", note)
	}
	b.Screenshot(t, "explorer-currencies")
}
