package focus

import (
	"maps"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
)

// TestTagsAsDecoder: the Tags read without the decoder (flatjson) are the
// decoder's, null as "", a repeated key keeping its last value; what the
// fast path does not take still fails or reads as before.
func TestTagsAsDecoder(t *testing.T) {
	for _, s := range []string{
		`{"env": "prod", "team": "data"}`,
		`"env": "prod", " env": "dev"`,
		`{"k": null, "n": 5, "f": -2.50e3, "t": true, "s": "null", "e": ""}`,
		`{"dup": "1", "dup": "2"}`,
		`{}`,
		`{"q": "say \"hi\"", "ü": "\u00e9"}`,
		`{"o": {"a": [1, 2]}}`,
		`{"a": "1"} trailing`,
		`{"a": 01}`,
		`{"a": "1",}`,
		`not json`,
	} {
		var fast, slow cost.LineItem
		errFast := parseTags(s, &fast)
		w := s
		if w[0] != '{' {
			w = "{" + w + "}"
		}
		errSlow := decodeTags(w, &slow)
		if (errFast == nil) != (errSlow == nil) || errFast != nil && errFast.Error() != errSlow.Error() {
			t.Errorf("parseTags(%q): error %v, decoder: %v", s, errFast, errSlow)
		}
		if !maps.Equal(fast.Tags, slow.Tags) {
			t.Errorf("parseTags(%q) = %v, decoder: %v", s, fast.Tags, slow.Tags)
		}
	}
}

// TestTagsWithoutDecoder: a plain Tags object costs the tag map, not the
// decoder's dozens of allocations.
func TestTagsWithoutDecoder(t *testing.T) {
	var li cost.LineItem
	n := testing.AllocsPerRun(100, func() {
		li.Tags = nil
		if err := parseTags(`{"env": "prod", "team": "data", "k": null}`, &li); err != nil {
			t.Fatal(err)
		}
	})
	// The map and its buckets, the members as their slice grows.
	if n > 6 {
		t.Errorf("parseTags: %v allocations, want at most 6", n)
	}
	if want := map[string]string{"env": "prod", "team": "data", "k": ""}; !maps.Equal(li.Tags, want) {
		t.Errorf("tags %v, want %v", li.Tags, want)
	}
}
