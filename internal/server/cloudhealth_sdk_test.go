package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	chsdk "github.com/nextgenhealthcare/cloudhealth-sdk-go"

	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// sdkRequest is one request the SDK sent, as the server saw it.
type sdkRequest struct {
	Method, Path, Query  string // Query without api_key
	HasKey, Bearer, JSON bool
	Status               int
}

func (r sdkRequest) String() string {
	s := r.Method + " " + r.Path
	if r.Query != "" {
		s += "?" + r.Query
	}
	return fmt.Sprintf("%s -> %d", s, r.Status)
}

// sdkRecorder wraps the server and keeps every request.
type sdkRecorder struct {
	h    http.Handler
	mu   sync.Mutex
	reqs []sdkRequest
}

func (rec *sdkRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	hasKey := q.Get("api_key") != ""
	q.Del("api_key")
	ct := r.Header.Get("Content-Type")
	sr := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	rec.h.ServeHTTP(sr, r)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = append(rec.reqs, sdkRequest{Method: r.Method, Path: r.URL.Path, Query: q.Encode(), HasKey: hasKey,
		Bearer: r.Header.Get("Authorization") != "", JSON: ct == "application/json", Status: sr.status})
}

// take returns the requests since the last call.
func (rec *sdkRecorder) take() []sdkRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := rec.reqs
	rec.reqs = nil
	return out
}

// TestCloudHealthSDK drives every call of
// github.com/nextgenhealthcare/cloudhealth-sdk-go (the client of the
// Terraform provider) against the whole server over HTTP, with a
// DuckDB store and real keys, and checks both what the SDK returns and
// the requests it sent (spec §11): paths relative to .../v1/, the key
// only as ?api_key= on every verb, JSON bodies, paging that stops only
// on a short page, the literal ":id" of generate_external_id.
func TestCloudHealthSDK(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tenants, err := tenant.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	key := func(name string, role tenant.Role) string {
		k, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	editorKey, viewerKey := key("editor", tenant.RoleEditor), key("viewer", tenant.RoleViewer)
	rec := &sdkRecorder{h: Handler(Config{Store: st, State: st, Tenants: tenants, Logger: slog.New(slog.DiscardHandler)})}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	base := srv.URL + "/cloudhealth/v1/"
	client := func(k string) *chsdk.Client {
		c, err := chsdk.NewClient(k, base)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ed, viewer, nobody := client(editorKey), client(viewerKey), client("tly_000000000000_"+strings.Repeat("0", 64))

	// expect checks the requests of one step: each as "METHOD path?query -> status".
	expect := func(step string, want ...string) {
		t.Helper()
		got := rec.take()
		var lines []string
		for _, r := range got {
			lines = append(lines, r.String())
			if !r.HasKey || r.Bearer {
				t.Errorf("%s: %s: the SDK authenticates only with ?api_key= (api_key %v, Authorization %v)", step, r, r.HasKey, r.Bearer)
			}
			if (r.Method == "POST" || r.Method == "PUT") && !r.JSON {
				t.Errorf("%s: %s: no JSON Content-Type", step, r)
			}
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: requests\n  %s\nwant\n  %s", step, strings.Join(lines, "\n  "), strings.Join(want, "\n  "))
		}
	}
	const accts = "/cloudhealth/v1/aws_accounts"

	// The External ID comes first: an assume_role account must carry it.
	extID, err := ed.GetAwsExternalID()
	if err != nil || !regexp.MustCompile(`^[0-9a-f]{30}$`).MatchString(extID) {
		t.Fatalf("GetAwsExternalID: %q, %v", extID, err)
	}
	again, err := viewer.GetAwsExternalID()
	if err != nil || again != extID {
		t.Errorf("GetAwsExternalID as another key of the same organization: %q, %v; want the customer's %q", again, err, extID)
	}
	if _, err := nobody.GetAwsExternalID(); !errors.Is(err, chsdk.ErrClientAuthenticationError) {
		t.Errorf("GetAwsExternalID with a bad key: %v, want the authentication error", err)
	}
	expect("GetAwsExternalID", "GET "+accts+"/:id/generate_external_id -> 200", "GET "+accts+"/:id/generate_external_id -> 200",
		"GET "+accts+"/:id/generate_external_id -> 401")

	all, err := ed.GetAllAwsAccounts(2)
	if err != nil || len(all) != 0 {
		t.Errorf("GetAllAwsAccounts with none: %v, %v", all, err)
	}
	expect("GetAllAwsAccounts with none", "GET "+accts+"?page=1&per_page=2 -> 200")

	role := chsdk.AwsAccount{Name: "Production", Authentication: chsdk.AwsAccountAuthentication{
		Protocol: "assume_role", AssumeRoleArn: "arn:aws:iam::123456789012:role/CloudHealth", AssumeRoleExternalID: extID}}
	prod, err := ed.CreateAwsAccount(role)
	if err != nil {
		t.Fatalf("CreateAwsAccount: %v", err)
	}
	if prod.ID < 1<<32 || prod.Name != "Production" || prod.Authentication != role.Authentication {
		t.Errorf("CreateAwsAccount answered %+v, want a 64-bit id and %+v", prod, role)
	}
	keyed, err := ed.CreateAwsAccount(chsdk.AwsAccount{Name: "Tools", Authentication: chsdk.AwsAccountAuthentication{
		Protocol: "access_key", AccessKey: "AKIAEXAMPLE", SecreyKey: "s3cr3t/never+shown"}})
	if err != nil {
		t.Fatalf("CreateAwsAccount with an access key: %v", err)
	}
	if keyed.Authentication.SecreyKey != "" || keyed.Authentication.AccessKey != "AKIAEXAMPLE" {
		t.Errorf("CreateAwsAccount answered the authentication %+v: the secret key must never come back", keyed.Authentication)
	}
	if _, err := ed.CreateAwsAccount(role); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("CreateAwsAccount of a taken name: %v, want the SDK's 422 error", err)
	}
	if _, err := viewer.CreateAwsAccount(chsdk.AwsAccount{Name: "Viewer's"}); err == nil {
		t.Error("CreateAwsAccount as a viewer succeeded")
	}
	expect("CreateAwsAccount", "POST "+accts+" -> 201", "POST "+accts+" -> 201", "POST "+accts+" -> 422", "POST "+accts+" -> 403")

	// Two accounts in pages of two: the last page is full, so the SDK
	// asks for page 2, which must be 200 and empty.
	all, err = ed.GetAllAwsAccounts(2)
	if err != nil || len(all) != 2 || all[0].ID != prod.ID || all[1].ID != keyed.ID {
		t.Errorf("GetAllAwsAccounts(2): %+v, %v", all, err)
	}
	expect("GetAllAwsAccounts(2)", "GET "+accts+"?page=1&per_page=2 -> 200", "GET "+accts+"?page=2&per_page=2 -> 200")
	all, err = viewer.GetAllAwsAccounts(1)
	if err != nil || len(all) != 2 {
		t.Errorf("GetAllAwsAccounts(1) as a viewer: %+v, %v", all, err)
	}
	expect("GetAllAwsAccounts(1)", "GET "+accts+"?page=1&per_page=1 -> 200", "GET "+accts+"?page=2&per_page=1 -> 200",
		"GET "+accts+"?page=3&per_page=1 -> 200")
	if _, err := nobody.GetAllAwsAccounts(2); !errors.Is(err, chsdk.ErrClientAuthenticationError) {
		t.Errorf("GetAllAwsAccounts with a bad key: %v", err)
	}
	expect("GetAllAwsAccounts with a bad key", "GET "+accts+"?page=1&per_page=2 -> 401")

	got, err := ed.GetAwsAccount(prod.ID)
	if err != nil || *got != *prod {
		t.Errorf("GetAwsAccount: %+v, %v; want %+v", got, err, prod)
	}
	if _, err := ed.GetAwsAccount(4242); !errors.Is(err, chsdk.ErrAwsAccountNotFound) {
		t.Errorf("GetAwsAccount of an unknown id: %v", err)
	}
	expect("GetAwsAccount", fmt.Sprintf("GET %s/%d -> 200", accts, prod.ID), "GET "+accts+"/4242 -> 404")

	// Update sends back what it read: no secret key, which is kept.
	keyed.Name = "Tools (renamed)"
	upd, err := ed.UpdateAwsAccount(*keyed)
	if err != nil || upd.Name != "Tools (renamed)" || upd.ID != keyed.ID || upd.Authentication.AccessKey != "AKIAEXAMPLE" {
		t.Errorf("UpdateAwsAccount: %+v, %v", upd, err)
	}
	keyed.Name = "Production"
	if _, err := ed.UpdateAwsAccount(*keyed); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("UpdateAwsAccount to a taken name: %v, want the SDK's 422 error", err)
	}
	expect("UpdateAwsAccount", fmt.Sprintf("PUT %s/%d -> 200", accts, keyed.ID), fmt.Sprintf("PUT %s/%d -> 422", accts, keyed.ID))

	if err := ed.DeleteAwsAccount(keyed.ID); err != nil {
		t.Errorf("DeleteAwsAccount: %v", err)
	}
	if _, err := ed.GetAwsAccount(keyed.ID); !errors.Is(err, chsdk.ErrAwsAccountNotFound) {
		t.Errorf("GetAwsAccount after the delete: %v", err)
	}
	if err := ed.DeleteAwsAccount(keyed.ID); !errors.Is(err, chsdk.ErrAwsAccountNotFound) {
		t.Errorf("DeleteAwsAccount twice: %v", err)
	}
	expect("DeleteAwsAccount", fmt.Sprintf("DELETE %s/%d -> 200", accts, keyed.ID), fmt.Sprintf("GET %s/%d -> 404", accts, keyed.ID),
		fmt.Sprintf("DELETE %s/%d -> 404", accts, keyed.ID))

	testSDKPerspectives(t, ed, expect)
}

// testSDKPerspectives drives the SDK's perspective calls.
func testSDKPerspectives(t *testing.T, ed *chsdk.Client, expect func(string, ...string)) {
	t.Helper()
	const ps = "/cloudhealth/v1/perspective_schemas"
	blank := ""
	p := &chsdk.Perspective{Schema: chsdk.Schema{Name: "Environment", IncludeInReports: "true",
		Rules:     []chsdk.Rule{{Type: "categorize", Asset: "AwsAsset", RefID: "1", Name: "Env", TagField: []string{"env"}}},
		Constants: []chsdk.Constant{{Type: chsdk.DynamicGroupBlockType, List: []chsdk.ConstantItem{{RefID: "1", Name: "Env"}}}},
		Merges:    []interface{}{}}}
	id, err := ed.CreatePerspective(p)
	if err != nil || !regexp.MustCompile(`^[0-9]+$`).MatchString(id) {
		t.Fatalf("CreatePerspective: %q, %v", id, err)
	}
	expect("CreatePerspective", "POST "+ps+"/ -> 200")

	all, err := ed.GetAllPerspectives()
	if err != nil || (*all)[id] != (chsdk.PerspectiveStatus{Name: "Environment", Active: true}) {
		t.Errorf("GetAllPerspectives: %+v, %v", all, err)
	}
	got, err := ed.GetPerspective(id)
	if err != nil || got.Schema.Name != "Environment" || got.Schema.IncludeInReports != "true" || len(got.Schema.Rules) != 1 {
		t.Errorf("GetPerspective: %+v, %v", got, err)
	}
	// The dynamic groups' "Remaining" group has blk_id "", which the
	// SDK's pointer keeps.
	var remaining bool
	for _, c := range got.Schema.Constants {
		for _, g := range c.List {
			if g.BlkID != nil && *g.BlkID == blank {
				remaining = true
			}
		}
	}
	if !remaining {
		t.Errorf("GetPerspective: no group with blk_id \"\" in %+v", got.Schema.Constants)
	}
	if _, err := ed.GetPerspective("424242"); !errors.Is(err, chsdk.ErrPerspectiveNotFound) {
		t.Errorf("GetPerspective of an unknown id: %v, want the Empty sentinel read as not found", err)
	}
	expect("GetPerspective", "GET "+ps+" -> 200", "GET "+ps+"/"+id+" -> 200", "GET "+ps+"/424242 -> 200")

	p.Schema.Name = "Environments"
	upd, err := ed.UpdatePerspective(id, p)
	if err != nil || upd.Schema.Name != "Environments" {
		t.Errorf("UpdatePerspective: %+v, %v", upd, err)
	}
	expect("UpdatePerspective", "PUT "+ps+"/"+id+" -> 200")

	if err := ed.ArchivePerspective(id); err != nil {
		t.Errorf("ArchivePerspective: %v", err)
	}
	all, err = ed.GetAllPerspectives()
	if err != nil || (*all)[id] != (chsdk.PerspectiveStatus{Name: "Environments", Active: false}) {
		t.Errorf("GetAllPerspectives after archiving: %+v, %v", all, err)
	}
	if err := ed.DeletePerspective(id); err != nil {
		t.Errorf("DeletePerspective: %v", err)
	}
	if _, err := ed.GetPerspective(id); !errors.Is(err, chsdk.ErrPerspectiveNotFound) {
		t.Errorf("GetPerspective after the hard delete: %v", err)
	}
	expect("ArchivePerspective and DeletePerspective", "DELETE "+ps+"/"+id+"?hard_delete=false -> 200", "GET "+ps+" -> 200",
		"DELETE "+ps+"/"+id+"?hard_delete=true -> 200", "GET "+ps+"/"+id+" -> 200")
}
