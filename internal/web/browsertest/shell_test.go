package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tally-cost/tally/internal/tenant"
)

// TestNoKeyServer: a server that needs no key (the demo) opens the
// explorer at once, with no sign-in page and no sign-out button, and an
// empty store answers with an empty table, not an error.
func TestNoKeyServer(t *testing.T) {
	env := StartWith(t, Options{NoAuth: true, NoData: true})
	b := env.Browser(t)
	b.Do(t, chromedp.Navigate(env.URL+"/"))
	b.WaitFor(t, `Number(document.getElementById('main').dataset.renders || 0) >= 1`)
	if h := Eval[string](t, b, `location.hash`); !strings.HasPrefix(h, "#/explorer") {
		t.Fatalf("hash = %q", h)
	}
	if n := Eval[int](t, b, `document.querySelectorAll('[data-testid=signin]').length`); n != 0 {
		t.Fatal("sign-in page shown on a server that needs no key")
	}
	if hidden := Eval[bool](t, b, `document.querySelector('[data-testid=signout]').hidden`); !hidden {
		t.Fatal("sign-out shown without a key")
	}
	if txt := Eval[string](t, b, `document.querySelector('[data-testid=table]').textContent`); !strings.Contains(txt, "No costs in this window") {
		t.Fatalf("empty table says %q", txt)
	}
	if who := Eval[string](t, b, `document.querySelector('[data-testid=who]').textContent`); !strings.Contains(who, "no key needed") {
		t.Fatalf("who = %q", who)
	}
}

// TestBadQuery: a view the API refuses (an unknown perspective, a bad
// window in a shared link) shows the API's message, not a blank page or
// a console error.
func TestBadQuery(t *testing.T) {
	env := StartWith(t, Options{NoData: true})
	ctx := context.Background()
	viewer, _, err := env.Tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "viewer", Role: tenant.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	env.Key = viewer
	b := env.Browser(t)
	b.SignIn(t)
	if nav := Eval[string](t, b, `document.querySelector('[data-testid=nav]').textContent`); !strings.Contains(nav, "Explorer") {
		t.Fatalf("a viewer's nav = %q", nav)
	}
	if who := Eval[string](t, b, `document.querySelector('[data-testid=who]').textContent`); !strings.Contains(who, "viewer") {
		t.Fatalf("who = %q", who)
	}
	b.Allow("status of 400") // the refused request, logged by the browser
	b.Do(t, chromedp.Navigate(env.URL+"/#/explorer?window=yesteryear"))
	b.WaitFor(t, `Number(document.getElementById('main').dataset.failures || 0) >= 1`)
	msg := Eval[string](t, b, `document.querySelector('[data-testid=message]').textContent`)
	if !strings.Contains(msg, "window") {
		t.Fatalf("message = %q", msg)
	}
}
