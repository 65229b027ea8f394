package azure

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// RawTagsKey is the tag under which a Tags cell that is not a JSON object
// (even after adding the braces Azure leaves out) is kept whole, so that
// the row is still imported and the text is not lost.
const RawTagsKey = "_raw"

// parseTags reads an Azure Tags cell (§6.11) and calls set for each tag.
// EA and MCA exports write the pairs without the outer braces
// (`"CostCenter": "1234","env": "prod"`), legacy and some MCA files write
// a JSON object (`{"project":"p1"}`); both are read as one JSON object.
// String values are taken as they are; other JSON values (numbers,
// booleans, null, objects) as their compact JSON text. Keys are kept
// exactly, so keys differing only by whitespace stay distinct; a repeated
// key keeps its last value, as JSON readers do. Text that does not parse
// is kept under RawTagsKey; parseTags never fails a row.
func parseTags(cell string, set func(k, v string)) {
	pairs, err := parseObject(cell)
	if err != nil {
		set(RawTagsKey, strings.TrimSpace(cell))
		return
	}
	for _, p := range pairs {
		set(p.key, p.value)
	}
}

type pair struct{ key, value string }

var errNotObject = errors.New("not a JSON object")

// parseObject reads a JSON object whose braces may be missing (Tags and
// AdditionalInfo cells, §6.11) into its members, in order. An empty cell
// is an empty object.
func parseObject(s string) ([]pair, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if !strings.HasPrefix(s, "{") {
		s = "{" + s + "}"
	}
	if pairs, ok := simpleObject(s); ok {
		return pairs, nil
	}
	return jsonObject(s)
}

// jsonObject reads the JSON object s into its members with encoding/json.
func jsonObject(s string) ([]pair, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNotObject
	}
	var pairs []pair
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errNotObject
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		v, err := jsonText(raw)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, pair{key, v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errNotObject
	}
	// Nothing may follow the object: `"a": "1"}, {"b": "2"` is not one.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNotObject
	}
	return pairs, nil
}

// jsonText is a JSON string's value, or any other value's compact text.
func jsonText(raw json.RawMessage) (string, error) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
}

// simpleObject reads s, a JSON object, when it is the kind almost every
// Tags and AdditionalInfo cell is: string keys, and values that are
// strings of printable ASCII without escapes, numbers, true, false or
// null (AdditionalInfo's "VCPUs":4,"VMName":null). Members are then
// substrings of s (a literal's compact JSON text is itself),
// found in one pass without the JSON decoder, which cost more than any
// other step of mapping an Azure row (BENCHMARKS.md). ok is false for
// anything else (escapes, other bytes, non-string values, malformed
// text), which jsonObject then reads or refuses as before.
func simpleObject(s string) (pairs []pair, ok bool) {
	i := skipSpace(s, 1) // s[0] is '{'
	if i < len(s) && s[i] == '}' {
		return nil, skipSpace(s, i+1) == len(s)
	}
	for {
		var k, v string
		if k, i, ok = simpleString(s, i); !ok {
			return nil, false
		}
		if i = skipSpace(s, i); i >= len(s) || s[i] != ':' {
			return nil, false
		}
		if v, i, ok = simpleValue(s, skipSpace(s, i+1)); !ok {
			return nil, false
		}
		pairs = append(pairs, pair{k, v})
		if i = skipSpace(s, i); i >= len(s) {
			return nil, false
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return pairs, skipSpace(s, i+1) == len(s)
		default:
			return nil, false
		}
	}
}

// simpleValue reads a string as simpleString does, or a number, true,
// false or null, whose text is what encoding/json's compact form is.
func simpleValue(s string, i int) (text string, next int, ok bool) {
	if i >= len(s) {
		return "", 0, false
	}
	switch c := s[i]; {
	case c == '"':
		return simpleString(s, i)
	case c == '-' || c >= '0' && c <= '9':
		j := number(s, i)
		return s[i:j], j, j > i
	}
	for _, w := range []string{"null", "true", "false"} {
		if strings.HasPrefix(s[i:], w) {
			return w, i + len(w), true
		}
	}
	return "", 0, false
}

// number returns the end of the JSON number at s[i] (-?(0|[1-9]\d*)
// (\.\d+)?([eE][+-]?\d+)?), or i when there is none. A byte that follows
// it other than a separator fails the object, as in encoding/json.
func number(s string, i int) int {
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	switch {
	case j < len(s) && s[j] == '0':
		j++
	case j < len(s) && s[j] >= '1' && s[j] <= '9':
		j = digits(s, j)
	default:
		return i
	}
	if j < len(s) && s[j] == '.' {
		k := digits(s, j+1)
		if k == j+1 {
			return i
		}
		j = k
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		e := digits(s, k)
		if e == k {
			return i
		}
		j = e
	}
	return j
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// simpleString reads a JSON string at s[i] made only of printable ASCII
// other than a backslash, and returns its text and the index after it.
func simpleString(s string, i int) (text string, next int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return s[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c > 0x7e:
			return "", 0, false
		}
	}
	return "", 0, false
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}
