package gcp

import (
	"encoding/json"
	"strings"
	"testing"
)

// csvToJSONL turns an export CSV into the JSON lines BigQuery would write
// for the same rows: dotted columns become nested objects, Python-repr
// lists become JSON arrays, numbers stay numbers with their exact text,
// empty cells become null and timestamps use BigQuery's " UTC" spelling.
func csvToJSONL(t *testing.T, path string) string {
	t.Helper()
	numeric := map[string]bool{"cost": true, "currency_conversion_rate": true, "usage.amount": true, "usage.amount_in_pricing_units": true}
	list := map[string]bool{"credits": true, "labels": true, "system_labels": true, "project.labels": true}
	pyToJSON := strings.NewReplacer("'", `"`, "None", "null", "True", "true", "False", "false")
	var b strings.Builder
	for _, rec := range rawRecords(t, path) {
		obj := map[string]any{}
		for name, cell := range rec {
			var v any
			switch {
			case cell == "":
				v = nil
			case numeric[name]:
				v = json.Number(cell)
			case list[name]:
				if strings.Contains(cell, `"`) {
					t.Fatalf("%s: cell %q already has double quotes; the test's conversion would break it", name, cell)
				}
				v = json.RawMessage(pyToJSON.Replace(cell))
			case strings.HasSuffix(cell, "+00:00") && strings.HasSuffix(name, "_time"):
				v = strings.TrimSuffix(cell, "+00:00") + " UTC"
			default:
				v = cell
			}
			parts := strings.Split(name, ".")
			m := obj
			for _, p := range parts[:len(parts)-1] {
				if m[p] == nil {
					m[p] = map[string]any{}
				}
				m = m[p].(map[string]any)
			}
			m[parts[len(parts)-1]] = v
		}
		line, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteString("\n")
	}
	return b.String()
}
