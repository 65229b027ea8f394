package pyclient

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// quoteScript calls the client library's get_quotation, which has no CLI
// command (§12.2): POST /v1/rating/quote {"resources": res_data}. It
// prints the answer as JSON.
const quoteScript = `import json, sys
from keystoneauth1 import session
from cloudkittyclient import client
from cloudkittyclient.auth import CloudKittyNoAuthPlugin
c = client.Client("1", session=session.Session(auth=CloudKittyNoAuthPlugin(endpoint=sys.argv[1])))
print(json.dumps(c.rating.get_quotation(res_data=json.loads(sys.argv[2]))))
`

// quote prices resources with the enabled modules' global rules: a
// service flat 0.5 and, in group "q", a field flat 1.5 for flavor_id
// m1.small, so a volume of 2 costs 0.5 × 2 + 1.5 × 2 = 4.
func (e *env) quote(t *testing.T) {
	// The library is the client's own Python package: run it with the
	// interpreter the client's script names (Debian's).
	py := filepath.Join(filepath.Dir(e.cli), "python3")
	if _, err := exec.LookPath(py); err != nil {
		t.Fatalf("no %s beside %s: %v", py, e.cli, err)
	}
	setup := func(t *testing.T) {
		t.Helper()
		e.run(t, "module", "enable", "hashmap", "-f", "json").ok(t)
		svc := str(cell(t, e.run(t, "hashmap", "service", "create", "instance", "-f", "json").row(t), "Service ID"))
		fld := str(cell(t, e.run(t, "hashmap", "field", "create", svc, "flavor_id", "-f", "json").row(t), "Field ID"))
		grp := str(cell(t, e.run(t, "hashmap", "group", "create", "q", "-f", "json").row(t), "Group ID"))
		e.run(t, "hashmap", "mapping", "create", "0.5", "-s", svc, "-t", "flat", "-f", "json").ok(t)
		e.run(t, "hashmap", "mapping", "create", "1.5", "--field-id", fld, "--value", "m1.small", "-g", grp, "-t", "flat", "-f", "json").ok(t)
	}
	quote := func(t *testing.T, resources string) (string, []request) {
		t.Helper()
		e.rec.take()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, "-c", quoteScript, e.endpoint, resources)
		cmd.Env = cliEnv()
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("get_quotation: %v\nstderr:\n%s\nrequests: %v", err, errb.String(), e.rec.take())
		}
		reqs := e.rec.take()
		for _, q := range reqs {
			t.Logf("  %s -> %d", q.line, q.status)
		}
		var s string
		if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &s); err != nil {
			t.Fatalf("quote %s: not a JSON string (%v)", out.String(), err)
		}
		return s, reqs
	}
	t.Run("rules for the quote", setup)
	t.Run("get_quotation desc metadata", func(t *testing.T) {
		got, reqs := quote(t, `[{"service": "instance", "volume": "2", "desc": {"metadata": {"flavor_id": "m1.small"}, "groupby": {"id": "vm-9"}}}]`)
		if len(reqs) != 1 || !strings.HasPrefix(reqs[0].line, `POST /cloudkitty/v1/rating/quote/ {"resources": [`) {
			t.Errorf("requests %v, want one POST /v1/rating/quote", reqs)
		}
		wantDecString(t, got, "4")
	})
	// Horizon's flat desc: upstream ignores it (service rules only); the
	// digest recommends reading flat keys as metadata.
	t.Run("get_quotation flat desc", func(t *testing.T) {
		got, _ := quote(t, `[{"service": "instance", "volume": 2, "desc": {"flavor_id": "m1.small"}}]`)
		wantDecString(t, got, "4")
	})
}

func wantDecString(t *testing.T, got, want string) {
	t.Helper()
	d, err := decimal.NewFromString(got)
	if err != nil || !d.Equal(decimal.RequireFromString(want)) {
		t.Errorf("quote %q, want %s", got, want)
	}
}
