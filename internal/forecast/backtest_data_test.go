package forecast_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/forecast"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/synth"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/testfiles"
)

// The back-test behind BENCHMARKS.md ("Issue 22: forecast back-test"):
//
//	go test ./internal/forecast -run TestBacktest -v
//
// It scores the three methods from every origin with at least
// backtestTrain days before it (the same days for every method), on the
// demo data set (the 120 days `tally demo` serves, from a fixed start so
// that the numbers repeat) and on each file of ../shared/testdata whose
// history is long enough, and prints MAE and MAPE per horizon. "auto"
// is what the API uses: at each origin, the method Select picks from the
// days before it alone. The assertion is only that auto is no worse than
// the last-value baseline on the demo's totals.

const (
	demoDays      = 120
	backtestTrain = 28
)

var demoStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

var methods = []forecast.Method{forecast.Auto, forecast.HoltWinters, forecast.SeasonalNaive, forecast.Naive}

func TestBacktest(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests the 120-day demo data set")
	}
	ctx := tenant.WithPrincipal(context.Background(), tenant.NoAuth)
	st := openStore(t)
	dir := t.TempDir()
	files, err := synth.Demo(dir, demoStart, demoDays)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, f := range files {
		if _, err := ingest.Run(ctx, st, []string{f.Path}, ingest.Options{Source: f.Source, Provider: f.Provider, Logger: quiet}); err != nil {
			t.Fatal(err)
		}
	}
	w := cost.Window{Start: demoStart, End: demoStart.AddDate(0, 0, demoDays)}
	report := func(name string, y []float64, ms []forecast.Method) map[forecast.Method]map[int]forecast.Errors {
		out := map[forecast.Method]map[int]forecast.Errors{}
		for _, h := range []int{1, 7, 14} {
			for _, m := range ms {
				e, err := forecast.Backtest(y, m, backtestTrain, h)
				if err != nil {
					t.Fatal(err)
				}
				if out[m] == nil {
					out[m] = map[int]forecast.Errors{}
				}
				out[m][h] = e
				t.Logf("%-32s h=%-2d %s", name, h, e)
			}
		}
		return out
	}
	for _, group := range []cost.Dimension{"", cost.DimProvider} {
		for key, y := range dailyTotals(t, ctx, st, w, group) {
			// Auto selects at every origin, which is slow: the totals only.
			ms := methods
			if group != "" {
				ms = methods[1:]
			}
			res := report("demo "+key, forecast.Floats(y), ms)
			if group == "" {
				for _, h := range []int{1, 7, 14} {
					if au, nv := res[forecast.Auto][h], res[forecast.Naive][h]; au.MAE > nv.MAE {
						t.Errorf("demo %s h=%d: auto MAE %.2f worse than naive %.2f", key, h, au.MAE, nv.MAE)
					}
				}
			}
		}
	}

	// The shared real exports: each file on its own, scored where its
	// history is long enough for the seasonal methods.
	shared := testfiles.Shared(t)
	for _, f := range sharedFiles(t, shared) {
		st := openStore(t)
		if _, err := ingest.Run(ctx, st, []string{f.path}, ingest.Options{Source: "bt", Provider: f.provider, Logger: quiet}); err != nil {
			t.Logf("%s: not ingested: %v", f.rel, err)
			continue
		}
		// Twenty years of days: under the engine's 10,000 buckets.
		wide := cost.Window{Start: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)}
		for key, y := range dailyTotals(t, ctx, st, wide, "") {
			y = trim(y)
			// Five weeks: four to train on, one to score.
			if len(y) < backtestTrain+forecast.Season {
				t.Logf("%-32s %d days of history: too short to back-test", f.rel+" "+key, len(y))
				continue
			}
			for _, m := range methods {
				e, err := forecast.Backtest(forecast.Floats(y), m, backtestTrain, 7)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%-32s h=7  %s", f.rel+" "+key, e)
			}
		}
	}
}

func openStore(t *testing.T) *duckdb.Store {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// dailyTotals is the billed cost of every day of w through the engine,
// per billing currency (and per group value), days without cost zero.
func dailyTotals(t *testing.T, ctx context.Context, st store.Store, w cost.Window, group cost.Dimension) map[string][]decimal.Decimal {
	t.Helper()
	q := query.Query{Window: w, Step: query.Days(1), Metrics: []cost.Metric{cost.Billed}, Scope: scope.All(), NoKubernetes: true}
	if group != "" {
		q.GroupBy = []cost.Dimension{group}
	}
	res, err := engine.New(st).Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]decimal.Decimal{}
	for _, r := range res.Rows {
		key := r.Currency
		if group != "" {
			key = r.Keys[0] + " " + r.Currency
		}
		if out[key] == nil {
			out[key] = make([]decimal.Decimal, w.Days())
		}
		i := int(r.Start.Sub(w.Start) / (24 * time.Hour))
		out[key][i] = out[key][i].Add(r.Values[0])
	}
	return out
}

// trim drops the days before the first cost and after the last.
func trim(y []decimal.Decimal) []decimal.Decimal {
	first, last := -1, -1
	for i, d := range y {
		if !d.IsZero() {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	return y[first : last+1]
}

type sharedFile struct{ rel, path, provider string }

// sharedFiles lists the CSV exports of ../shared/testdata with the
// provider their folder names (focus, aws, azure, gcp).
func sharedFiles(t *testing.T, root string) []sharedFile {
	t.Helper()
	var out []sharedFile
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !(strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".tar.gz")) {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasSuffix(p, ".tar.gz") {
			// A bucket laid out on disk: ingest reads the folder.
			p = untar(t, p)
		}
		out = append(out, sharedFile{rel: rel, path: p, provider: strings.Split(rel, string(filepath.Separator))[0]})
		return nil
	})
	if err != nil {
		t.Skipf("no shared test data: %v", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out
}

// untar extracts a .tar.gz into a temporary folder and returns it.
func untar(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
				var out *os.File
				if out, err = os.Create(target); err == nil {
					_, err = io.Copy(out, tr)
					out.Close()
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
