package cloudhealth

import (
	"encoding/json"
	"testing"
)

const ps = "/v1/perspective_schemas"

// lifecycleBody is the schema of the recorded client session (§5.3).
const lifecycleBody = `{"schema":{"name":"perspective-7yxn2ip1s6","include_in_reports":"false","rules":[{"type":"categorize","asset":"AwsAsset","ref_id":"0","name":"OwnerAccTest","tag_field":["owner"]}],"constants":[{"type":"Dynamic Group Block","list":[{"ref_id":"0","name":"OwnerAccTest"}]}],"merges":[]}}`

// TestPerspectiveLifecycle replays the recorded client session of §5.3:
// POST to the trailing-slash path → 200 "Perspective 1001 created",
// four GETs, a hard delete alone, and the Empty sentinel after it.
func TestPerspectiveLifecycle(t *testing.T) {
	s := newTestServer(t)
	rs := s.script(t, "lifecycle", []step{
		{Method: "POST", Path: ps + "/?api_key=K", Body: lifecycleBody},
		{Method: "GET", Path: ps + "/1001?api_key=K"},
		{Method: "GET", Path: ps + "/1001?api_key=K"},
		{Method: "GET", Path: ps + "/1001?api_key=K"},
		{Method: "GET", Path: ps + "/1001?api_key=K"},
		{Method: "GET", Path: ps + "?api_key=K"},
		{Method: "DELETE", Path: ps + "/1001?api_key=K&hard_delete=true"},
		{Method: "GET", Path: ps + "/1001?api_key=K"},
		{Method: "GET", Path: ps + "?api_key=K"},
		// The name stays taken after a hard delete (§5.2).
		{Method: "POST", Path: ps + "/?api_key=K", Body: lifecycleBody},
	})
	want := []int{200, 200, 200, 200, 200, 200, 200, 200, 200, 422}
	for i, r := range rs {
		if r.Status != want[i] {
			t.Errorf("step %d: status %d, want %d", i, r.Status, want[i])
		}
	}
	var created struct{ Message string }
	if err := json.Unmarshal(rs[0].Body, &created); err != nil || created.Message != "Perspective 1001 created" {
		t.Errorf("POST answered %s, want the message clients parse", rs[0].Body)
	}
	var empty struct {
		Schema struct {
			Name      string
			Rules     []any
			Merges    []any
			Constants []any
		}
	}
	if err := json.Unmarshal(rs[7].Body, &empty); err != nil || empty.Schema.Name != "Empty" ||
		empty.Schema.Rules == nil || len(empty.Schema.Rules)+len(empty.Schema.Merges)+len(empty.Schema.Constants) != 0 {
		t.Errorf("GET after hard delete: %s, want the Empty sentinel", rs[7].Body)
	}
}

// theEnvironment is §5.2's example without its merges, the fwd_to and
// the Remaining entry, as clients POST it before adding merges.
const theEnvironment = `{"schema": {
  "name": "Environment", "include_in_reports": "true",
  "rules": [
    {"type": "categorize", "asset": "AwsAsset", "tag_field": ["cht_env"], "ref_id": "5841000000853", "name": "AWS Assets"},
    {"type": "filter", "asset": "AwsInstance", "to": "123456789",
     "condition": {"combine_with": "OR", "clauses": [{"field": ["Active?"], "op": "=", "val": "true"},
                                                      {"tag_field": ["owner"], "op": "Contains", "val": "ops"}]}}],
  "merges": [],
  "constants": [
    {"type": "Static Group", "list": [{"ref_id": "123456789", "name": "KeepMe"},
                                      {"ref_id": "13579131517", "name": "Other", "is_other": "true"}]},
    {"type": "Dynamic Group Block", "list": [{"ref_id": "5841000000853", "name": "AWS Assets"}]},
    {"type": "Dynamic Group", "list": [{"ref_id": "2954937647808", "blk_id": "5841000000853", "val": "prod", "name": "prod"},
                                       {"ref_id": "2954937647805", "blk_id": "5841000000853", "val": "production", "name": "production"},
                                       {"ref_id": "2954937647811", "blk_id": "5841000000853", "val": "prd", "name": "prd"}]}]}}`

// withMerges is the same schema with §5.2's merge, PUT after the POST.
const withMerges = `{"schema": {
  "name": "Environment", "include_in_reports": "true",
  "rules": [
    {"type": "categorize", "asset": "AwsAsset", "tag_field": ["cht_env"], "ref_id": "5841000000853", "name": "AWS Assets"},
    {"type": "filter", "asset": "AwsInstance", "to": "123456789",
     "condition": {"combine_with": "OR", "clauses": [{"field": ["Active?"], "op": "=", "val": "true"},
                                                      {"tag_field": ["owner"], "op": "Contains", "val": "ops"}]}}],
  "merges": [{"type": "Group", "to": "2954937647808", "from": ["2954937647805", "2954937647811"]}],
  "constants": [
    {"type": "Static Group", "list": [{"ref_id": "123456789", "name": "KeepMe"},
                                      {"ref_id": "13579131517", "name": "Other", "is_other": "true"}]},
    {"type": "Dynamic Group Block", "list": [{"ref_id": "5841000000853", "name": "AWS Assets"}]},
    {"type": "Dynamic Group", "list": [{"ref_id": "2954937647808", "blk_id": "5841000000853", "val": "prod", "name": "prod"},
                                       {"ref_id": "2954937647805", "blk_id": "5841000000853", "val": "production", "name": "production"},
                                       {"ref_id": "2954937647811", "blk_id": "5841000000853", "val": "prd", "name": "prd"}]}]}}`

// TestPerspectiveMergesAndVersions: §5.2's example POSTed without merges
// then PUT with them (the merged-away groups carry fwd_to); versions
// count updates; a stale check_version is 400 and changes nothing; a
// PUT to another perspective's name is 422; the Remaining entry a GET
// returns is refused back.
func TestPerspectiveMergesAndVersions(t *testing.T) {
	s := newTestServer(t)
	s.script(t, "merges", []step{
		{Method: "POST", Path: ps + "?include_version=true&client_api_id=42", Body: theEnvironment},
		{Method: "GET", Path: ps + "/1001?include_version=1"},
		{Method: "PUT", Path: ps + "/1001?check_version=1&include_version=True&allow_group_delete=false", Body: withMerges},
		// The same check_version again is stale now.
		{Method: "PUT", Path: ps + "/1001?check_version=1", Body: theEnvironment},
		{Method: "GET", Path: ps + "/1001?include_version=true"},
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "Second"}}`},
		{Method: "PUT", Path: ps + "/1002", Body: `{"schema": {"name": "Environment"}}`},
		{Method: "PUT", Path: ps + "/1002", Body: `{"schema": {"name": "Second", "constants": [{"type": "Dynamic Group", "list": [{"ref_id": "77", "blk_id": "", "name": "Remaining"}]}]}}`},
		{Method: "GET", Path: ps + "/1002"},
	})
}

// TestPerspectiveDeleteLevels: a soft delete archives (listed inactive,
// left out by active_only, still readable), force archives too, a hard
// delete removes it for good (Empty, gone from the list, and a second
// delete is 404).
func TestPerspectiveDeleteLevels(t *testing.T) {
	s := newTestServer(t)
	s.script(t, "delete", []step{
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "A"}}`},
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "B"}}`},
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "C"}}`},
		{Method: "DELETE", Path: ps + "/1001"},
		{Method: "DELETE", Path: ps + "/1002?force=True&hard_delete=false"},
		{Method: "GET", Path: ps},
		{Method: "GET", Path: ps + "?active_only=1"},
		{Method: "GET", Path: ps + "/1001"},
		{Method: "DELETE", Path: ps + "/1003?force=true&hard_delete=true"},
		{Method: "DELETE", Path: ps + "/1003?force=true&hard_delete=true"},
		{Method: "GET", Path: ps + "/1003"},
		{Method: "GET", Path: ps},
	})
}

// TestPerspectiveErrors: each refusal answers in the dialect's format
// with the status clients read.
func TestPerspectiveErrors(t *testing.T) {
	s := newTestServer(t)
	s.script(t, "errors", []step{
		{Method: "POST", Path: ps, Body: `{"schema": {"name": ""}}`},
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "x", "rules": [`},
		{Method: "POST", Path: ps, Body: `{"name": "x"}`},
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "x", "rules": "none"}}`},
		{Method: "POST", Path: ps, Body: `schema[name]=x`, Header: []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "x", "rules": [{"type": "sort"}]}}`},
		// A client that encodes the body twice.
		{Method: "POST", Path: ps, Body: `"{\"schema\": {\"name\": \"twice\"}}"`},
		{Method: "GET", Path: ps + "/1001?include_version=maybe"},
		{Method: "GET", Path: ps + "?active_only=perhaps"},
		{Method: "PUT", Path: ps + "/1001?check_version=one", Body: `{"schema": {"name": "twice"}}`},
		{Method: "PUT", Path: ps + "/9999", Body: `{"schema": {"name": "nine"}}`},
		{Method: "DELETE", Path: ps + "/9999"},
		// A client whose URI template was never filled in (§12).
		{Method: "PUT", Path: ps + "/{perspective_id}?check_version=1", Body: `{"schema": {"name": "t"}}`},
		{Method: "PATCH", Path: ps + "/1001", Body: `{"schema": {"name": "t"}}`},
		{Method: "GET", Path: ps + "/424242"},
		{Method: "GET", Path: "/v1/no_such_thing"},
		{Method: "GET", Path: "/"},
	})
}

// TestPerspectiveAuthorization: viewers, scoped or not, read and do not
// write; editors write their organization's perspectives, an editor
// scoped to some accounts included (a perspective belongs to its
// organization and groups only its reports), and the organization's
// names are one namespace whichever of its keys made them. Other
// organizations and customers are the server's tests (perspective
// ownership needs real keys).
func TestPerspectiveAuthorization(t *testing.T) {
	s := newTestServer(t)
	scoped := []string{"X-Test-Accounts", "111111111111"}
	viewer := []string{"X-Test-Role", "viewer"}
	scopedEditor := []string{"X-Test-Role", "editor", "X-Test-Accounts", "111111111111"}
	editor := []string{"X-Test-Role", "editor"}
	rs := s.script(t, "auth", []step{
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "A"}}`, Header: scoped},
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "A"}}`, Header: viewer},
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "A"}}`, Header: scopedEditor},
		{Method: "POST", Path: ps, Body: `{"schema": {"name": "A"}}`, Header: editor},
		{Method: "GET", Path: ps, Header: scoped},
		{Method: "GET", Path: ps + "/1001", Header: viewer},
		{Method: "PUT", Path: ps + "/1001", Body: `{"schema": {"name": "B"}}`, Header: scoped},
		{Method: "DELETE", Path: ps + "/1001?hard_delete=true", Header: viewer},
		{Method: "PUT", Path: ps + "/1001", Body: `{"schema": {"name": "B"}}`, Header: scopedEditor},
		{Method: "DELETE", Path: ps + "/1001?hard_delete=true", Header: editor},
		{Method: "GET", Path: ps + "/1001", Header: scoped},
	})
	want := []int{403, 403, 200, 422, 200, 200, 403, 403, 200, 200, 200}
	for i, r := range rs {
		if r.Status != want[i] {
			t.Errorf("step %d: status %d, want %d", i, r.Status, want[i])
		}
	}
}
