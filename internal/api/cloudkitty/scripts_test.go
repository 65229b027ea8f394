package cloudkitty

import (
	"net/http"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/rating"
)

const scriptsBase = "/v1/rating/module_config/pyscripts/scripts"

// newScriptsServer fixes the rules' clock at testNow (2024-01-15
// 10:30): scripts start when created and their audit times are echoed.
func newScriptsServer(t *testing.T) *testServer {
	s := newTestServer(t, rating.Config{})
	s.rating.Book.SetClock(func() time.Time { return testNow })
	return s
}

// TestScriptsEndpoints: the pyscripts API's transcript. The first part
// is the classic model (python-cloudkittyclient 4.6.0's create and
// update, which must keep working on a running script); the second the
// ≥23 dated model: force, date-only ends, running scripts immutable but
// for their end, soft delete and the list filters.
func TestScriptsEndpoints(t *testing.T) {
	s := newScriptsServer(t)
	const base = scriptsBase
	s.script(t, "modules/scripts", []step{
		{Method: "GET", Path: base + "/"},
		// client 4.6.0's create; id-1 is the script.
		{Method: "POST", Path: base + "/", Body: `{"name": "policy1", "data": "price + dec(\"0.5\") * qty"}`},
		// client 6.x's create, with the ≥23 keys as null: still classic.
		{Method: "POST", Path: base, Body: `{"name": "policy2", "data": "price", "start": null, "end": null, "description": null}`},
		{Method: "POST", Path: base, Body: `{"name": "policy1", "data": "price"}`},
		// A script that does not compile: 400 naming line and column.
		{Method: "POST", Path: base, Body: `{"name": "bad", "data": "price +\n  qty * 2"}`},
		{Method: "POST", Path: base, Body: `{"name": "bad", "data": "\"a string\""}`},
		{Method: "POST", Path: base, Body: `{"name": "empty"}`},
		{Method: "POST", Path: base, Body: `{"data": "price"}`},
		// A start in the past needs force=true.
		{Method: "POST", Path: base, Body: `{"name": "dated", "data": "price", "start": "2024-01-01"}`},
		{Method: "POST", Path: base, Body: `{"name": "x", "data": "price", "language": "python"}`},
		{Method: "GET", Path: base},
		{Method: "GET", Path: base + "?no_data=True"},
		{Method: "GET", Path: base + "/{{id-1}}"},
		{Method: "GET", Path: base + "/42"},
		// client 4.6.0's update of a running classic script: GET, then
		// PUT the object back with new data.
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
		// Soft delete: the script stays readable by id, with its
		// deletion date and user; deleting it again is a 404.
		{Method: "DELETE", Path: base + "/{{id-1}}"},
		{Method: "GET", Path: base + "/{{id-1}}"},
		{Method: "DELETE", Path: base + "/{{id-1}}"},
		{Method: "PUT", Path: base + "/{{id-1}}", Body: `{"data": "price"}`},
		{Method: "DELETE", Path: base + "/42"},
		{Method: "DELETE", Path: base + "/", Body: `{"script_id": "{{id-2}}"}`},
		{Method: "GET", Path: base},

		// ≥23. A forced start in the past; a date-only end is that
		// day's last second (id-3).
		{Method: "POST", Path: base + "?force=true", Body: `{"name": "h1", "data": "price", "start": "2024-01-01", "end": "2024-06-30", "description": "First half of 2024"}`},
		// Not started yet (id-4).
		{Method: "POST", Path: base, Body: `{"name": "february", "data": "price + dec(1)", "start": "2024-02-01T00:00:00", "description": "From February"}`},
		// Running, no end (id-5); the name of a deleted script is free.
		{Method: "POST", Path: base + "?force=true", Body: `{"name": "policy1b", "data": "price", "start": "2024-01-10T00:00:00"}`},
		{Method: "POST", Path: base, Body: `{"name": "backwards", "data": "price", "start": "2024-03-01", "end": "2024-02-01"}`},
		{Method: "POST", Path: base, Body: `{"name": "when", "data": "price", "start": "next week"}`},
		// A running script with no end: only its end may change, and
		// not to the past.
		{Method: "PUT", Path: base + "/{{id-5}}", Body: `{"data": "price * dec(3)"}`},
		{Method: "PUT", Path: base + "/{{id-5}}", Body: `{"end": "2024-01-12"}`},
		{Method: "PUT", Path: base + "/{{id-5}}?force=true", Body: `{"end": "2024-01-12"}`},
		{Method: "PUT", Path: base + "/{{id-5}}", Body: `{"end": "2024-12-31"}`},
		// With an end it may not change at all.
		{Method: "PUT", Path: base + "/{{id-5}}", Body: `{"end": "2025-12-31"}`},
		{Method: "PUT", Path: base + "/{{id-3}}", Body: `{"description": "H1"}`},
		// Resending what was read back is no change.
		{Method: "PUT", Path: base + "/{{id-3}}", Body: `{"script_id": "{{id-3}}", "name": "h1", "data": "price", "start": "2024-01-01T00:00:00", "end": "2024-06-30T23:59:59", "description": "First half of 2024", "created_at": "2024-01-15T10:30:00", "deleted": null, "created_by": "no-auth", "updated_by": null, "deleted_by": null}`},
		// A script not yet started may change anything; a new start
		// in the past needs force.
		{Method: "PUT", Path: base + "/{{id-4}}", Body: `{"start": "2024-01-02"}`},
		{Method: "PUT", Path: base + "/{{id-4}}", Body: `{"data": "price + dec(2)", "start": "2024-03-01", "end": "2024-03-31", "description": "March"}`},
		{Method: "PUT", Path: base + "/{{id-4}}", Body: `{"end": "2024-02-15"}`},
		// The list filters of ≥23.
		{Method: "GET", Path: base + "?no_data=true&is_active=true"},
		{Method: "GET", Path: base + "?no_data=true&deleted=true"},
		{Method: "GET", Path: base + "?no_data=true&description=MARCH"},
		{Method: "GET", Path: base + "?no_data=true&start=2024-02-01"},
		{Method: "GET", Path: base + "?no_data=true&end=2024-07-01"},
		{Method: "GET", Path: base + "?no_data=true&deleted=true&deleted_by=no-auth"},
		{Method: "GET", Path: base + "?no_data=true&updated_by=nobody"},
		{Method: "GET", Path: base + "?is_active=maybe"},
	})
}

// TestScriptPutReplayed: a client that retries a PUT (31 times, as
// §12.3's replays) gets the same answer every time, for a running
// classic script (new data) and a running dated one (its end), and the
// script is written once.
func TestScriptPutReplayed(t *testing.T) {
	s := newScriptsServer(t)
	for _, c := range []struct{ create, put string }{
		{`{"name": "classic", "data": "price"}`, `{"name": "classic", "data": "price * dec(2)"}`},
		{`{"name": "dated", "data": "price", "start": "2024-01-01"}`, `{"name": "dated", "data": "price", "end": "2024-12-31"}`},
	} {
		r := s.call(t, "POST", scriptsBase+"?force=true", c.create)
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := uuidRE.FindString(string(r.Body))
		var first string
		for i := range 31 {
			r := s.call(t, "PUT", scriptsBase+"/"+id, c.put)
			if r.Status != http.StatusCreated {
				t.Fatalf("replay %d: %d %s", i, r.Status, r.Body)
			}
			if i == 0 {
				first = string(r.Body)
			} else if string(r.Body) != first {
				t.Fatalf("replay %d answered\n%s\nafter\n%s", i, r.Body, first)
			}
		}
	}
}
