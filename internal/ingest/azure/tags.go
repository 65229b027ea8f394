package azure

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/tally-cost/tally/internal/ingest/flatjson"
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
		set(p.Key, p.Value)
	}
}

// pair is one member of an object: its key and its value's text.
type pair = flatjson.Member

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
	if pairs, ok := flatjson.Object(s); ok {
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
		pairs = append(pairs, pair{Key: key, Value: v, Literal: raw[0] != '"'})
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
