package cloudkitty

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/tally-cost/tally/internal/rating"
)

// moduleObj is the whole v1 module object as python-cloudkittyclient
// sends it back on `module enable` (§12.2).
func moduleObj(id, desc string, enabled bool, hot bool, prio int) string {
	b := map[bool]string{true: "true", false: "false"}
	return `{"module_id": "` + id + `", "description": "` + desc + `", "enabled": ` + b[enabled] +
		`, "hot-config": ` + b[hot] + `, "priority": ` + strconv.Itoa(prio) + `}`
}

func TestModulesV1(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	s.script(t, "modules/v1", []step{
		{Method: "GET", Path: "/v1/rating/modules/"},
		{Method: "GET", Path: "/v1/rating/modules/hashmap?module_id=hashmap"},
		{Method: "GET", Path: "/v1/rating/modules/nope"},
		// module enable: the whole object back, 302 to the request URL.
		{Method: "PUT", Path: "/v1/rating/modules/hashmap", Body: moduleObj("hashmap", "HashMap rating module.", true, true, 1)},
		{Method: "GET", Path: "/v1/rating/modules/hashmap"},
		// module set priority: enabled kept, priority 5.
		{Method: "PUT", Path: "/v1/rating/modules/hashmap/", Body: moduleObj("hashmap", "HashMap rating module.", true, true, 5)},
		// Only module_id is mandatory; a stored 0 reads back as 1.
		{Method: "PUT", Path: "/v1/rating/modules/pyscripts", Body: `{"module_id": "pyscripts", "priority": 0}`},
		{Method: "GET", Path: "/v1/rating/modules/pyscripts"},
		// noop cannot be disabled.
		{Method: "PUT", Path: "/v1/rating/modules/noop", Body: moduleObj("noop", "Dummy test module.", false, false, 7)},
		{Method: "GET", Path: "/v1/rating/modules/noop"},
		// Errors.
		{Method: "PUT", Path: "/v1/rating/modules/hashmap", Body: `{"enabled": false}`},
		{Method: "PUT", Path: "/v1/rating/modules/hashmap"},
		{Method: "PUT", Path: "/v1/rating/modules/hashmap", Body: `{"module_id": "hashmap", "colour": "red"}`},
		{Method: "PUT", Path: "/v1/rating/modules/hashmap", Body: `{"module_id": "hashmap", "enabled": "maybe"}`},
		{Method: "PUT", Path: "/v1/rating/modules/hashmap", Body: `{"module_id": "hashmap", "priority": "high"}`},
		{Method: "PUT", Path: "/v1/rating/modules/hashmap", Body: `not json`},
		{Method: "PUT", Path: "/v1/rating/modules/nope", Body: `{"module_id": "nope", "enabled": true}`},
		{Method: "GET", Path: "/v1/rating/reload_modules"},
		{Method: "GET", Path: "/v1/rating/modules"},
	})
}

func TestModulesV2(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	s.script(t, "modules/v2", []step{
		{Method: "GET", Path: "/v2/rating/modules"},
		{Method: "GET", Path: "/v2/rating/modules/pyscripts"},
		{Method: "GET", Path: "/v2/rating/modules/nope"},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"enabled": true}`},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"priority": 5}`},
		{Method: "GET", Path: "/v2/rating/modules/hashmap"},
		// voluptuous.Boolean takes strings too.
		{Method: "PUT", Path: "/v2/rating/modules/pyscripts", Body: `{"enabled": "True", "priority": 2}`},
		{Method: "GET", Path: "/v2/rating/modules/pyscripts"},
		// Schema errors, in upstream's words.
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"priority": 0}`},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"priority": "5"}`},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"enabled": "maybe"}`},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"enabled": false, "colour": 'red'}`},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"enabled": false, "colour": "it's"}`},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `[1, 2.50, null]`},
		{Method: "PUT", Path: "/v2/rating/modules/nope", Body: `{"enabled": true}`},
		{Method: "GET", Path: "/v2/rating/modules"},
	})
}

// TestModulePutReplayed: python-cloudkittyclient follows the 302 of a
// v1 module PUT by replaying it, 31 PUTs in all (§12.3). Every replay
// answers the same and the module ends as after the first.
func TestModulePutReplayed(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	body := moduleObj("hashmap", "HashMap rating module.", true, true, 4)
	var first response
	for i := range 31 {
		r := s.call(t, "PUT", "/v1/rating/modules/hashmap", body)
		if r.Status != 302 || r.Location != s.URL+"/cloudkitty/v1/rating/modules/hashmap" || string(r.Body) != "null" {
			t.Fatalf("PUT %d: %d %q %s", i+1, r.Status, r.Location, r.Body)
		}
		if i == 0 {
			first = s.call(t, "GET", "/v1/rating/modules", "")
		}
	}
	last := s.call(t, "GET", "/v1/rating/modules", "")
	if !bytes.Equal(first.Body, last.Body) {
		t.Fatalf("after 31 PUTs:\n%s\nafter one:\n%s", last.Body, first.Body)
	}
	m, _ := s.rating.Modules.Module("hashmap")
	if !m.Enabled || m.Priority != 4 {
		t.Fatalf("module %+v", m)
	}
	// And the state is the store's: a service reopened over it agrees.
	svc, err := rating.Open(context.Background(), s.store, rating.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if m2, _ := svc.Modules.Module("hashmap"); m2 != m {
		t.Fatalf("reopened: %+v, want %+v", m2, m)
	}
}

// TestRatingConfigAuthorization: reading the rating configuration needs
// a key that sees every account; changing it an editor or administrator
// of the default organization. Info and quote are open to everyone.
func TestRatingConfigAuthorization(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	scoped := []string{"X-Test-Accounts", "p1"}
	viewer := []string{"X-Test-Role", "viewer"}
	editor := []string{"X-Test-Role", "editor"}
	scopedAdmin := []string{"X-Test-Role", "admin", "X-Test-Accounts", "p1"}
	s.script(t, "modules/auth", []step{
		{Method: "GET", Path: "/v1/rating/modules", Header: scoped},
		{Method: "GET", Path: "/v1/rating/modules/hashmap", Header: scoped},
		{Method: "GET", Path: "/v2/rating/modules", Header: scoped},
		{Method: "GET", Path: "/v1/rating/module_config/pyscripts/scripts", Header: scoped},
		{Method: "GET", Path: "/v1/collector/mappings", Header: scoped},
		{Method: "GET", Path: "/v1/collector/states?name=gnocchi", Header: scoped},
		{Method: "GET", Path: "/v1/rating/modules/hashmap", Header: viewer},
		{Method: "PUT", Path: "/v1/rating/modules/hashmap", Body: `{"module_id": "hashmap", "enabled": true}`, Header: viewer},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"enabled": true}`, Header: viewer},
		{Method: "GET", Path: "/v1/rating/reload_modules", Header: viewer},
		{Method: "POST", Path: "/v1/rating/module_config/pyscripts/scripts", Body: `{"name": "a", "data": "price"}`, Header: viewer},
		{Method: "POST", Path: "/v1/collector/mappings", Body: `{"collector": "gnocchi", "service": "compute"}`, Header: viewer},
		{Method: "PUT", Path: "/v1/collector/states", Body: `{"name": "gnocchi", "enabled": true}`, Header: viewer},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"enabled": true}`, Header: scopedAdmin},
		{Method: "PUT", Path: "/v2/rating/modules/hashmap", Body: `{"enabled": true}`, Header: editor},
		{Method: "GET", Path: "/v2/rating/modules/hashmap", Header: editor},
		{Method: "GET", Path: "/v1/info/config", Header: scoped},
		{Method: "POST", Path: "/v1/rating/quote", Body: `{"resources": []}`, Header: scoped},
	})
}
