package cloudkitty

import (
	"encoding/json"
	"testing"
)

// TestPythonRepr: bodies as upstream's v2 errors quote them, and desc
// values as str() renders them for exact field matching.
func TestPythonRepr(t *testing.T) {
	cases := []struct{ in, repr, str string }{
		{`{"priority": 0}`, `{'priority': 0}`, `{'priority': 0}`},
		{`{"enabled": true, "x": null}`, `{'enabled': True, 'x': None}`, `{'enabled': True, 'x': None}`},
		{`"it's"`, `"it's"`, `it's`},
		{`"a'b\"c"`, `'a\'b"c'`, `a'b"c`},
		{`"tab\there"`, `'tab\there'`, "tab\there"},
		{`5`, `5`, `5`},
		{`-0`, `0`, `0`},
		{`5.0`, `5.0`, `5.0`},
		{`2.50`, `2.5`, `2.5`},
		{`1e3`, `1000.0`, `1000.0`},
		{`1e16`, `1e+16`, `1e+16`},
		{`0.00001`, `1e-05`, `1e-05`},
		{`0.0001`, `0.0001`, `0.0001`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`, `123456789012345678901234567890`},
		{`[1, [], {}]`, `[1, [], {}]`, `[1, [], {}]`},
		{`null`, `None`, `None`},
		{`false`, `False`, `False`},
		{``, `None`, `None`},
	}
	for _, c := range cases {
		if got := pythonRepr([]byte(c.in)); got != c.repr {
			t.Errorf("pythonRepr(%s) = %s, want %s", c.in, got, c.repr)
		}
		if c.in == "" {
			continue
		}
		if got := pythonValueStr(json.RawMessage(c.in)); got != c.str {
			t.Errorf("pythonValueStr(%s) = %s, want %s", c.in, got, c.str)
		}
	}
}

// TestV2Schema: voluptuous.Boolean and the int type check of the v2
// module PUT.
func TestV2Schema(t *testing.T) {
	bools := []struct {
		in     string
		v, ok_ bool
	}{
		{`true`, true, true}, {`false`, false, true}, {`"True"`, true, true}, {`"off"`, false, true},
		{`"enable"`, true, true}, {`"DISABLE"`, false, true}, {`1`, true, true}, {`0`, false, true},
		{`null`, false, true}, {`"maybe"`, false, false}, {`""`, false, false}, {`[1]`, true, true},
	}
	for _, c := range bools {
		if v, ok := v2Boolean(json.RawMessage(c.in)); v != c.v || ok != c.ok_ {
			t.Errorf("v2Boolean(%s) = %v, %v; want %v, %v", c.in, v, ok, c.v, c.ok_)
		}
	}
	ints := []struct {
		in string
		v  int
		ok bool
	}{
		{`5`, 5, true}, {`true`, 1, true}, {`"5"`, 0, false}, {`5.0`, 0, false}, {`null`, 0, false},
	}
	for _, c := range ints {
		if v, ok := v2Int(json.RawMessage(c.in)); v != c.v || ok != c.ok {
			t.Errorf("v2Int(%s) = %v, %v; want %v, %v", c.in, v, ok, c.v, c.ok)
		}
	}
}
