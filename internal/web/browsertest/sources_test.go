package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tally-cost/tally/internal/testfiles"
)

// TestUploadAndSnapshots: an administrator uploads a CUR sample on the
// sources page, sees the snapshot it created, finds it on the snapshots
// page with the API's exact total, and creates a key on the admin page.
func TestUploadAndSnapshots(t *testing.T) {
	env := Start(t)
	b := env.Browser(t)
	// The test server runs no pipeline: /api/v1/sources answers 501,
	// which the page shows and the browser logs as a failed load.
	b.Allow("status of 501")
	b.SignIn(t)
	cur := testfiles.Shared(t, "aws", "cur-legacy-slash-columns.csv")
	b.WaitFor(t, `Number(document.getElementById('main').dataset.renders || 0) >= 1`)
	Eval[bool](t, b, `(location.hash = '#/sources', true)`)
	b.Do(t,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=upload-form]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=upload-file]`), []string{cur}),
		chromedp.SetValue(chromedp.CSS(`[data-testid=upload-source]`), "browser-upload"),
		chromedp.Click(chromedp.CSS(`[data-testid=upload-submit]`)),
	)
	b.WaitFor(t, `!!document.querySelector('[data-testid=upload-result]')`)
	var snaps struct {
		Data []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			Totals []struct {
				Currency string            `json:"currency"`
				Costs    map[string]string `json:"costs"`
			} `json:"totals"`
		} `json:"data"`
	}
	env.GetJSON(t, "/api/v1/snapshots?source=browser-upload", &snaps)
	if len(snaps.Data) != 1 || snaps.Data[0].Status != "complete" || len(snaps.Data[0].Totals) != 1 {
		t.Fatalf("snapshots of the upload: %+v", snaps.Data)
	}
	sn := snaps.Data[0]
	if n := Eval[int](t, b, fmt.Sprintf(`document.querySelectorAll('[data-testid=upload-snapshot-%d]').length`, sn.ID)); n != 1 {
		t.Fatalf("the page does not list snapshot %d: %s", sn.ID, Eval[string](t, b, `document.querySelector('[data-testid=upload-result]').textContent`))
	}
	b.Screenshot(t, "sources")
	labelled(t, b)

	// A file that does not parse: the page shows the API's message,
	// naming file, line and column, and nothing is imported.
	raw, err := os.ReadFile(cur)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(raw), "\n", 4)
	cells := strings.Split(lines[2], ",")
	cells[slices.Index(strings.Split(lines[0], ","), "lineItem/UnblendedCost")] = "twelve"
	lines[2] = strings.Join(cells, ",")
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Allow("status of 400")
	b.Do(t,
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=upload-file]`), []string{bad}),
		chromedp.Click(chromedp.CSS(`[data-testid=upload-submit]`)),
	)
	b.WaitFor(t, `document.querySelector('[data-testid=upload-status]').classList.contains('error')`)
	if msg := Eval[string](t, b, `document.querySelector('[data-testid=upload-status]').textContent`); !strings.Contains(msg, `bad.csv:3: column "lineItem/UnblendedCost"`) {
		t.Fatalf("error shown for a malformed file: %q", msg)
	}

	Eval[bool](t, b, `(location.hash = '#/snapshots?source=browser-upload', true)`)
	sel := fmt.Sprintf(`[data-testid=snapshot-total-%d-%s]`, sn.ID, sn.Totals[0].Currency)
	b.WaitFor(t, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
	if got := Eval[string](t, b, fmt.Sprintf(`document.querySelector(%q).dataset.exact`, sel)); got != sn.Totals[0].Costs["billed"] {
		t.Fatalf("snapshot total on the page %q, API %q", got, sn.Totals[0].Costs["billed"])
	}
	// The upload and the refused file, which left a failed snapshot.
	if rows := Eval[string](t, b, `[...document.querySelectorAll('[data-testid=snapshots-rows] tr')].map(r => r.dataset.status).join()`); rows != "failed,complete" {
		t.Fatalf("the source filter shows snapshots %q", rows)
	}
	b.Screenshot(t, "snapshots")
	labelled(t, b)

	Eval[bool](t, b, `(location.hash = '#/admin', true)`)
	b.Do(t,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=keys-table]`)),
		chromedp.Click(chromedp.CSS(`#keys-h ~ details summary`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=key-name]`), "ui-made"),
		chromedp.Click(chromedp.CSS(`[data-testid=key-submit]`)),
	)
	b.WaitFor(t, `document.querySelector('[data-testid=keys-table]').textContent.includes('ui-made')`)
	if msg := Eval[string](t, b, `document.querySelector('[data-testid=message]').textContent`); !strings.Contains(msg, "tly_") {
		t.Fatalf("the new key is not shown: %q", msg)
	}
	b.Screenshot(t, "admin")
	labelled(t, b)

	// On a phone every page fits the screen's width: wide tables scroll
	// in their own box.
	b.Do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, page := range []string{"sources", "snapshots", "admin"} {
		Eval[bool](t, b, fmt.Sprintf(`(location.hash = '#/%s', true)`, page))
		b.WaitFor(t, `document.querySelector('h1')?.textContent !== 'Cost explorer' && !!document.querySelector('main h1')`)
		b.WaitFor(t, `!!document.querySelector('main table')`)
		if w := Eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
			b.Screenshot(t, "failure-phone-"+page)
			t.Fatalf("%s on a phone is %d pixels wide", page, w)
		}
		b.Screenshot(t, page+"-phone")
	}
}

// labelled fails the test when a control of the page has no name a
// screen reader reads (aria-label, a label for it or around it, a
// button's or link's text) or is out of the keyboard's reach.
func labelled(t *testing.T, b *Browser) {
	t.Helper()
	unnamed := Eval[[]string](t, b, `[...document.querySelectorAll('button, select, input, textarea, a[href], summary, [tabindex]')].filter(e => {
	  if (e.tabIndex < 0 && e.id !== 'main') return true;
	  if (e.closest('[hidden]') || e.id === 'main') return false;
	  const name = e.getAttribute('aria-label') || (e.id && document.querySelector('label[for="' + e.id + '"]')?.textContent) ||
	    e.closest('label')?.textContent.trim() || (['BUTTON', 'A', 'SUMMARY'].includes(e.tagName) && e.textContent.trim());
	  return !name;
	}).map(e => e.outerHTML.slice(0, 120))`)
	if len(unnamed) > 0 {
		t.Fatalf("controls without a label or out of keyboard reach:\n%s", strings.Join(unnamed, "\n"))
	}
}
