package azure

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/ingest/flatjson"
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

// TestSimpleObjectAsJSON: flatjson.Object reads what it accepts exactly as
// encoding/json does, and leaves the rest to it.
func TestSimpleObjectAsJSON(t *testing.T) {
	cases := []struct {
		in     string
		simple bool // whether the fast path must take it
	}{
		{`{"env": "prod","team": "data"}`, true},
		{`{ "a b": "c d" , "x":"y"}`, true},
		{"{\t\"k\"\r\n:\n\"v\" }", true},
		{`{}`, true},
		{`{ }`, true},
		{`{"": ""}`, true},
		{`{"dup": "1", "dup": "2"}`, true},
		{`{"VMName": "aks-pool-123-vmss_4", "ImageType": "Canonical"}`, true},
		{`{"UsageType":"ComputeHR","VMName":null,"VMProperties":null,"VCPUs":4,"CPUs":0}`, true},
		{`{"n": 5, "f": 2.50, "e": -1.5E+3, "g": 0e0, "t": true, "b": false, "z": null}`, true},
		{`{"n": 01}`, false},
		{`{"n": 1.}`, false},
		{`{"n": .5}`, false},
		{`{"n": 1e}`, false},
		{`{"n": -}`, false},
		{`{"n": 5x}`, false},
		{`{"z": nullx}`, false},
		{`{"z": nul}`, false},
		{`{"t": True}`, false},
		{`{"o": {"a": [1, 2]}}`, false},
		{`{"l": [1]}`, false},
		{`{"q": "say \"hi\""}`, false},
		{`{"ü": "é"}`, false},
		{"{\"k\": \"a\x01b\"}", false},
		{`{"a": "1",}`, false},
		{`{"a": "1"`, false},
		{`{"a": "1"} trailing`, false},
		{`{"a": "1"}, {"b": "2"}`, false},
		{`{"a" "b"}`, false},
		{`{"a": "1" "b": "2"}`, false},
		{`{,}`, false},
		{`{"a":}`, false},
		{`{not json}`, false},
	}
	for _, c := range cases {
		got, ok := flatjson.Object(c.in)
		if ok != c.simple {
			t.Errorf("flatjson.Object(%q): ok = %v, want %v", c.in, ok, c.simple)
		}
		if !ok {
			continue
		}
		want, err := jsonObject(c.in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("flatjson.Object(%q) = %v; encoding/json: %v, %v", c.in, got, want, err)
		}
	}
}

// TestTagsWithoutDecoder: plain Tags and AdditionalInfo cells are read
// with a few allocations (the braced text and the pairs), not the
// decoder's dozens.
func TestTagsWithoutDecoder(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		parseTags(`"env": "prod","team": "data"`, func(k, v string) {})
	})
	if n > 3 {
		t.Errorf("parseTags: %v allocations, want at most 3", n)
	}
	info := `{"UsageType":"ComputeHR","ImageType":"Canonical","VMName":null,"VMProperties":null,"VCPUs":4,"CPUs":0}`
	n = testing.AllocsPerRun(100, func() {
		if v, ok := infoValue(info, "VMName"); !ok || v != "null" {
			t.Fatalf("infoValue: %q, %v", v, ok)
		}
	})
	// Lower-cased copies of the cell and the key, the pairs as they grow.
	if n > 6 {
		t.Errorf("infoValue: %v allocations, want at most 6", n)
	}
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
