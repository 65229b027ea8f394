package metrics

import (
	"encoding/json"
	"regexp"
	"strconv"

	"github.com/shopspring/decimal"
	yaml "go.yaml.in/yaml/v3"
)

// writtenValue returns n as JSON-ready values, for info/config, which
// shows the configuration as written, defaults not filled in: maps
// (merge keys applied, as upstream's YAML loader does), lists, strings,
// booleans, null, and numbers as json.Number in their written digits
// (0.10 stays 0.10, never a float's 0.1). A YAML number JSON cannot
// spell (0x10, +1, .5) is written in decimal; one with no decimal value
// (.inf, .nan) stays a string.
func writtenValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = writtenValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			l[i] = writtenValue(c)
		}
		return l
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int", "!!float":
		return writtenNumber(n)
	}
	return n.Value
}

var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

func writtenNumber(n *yaml.Node) any {
	if jsonNumber.MatchString(n.Value) {
		return json.Number(n.Value)
	}
	var i int64
	if n.Tag == "!!int" && n.Decode(&i) == nil {
		return json.Number(strconv.FormatInt(i, 10))
	}
	if d, err := decimal.NewFromString(n.Value); err == nil {
		return json.Number(d.String())
	}
	return n.Value
}
