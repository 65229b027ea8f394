package jsondoc

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	var v struct {
		N int `json:"n"`
	}
	for _, c := range []struct{ body, want string }{
		{`{"n": 1}`, ""},
		{"{\n  \"n\": 1,\n  x}", "line 3, column 3"},
		{"{\"n\": \"one\"}", "line 1, column 12: n must be int, not string"},
		{`{"n": 1} {"n": 2}`, "data after the JSON document at line 1, column 10"},
	} {
		err := Decode([]byte(c.body), &v)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.body, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: error %v, want it to say %q", c.body, err, c.want)
		}
	}
}
