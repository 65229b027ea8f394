package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

// TestStateBesideCosts: the state store Open pairs with the cost store
// keeps documents and tenants across a reopen, beside the costs, whether
// the database is named by URL or by plain path.
func TestStateBesideCosts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tally.duckdb")
	st, err := Open(ctx, "duckdb://"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Location.Path != path {
		t.Fatalf("location %+v, want the path %s", st.Location, path)
	}
	storetest.Load(t, st.Cost, "aws", storetest.Item("111", "AmazonEC2", storetest.Day(3, 1), "10"))
	if err := st.State.PutDocuments(ctx, "test.kind", map[string][]byte{"a": []byte(`{"n":1}`), "b": []byte(`{"n":2}`)}); err != nil {
		t.Fatal(err)
	}
	if err := st.State.DeleteDocument(ctx, "test.kind", "b"); err != nil {
		t.Fatal(err)
	}
	tenants, err := tenant.Open(ctx, st.State)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "ops", Role: tenant.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	again, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	docs, err := again.State.Documents(ctx, "test.kind")
	if err != nil || !reflect.DeepEqual(docs, map[string][]byte{"a": []byte(`{"n":1}`)}) {
		t.Fatalf("documents after reopening: %q, %v", docs, err)
	}
	tenants, err = tenant.Open(ctx, again.State)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := tenants.Authenticate(secret); err != nil || p.Role != tenant.RoleAdmin {
		t.Fatalf("the key after reopening: %+v, %v", p, err)
	}
	snaps, err := again.Cost.Snapshots(ctx, store.SnapshotFilter{Status: store.StatusComplete, Scope: scope.All()})
	if err != nil || len(snaps) != 1 || snaps[0].Rows != 1 {
		t.Fatalf("snapshots after reopening: %+v, %v", snaps, err)
	}
	if got := storetest.Total(t, again.Cost, cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}, cost.Billed); got != "10" {
		t.Fatalf("costs after reopening: %s, want 10", got)
	}
}

// TestStateConformance: the state store of a fresh database passes the
// tenant.Repo suite.
func TestStateConformance(t *testing.T) {
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "tally.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tenanttest.Run(t, st.State)
}

// TestRelativeURL: duckdb://name is relative to the working directory.
func TestRelativeURL(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("data", 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), "duckdb://data/rel.duckdb", Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := os.Stat(filepath.Join(dir, "data", "rel.duckdb")); err != nil {
		t.Fatalf("duckdb://data/rel.duckdb made no file in the working directory: %v", err)
	}
}

// setting opens dsn and reads DuckDB's current value of name.
func setting(t *testing.T, dsn string, opt Options, name string) string {
	t.Helper()
	ctx := context.Background()
	st, err := Open(ctx, dsn, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got string
	if err := st.Cost.(*duckdb.Store).DB().QueryRowContext(ctx, `SELECT current_setting(?)::VARCHAR`, name).Scan(&got); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestMemoryLimit: the URL's memory_limit reaches DuckDB and wins over
// the options'.
func TestMemoryLimit(t *testing.T) {
	limit := func(dsn string, opt Options) string { return setting(t, dsn, opt, "memory_limit") }
	path := filepath.Join(t.TempDir(), "tally.duckdb")
	opt := limit(path, Options{MemoryLimit: "300MB"})
	url := limit("duckdb://"+path+"?memory_limit=600MB", Options{MemoryLimit: "300MB"})
	if opt == url {
		t.Fatalf("memory_limit of the URL did not win over the options': both %s", opt)
	}
	if want := limit("duckdb://"+path+"?memory_limit=600MB", Options{}); url != want {
		t.Fatalf("memory_limit with options %s, without %s", url, want)
	}
}

// TestThreads: the URL's threads reaches DuckDB; without it DuckDB keeps
// its default.
func TestThreads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tally.duckdb")
	threads := func(dsn string) string { return setting(t, dsn, Options{}, "threads") }
	if got := threads("duckdb://" + path + "?threads=1"); got != "1" {
		t.Errorf("threads=1: DuckDB runs %s", got)
	}
	if got := threads("duckdb://" + path + "?threads=3"); got != "3" {
		t.Errorf("threads=3: DuckDB runs %s", got)
	}
	if got, want := threads(path), strconv.Itoa(runtime.NumCPU()); got != want {
		t.Errorf("no threads: DuckDB runs %s, want its default of one per core (%s)", got, want)
	}
}

// TestOpenRefusesBeforeOpening: an invalid --db opens nothing.
func TestOpenRefusesBeforeOpening(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{"", "clickhouse://localhost:9000/tally", "sqlite://" + filepath.Join(dir, "x.db")} {
		if st, err := Open(context.Background(), dsn, Options{}); !errors.Is(err, ErrInvalid) || st != nil {
			t.Errorf("Open(%q) = %v, %v; want ErrInvalid", dsn, st, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a refused --db left files: %v", entries)
	}
}
