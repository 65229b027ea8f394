// Package browsertest drives Tally's web UI in headless Chromium
// (Debian's chromium, through chromedp) against the real server: the
// server package's Handler over an in-memory DuckDB store holding the
// demo data set (internal/synth), served on httptest with an
// administrator's key. Tests of every page use it:
//
//	env := browsertest.Start(t)
//	b := env.Browser(t)
//	b.SignIn(t)
//	b.Do(t, chromedp.Navigate(env.URL+"/#/explorer"))
//	b.Screenshot(t, "explorer")
//
// A browser fails its test at cleanup on any console error, uncaught
// exception or failed load it saw. Chromium is looked up as
// /usr/bin/chromium (TALLY_CHROMIUM overrides); without it a test skips,
// except under CI=true, where a missing browser is a failure.
// Screenshots go to $TALLY_ARTIFACTS, or a temporary folder.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/server"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/synth"
	"github.com/tally-cost/tally/internal/tenant"
)

// DemoDays is the history loaded: enough for the 90-day window and last
// month on any day.
const DemoDays = 100

// Env is a running server with the demo data.
type Env struct {
	URL string
	// Key is an administrator's API key of the default organization.
	Key string
	// Tenants is the server's tenant service, to make more keys.
	Tenants *tenant.Service
	// Store is the server's cost store, for tests that load their own
	// line items (storetest.Load).
	Store store.Store
}

// Chromium returns the browser's path, skipping the test without one
// (failing it under CI).
func Chromium(t testing.TB) string {
	t.Helper()
	path := os.Getenv("TALLY_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("no Chromium at %s (scripts/install-test-deps.sh installs Debian's chromium): %v", path, err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set: a missing browser is a failure, not a skip)")
		}
		t.Skip(msg)
	}
	return path
}

// Options change what StartWith serves.
type Options struct {
	// NoAuth serves without keys, as the demo does.
	NoAuth bool
	// NoData skips the demo data: an empty store, for tests of the shell.
	NoData bool
	// Names registers sub accounts' names (id to name), as a user does
	// through the Azure billing API: the engine shows them in place of the
	// bills' names.
	Names map[string]string
}

// Start loads the demo data into a new in-memory store and serves it
// until the test ends.
func Start(t testing.TB) *Env { return StartWith(t, Options{}) }

// StartWith is Start with options.
func StartWith(t testing.TB, o Options) *Env {
	t.Helper()
	Chromium(t) // skip before the seconds of loading
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if !o.NoData {
		loadDemo(t, st, quiet)
	}
	reg := registry.New(registry.DocRepo(st))
	for id, name := range o.Names {
		if _, err := reg.Register(ctx, registry.Entry{Kind: registry.SubAccount, Key: id, Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	tenants, err := tenant.Open(ctx, &tenant.MemRepo{})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "browser-admin", Role: tenant.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.Handler(server.Config{Store: st, State: st, Tenants: tenants, NoAuth: o.NoAuth, Logger: quiet}))
	t.Cleanup(srv.Close)
	return &Env{URL: srv.URL, Key: key, Tenants: tenants, Store: st}
}

// loadDemo ingests DemoDays of the demo bills (internal/synth, as
// `tally demo` does), ending today so that the relative windows see them.
func loadDemo(t testing.TB, st store.Store, quiet *slog.Logger) {
	t.Helper()
	began := time.Now()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	files, err := synth.Demo(t.TempDir(), today.AddDate(0, 0, -DemoDays+1), DemoDays)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := ingest.Run(context.Background(), st, []string{f.Path}, ingest.Options{Source: f.Source, Provider: f.Provider, Logger: quiet}); err != nil {
			t.Fatalf("ingesting demo %s: %v", f.Path, err)
		}
	}
	t.Logf("demo data (%d days) loaded in %v", DemoDays, time.Since(began).Round(time.Millisecond))
}

// Get asks the server with the administrator's key and returns the
// status and body.
func (e *Env) Get(t testing.TB, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.Key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// GetJSON is Get decoding the answer into v, failing the test on a
// status other than 200.
func (e *Env) GetJSON(t testing.TB, path string, v any) {
	t.Helper()
	code, body := e.Get(t, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// Browser is one headless Chromium with its own profile.
type Browser struct {
	Env *Env
	Ctx context.Context
	// DownloadDir receives the files the page downloads.
	DownloadDir string

	mu       sync.Mutex
	problems []string
	allowed  []string // Allow
}

// Browser starts Chromium at a laptop's window size; it is closed, and
// the test failed on any console error it saw, when the test ends.
func (e *Env) Browser(t testing.TB) *Browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium(t)),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{Env: e, Ctx: ctx, DownloadDir: t.TempDir()}
	// Console subscribes when it returns: every message from the first
	// page on is read by the goroutine, which ends with the context.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting Chromium: %v", err)
	}
	// Downloads land in DownloadDir under the page's file name.
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: b.DownloadDir}); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("download folder: %v", err)
	}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.problem("%s (%s:%d)", m, m.URL, m.Line+1)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		<-done
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			if !slices.ContainsFunc(b.allowed, func(a string) bool { return strings.Contains(p, a) }) {
				t.Errorf("browser console: %s", p)
			}
		}
	})
	return b
}

func (b *Browser) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// Allow lets console errors whose text contains substr pass, from now
// to the end of the test: for a test that provokes one on purpose (a
// refused key is a 401 that the browser logs as a failed load). Checked
// at the end, as messages arrive after the actions that caused them.
func (b *Browser) Allow(substr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.allowed = append(b.allowed, substr)
}

// Do runs steps with a time limit, failing the test on error (after a
// screenshot of the page as it was).
func (b *Browser) Do(t testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.Screenshot(t, "failure-"+safeName(t.Name()))
		t.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression in the page (awaiting a
// promise) and returns its value decoded into T.
func Eval[T any](t testing.TB, b *Browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.Screenshot(t, "failure-"+safeName(t.Name()))
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// WaitFor polls a JavaScript condition until it holds (30 s at most).
func (b *Browser) WaitFor(t testing.TB, cond string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		b.Screenshot(t, "failure-"+safeName(t.Name()))
		t.Fatalf("waiting for %s: %v", cond, err)
	}
}

// SignIn opens the UI and signs in with the administrator's key.
func (b *Browser) SignIn(t testing.TB) {
	t.Helper()
	b.Do(t,
		chromedp.Navigate(b.Env.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-key]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signin-key]`), b.Env.Key),
		chromedp.Click(chromedp.CSS(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signout]`)),
	)
}

// Screenshot saves the whole page as <name>.png under the artefacts
// folder: $TALLY_ARTIFACTS, or the test's temporary folder.
func (b *Browser) Screenshot(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("TALLY_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, s)
}
