package aws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// tags records the resource tags and cost categories of a row (keys per
// the package comment). Empty values are not recorded.
func (x *rowCtx) tags(li *cost.LineItem) error {
	for _, tc := range x.m.tagCols {
		if v := strings.TrimSpace(x.r.Get(tc.pos)); v != "" {
			li.SetTag(tc.key, v)
		}
	}
	maps := []struct {
		c      col
		prefix string
	}{
		{colResourceTagsMap, ""},
		{colCostCategoryMap, costCategoryPrefix},
	}
	for _, mc := range maps {
		if !x.m.l.has(mc.c) {
			continue
		}
		mp, err := parseMap(x.cell(mc.c))
		if err != nil {
			return tabular.CellError(x.r, x.m.l.name[mc.c], err)
		}
		for k, v := range mp {
			if k != "" && v != "" {
				li.SetTag(mc.prefix+k, v)
			}
		}
	}
	return nil
}

// parseMap reads a CUR 2.0 map cell: JSON object text, as the Parquet
// reader renders map columns and as CUR 2.0 CSV writes them. String values
// are taken as they are, numbers with their exact text (never through
// float64), booleans as true/false, nested values as compact JSON; null
// values are left out. As a fallback it reads the `{k=v, k2=v2}` text that
// Athena writes for maps in query results. A blank cell is an empty map.
func parseMap(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "null") {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	var raw map[string]json.RawMessage
	jsonErr := dec.Decode(&raw)
	if jsonErr == nil && dec.More() {
		jsonErr = errors.New("text after the JSON object")
	}
	if jsonErr != nil {
		if m, ok := parseAthenaMap(s); ok {
			return m, nil
		}
		return nil, fmt.Errorf("%w: not a JSON object: %v", cost.ErrInvalid, jsonErr)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		switch {
		case len(v) == 0 || string(v) == "null":
			continue
		case v[0] == '"':
			var str string
			if err := json.Unmarshal(v, &str); err != nil {
				return nil, fmt.Errorf("%w: value of %q: %v", cost.ErrInvalid, k, err)
			}
			out[k] = str
		case v[0] == '{' || v[0] == '[':
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return nil, fmt.Errorf("%w: value of %q: %v", cost.ErrInvalid, k, err)
			}
			out[k] = buf.String()
		default: // numbers, true, false: their JSON text
			out[k] = string(v)
		}
	}
	return out, nil
}

// parseAthenaMap reads `{k=v, k2=v2}`. A part without "=" continues the
// previous value, which contained ", ". ok is false for anything else.
func parseAthenaMap(s string) (map[string]string, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	inner := strings.TrimSpace(s[1 : len(s)-1])
	out := map[string]string{}
	if inner == "" {
		return out, true
	}
	last := ""
	for part := range strings.SplitSeq(inner, ", ") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" || strings.ContainsAny(k, `{}"`) {
			if last == "" {
				return nil, false
			}
			out[last] += ", " + part
			continue
		}
		k = strings.TrimSpace(k)
		out[k] = v
		last = k
	}
	return out, true
}
