package native

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/pipeline"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/testfiles"
)

// configuredSources is a pipeline with one configured source, "s3-cur".
type configuredSources struct{ Sources }

func (configuredSources) Specs() []pipeline.Spec {
	return []pipeline.Spec{{Name: "s3-cur", Provider: "aws"}}
}

// newImportsServer is the native API with uploads over an in-memory
// store; uploads are kept in the returned folder.
func newImportsServer(t *testing.T) (*httptest.Server, *tenant.Service, string) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tenants, err := tenant.Open(ctx, &tenant.MemRepo{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	api := New(engine.New(st), tenants, nil)
	api.SetSources(configuredSources{})
	api.SetImports(func(ctx context.Context, paths []string, opt ingest.Options) (*ingest.Summary, error) {
		return ingest.Run(ctx, st, paths, opt)
	}, dir)
	mux := http.NewServeMux()
	api.Register(mux)
	return serveAs(t, tenants, mux), tenants, dir
}

// upload posts body as a bill file, as the browser does (the no-auth
// administrator unless key is given).
func upload(t *testing.T, srv *httptest.Server, key, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	for _, v := range tenancyVolatile {
		out = v.re.ReplaceAll(out, []byte(v.repl))
	}
	out = volatile.ReplaceAll(out, []byte(`"$1": "<time>"`))
	return res.StatusCode, out
}

// badCost is the CUR sample with a cost that is not a number on its
// third line.
func badCost(t *testing.T, cur []byte) []byte {
	t.Helper()
	lines := strings.SplitN(string(cur), "\n", 4)
	cells := strings.Split(lines[2], ",")
	col := slices.Index(strings.Split(lines[0], ","), "lineItem/UnblendedCost")
	if col < 0 {
		t.Fatal("the sample has no lineItem/UnblendedCost column")
	}
	cells[col] = "twelve"
	lines[2] = strings.Join(cells, ",")
	return []byte(strings.Join(lines, "\n"))
}

// columnSum adds up a CSV column exactly, reading the file on its own
// (encoding/csv, math/big), not through the importer under test.
func columnSum(t *testing.T, file []byte, column string) *big.Rat {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(file))
	cr.FieldsPerRecord = -1 // the sample's rows stop at their last value
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], column)
	sum := new(big.Rat)
	for _, r := range rows[1:] {
		v, ok := new(big.Rat).SetString(r[col])
		if !ok {
			t.Fatalf("%q is not a number", r[col])
		}
		sum.Add(sum, v)
	}
	return sum
}

// TestImportsEndpoint uploads a CUR sample as a browser does: its
// snapshot is created, a second upload of the same period replaces it, a
// malformed file is refused naming file, line and column with the data
// unchanged, and only administrators of the whole data may upload.
func TestImportsEndpoint(t *testing.T) {
	srv, tenants, dir := newImportsServer(t)
	ctx := context.Background()
	cur, err := os.ReadFile(testfiles.Shared(t, "aws", "cur-legacy-slash-columns.csv"))
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := tenants.CreateOrg(ctx, tenant.System, tenant.OrgSpec{Name: "Team B"})
	if err != nil {
		t.Fatal(err)
	}
	key := func(role tenant.Role, org int64) string {
		k, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: string(role), Role: role, OrgID: org})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	viewer, adminB := key(tenant.RoleViewer, 0), key(tenant.RoleAdmin, orgB.ID)
	const path = "/api/v1/imports?provider=aws&source=uploads&name=cur-legacy-slash-columns.csv"
	step := func(name, key, path string, body []byte, status int) []byte {
		t.Helper()
		code, out := upload(t, srv, key, path, body)
		if code != status {
			t.Fatalf("%s: %d, want %d: %s", path, code, status, out)
		}
		golden.Assert(t, name, out)
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Fatalf("%s: the upload folder keeps %d entries", path, len(left))
		}
		return out
	}
	snapshots := func(name, key string) {
		t.Helper()
		code, out := call(t, srv, key, "GET", "/api/v1/snapshots?source=uploads", "")
		if code != http.StatusOK {
			t.Fatalf("snapshots: %d %s", code, out)
		}
		golden.Assert(t, name, volatile.ReplaceAll(out, []byte(`"$1": "<time>"`)))
	}
	first := step("imports_cur", "", path, cur, http.StatusCreated)
	var res struct {
		Snapshots []struct {
			Totals []totalJSON `json:"totals"`
		} `json:"snapshots"`
	}
	if err := json.Unmarshal(first, &res); err != nil || len(res.Snapshots) != 1 || len(res.Snapshots[0].Totals) != 1 {
		t.Fatalf("upload answer %s: %v", first, err)
	}
	got, ok := new(big.Rat).SetString(res.Snapshots[0].Totals[0].Costs["billed"])
	if want := columnSum(t, cur, "lineItem/UnblendedCost"); !ok || got.Cmp(want) != 0 {
		t.Fatalf("billed total %s, want the exact sum of the file's costs %s", res.Snapshots[0].Totals[0].Costs["billed"], want.FloatString(25))
	}
	step("imports_cur_again", "", path, cur, http.StatusCreated)
	snapshots("imports_snapshots_replaced", "")
	step("error_imports_malformed", "", strings.Replace(path, "name=cur-legacy-slash-columns.csv", "name=bad.csv", 1), badCost(t, cur), http.StatusBadRequest)
	snapshots("imports_snapshots_after_failure", "")

	step("error_imports_viewer", viewer, path, cur, http.StatusForbidden)
	step("error_imports_other_org_admin", adminB, path, cur, http.StatusForbidden)
	snapshots("imports_snapshots_other_org", adminB)

	step("error_imports_no_provider", "", "/api/v1/imports?source=uploads", cur, http.StatusBadRequest)
	step("error_imports_no_source", "", "/api/v1/imports?provider=aws", cur, http.StatusBadRequest)
	step("error_imports_param", "", path+"&sorce=x", cur, http.StatusBadRequest)
	step("error_imports_source_control", "", "/api/v1/imports?provider=aws&source=a%0Ab", cur, http.StatusBadRequest)
	step("error_imports_source_long", "", "/api/v1/imports?provider=aws&source="+strings.Repeat("s", 256), cur, http.StatusBadRequest)
	step("error_imports_format", "", path+"&format=xlsx", cur, http.StatusBadRequest)
	step("error_imports_name", "", "/api/v1/imports?provider=aws&source=uploads&name=..", cur, http.StatusBadRequest)
	step("error_imports_empty", "", path, nil, http.StatusBadRequest)
	step("error_imports_configured_source", "", "/api/v1/imports?provider=aws&source=s3-cur", cur, http.StatusConflict)
	step("error_imports_not_a_bill", "", "/api/v1/imports?provider=aws&source=uploads&name=notes.txt", []byte("hello\nworld\n"), http.StatusBadRequest)
}

// TestImportsAudit: an upload is recorded in the audit log with its
// author, file and snapshots.
func TestImportsAudit(t *testing.T) {
	srv, tenants, _ := newImportsServer(t)
	cur, err := os.ReadFile(testfiles.Shared(t, "aws", "cur-snake-case-columns.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if code, out := upload(t, srv, "", "/api/v1/imports?provider=aws&source=up&name=cur.csv", cur); code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, out)
	}
	entries, err := tenants.Audit(context.Background(), tenant.System, tenant.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == "import" && e.ObjectID == "up" && strings.Contains(e.Detail, "file=cur.csv") {
			return
		}
	}
	t.Fatalf("no import entry in the audit log: %+v", entries)
}
