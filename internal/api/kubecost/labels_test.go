package kubecost

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
	"github.com/tally-cost/tally/internal/testfiles"
)

// taggedCUR copies the real CUR name of ../shared/testdata/aws into dir
// with a tag column added (header col, the tag's value on row i from
// value), and returns the copy's path and the unblended cost of each
// value, summed exactly over the file's own column.
func taggedCUR(t *testing.T, dir, name, col, costCol string, value func(i int) string) (string, map[string]*big.Rat) {
	t.Helper()
	f, err := os.Open(testfiles.Shared(t, "aws", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // the legacy CUR's rows are ragged
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ci := -1
	for i, h := range recs[0] {
		if h == costCol {
			ci = i
		}
	}
	if ci < 0 {
		t.Fatalf("%s: no column %s", name, costCol)
	}
	sums := map[string]*big.Rat{}
	n := len(recs[0])
	recs[0] = append(recs[0], col)
	for i, rec := range recs[1:] {
		v := value(i)
		for len(rec) < n {
			rec = append(rec, "")
		}
		recs[i+1] = append(rec, v)
		c, ok := new(big.Rat).SetString(rec[ci])
		if !ok {
			t.Fatalf("%s row %d: cost %q", name, i+2, rec[ci])
		}
		if sums[v] == nil {
			sums[v] = new(big.Rat)
		}
		sums[v].Add(sums[v], c)
	}
	path := filepath.Join(dir, name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	w.WriteAll(recs)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path, sums
}

// curServer serves the API over real CURs: the legacy CSV with a
// `resourceTags/user:team` column and the snake_case CUR with a
// `resource_tags_user_team` column added (its `resource_tags_aws_created_by`
// is the file's own), and returns the expected invoiced cost per team.
func curServer(t *testing.T) (*httptest.Server, map[string]*big.Rat) {
	t.Helper()
	dir := t.TempDir()
	teams := []string{"alpha", "beta", ""}
	legacy, want := taggedCUR(t, dir, "cur-legacy-slash-columns.csv", "resourceTags/user:team", "lineItem/UnblendedCost",
		func(i int) string { return teams[i%3] })
	snake, more := taggedCUR(t, dir, "cur-snake-case-columns.csv", "resource_tags_user_team", "line_item_unblended_cost",
		func(i int) string { return teams[i%2] })
	for k, v := range more {
		want[k].Add(want[k], v)
	}
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, p := range []string{legacy, snake} {
		if _, err := ingest.Run(ctx, st, []string{p}, ingest.Options{Source: filepath.Base(p), Provider: "aws"}); err != nil {
			t.Fatal(err)
		}
	}
	api := New(engine.New(st), nil, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	return srv, want
}

// invoiced asks /model/cloudCost for the whole of the CURs' time, one
// set, and returns each key's invoicedCost.
func invoiced(t *testing.T, srv *httptest.Server, aggregate, filter string) map[string]*big.Rat {
	t.Helper()
	v := url.Values{"window": {"2000-01-01T00:00:00Z,2100-01-01T00:00:00Z"}, "accumulate": {"true"}, "aggregate": {aggregate}}
	if filter != "" {
		v.Set("filter", filter)
	}
	code, _, body := get(t, srv, "/model/cloudCost?"+v.Encode())
	if code != http.StatusOK {
		t.Fatalf("aggregate=%s filter=%s: %d %s", aggregate, filter, code, body)
	}
	var r struct {
		Data struct {
			Sets []struct {
				CloudCosts map[string]struct {
					Properties struct {
						Labels map[string]string `json:"labels"`
					} `json:"properties"`
					InvoicedCost struct {
						Cost json.Number `json:"cost"`
					} `json:"invoicedCost"`
				} `json:"cloudCosts"`
			} `json:"sets"`
		} `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	out := map[string]*big.Rat{}
	for _, s := range r.Data.Sets {
		for k, c := range s.CloudCosts {
			x, ok := new(big.Rat).SetString(c.InvoicedCost.Cost.String())
			if !ok {
				t.Fatalf("%s: cost %q", k, c.InvoicedCost.Cost)
			}
			out[k] = x
		}
	}
	return out
}

func sameCosts(t *testing.T, what string, got map[string]*big.Rat, want map[string]*big.Rat) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got keys %v, want %v", what, got, want)
		return
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g.Cmp(w) != 0 {
			t.Errorf("%s: %s = %v, want %s", what, k, got[k], w.FloatString(20))
		}
	}
}

// TestLabelsOnCUR: on real CURs whose tags are stored under the bill's
// keys (`user:team` from the legacy CSV, `user_team` from snake_case
// columns, `aws_created_by`), Kubecost's label:team, label[team],
// label:"team" and aggregate=label:team read them as OpenCost names them,
// with __unallocated__ for items without the tag; the stored keys are
// unchanged (the native API's view).
func TestLabelsOnCUR(t *testing.T) {
	srv, want := curServer(t)
	all := new(big.Rat)
	for _, v := range want {
		all.Add(all, v)
	}
	byTeam := map[string]*big.Rat{"alpha": want["alpha"], "beta": want["beta"], unallocated: want[""]}
	sameCosts(t, "aggregate=label:team", invoiced(t, srv, "label:team", ""), byTeam)
	sameCosts(t, `label[team]:"alpha"`, invoiced(t, srv, "label:team", `label[team]:"alpha"`),
		map[string]*big.Rat{"alpha": want["alpha"]})
	sameCosts(t, `label[team]:"__unallocated__"`, invoiced(t, srv, "label:team", `label[team]:"__unallocated__"`),
		map[string]*big.Rat{unallocated: want[""]})
	tagged := new(big.Rat).Add(want["alpha"], want["beta"])
	sameCosts(t, `label:"team"`, invoiced(t, srv, "provider", `label:"team"`), map[string]*big.Rat{"AWS": tagged})
	sameCosts(t, `label!:"team"`, invoiced(t, srv, "provider", `label!:"team"`), map[string]*big.Rat{"AWS": want[""]})
	sameCosts(t, `label<~:"tea"`, invoiced(t, srv, "provider", `label<~:"tea"`), map[string]*big.Rat{"AWS": tagged})
	sameCosts(t, `label~>:"eam"`, invoiced(t, srv, "provider", `label~>:"eam"`), map[string]*big.Rat{"AWS": tagged})
	// The bill's own spellings are not Kubecost label names.
	for _, f := range []string{`label[user:team]:"alpha"`, `label[user_team]:"alpha"`, `label:"user:team","user_team"`} {
		sameCosts(t, f, invoiced(t, srv, "provider", f), map[string]*big.Rat{})
	}
	// The snake_case CUR's own AWS tag, as OpenCost names it.
	got := invoiced(t, srv, "label:aws_created_by", `label:"aws_created_by"`)
	if len(got) != 1 || got["IAMUser:fake:and"] == nil {
		t.Errorf("label:aws_created_by: got %v, want one key IAMUser:fake:and", got)
	}
	total := invoiced(t, srv, "provider", "")
	if total["AWS"] == nil || total["AWS"].Cmp(all) != 0 {
		t.Errorf("total %v, want %s", total, all.FloatString(20))
	}
}

// TestNamesFallBackToIDs: a CUR has no account or billing account names,
// so accountName and invoiceEntityName show the ids (OpenCost's rule),
// in keys and filters alike; a registered sub-account name still wins.
func TestNamesFallBackToIDs(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	path := testfiles.Shared(t, "aws", "cur-legacy-slash-columns.csv")
	if _, err := ingest.Run(ctx, st, []string{path}, ingest.Options{Source: "cur", Provider: "aws"}); err != nil {
		t.Fatal(err)
	}
	e := engine.New(st)
	reg := registry.New(&registry.MemRepo{})
	e.SetRegistry(reg)
	ids := func(d cost.Dimension) []string {
		t.Helper()
		res, err := e.Query(tenant.WithPrincipal(ctx, tenant.NoAuth), query.Query{
			Window:  cost.Window{Start: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
			Metrics: []cost.Metric{cost.Billed}, GroupBy: []cost.Dimension{d}, Sort: []query.Order{query.Key(0, false)},
		})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range res.Rows {
			out = append(out, r.Keys[0])
		}
		return out
	}
	accounts, payers := ids(cost.DimSubAccountID), ids(cost.DimBillingAccountID)
	if len(accounts) == 0 || len(payers) != 1 {
		t.Fatalf("the CUR has accounts %v and payers %v; the test wants accounts and one payer", accounts, payers)
	}
	api := New(e, nil, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)

	keys := func(aggregate, filter string) map[string]bool {
		t.Helper()
		out := map[string]bool{}
		for k := range invoiced(t, srv, aggregate, filter) {
			out[k] = true
		}
		return out
	}
	names := keys("accountName", "")
	for _, a := range accounts {
		if !names[a] || len(names) != len(accounts) {
			t.Errorf("accountName keys %v, want the account ids %v", names, accounts)
		}
	}
	if got := keys("invoiceEntityName", ""); len(got) != 1 || !got[payers[0]] {
		t.Errorf("invoiceEntityName keys %v, want %s", got, payers[0])
	}
	if got := keys("accountID", `accountName:"`+accounts[0]+`"`); len(got) != 1 || !got[accounts[0]] {
		t.Errorf("accountName filter: keys %v, want %s", got, accounts[0])
	}
	if got := keys("accountID", `accountName:"__unallocated__"`); len(got) != 0 {
		t.Errorf("accountName:__unallocated__: keys %v, want none", got)
	}

	named := "Production"
	if _, err := reg.Register(tenant.WithPrincipal(ctx, tenant.NoAuth), registry.Entry{Kind: registry.SubAccount, Key: accounts[0], Name: &named}); err != nil {
		t.Fatal(err)
	}
	names = keys("accountName", "")
	if !names[named] || names[accounts[0]] || len(names) != len(accounts) {
		t.Errorf("with %s registered as %s: accountName keys %v", accounts[0], named, names)
	}
}
