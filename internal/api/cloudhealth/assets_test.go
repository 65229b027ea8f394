package cloudhealth

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/assetindex"
	"github.com/tally-cost/tally/internal/customtag"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
	"github.com/tally-cost/tally/internal/testfiles"
)

// assetSamples are the real exports the asset tests load: two small
// CURs (one with tags, the latest data of all, so that only its assets
// are active), the legacy CUR with 20 instances (paging), an Azure
// legacy export with a tagged VM and a GCP export.
var assetSamples = []struct{ provider, dir, file string }{
	{"aws", "aws", "cur-legacy-not-final.csv"},
	{"aws", "aws", "cur-snake-case-columns.csv"},
	{"aws", "aws", "cur-legacy-slash-columns.csv"},
	{"azure", "azure", "legacy-pretax-cost.csv"},
	{"gcp", "gcp", "bigquery-export-flat.csv"},
}

// The accounts of the samples.
const (
	acctTagged  = "9999999999999" // cur-legacy-not-final: i-99995555, active
	acctSnake   = "999999"        // cur-snake-case-columns: i-055386473d0b3fc65
	azureSub    = "0039de71-ca37-4a17-a104-17665a50e7fc"
	taggedInst  = "i-99995555"
	snakeInst   = "i-055386473d0b3fc65"
	slashAcct   = "6838635603105"
	slashInst   = "i-80451860"
	environment = `{"schema":{"name":"Environment","include_in_reports":"true",` +
		`"rules":[{"type":"filter","asset":"AzureVm","to":"100","condition":{"clauses":[{"tag_field":["project"],"op":"=","val":"p1"}]}},` +
		`{"type":"categorize","asset":"AwsAsset","tag_field":["costCategory/cost_env"],"ref_id":"200","name":"Cost env"}],` +
		`"merges":[],"constants":[{"type":"Static Group","list":[{"ref_id":"100","name":"Project One"}]},` +
		`{"type":"Dynamic Group Block","list":[{"ref_id":"200","name":"Cost env"}]}]}}`
)

// newAssetServer is newTestServer with the samples loaded and the asset
// index and custom tags set.
func newAssetServer(t *testing.T) *testServer {
	s, _ := newAssetServerStore(t)
	return s
}

// newAssetServerStore is newAssetServer that also returns the store.
func newAssetServerStore(t *testing.T) (*testServer, *duckdb.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.DiscardHandler)
	for _, s := range assetSamples {
		p := testfiles.Shared(t, s.dir, s.file)
		if _, err := ingest.Run(ctx, st, []string{p}, ingest.Options{Source: s.file, Provider: s.provider, Logger: quiet}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := assetindex.Open(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := customtag.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	api := New(engine.New(st), book, quiet)
	api.now = func() time.Time { return testNow }
	api.SetAssets(ix, tags)
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, book: book}, st
}

// searchPath is the path of an asset search with params (name=value pairs).
func searchPath(params ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(params); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(params[i] + "=" + url.QueryEscape(params[i+1]))
	}
	return "/api/search?" + b.String()
}

func statuses(t *testing.T, rs []response, want ...int) {
	t.Helper()
	for i, r := range rs {
		if i < len(want) && r.Status != want[i] {
			t.Errorf("step %d: status %d, want %d: %s", i, r.Status, want[i], r.Body)
		}
	}
}

// TestAssetCatalog: GET /api and its alias, GET /api/:asset with the
// perspective attribute, and an unknown type.
func TestAssetCatalog(t *testing.T) {
	s := newAssetServer(t)
	rs := s.script(t, "assets_catalog", []step{
		{Method: "POST", Path: ps, Body: environment},
		{Method: "GET", Path: "/api"},
		{Method: "GET", Path: "/api.json?api_key=K"},
		{Method: "GET", Path: "/api/AwsInstance"},
		{Method: "GET", Path: "/api/AzureVm/"},
		{Method: "GET", Path: "/api/AwsAccount"},
		{Method: "GET", Path: "/api/AwsInstanceType"},
	})
	statuses(t, rs, 200, 200, 200, 200, 200, 200, 404)
}

// TestAssetSearch: the searches of §6 and §12 over the samples.
func TestAssetSearch(t *testing.T) {
	s := newAssetServer(t)
	rs := s.script(t, "assets_search", []step{
		{Method: "POST", Path: ps, Body: environment},
		// v1: active assets only, every attribute, the perspective group.
		{Method: "GET", Path: searchPath("name", "AwsInstance", "query", "cost_to_date>=0")},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "query", "is_active=1")},
		// v2 sees the inactive ones too: the guide's volume example.
		{Method: "GET", Path: searchPath("api_version", "2", "page", "1", "per_page", "3", "name", "AwsInstance", "query", "is_active=0", "fields", "instance_id,attr_group__1001,account.name")},
		// The openops client joins clauses with & inside the query value.
		{Method: "GET", Path: searchPath("name", "AwsInstance", "query", "instance_id='"+taggedInst+"'&is_active='true'", "api_version", "2", "fields", "name,cost_to_date,tags")},
		{Method: "GET", Path: searchPath("name", "AwsAccount", "query", "owner_id='"+acctTagged+"' and is_active=1")},
		// A field filter as a plain parameter, and include.
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "fields", "instance_id", "instance_id", slashInst)},
		{Method: "GET", Path: searchPath("name", "AzureVm", "api_version", "2", "include", "resource_group")},
		{Method: "GET", Path: searchPath("name", "GcpComputeProject", "api_version", "2", "fields", "project_id,name,cost_to_date,first_seen,last_seen")},
		// Comparison operators.
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "query", "cost_to_date>0.01", "fields", "cost_to_date")},
		// Paging: 21 instances, 10 a page; the third is short, the
		// fourth past the end is [], no page means all of them.
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "fields", "instance_id", "page", "3", "per_page", "10")},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "fields", "instance_id", "page", "4", "per_page", "10")},
		{Method: "GET", Path: searchPath("name", "AwsAccount", "api_version", "2", "fields", "owner_id", "per_page", "1")},
		{Method: "GET", Path: "/api/search.json?name=AwsAccount&api_version=2&fields=owner_id&page=0&per_page=2"},
		// cloudify: a name-only v1 search, the active assets of the type.
		{Method: "GET", Path: "/api/search.json?name=AwsInstance"},
	})
	statuses(t, rs, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)
}

// TestAssetSearchErrors: refusals are 422 {"error": ...}, a query's
// naming the position.
func TestAssetSearchErrors(t *testing.T) {
	s := newAssetServer(t)
	rs := s.script(t, "assets_search_errors", []step{
		{Method: "GET", Path: searchPath("query", "is_active=1")},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "query", "name='unterminated")},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "query", "is_active=1 or name='x'")},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "fields", "instance_id")},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "page", "1", "per_page", "1001")},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "3")},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "fields", "instance_id", "include", "account")},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "include", "volumes")},
		{Method: "GET", Path: searchPath("name", "AwsElasticIp", "api_version", "2")},
	})
	statuses(t, rs, 422, 422, 422, 422, 422, 422, 422, 422, 422)
}

// TestAssetScope: a key scoped to accounts sees only their assets, in
// every search and through relations; an Azure subscription matches
// whatever case the scope spells it in.
func TestAssetScope(t *testing.T) {
	s := newAssetServer(t)
	rs := s.script(t, "assets_scope", []step{
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "fields", "instance_id,account.owner_id"), Header: []string{"X-Test-Accounts", acctTagged}},
		{Method: "GET", Path: searchPath("name", "AwsAccount", "api_version", "2", "fields", "owner_id"), Header: []string{"X-Test-Accounts", acctTagged + "," + acctSnake}},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "fields", "instance_id", "instance_id", slashInst), Header: []string{"X-Test-Accounts", acctTagged}},
		{Method: "GET", Path: searchPath("name", "AzureVm", "api_version", "2", "fields", "name,subscription.subscription_id"), Header: []string{"X-Test-Accounts", strings.ToUpper(azureSub)}},
		{Method: "GET", Path: searchPath("name", "GcpComputeProject", "api_version", "2"), Header: []string{"X-Test-Accounts", acctTagged}},
	})
	statuses(t, rs, 200, 200, 200, 200, 200)
}

func tagBody(groups ...string) string {
	return `{"tag_groups": [` + strings.Join(groups, ", ") + `]}`
}

func tagGroup(typ asset.Type, key string, tags string) string {
	return fmt.Sprintf(`{"asset_type": %q, "ids": [%d], "tags": [%s]}`, typ, asset.ID(typ, key), tags)
}

// TestCustomTags: tags set, changed and removed show among the asset's
// tags and move it between perspective groups; partial failures are 200
// with errors; malformed bodies 422; a viewer may not tag; a scoped
// editor tags only assets of its accounts and sees no other.
func TestCustomTags(t *testing.T) {
	s := newAssetServer(t)
	editor := []string{"X-Test-Role", "editor", "X-Test-Accounts", acctSnake}
	tagged := searchPath("name", "AwsInstance", "api_version", "2", "fields", "instance_id,tags,attr_group__1001", "query", "instance_id='"+taggedInst+"'")
	var tooMany []string
	for i := range 101 {
		tooMany = append(tooMany, fmt.Sprint(i+1))
	}
	rs := s.script(t, "custom_tags", []step{
		{Method: "POST", Path: ps, Body: environment},
		{Method: "GET", Path: tagged},
		// A custom tag beside the provider's, one over a provider tag
		// (which moves the instance to another group), one on an
		// account.
		{Method: "POST", Path: "/v1/custom_tags", Body: tagBody(
			tagGroup(asset.AwsInstance, taggedInst, `{"key": "owner", "value": " Fred "}, {"key": "costCategory/cost_env", "value": "qa"}`),
			tagGroup(asset.AwsAccount, acctTagged, `{"key": "team", "value": 42}`))},
		{Method: "GET", Path: tagged},
		{Method: "GET", Path: searchPath("name", "AwsAccount", "api_version", "2", "fields", "owner_id,tags", "owner_id", acctTagged)},
		// Partial failures: an unknown id, a right id with the wrong
		// type, a key too long, a list value; the good tag applies.
		{Method: "POST", Path: "/v1/custom_tags", Body: `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [12345], "tags": [{"key": "a", "value": "b"}]},` +
			fmt.Sprintf(`{"asset_type": "AwsVolume", "ids": [%d], "tags": [{"key": "a", "value": "b"}]},`, asset.ID(asset.AwsInstance, taggedInst)) +
			fmt.Sprintf(`{"asset_type": "AwsInstance", "ids": [%d], "tags": [{"key": %q, "value": "b"}, {"key": "list", "value": [1]}, {"key": "owner", "value": null}]}]}`, asset.ID(asset.AwsInstance, taggedInst), strings.Repeat("k", 128))},
		{Method: "GET", Path: tagged},
		// Refused whole.
		{Method: "POST", Path: "/v1/custom_tags", Body: `{"tag_groups": [{"asset_type": "AwsInstance", "ids": ["x"]}]}`},
		{Method: "POST", Path: "/v1/custom_tags", Body: `{"tag_groups": `},
		{Method: "POST", Path: "/v1/custom_tags", Body: `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [` + strings.Join(tooMany, ",") + `], "tags": []}]}`},
		{Method: "POST", Path: "/v1/custom_tags", Body: tagBody(tagGroup(asset.AwsInstance, taggedInst, `{"key": "a", "value": "b"}`)), Header: []string{"Content-Type", "application/x-www-form-urlencoded"}},
		// Roles and scope.
		{Method: "POST", Path: "/v1/custom_tags", Body: tagBody(tagGroup(asset.AwsInstance, snakeInst, `{"key": "a", "value": "b"}`)), Header: []string{"X-Test-Role", "viewer"}},
		{Method: "POST", Path: "/v1/custom_tags", Body: tagBody(
			tagGroup(asset.AwsInstance, taggedInst, `{"key": "stolen", "value": "yes"}`),
			tagGroup(asset.AwsInstance, snakeInst, `{"key": "team", "value": "snake"}`)), Header: editor},
		{Method: "GET", Path: searchPath("name", "AwsInstance", "api_version", "2", "fields", "instance_id,tags"), Header: editor},
		{Method: "GET", Path: tagged},
	})
	statuses(t, rs, 200, 200, 200, 200, 200, 200, 200, 422, 422, 422, 422, 403, 200, 200, 200)
}

// TestAssetsFollowIngest: an import committed after the index was
// opened shows in the next search, without a call to Sync: the request
// finds the visible snapshots changed.
func TestAssetsFollowIngest(t *testing.T) {
	s, st := newAssetServerStore(t)
	accounts := step{Method: "GET", Path: searchPath("name", "AwsAccount", "api_version", "2", "fields", "owner_id")}
	count := func() int {
		r := s.call(t, accounts)
		var out []map[string]any
		if err := json.Unmarshal(r.Body, &out); err != nil || r.Status != 200 {
			t.Fatalf("%d %s: %v", r.Status, r.Body, err)
		}
		return len(out)
	}
	before := count()
	p := testfiles.Shared(t, "aws", "cur-legacy-cost-categories.csv")
	if _, err := ingest.Run(context.Background(), st, []string{p}, ingest.Options{Source: "late", Provider: "aws", Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	if after := count(); after <= before {
		t.Errorf("%d accounts after a new import, %d before: the index did not follow", after, before)
	}
}
