package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/source"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/synth"
)

var ctx = context.Background()

// testKeys seals the credentials of the sources tests store.
var testKeys = secret.StaticKeys(func() *secret.Key {
	k, err := secret.ParseKey(secret.GenerateKey())
	if err != nil {
		panic(err)
	}
	return k
}())

// bills writes a synthetic AWS bill of rows rows over Jan-Feb 2024 into
// a new folder and returns it.
func bills(t *testing.T, rows int64) string {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "cur.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := synth.Write(f, synth.Options{Provider: "aws", Rows: rows, Days: 40, Start: time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC), Seed: 7}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newRunner(t *testing.T, specs ...Spec) (*Runner, *duckdb.Store) {
	t.Helper()
	st, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "t.duckdb"), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := New(ctx, st, DocRepo(st, testKeys, nil), Config{CacheDir: t.TempDir(), Sources: specs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r, st
}

// wait returns the status of key once no run is active.
func wait(t *testing.T, r *Runner, key string) SourceStatus {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		for _, s := range r.Status() {
			if s.Key == key && !s.Active {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("source %s still running", key)
	return SourceStatus{}
}

func total(t *testing.T, st store.Store, source string) (string, int64) {
	t.Helper()
	res, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: cost.Window{Start: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
		Metrics: []cost.Metric{cost.Billed}, Filter: nil})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) == 0 {
		return "0", 0
	}
	return res.Rows[0].Values[0].String(), res.Rows[0].Items
}

func TestRebuildAndRepair(t *testing.T) {
	dir := bills(t, 2000)
	r, st := newRunner(t, Spec{Name: "aws-main", Provider: "aws", Location: source.Config{URL: dir}})
	if err := r.Rebuild("aws-main"); err != nil {
		t.Fatal(err)
	}
	s := wait(t, r, "aws-main")
	if s.ConnectionStatus != ConnectionSuccessful || s.Runs != 1 || s.Rows != 2000 || s.Files != 1 || s.Progress != 1 || s.LastError != "" {
		t.Fatalf("after a rebuild: %+v", s)
	}
	if !s.Coverage.Start.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) || !s.Coverage.End.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("coverage %+v, want January and February 2024", s.Coverage)
	}
	want, items := total(t, st, "aws-main")
	if items != 2000 {
		t.Fatalf("%d items after the rebuild", items)
	}
	// Superseded snapshots of files restated in place are pruned once a
	// newer import supersedes them (the default retention policy).
	snaps := func() (complete, superseded, deleted int) {
		list, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "aws-main"})
		if err != nil {
			t.Fatal(err)
		}
		for _, sn := range list {
			switch sn.Status {
			case store.StatusComplete:
				complete++
			case store.StatusSuperseded:
				superseded++
			case store.StatusDeleted:
				deleted++
			}
		}
		return
	}
	// Repairing February replaces February only.
	feb := cost.Window{Start: time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 2, 4, 0, 0, 0, 0, time.UTC)}
	if err := r.Repair(feb, "aws-main"); err != nil {
		t.Fatal(err)
	}
	s = wait(t, r, "aws-main")
	if s.Runs != 2 || s.ConnectionStatus != ConnectionSuccessful {
		t.Fatalf("after a repair: %+v", s)
	}
	if c, sup, del := snaps(); c != 2 || sup != 0 || del != 1 {
		t.Fatalf("after repairing February: %d complete, %d superseded and %d deleted snapshots, want 2, 0 and 1", c, sup, del)
	}
	if len(s.Pruned) != 1 || s.Pruned[0].PeriodStart.Month() != time.February {
		t.Fatalf("after repairing February, pruned %+v; want February's previous snapshot", s.Pruned)
	}
	if got, n := total(t, st, "aws-main"); got != want || n != 2000 {
		t.Fatalf("total after the repair %s over %d items, want %s over 2000 (no double counting)", got, n, want)
	}
	// A rebuild of all sources replaces both months.
	if err := r.Rebuild(""); err != nil {
		t.Fatal(err)
	}
	wait(t, r, "aws-main")
	if c, sup, del := snaps(); c != 2 || sup != 0 || del != 3 {
		t.Fatalf("after rebuilding: %d complete, %d superseded and %d deleted snapshots, want 2, 0 and 3", c, sup, del)
	}
	if err := r.Rebuild("nope"); !errors.Is(err, ErrUnknownSource) {
		t.Fatalf("unknown source: %v", err)
	}
	if err := r.Repair(cost.Window{}, "aws-main"); err == nil {
		t.Fatal("an empty repair window was accepted")
	}
}

// TestSecondRebuildCancelsFirst: the first run is cancelled, the second
// completes, and nothing is counted twice.
func TestSecondRebuildCancelsFirst(t *testing.T) {
	dir := bills(t, 60000)
	r, st := newRunner(t, Spec{Name: "s", Provider: "aws", Location: source.Config{URL: dir}})
	if err := r.Rebuild("s"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if err := r.Rebuild("s"); err != nil {
		t.Fatal(err)
	}
	s := wait(t, r, "s")
	if s.ConnectionStatus != ConnectionSuccessful || s.LastError != "" {
		t.Fatalf("after two rebuilds: %+v", s)
	}
	if _, n := total(t, st, "s"); n != 60000 {
		t.Fatalf("%d items after two rebuilds, want 60000", n)
	}
}

func TestFailures(t *testing.T) {
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "cur.csv"), []byte("not,a,bill\n1,2,3\n"), 0o644)
	empty := t.TempDir()
	r, _ := newRunner(t,
		Spec{Name: "bad", Provider: "aws", Location: source.Config{URL: bad}},
		Spec{Name: "empty", Provider: "aws", Location: source.Config{URL: empty}},
		Spec{Name: "gone", Provider: "aws", Location: source.Config{URL: filepath.Join(empty, "missing")}},
	)
	if err := r.Rebuild(""); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]ConnectionStatus{"bad": ParseError, "empty": DataMissing, "gone": DataMissing} {
		s := wait(t, r, key)
		if s.ConnectionStatus != want || s.LastError == "" || s.Runs != 1 {
			t.Errorf("%s: %+v, want %s with the error", key, s, want)
		}
	}
}

func TestSourcesPersistAndSchedule(t *testing.T) {
	dir := bills(t, 500)
	r, st := newRunner(t)
	if err := r.Add(ctx, Spec{Name: "api-src", Provider: "aws", Location: source.Config{URL: dir}, Refresh: "1h"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(ctx, Spec{Name: "api-src", Provider: "aws", Location: source.Config{URL: dir}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("adding a source twice: %v", err)
	}
	if err := r.Add(ctx, Spec{Name: "../x", Provider: "aws", Location: source.Config{URL: dir}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a name that escapes the cache folder: %v", err)
	}
	// A new runner over the same database finds the source.
	r2, err := New(ctx, st, DocRepo(st, testKeys, nil), Config{CacheDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if specs := r2.Specs(); len(specs) != 1 || specs[0].Name != "api-src" || specs[0].Refresh != "1h" {
		t.Fatalf("sources after reopening: %+v", specs)
	}
	// The schedule runs a due source at once, then every refresh period.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r2.Run(runCtx); close(done) }()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if s := r2.Status()[0]; s.Runs == 1 && !s.Active {
			// The first run of a source without data reads every period
			// (the bill is from 2024, outside the scheduled window).
			if s.NextRun.Sub(s.LastRun) != time.Hour || s.ConnectionStatus != ConnectionSuccessful || s.Rows != 500 {
				t.Fatalf("after the scheduled run: %+v", s)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if err := r2.Remove(ctx, "api-src"); err != nil {
		t.Fatal(err)
	}
	r3, _ := New(ctx, st, DocRepo(st, testKeys, nil), Config{CacheDir: t.TempDir()}, nil)
	if len(r3.Specs()) != 0 {
		t.Fatalf("a removed source came back: %+v", r3.Specs())
	}
	if s := scheduledWindow(time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC)); !s.Start.Equal(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)) || !s.End.Equal(time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("scheduled window %+v, want February and March", s)
	}
}

func TestConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tally.json")
	f := func(body, wantErr string) {
		t.Helper()
		os.WriteFile(path, []byte(body), 0o644)
		_, err := LoadConfig(path)
		if (wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("LoadConfig(%s) = %v, want %q", body, err, wantErr)
		}
	}
	f(`{"sources":[{"name":"a","provider":"aws","location":{"url":"/tmp"}}]}`, "")
	f(`{"sources":[{"name":"a","provider":"aws","location":{"url":"/tmp"}},{"name":"a","provider":"gcp","location":{"url":"/tmp"}}]}`, "configured twice")
	f(`{"sources":[{"name":"a","provider":"oracle","location":{"url":"/tmp"}}]}`, `provider "oracle"`)
	f(`{"sources":[{"name":"a","provider":"aws","location":{"url":"/tmp"},"refresh":"1s"}]}`, "at least 1m")
	f(`{"source":[]}`, "unknown field")
	f(`{"retention":{"runMonths":3,"otherMonths":-1},"sources":[]}`, "")
	f(`{"retention":{"months":3},"sources":[]}`, "unknown field")
	// Location fields are stored and shown: bounded UTF-8 text; an inline
	// JSON credential may span lines (it then fails for its own reason).
	f(`{"sources":[{"name":"a","provider":"aws","location":{"url":"/tmp/`+strings.Repeat("x", 4096)+`"}}]}`, "location.url is longer than 4096 characters")
	f(`{"sources":[{"name":"a","provider":"aws","location":{"url":"s3://bills/p","region":"us-east-1\u0000"}}]}`, "location.region holds a control character")
	f(`{"sources":[{"name":"a","provider":"gcp","location":{"url":"gs://bucket/p","credentials_json":"{\n \"type\": \"x\"\n}"}}]}`, `GCS credentials of type "x"`)
}
