package pyclient

import (
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// ps is the scripted module's path (the pyscripts API, scripts in CEL).
const ps = "/cloudkitty/v1/rating/module_config/pyscripts/"

// scripts: every pyscript command of §12.2. The client reads the script
// from a file when its argument names one.
func (e *env) scripts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const v1, v2 = `price + dec("0.5") * qty`, "price * dec(2)"
	sum := func(data string) string {
		s := sha512.Sum512([]byte(data))
		return hex.EncodeToString(s[:])
	}
	var id string
	t.Run("pyscript create", func(t *testing.T) {
		r := e.run(t, "pyscript", "create", "policy1", write("policy1.cel", v1), "-f", "json")
		row := r.row(t)
		r.sent(t, "POST "+ps+`scripts/ {"name": "policy1", "data": `)
		wantCell(t, row, "Name", "policy1")
		wantCell(t, row, "Data", v1)
		wantCell(t, row, "Checksum", sum(v1))
		id = str(cell(t, row, "Script ID"))
	})
	// A script that does not compile is refused with its line and column
	// (CEL in place of Python: the client sends it unchanged).
	t.Run("pyscript create bad", func(t *testing.T) {
		e.run(t, "pyscript", "create", "bad", write("bad.cel", "price +\n  qty * 2")).failed(t, "line 2, column")
	})
	t.Run("pyscript list", func(t *testing.T) {
		r := e.run(t, "pyscript", "list", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+ps+"scripts/")
		wantCell(t, row, "Script ID", need(t, id, "pyscript create"))
		wantCell(t, row, "Data", v1)
	})
	t.Run("pyscript list -n", func(t *testing.T) {
		r := e.run(t, "pyscript", "list", "-n", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+ps+"scripts/?no_data=True")
		wantCell(t, row, "Data", "")
	})
	t.Run("pyscript get", func(t *testing.T) {
		sid := need(t, id, "pyscript create")
		r := e.run(t, "pyscript", "get", sid, "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+ps+"scripts/"+sid)
		wantCell(t, row, "Name", "policy1")
	})
	t.Run("pyscript update -d FILE", func(t *testing.T) {
		sid := need(t, id, "pyscript create")
		r := e.run(t, "pyscript", "update", sid, "-d", write("policy1b.cel", v2), "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+ps+"scripts/"+sid, "PUT "+ps+"scripts/"+sid)
		wantCell(t, row, "Data", v2)
		wantCell(t, row, "Checksum", sum(v2))
	})
	t.Run("pyscript delete", func(t *testing.T) {
		sid := need(t, id, "pyscript create")
		r := e.run(t, "pyscript", "delete", sid).ok(t)
		r.sent(t, "DELETE "+ps+"scripts/"+sid)
		if rows := e.run(t, "pyscript", "list", "-f", "json").rows(t); len(rows) != 0 {
			t.Errorf("scripts after delete: %v", rows)
		}
	})
}

// collector: the deprecated collector mapping and state commands.
func (e *env) collector(t *testing.T) {
	const c = "/cloudkitty/v1/collector/"
	t.Run("collector-mapping create", func(t *testing.T) {
		r := e.run(t, "collector-mapping", "create", "instance", "prometheus", "-f", "json")
		row := r.row(t)
		r.sent(t, "POST "+c+"mappings/")
		if q := r.reqs[0].line; !jsonHas(q, "service", "instance") || !jsonHas(q, "collector", "prometheus") {
			t.Errorf("create sent %s", q)
		}
		wantCell(t, row, "Service", "instance")
		wantCell(t, row, "Collector", "prometheus")
	})
	t.Run("collector-mapping list", func(t *testing.T) {
		r := e.run(t, "collector-mapping", "list", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+c+"mappings/")
		wantCell(t, row, "Service", "instance")
	})
	t.Run("collector-mapping get", func(t *testing.T) {
		r := e.run(t, "collector-mapping", "get", "instance", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+c+"mappings/instance")
		wantCell(t, row, "Collector", "prometheus")
	})
	t.Run("collector-mapping delete", func(t *testing.T) {
		r := e.run(t, "collector-mapping", "delete", "instance").ok(t)
		r.sent(t, "DELETE "+c+`mappings/ {"service": "instance"}`)
		e.run(t, "collector-mapping", "get", "instance").failed(t, "No mapping for service: instance")
	})
	t.Run("collector state get", func(t *testing.T) {
		r := e.run(t, "collector", "state", "get", "prometheus", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+c+"states/?name=prometheus")
		// Unknown collectors read as disabled.
		wantCell(t, row, "State", "false")
	})
	for _, s := range []struct{ cmd, state string }{{"enable", "true"}, {"disable", "false"}} {
		t.Run("collector "+s.cmd, func(t *testing.T) {
			r := e.run(t, "collector", s.cmd, "prometheus", "-f", "json")
			row := r.row(t)
			r.sent(t, "PUT "+c+"states/ ", "GET "+c+"states/?name=prometheus")
			wantCell(t, row, "Collector", "prometheus")
			wantCell(t, row, "State", s.state)
		})
	}
}
