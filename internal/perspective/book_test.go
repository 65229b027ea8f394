package perspective

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// openBook opens a Book on a fresh in-memory duckdb state store and
// returns the store too, so a test can reopen the book from it.
func openBook(t *testing.T) (*Book, store.DocStore) {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := OpenBook(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return b, st
}

func parseSchema(t *testing.T, body string) Schema {
	t.Helper()
	var w struct {
		Schema Schema `json:"schema"`
	}
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		t.Fatalf("parsing %s: %v", body, err)
	}
	return w.Schema
}

// sameJSON compares s, wrapped as {"schema": s}, with want as decoded
// JSON values, so that key order and spacing do not matter but every
// value, type and absent key does.
func sameJSON(t *testing.T, s Schema, want string) {
	t.Helper()
	got, err := json.Marshal(map[string]Schema{"schema": s})
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("schema\n got %s\nwant %s", got, want)
	}
}

// guideExample is §5.2's example verbatim.
const guideExample = `{"schema": {
  "name": "Environment",
  "include_in_reports": "true",
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
                                       {"ref_id": "2954937647805", "blk_id": "5841000000853", "val": "production", "name": "production", "fwd_to": "2954937647808"},
                                       {"ref_id": "2954937647999", "blk_id": "", "name": "Remaining"}]}]}}`

// TestGuideExampleRoundTrip: §5.2's example as a client would submit it.
// Verbatim it is refused for its Remaining entry (returned by GET,
// refused on input); stripped, its merge names a group the example does
// not list; with that group added it is stored and a GET renders it back
// as submitted, with the Remaining entry again and, on request, Version.
func TestGuideExampleRoundTrip(t *testing.T) {
	ctx := context.Background()
	b, st := openBook(t)

	_, _, err := b.Create(ctx, Everyone.Owner, parseSchema(t, guideExample))
	if !errors.Is(err, errkind.Invalid) || !strings.Contains(err.Error(), `"Remaining" dynamic group (blk_id "") is returned by GET and cannot be submitted`) {
		t.Fatalf("with Remaining: err = %v", err)
	}
	stripped := strings.Replace(guideExample, `,
                                       {"ref_id": "2954937647999", "blk_id": "", "name": "Remaining"}`, "", 1)
	_, _, err = b.Create(ctx, Everyone.Owner, parseSchema(t, stripped))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `merges[0]: "from" "2954937647811" is not a dynamic group of this perspective`) {
		t.Fatalf("merge from a missing group: err = %v", err)
	}
	full := strings.Replace(stripped, `"fwd_to": "2954937647808"}`, `"fwd_to": "2954937647808"},
	  {"ref_id": "2954937647811", "blk_id": "5841000000853", "val": "Prod", "name": "Prod"}`, 1)
	id, msg, err := b.Create(ctx, Everyone.Owner, parseSchema(t, full))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`^Perspective (\d*) created$`).FindStringSubmatch(msg); m == nil || m[1] != id || id != "1001" {
		t.Fatalf("message %q, id %q", msg, id)
	}
	// The stored form adds fwd_to to the other merged group and the
	// Remaining entry under a fresh ref_id ("1", the book's first).
	want := strings.Replace(full, `"name": "Prod"}`, `"name": "Prod", "fwd_to": "2954937647808"}`, 1)
	want = strings.Replace(want, `"name": "Prod", "fwd_to": "2954937647808"}`, `"name": "Prod", "fwd_to": "2954937647808"},
	  {"ref_id": "1", "blk_id": "", "name": "Remaining"}`, 1)
	sameJSON(t, b.Get(Everyone, id, false), want)
	withVersion := strings.Replace(want, `"name": "Remaining"}]}]}}`, `"name": "Remaining"}]},
	  {"type": "Version", "list": [{"ref_id": 1001, "val": 1}]}]}}`, 1)
	sameJSON(t, b.Get(Everyone, id, true), withVersion)

	// What a GET returns, stripped of Remaining as clients do, PUTs back
	// unchanged (the Version constant sent back is ignored) and the
	// version increments.
	echo := b.Get(Everyone, id, true)
	for i, c := range echo.Constants {
		if c.Type == ConstDynamic {
			echo.Constants[i].List = c.List[:len(c.List)-1]
		}
	}
	one := 1
	if _, err := b.Update(ctx, Everyone, id, echo, &one, false); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, b.Get(Everyone, id, true), strings.Replace(withVersion, `"val": 1}`, `"val": 2}`, 1))

	// Reopened from the store, the book holds the same.
	b2, err := OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, b2.Get(Everyone, id, false), want)
}

// TestLifecycle is §5.3's recorded client session: create with a
// client-chosen ref_id "0", GET, hard delete, GET → the Empty sentinel;
// the name stays taken.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	b, _ := openBook(t)
	body := `{"schema":{"name":"perspective-7yxn2ip1s6","include_in_reports":"false",
        "rules":[{"type":"categorize","asset":"AwsAsset","ref_id":"0","name":"OwnerAccTest","tag_field":["owner"]}],
        "constants":[{"type":"Dynamic Group Block","list":[{"ref_id":"0","name":"OwnerAccTest"}]}],
        "merges":[]}}`
	id, msg, err := b.Create(ctx, Everyone.Owner, parseSchema(t, body))
	if err != nil || msg != "Perspective 1001 created" {
		t.Fatalf("create: %q, %v", msg, err)
	}
	sameJSON(t, b.Get(Everyone, id, false), `{"schema":{"name":"perspective-7yxn2ip1s6","include_in_reports":"false",
        "rules":[{"type":"categorize","asset":"AwsAsset","ref_id":"0","name":"OwnerAccTest","tag_field":["owner"]}],
        "merges":[],
        "constants":[{"type":"Static Group","list":[{"ref_id":"1","name":"Other","is_other":"true"}]},
                     {"type":"Dynamic Group Block","list":[{"ref_id":"0","name":"OwnerAccTest"}]},
                     {"type":"Dynamic Group","list":[{"ref_id":"2","blk_id":"","name":"Remaining"}]}]}}`)
	if got := b.List(Everyone, false); !reflect.DeepEqual(got, map[string]Entry{id: {Name: "perspective-7yxn2ip1s6", Active: true}}) {
		t.Errorf("list: %v", got)
	}
	if msg, err := b.Delete(ctx, Everyone, id, DeleteOptions{Hard: true}); err != nil || msg != "Perspective 1001 deleted" {
		t.Fatalf("delete: %q, %v", msg, err)
	}
	if got := b.Get(Everyone, id, false); !IsEmpty(got) {
		t.Errorf("after hard delete: %+v", got)
	}
	sameJSON(t, b.Get(Everyone, id, false), `{"schema":{"name":"Empty","include_in_reports":"false","rules":[],"merges":[],"constants":[]}}`)
	if got := b.List(Everyone, false); len(got) != 0 {
		t.Errorf("list after hard delete: %v", got)
	}
	if _, _, err := b.Create(ctx, Everyone.Owner, parseSchema(t, body)); !errors.Is(err, ErrNameTaken) {
		t.Errorf("reusing a hard-deleted name: err = %v", err)
	}
}

// TestGroupsByReference is the guide's "new group 1" example: both
// rules' `to` name a missing group, which is created once as Group-1
// and every reference rewritten to its ref_id.
func TestGroupsByReference(t *testing.T) {
	ctx := context.Background()
	b, _ := openBook(t)
	id, _, err := b.Create(ctx, Everyone.Owner, parseSchema(t, `{"schema":{"name":"Test 1000002","rules":[{"type":"filter","asset":"AwsInstance","to":"new group 1","condition":{"clauses":[{"field":["Active?"],"op":"=","val":"true"}]}},{"type":"filter","asset":"AwsInstance","to":"new group 1","condition":{"clauses":[{"field":["First Discovered"],"op":">","val":"2016-01-04T23:19:34+00:00"}]}},{"type":"filter","asset":"AwsInstance","to":"other new","from":"new group 1","condition":{"clauses":[{"tag_field":["team"],"op":"contains","val":"x"}]}}],"constants":[],"merges":[]}}`))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, b.Get(Everyone, id, false), `{"schema":{"name":"Test 1000002","include_in_reports":"true",
	  "rules":[{"type":"filter","asset":"AwsInstance","to":"2","condition":{"clauses":[{"field":["Active?"],"op":"=","val":"true"}]}},
	           {"type":"filter","asset":"AwsInstance","to":"2","condition":{"clauses":[{"field":["First Discovered"],"op":">","val":"2016-01-04T23:19:34+00:00"}]}},
	           {"type":"filter","asset":"AwsInstance","to":"3","from":"2","condition":{"clauses":[{"tag_field":["team"],"op":"Contains","val":"x"}]}}],
	  "merges":[],
	  "constants":[{"type":"Static Group","list":[{"ref_id":"2","name":"Group-1"},{"ref_id":"3","name":"Group-2"},{"ref_id":"1","name":"Other","is_other":"true"}]}]}}`)
}

// TestValidation: each refused schema names what is wrong.
func TestValidation(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"blank name", `{"schema":{"name":"  "}}`, "Name can't be blank"},
		{"unknown rule", `{"schema":{"name":"x","rules":[{"type":"sort"}]}}`, `rules[0]: unknown type "sort"`},
		{"filter without to", `{"schema":{"name":"x","rules":[{"type":"filter","condition":{"clauses":[]}}]}}`, `rules[0]: a filter rule needs "to"`},
		{"filter without condition", `{"schema":{"name":"x","rules":[{"type":"filter","to":"a"}]}}`, `rules[0]: a filter rule needs a condition`},
		{"bad op", `{"schema":{"name":"x","rules":[{"type":"filter","to":"a","condition":{"clauses":[{"field":["f"],"op":"~","val":"v"}]}}]}}`, `rules[0].condition.clauses[0]: op "~" is not one of =, !=, >, <, Contains`},
		{"bad combine", `{"schema":{"name":"x","rules":[{"type":"filter","to":"a","condition":{"combine_with":"XOR","clauses":[]}}]}}`, `rules[0]: combine_with "XOR" is not AND or OR`},
		{"clause with both", `{"schema":{"name":"x","rules":[{"type":"filter","to":"a","condition":{"clauses":[{"field":["f"],"tag_field":["t"],"op":"=","val":"v"}]}}]}}`, `rules[0].condition.clauses[0]: a clause needs one of field or tag_field`},
		{"categorize without field", `{"schema":{"name":"x","rules":[{"type":"categorize","name":"b"}]}}`, `rules[0]: a categorize rule needs one of field or tag_field`},
		{"group-to-group without earlier rule", `{"schema":{"name":"x","rules":[
			{"type":"filter","to":"b","from":"a","condition":{"clauses":[]}},
			{"type":"filter","to":"a","condition":{"clauses":[]}}]}}`, `rules[0]: group-to-group rule from "a": no earlier rule targets that group`},
		{"to a block", `{"schema":{"name":"x","rules":[{"type":"categorize","tag_field":["t"],"ref_id":"9","name":"B"},{"type":"filter","to":"9","condition":{"clauses":[]}}],
			"constants":[{"type":"Dynamic Group Block","list":[{"ref_id":"9","name":"B"}]}]}}`, `rules[1]: "to" "9" is a dynamic group block; filter rules target static groups`},
		{"merge of unknown group", `{"schema":{"name":"x","merges":[{"type":"Group","to":"7","from":["8"]}]}}`, `merges[0]: "to" "7" is not a dynamic group of this perspective`},
		{"merge cycle", `{"schema":{"name":"x","rules":[{"type":"categorize","tag_field":["t"],"ref_id":"9","name":"B"}],
			"merges":[{"type":"Group","to":"7","from":["8"]},{"type":"Group","to":"8","from":["7"]}],
			"constants":[{"type":"Dynamic Group","list":[{"ref_id":"7","blk_id":"9","val":"a","name":"a"},{"ref_id":"8","blk_id":"9","val":"b","name":"b"}]}]}}`, `merges: group "7" is merged in a cycle`},
		{"dynamic group without val", `{"schema":{"name":"x","rules":[{"type":"categorize","tag_field":["t"],"ref_id":"9","name":"B"}],
			"constants":[{"type":"Dynamic Group","list":[{"ref_id":"7","blk_id":"9","name":"a"}]}]}}`, `dynamic group "a": no val`},
		{"unknown constant", `{"schema":{"name":"x","constants":[{"type":"Groups","list":[]}]}}`, `constants[0]: unknown type "Groups"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, _ := openBook(t)
			_, _, err := b.Create(context.Background(), Everyone.Owner, parseSchema(t, c.body))
			if !errors.Is(err, ErrInvalid) || !errors.Is(err, errkind.Invalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one containing %q", err, c.want)
			}
			if len(b.List(Everyone, false)) != 0 {
				t.Error("a refused schema was stored")
			}
		})
	}
}

// TestIncludeInReports: the string form is written; input accepts JSON
// booleans and any case, and defaults to "true".
func TestIncludeInReports(t *testing.T) {
	for in, want := range map[string]string{`true`: "true", `false`: "false", `"True"`: "true", `"FALSE"`: "false", `null`: "true", `""`: "true"} {
		b, _ := openBook(t)
		id, _, err := b.Create(context.Background(), Everyone.Owner, parseSchema(t, `{"schema":{"name":"x","include_in_reports":`+in+`}}`))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := b.Get(Everyone, id, false).IncludeInReports; string(got) != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
	var s Schema
	if err := json.Unmarshal([]byte(`{"include_in_reports":"yes"}`), &s); err == nil || !strings.Contains(err.Error(), `"yes" is not true or false`) {
		t.Errorf("yes: err = %v", err)
	}
}

// TestVersions: every update increments the version; a stale
// check_version is refused with an invalid-kind error that says what to
// do; names stay unique across perspectives.
func TestVersions(t *testing.T) {
	ctx := context.Background()
	b, _ := openBook(t)
	id, _, err := b.Create(ctx, Everyone.Owner, Schema{Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Create(ctx, Everyone.Owner, Schema{Name: "A"}); !errors.Is(err, ErrNameTaken) {
		t.Errorf("duplicate name: %v", err)
	}
	for want := 2; want <= 3; want++ {
		if _, err := b.Update(ctx, Everyone, id, Schema{Name: "A"}, nil, false); err != nil {
			t.Fatal(err)
		}
		if v, _ := b.Version(Everyone, id); v != want {
			t.Errorf("version %d, want %d", v, want)
		}
	}
	stale := 2
	_, err = b.Update(ctx, Everyone, id, Schema{Name: "B"}, &stale, false)
	if !errors.Is(err, ErrStaleVersion) || !errors.Is(err, errkind.Invalid) ||
		err.Error() != "stale perspective version: perspective 1001 is at version 3, check_version was 2; GET it again and reapply the change" {
		t.Errorf("stale: %v", err)
	}
	if b.Get(Everyone, id, false).Name != "A" {
		t.Error("a stale update was applied")
	}
	cur := 3
	out, err := b.Update(ctx, Everyone, id, Schema{Name: "B"}, &cur, true)
	if err != nil || out.Name != "B" || out.Constants[len(out.Constants)-1].List[0].Val != "4" {
		t.Errorf("update: %+v, %v", out, err)
	}
	if _, err := b.Update(ctx, Everyone, "42", Schema{Name: "C"}, nil, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

// TestDeleteLevels: soft delete archives (inactive, still readable,
// restorable) and is refused while something depends on the
// perspective unless forced; hard delete makes it Empty for good.
func TestDeleteLevels(t *testing.T) {
	ctx := context.Background()
	b, _ := openBook(t)
	a, _, _ := b.Create(ctx, Everyone.Owner, Schema{Name: "A"})
	c, _, _ := b.Create(ctx, Everyone.Owner, Schema{Name: "C"})
	b.InUse = func(id string) []string {
		if id == c {
			return []string{"policy 7"}
		}
		return nil
	}
	if msg, err := b.Delete(ctx, Everyone, a, DeleteOptions{}); err != nil || msg != "Perspective "+a+" archived" {
		t.Fatalf("soft: %q %v", msg, err)
	}
	if got := b.List(Everyone, false); got[a].Active || got[a].Name != "A" {
		t.Errorf("archived entry: %+v", got[a])
	}
	if _, ok := b.List(Everyone, true)[a]; ok {
		t.Error("active_only lists an archived perspective")
	}
	if b.Get(Everyone, a, false).Name != "A" {
		t.Error("an archived perspective is not readable")
	}
	if err := b.Restore(ctx, Everyone, a); err != nil || !b.List(Everyone, true)[a].Active {
		t.Errorf("restore: %v", err)
	}
	if _, err := b.Delete(ctx, Everyone, c, DeleteOptions{}); !errors.Is(err, ErrInUse) || !errors.Is(err, errkind.Conflict) || !strings.Contains(err.Error(), "policy 7") {
		t.Errorf("in use: %v", err)
	}
	if _, err := b.Delete(ctx, Everyone, c, DeleteOptions{Force: true}); err != nil || b.List(Everyone, false)[c].Active {
		t.Errorf("force: %v", err)
	}
	if _, err := b.Delete(ctx, Everyone, c, DeleteOptions{Force: true, Hard: true}); err != nil || !IsEmpty(b.Get(Everyone, c, false)) {
		t.Errorf("hard: %v", err)
	}
	if _, err := b.Delete(ctx, Everyone, c, DeleteOptions{Hard: true}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second hard delete: %v", err)
	}
	if err := b.Restore(ctx, Everyone, c); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("restore after hard delete: %v", err)
	}
	if got := b.IDs(Everyone); !reflect.DeepEqual(got, []string{a}) {
		t.Errorf("ids %v", got)
	}
}

// TestUpdateRenamesAndKeepsRefs: a PUT that renames a static group in
// its constant renames it; Other and Remaining keep their ref_ids though
// the PUT omits them; a rule dropped removes its group.
func TestUpdateRenamesAndKeepsRefs(t *testing.T) {
	ctx := context.Background()
	b, _ := openBook(t)
	id, _, err := b.Create(ctx, Everyone.Owner, parseSchema(t, `{"schema":{"name":"x","rules":[
	  {"type":"categorize","tag_field":["env"],"ref_id":"9","name":"Env"},
	  {"type":"filter","to":"web","condition":{"clauses":[{"tag_field":["app"],"op":"=","val":"web"}]}},
	  {"type":"filter","to":"db","condition":{"clauses":[{"tag_field":["app"],"op":"=","val":"db"}]}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	// Other 1, Group-1 2, Group-2 3, Remaining 4.
	out, err := b.Update(ctx, Everyone, id, parseSchema(t, `{"schema":{"name":"x","rules":[
	  {"type":"categorize","tag_field":["env"],"ref_id":"9","name":"Env"},
	  {"type":"filter","to":"2","condition":{"clauses":[{"tag_field":["app"],"op":"=","val":"web"}]}}],
	  "constants":[{"type":"Static Group","list":[{"ref_id":"2","name":"Web"},{"ref_id":"3","name":"Group-2"}]}]}}`), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, out, `{"schema":{"name":"x","include_in_reports":"true",
	  "rules":[{"type":"categorize","tag_field":["env"],"ref_id":"9","name":"Env"},
	           {"type":"filter","to":"2","condition":{"clauses":[{"tag_field":["app"],"op":"=","val":"web"}]}}],
	  "merges":[],
	  "constants":[{"type":"Static Group","list":[{"ref_id":"2","name":"Web"},{"ref_id":"1","name":"Other","is_other":"true"}]},
	    {"type":"Dynamic Group Block","list":[{"ref_id":"9","name":"Env"}]},
	    {"type":"Dynamic Group","list":[{"ref_id":"4","blk_id":"","name":"Remaining"}]}]}}`)
	p, _ := b.Perspective(Everyone, id)
	if a := Evaluate(p.Schema, Item{Tags: tags("app", "web")}); a.Name != "Web" || a.RefID != "2" {
		t.Errorf("web: %+v", a)
	}
	if a := Evaluate(p.Schema, Item{Tags: tags("app", "db")}); a.Name != "Other" || a.RefID != "1" {
		t.Errorf("db: %+v", a)
	}
}
