package azure

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParseTags(t *testing.T) {
	f := func(cell string, want map[string]string) {
		t.Helper()
		got := map[string]string{}
		parseTags(cell, func(k, v string) { got[k] = v })
		if !maps.Equal(got, want) {
			t.Errorf("parseTags(%q) = %s, want %s", cell, show(got), show(want))
		}
	}
	// EA / MCA: pairs without the outer braces.
	f(`"CostCenter": "1234","env": "prod"`, map[string]string{"CostCenter": "1234", "env": "prod"})
	f(` "org": "" `, map[string]string{"org": ""})
	// Legacy: a JSON object.
	f(`{"project":"p1"}`, map[string]string{"project": "p1"})
	f(`{ "a b": "c d" , "x":"y"}`, map[string]string{"a b": "c d", "x": "y"})
	// Empty.
	f(``, map[string]string{})
	f(`  `, map[string]string{})
	f(`{}`, map[string]string{})
	// Non-string values as their JSON text.
	f(`"n": 5, "f": 2.50, "b": true, "z": null, "o": {"a": [1, 2]}`,
		map[string]string{"n": "5", "f": "2.50", "b": "true", "z": "null", "o": `{"a":[1,2]}`})
	// Escapes, unicode, keys differing by whitespace, repeated keys.
	f(`"q": "say \"hi\"", "ü": "\u00e9"`, map[string]string{"q": `say "hi"`, "ü": "é"})
	f(`"k": "1", "k ": "2"`, map[string]string{"k": "1", "k ": "2"})
	f(`"dup": "1", "dup": "2"`, map[string]string{"dup": "2"})
	// Not JSON: kept whole, the row is not failed.
	f(`not json`, map[string]string{RawTagsKey: "not json"})
	f(`"a": "1"}, {"b": "2"`, map[string]string{RawTagsKey: `"a": "1"}, {"b": "2"`})
	f(`"a": "1",`, map[string]string{RawTagsKey: `"a": "1",`})
	f(`{"a": "1"`, map[string]string{RawTagsKey: `{"a": "1"`})
	f(`{"a": "1"} trailing`, map[string]string{RawTagsKey: `{"a": "1"} trailing`})
	f(`[1, 2]`, map[string]string{RawTagsKey: `[1, 2]`})
	f(`env=prod;team=a`, map[string]string{RawTagsKey: `env=prod;team=a`})
	f(`"a" "b"`, map[string]string{RawTagsKey: `"a" "b"`})
}

// TestBadTagsKeepRow: a row with unreadable tags still maps.
func TestBadTagsKeepRow(t *testing.T) {
	li := mustMap(t, []string{"SubscriptionId", "Date", "Cost", "Tags"}, []string{"s", "09/21/2023", "1", `"env": prod`}, KindActual)
	check(t, "raw tags", li.Tags[RawTagsKey], `"env": prod`)
	check(t, "cost", li.Cost[0].String(), "1")
}

func show(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%q:%q ", k, m[k])
	}
	return "{" + b.String() + "}"
}
