package customtag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

func TestParseErrors(t *testing.T) {
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	for _, tc := range []struct {
		name, body string
		want       error
		text       string
	}{
		{"not JSON", "{\n  \"tag_groups\": [x]}", ErrMalformed, "line 2, column 18"},
		{"no tag_groups", `{"groups": []}`, ErrMalformed, "tag_groups is required"},
		{"tag_groups not a list", `{"tag_groups": {}}`, ErrMalformed, "line 1, column"},
		{"fractional id", `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [1.5], "tags": []}]}`, ErrMalformed, "tag_groups[0].ids[0]: 1.5 is not an integer id"},
		{"word id", `{"tag_groups": [{"asset_type": "AwsInstance", "ids": ["seven"], "tags": []}]}`, ErrMalformed, `tag_groups[0].ids[0]: "seven" is not an integer id`},
		{"trailing data", `{"tag_groups": []} {}`, ErrMalformed, "data after the JSON document"},
		{"101 assets", `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [` + strings.Join(ids, ",") + `], "tags": []}]}`, ErrTooManyAssets, "No more than 100 instances per request (101 assets)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.body))
			if !errors.Is(err, tc.want) || !errors.Is(err, errkind.Invalid) {
				t.Fatalf("err = %v, want %v (invalid)", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %q, want it to contain %q", err, tc.text)
			}
		})
	}
}

func TestParseLimitsCountDistinctAssets(t *testing.T) {
	// 100 ids named twice, in two groups and two types: 100 distinct
	// assets per type would be 200, so use one type for both groups.
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	list := strings.Join(ids, ",")
	body := `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [` + list + `], "tags": []}, {"asset_type": "AwsInstance", "ids": [` + list + `], "tags": []}]}`
	if _, err := Parse(strings.NewReader(body)); err != nil {
		t.Fatalf("100 distinct assets named twice: %v", err)
	}
}

func TestParseValues(t *testing.T) {
	body := `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [5909874999458], "tags": [
		{"key": "s", "value": "  Test  "},
		{"key": "n", "value": 1.50},
		{"key": "e", "value": 1e3},
		{"key": "b", "value": true},
		{"key": "null", "value": null},
		{"key": "missing"},
		{"key": "list", "value": [1]},
		{"key": "obj", "value": {"a": 1}}]},
		{"asset_type": "AwsAccount", "ids": ["1511828492778"], "tags": []}]}`
	req, err := Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	g := req.TagGroups[0]
	if g.AssetType != "AwsInstance" || !reflect.DeepEqual(g.IDs, []int64{5909874999458}) {
		t.Errorf("group = %+v", g)
	}
	str := func(s string) *string { return &s }
	want := []Tag{
		{Key: "s", Value: str("Test")},
		{Key: "n", Value: str("1.50")},
		{Key: "e", Value: str("1e3")},
		{Key: "b", Value: str("true")},
		{Key: "null"},
		{Key: "missing"},
		{Key: "list", problem: MsgValueScalar},
		{Key: "obj", problem: MsgValueScalar},
	}
	if !reflect.DeepEqual(g.Tags, want) {
		t.Errorf("tags:\n got %s\nwant %s", show(g.Tags), show(want))
	}
	// Some clients send ids as strings; a string holding an integer is
	// the same id.
	if got := req.TagGroups[1].IDs; !reflect.DeepEqual(got, []int64{1511828492778}) {
		t.Errorf("string id: %v", got)
	}
}

func show(tags []Tag) string {
	var b strings.Builder
	for _, t := range tags {
		v := "<nil>"
		if t.Value != nil {
			v = *t.Value
		}
		fmt.Fprintf(&b, "{%s=%q %s} ", t.Key, v, t.problem)
	}
	return b.String()
}

// visibleExcept sees every asset but the ids given.
func visibleExcept(hidden ...int64) Visible {
	return func(_ string, id int64) bool {
		for _, h := range hidden {
			if id == h {
				return false
			}
		}
		return true
	}
}

func openBook(t *testing.T) (*Book, func() *Book) {
	t.Helper()
	ctx := context.Background()
	db, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	reopen := func() *Book {
		b, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return b, reopen
}

func apply(t *testing.T, b *Book, body string, visible Visible) Result {
	t.Helper()
	req, err := Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Apply(context.Background(), req, visible)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestApply(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes
	type tags = map[Asset]map[string]string
	for _, tc := range []struct {
		name    string
		before  string // applied first, with every asset visible
		body    string
		hidden  []int64
		updates string // JSON of Result.Updates
		errors  string // JSON of Result.Errors
		after   tags
	}{
		{
			name:    "the guide's example",
			body:    `{"tag_groups": [{"asset_type": "AwsAccount", "ids": [12345, 56789], "tags": [{"key": "owner", "value": "Fred"}]}, {"asset_type": "AwsRdsInstance", "ids": [206158446754], "tags": [{"key": "environment", "value": "Production"}]}]}`,
			hidden:  []int64{206158446754},
			updates: `[{"asset_type":"AwsAccount","asset_id":12345,"tag_key":"owner","tag_value":"Fred"},{"asset_type":"AwsAccount","asset_id":56789,"tag_key":"owner","tag_value":"Fred"}]`,
			errors:  `[{"message":"Asset does not exist or user does not have access","asset_type":"AwsRdsInstance","asset_id":206158446754}]`,
			after:   tags{{"AwsAccount", 12345}: {"owner": "Fred"}, {"AwsAccount", 56789}: {"owner": "Fred"}},
		},
		{
			name:    "null removes, a second value replaces",
			before:  `{"tag_groups": [{"asset_type": "AwsAccount", "ids": [90], "tags": [{"key": "testtag1", "value": "x"}, {"key": "keep", "value": "k"}]}]}`,
			body:    `{"tag_groups": [{"asset_type": "AwsAccount", "ids": [90], "tags": [{"key": "testtag1", "value": null}, {"key": "keep", "value": 7}]}]}`,
			updates: `[{"asset_type":"AwsAccount","asset_id":90,"tag_key":"testtag1","tag_value":null},{"asset_type":"AwsAccount","asset_id":90,"tag_key":"keep","tag_value":"7"}]`,
			errors:  `[]`,
			after:   tags{{"AwsAccount", 90}: {"keep": "7"}},
		},
		{
			name:    "removing the last tag forgets the asset",
			before:  `{"tag_groups": [{"asset_type": "AwsAccount", "ids": [90], "tags": [{"key": "a", "value": "x"}]}]}`,
			body:    `{"tag_groups": [{"asset_type": "AwsAccount", "ids": [90], "tags": [{"key": "a", "value": null}]}]}`,
			updates: `[{"asset_type":"AwsAccount","asset_id":90,"tag_key":"a","tag_value":null}]`,
			errors:  `[]`,
			after:   tags{},
		},
		{
			name: "limits fail per tag, the other tags apply",
			body: `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [1], "tags": [` +
				`{"key": "", "value": "a"}, {"key": "` + long(128) + `", "value": "a"}, {"key": "` + long(127) + `", "value": "ok"},` +
				`{"key": "v", "value": "` + long(256) + `"}, {"key": "w", "value": "  ` + long(255) + `  "},` +
				`{"key": "l", "value": [1]}, {"key": "o", "value": {}}]}]}`,
			updates: `[{"asset_type":"AwsInstance","asset_id":1,"tag_key":"` + long(127) + `","tag_value":"ok"},{"asset_type":"AwsInstance","asset_id":1,"tag_key":"w","tag_value":"` + long(255) + `"}]`,
			errors: `[{"message":"Tag keys must be between 1 and 127 characters long","asset_type":"AwsInstance","asset_id":1},` +
				`{"message":"Tag keys must be between 1 and 127 characters long","asset_type":"AwsInstance","asset_id":1,"tag_key":"` + long(128) + `"},` +
				`{"message":"Tag values must be no longer than 255 characters long","asset_type":"AwsInstance","asset_id":1,"tag_key":"v"},` +
				`{"message":"Tag values must be scalar. Lists and objects are not allowed.","asset_type":"AwsInstance","asset_id":1,"tag_key":"l"},` +
				`{"message":"Tag values must be scalar. Lists and objects are not allowed.","asset_type":"AwsInstance","asset_id":1,"tag_key":"o"}]`,
			after: tags{{"AwsInstance", 1}: {long(127): "ok", "w": long(255)}},
		},
		{
			name:    "101 tags on one asset fail the asset, which keeps its tags",
			before:  `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [1, 2], "tags": [` + manyTags(0, 100) + `]}]}`,
			body:    `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [1], "tags": [` + manyTags(100, 1) + `]}, {"asset_type": "AwsInstance", "ids": [2], "tags": [` + manyTags(99, 1) + `]}]}`,
			updates: `[{"asset_type":"AwsInstance","asset_id":2,"tag_key":"k99","tag_value":"v"}]`,
			errors:  `[{"message":"No more than 100 tags per instance","asset_type":"AwsInstance","asset_id":1}]`,
			after:   tags{{"AwsInstance", 1}: tagMap(0, 100), {"AwsInstance", 2}: tagMap(0, 100)},
		},
		{
			name:    "the same asset twice applies in order",
			body:    `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [3], "tags": [{"key": "a", "value": "1"}]}, {"asset_type": "AwsInstance", "ids": [3], "tags": [{"key": "a", "value": "2"}, {"key": "b", "value": "3"}]}]}`,
			updates: `[{"asset_type":"AwsInstance","asset_id":3,"tag_key":"a","tag_value":"1"},{"asset_type":"AwsInstance","asset_id":3,"tag_key":"a","tag_value":"2"},{"asset_type":"AwsInstance","asset_id":3,"tag_key":"b","tag_value":"3"}]`,
			errors:  `[]`,
			after:   tags{{"AwsInstance", 3}: {"a": "2", "b": "3"}},
		},
		{
			name:    "asset types are separate namespaces",
			before:  `{"tag_groups": [{"asset_type": "AwsAccount", "ids": [4], "tags": [{"key": "a", "value": "acct"}]}]}`,
			body:    `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [4], "tags": [{"key": "a", "value": "inst"}]}]}`,
			updates: `[{"asset_type":"AwsInstance","asset_id":4,"tag_key":"a","tag_value":"inst"}]`,
			errors:  `[]`,
			after:   tags{{"AwsAccount", 4}: {"a": "acct"}, {"AwsInstance", 4}: {"a": "inst"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, reopen := openBook(t)
			if tc.before != "" {
				if res := apply(t, b, tc.before, visibleExcept()); len(res.Errors) > 0 {
					t.Fatalf("before: %+v", res.Errors)
				}
			}
			gen := b.Generation()
			res := apply(t, b, tc.body, visibleExcept(tc.hidden...))
			jsonEq(t, "updates", res.Updates, tc.updates)
			jsonEq(t, "errors", res.Errors, tc.errors)
			if got := b.All(); !reflect.DeepEqual(got, tc.after) {
				t.Errorf("All() = %v, want %v", got, tc.after)
			}
			if got := reopen().All(); !reflect.DeepEqual(got, tc.after) {
				t.Errorf("after reopen, All() = %v, want %v", got, tc.after)
			}
			if len(res.Updates) > 0 && b.Generation() != gen+1 {
				t.Errorf("generation %d after a change from %d", b.Generation(), gen)
			}
		})
	}
}

func manyTags(from, n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf(`{"key": "k%d", "value": "v"}`, from+i)
	}
	return strings.Join(s, ",")
}

func tagMap(from, n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%d", from+i)] = "v"
	}
	return m
}

func jsonEq(t *testing.T, what string, got any, want string) {
	t.Helper()
	body, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != want {
		t.Errorf("%s:\n got %s\nwant %s", what, body, want)
	}
}

func TestTagsAreCopies(t *testing.T) {
	b, _ := openBook(t)
	apply(t, b, `{"tag_groups": [{"asset_type": "AwsInstance", "ids": [1], "tags": [{"key": "a", "value": "1"}]}]}`, visibleExcept())
	b.Tags("AwsInstance", 1)["a"] = "changed"
	b.All()[Asset{"AwsInstance", 1}]["a"] = "changed"
	if got := b.Tags("AwsInstance", 1); got["a"] != "1" {
		t.Errorf("Tags = %v: a caller's change leaked into the book", got)
	}
	if got := b.Tags("AwsInstance", 2); got != nil {
		t.Errorf("untagged asset: Tags = %v, want nil", got)
	}
}

func TestNoChangeKeepsGeneration(t *testing.T) {
	b, _ := openBook(t)
	for _, body := range []string{
		`{"tag_groups": [{"asset_type": "AwsInstance", "ids": [1], "tags": [{"key": "a", "value": "1"}]}]}`, // not visible
		`{"tag_groups": [{"asset_type": "AwsInstance", "ids": [2], "tags": []}]}`,                           // no tags
		`{"tag_groups": [{"asset_type": "AwsInstance", "ids": [2], "tags": [{"key": "", "value": "1"}]}]}`,  // only failures
	} {
		apply(t, b, body, visibleExcept(1))
		if b.Generation() != 0 || len(b.All()) != 0 {
			t.Errorf("%s: generation %d, tags %v after a request that changed nothing", body, b.Generation(), b.All())
		}
	}
}
