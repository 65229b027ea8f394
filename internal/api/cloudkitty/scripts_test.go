package cloudkitty

import (
	"testing"

	"github.com/tally-cost/tally/internal/rating"
)

func TestScriptsEndpoints(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	const base = "/v1/rating/module_config/pyscripts/scripts"
	s.script(t, "modules/scripts", []step{
		{Method: "GET", Path: base + "/"},
		// client 4.6.0's create; id-1 is the script.
		{Method: "POST", Path: base + "/", Body: `{"name": "policy1", "data": "price + dec(\"0.5\") * qty"}`},
		// client 6.x's create, with the ≥23 keys as null.
		{Method: "POST", Path: base, Body: `{"name": "policy2", "data": "price", "start": null, "end": null, "description": null}`},
		{Method: "POST", Path: base, Body: `{"name": "policy1", "data": "price"}`},
		// A script that does not compile: 400 naming line and column.
		{Method: "POST", Path: base, Body: `{"name": "bad", "data": "price +\n  qty * 2"}`},
		{Method: "POST", Path: base, Body: `{"name": "bad", "data": "\"a string\""}`},
		{Method: "POST", Path: base, Body: `{"name": "empty"}`},
		{Method: "POST", Path: base, Body: `{"data": "price"}`},
		{Method: "POST", Path: base, Body: `{"name": "dated", "data": "price", "start": "2024-01-01"}`},
		{Method: "POST", Path: base, Body: `{"name": "x", "data": "price", "language": "python"}`},
		{Method: "GET", Path: base},
		{Method: "GET", Path: base + "?no_data=True"},
		{Method: "GET", Path: base + "/{{id-1}}"},
		{Method: "GET", Path: base + "/42"},
		// client 4.6.0's update: GET, then PUT the object back with new data.
		{Method: "PUT", Path: base + "/{{id-1}}", Body: `{"script_id": "{{id-1}}", "name": "policy1", "data": "price * dec(2)"}`},
		// The name alone; data kept.
		{Method: "PUT", Path: base + "/{{id-1}}", Body: `{"name": "policy1b"}`},
		{Method: "PUT", Path: base + "/{{id-1}}", Body: `{"name": "policy2"}`},
		{Method: "PUT", Path: base + "/{{id-1}}", Body: `{"data": "dec("}`},
		{Method: "PUT", Path: base + "/42", Body: `{"name": "policy1", "data": "price"}`},
		{Method: "PUT", Path: base, Body: `{"name": "policy1", "data": "price"}`},
		// The id in the body (no id in the path).
		{Method: "PUT", Path: base, Body: `{"script_id": "{{id-1}}", "data": "price"}`},
		{Method: "GET", Path: base + "/{{id-1}}"},
		{Method: "DELETE", Path: base + "/{{id-1}}"},
		{Method: "GET", Path: base + "/{{id-1}}"},
		{Method: "DELETE", Path: base + "/42"},
		{Method: "DELETE", Path: base + "/", Body: `{"script_id": "{{id-2}}"}`},
		{Method: "GET", Path: base},
	})
}
