package cloudkitty

import "testing"

// TestHashmapAuthAndModules: rule configuration is for unscoped keys (a
// scoped viewer is refused a read and a write, an unscoped viewer may
// read but not write, an editor may write); noop answers 409 on every
// verb and sub path; unknown modules and hashmap paths are 404.
func TestHashmapAuthAndModules(t *testing.T) {
	s := newHashmapServer(t)
	scoped := []string{"X-Test-Accounts", "a,b"}
	viewer := []string{"X-Test-Role", "viewer"}
	editor := []string{"X-Test-Role", "editor"}
	s.script(t, "hashmap/auth", []step{
		{Method: "GET", Path: hm + "services/", Header: scoped},
		{Method: "POST", Path: hm + "services/", Body: `{"name": "compute"}`, Header: scoped},
		{Method: "GET", Path: hm + "types", Header: scoped},
		{Method: "POST", Path: hm + "services/", Body: `{"name": "compute"}`, Header: viewer},
		{Method: "GET", Path: hm + "services/", Header: viewer},
		{Method: "POST", Path: hm + "services/", Body: `{"name": "compute"}`, Header: editor},
		// The editor is the audit fields' actor.
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "service_id": "{{id-1}}", "name": "by the editor"}`, Header: editor},
		{Method: "DELETE", Path: hm + "mappings/{{id-2}}", Header: viewer},
		{Method: "DELETE", Path: hm + "mappings/{{id-2}}", Header: editor},
		{Method: "GET", Path: hm + "mappings/{{id-2}}", Header: viewer},
		{Method: "GET", Path: hm + "mappings/{{id-2}}", Header: scoped},

		{Method: "GET", Path: "/v1/rating/module_config/noop"},
		{Method: "POST", Path: "/v1/rating/module_config/noop/", Body: `{"anything": 1}`},
		{Method: "DELETE", Path: "/v1/rating/module_config/noop/some/sub/path"},
		{Method: "GET", Path: "/v1/rating/module_config/noop/x", Header: scoped},
		{Method: "PUT", Path: "/v1/rating/module_config/noop/x", Header: viewer},
		{Method: "GET", Path: "/v1/rating/module_config/nope"},
		{Method: "POST", Path: "/v1/rating/module_config/nope/services/"},
		{Method: "GET", Path: hm + "nothing/here"},
		{Method: "PATCH", Path: hm + "services/"},
	})
}
