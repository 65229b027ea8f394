package flatjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// What Object must do with an input.
const (
	flat     = iota // read it: members as encoding/json reads them
	fallback        // leave it (ok false) to encoding/json, which reads it
	bad             // leave it: encoding/json refuses it, and the caller says so
)

// cases are Object's table; FuzzFlatJSON starts from them too.
var cases = []struct {
	name, in string
	want     int
	members  []Member // for flat
}{
	// Flat objects: the common tags and AdditionalInfo cells.
	{"tags", `{"env": "prod","team": "data"}`, flat, []Member{{"env", "prod", false}, {"team", "data", false}}},
	{"empty", `{}`, flat, nil},
	{"empty with inner space", `{ }`, flat, nil},
	{"space everywhere", "{\t\"k\"\r\n:\n\"v\" ,\"a b\" : \"c d\" }\n", flat, []Member{{"k", "v", false}, {"a b", "c d", false}}},
	{"empty key and value", `{"": ""}`, flat, []Member{{"", "", false}}},
	{"repeated key kept twice, in order", `{"dup": "1", "dup": "2"}`, flat, []Member{{"dup", "1", false}, {"dup", "2", false}}},
	{"printable ASCII", `{"k": " !#$%&'()*+,-./:;<=>?@[]^_{|}~"}`, flat, []Member{{"k", ` !#$%&'()*+,-./:;<=>?@[]^_{|}~`, false}}},
	{"AdditionalInfo", `{"UsageType":"ComputeHR","VMName":null,"VCPUs":4,"CPUs":0}`, flat,
		[]Member{{"UsageType", "ComputeHR", false}, {"VMName", "null", true}, {"VCPUs", "4", true}, {"CPUs", "0", true}}},

	// Numbers and literals: their text is their compact JSON.
	{"numbers", `{"i": -12, "f": 2.50, "e": -1.5E+3, "z": 0e0, "big": 123456789012345678901234567890}`, flat,
		[]Member{{"i", "-12", true}, {"f", "2.50", true}, {"e", "-1.5E+3", true}, {"z", "0e0", true}, {"big", "123456789012345678901234567890", true}}},
	{"literals", `{"t": true, "f": false, "n": null}`, flat, []Member{{"t", "true", true}, {"f", "false", true}, {"n", "null", true}}},
	{"leading zero", `{"n": 01}`, bad, nil},
	{"no fraction digits", `{"n": 1.}`, bad, nil},
	{"no integer digits", `{"n": .5}`, bad, nil},
	{"no exponent digits", `{"n": 1e}`, bad, nil},
	{"plus sign", `{"n": +1}`, bad, nil},
	{"sign alone", `{"n": -}`, bad, nil},
	{"number then letters", `{"n": 5x}`, bad, nil},
	{"literal then letters", `{"z": nullx}`, bad, nil},
	{"short literal", `{"z": nul}`, bad, nil},
	{"capital literal", `{"t": True}`, bad, nil},
	{"NaN", `{"n": NaN}`, bad, nil},

	// Escapes and non-ASCII: valid, for encoding/json to read.
	{"escaped quote", `{"q": "say \"hi\""}`, fallback, nil},
	{"escaped slash", `{"p": "a\/b"}`, fallback, nil},
	{"unicode escape", `{"k": "\u00e9"}`, fallback, nil},
	{"surrogate pair", `{"k": "\ud83d\ude00"}`, fallback, nil},
	{"escape in key", `{"a\tb": "c"}`, fallback, nil},
	{"UTF-8", `{"ü": "é"}`, fallback, nil},
	{"emoji", `{"k": "😀"}`, fallback, nil},
	{"DEL", "{\"k\": \"a\x7fb\"}", fallback, nil},
	{"invalid UTF-8", "{\"k\": \"\xff\"}", fallback, nil},

	// Nested values fall back.
	{"nested object", `{"o": {"a": [1, 2]}}`, fallback, nil},
	{"array", `{"l": [1]}`, fallback, nil},
	{"empty array", `{"l": []}`, fallback, nil},
	{"nested after flat", `{"a": "1", "o": {}}`, fallback, nil},

	// Space around the object: valid, but not the cells' shape.
	{"space before the brace", ` {"a": "1"}`, fallback, nil},
	{"space around an empty object", " { \n} \t", fallback, nil},
	{"space after", "{\"a\": \"1\"}\n", flat, []Member{{"a", "1", false}}},

	// Malformed.
	{"empty input", ``, bad, nil},
	{"not an object", `[1, 2]`, bad, nil},
	{"a string", `"a"`, bad, nil},
	{"control byte in a string", "{\"k\": \"a\x01b\"}", bad, nil},
	{"raw tab in a string", "{\"k\": \"a\tb\"}", bad, nil},
	{"trailing comma", `{"a": "1",}`, bad, nil},
	{"unclosed", `{"a": "1"`, bad, nil},
	{"unclosed string", `{"a": "1}`, bad, nil},
	{"only a brace", `{`, bad, nil},
	{"text after", `{"a": "1"} trailing`, bad, nil},
	{"two objects", `{"a": "1"}, {"b": "2"}`, bad, nil},
	{"two objects, spaced", `{} {}`, bad, nil},
	{"missing colon", `{"a" "b"}`, bad, nil},
	{"missing comma", `{"a": "1" "b": "2"}`, bad, nil},
	{"missing value", `{"a":}`, bad, nil},
	{"lone comma", `{,}`, bad, nil},
	{"bare key", `{a: "1"}`, bad, nil},
	{"single quotes", `{'a': '1'}`, bad, nil},
	{"number key", `{1: "1"}`, bad, nil},
	{"not json", `{not json}`, bad, nil},
}

// TestObject: each case is read, or left, as its table row says, and
// encoding/json agrees: a flat object reads the same, a fallback is one
// it reads, a bad one is one it refuses.
func TestObject(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Object(c.in)
			ref, err := decode(c.in)
			switch c.want {
			case flat:
				if !ok || !slices.Equal(got, c.members) {
					t.Fatalf("Object(%q) = %v, %v; want %v", c.in, got, ok, c.members)
				}
				if err != nil || !slices.Equal(got, ref) {
					t.Fatalf("Object(%q) = %v; encoding/json reads %v, %v", c.in, got, ref, err)
				}
			case fallback:
				if ok {
					t.Fatalf("Object(%q) = %v, true; want it left to encoding/json", c.in, got)
				}
				if err != nil {
					t.Fatalf("encoding/json refuses %q (%v): a case for bad, not fallback", c.in, err)
				}
			case bad:
				if ok {
					t.Fatalf("Object(%q) = %v, true; want it refused", c.in, got)
				}
				if err == nil {
					t.Fatalf("encoding/json reads %q as %v: a case for fallback, not bad", c.in, ref)
				}
			}
		})
	}
}

// decode is the reference: s read with encoding/json as one object
// alone, its members in order (repeats kept), a string member by its
// value and any other by its compact JSON text.
func decode(s string) ([]Member, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not an object: %v %v", tok, err)
	}
	var out []Member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("key %v is not a string", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if raw[0] == '"' {
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, err
			}
			out = append(out, Member{Key: key, Value: v})
			continue
		}
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return nil, err
		}
		out = append(out, Member{Key: key, Value: b.String(), Literal: true})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, fmt.Errorf("object not closed: %v %v", tok, err)
	}
	if tok, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("text after the object: %v %v", tok, err)
	}
	return out, nil
}

// FuzzFlatJSON: whatever Object reads, encoding/json reads the same,
// and what it reads it reads again from its members written back out.
func FuzzFlatJSON(f *testing.F) {
	for _, c := range cases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := Object(s)
		if !ok {
			return
		}
		ref, err := decode(s)
		if err != nil || !slices.Equal(got, ref) {
			t.Fatalf("Object(%q) = %v; encoding/json reads %v, %v", s, got, ref, err)
		}
		var b strings.Builder
		b.WriteByte('{')
		for i, m := range got {
			if i > 0 {
				b.WriteByte(',')
			}
			v := m.Value
			if !m.Literal {
				v = `"` + v + `"`
			}
			fmt.Fprintf(&b, "%q:%s", m.Key, v)
		}
		b.WriteByte('}')
		if again, ok := Object(b.String()); !ok || !slices.Equal(again, got) {
			t.Fatalf("Object(%q) = %v, %v; want %v as read from %q", b.String(), again, ok, got, s)
		}
	})
}
