package cloudkitty

import "testing"

// TestHashmapObjects walks the types, services, fields and groups
// endpoints with python-cloudkittyclient's request shapes (§12.2: ids in
// DELETE bodies, service_id in the query) and every error of §6.2 that
// concerns them.
func TestHashmapObjects(t *testing.T) {
	s := newHashmapServer(t)
	s.script(t, "hashmap/objects", []step{
		{Method: "GET", Path: hm + "types/"},
		{Method: "GET", Path: hm + "services/"},
		// id-1: service compute.
		{Method: "POST", Path: hm + "services/", Body: `{"name": "compute"}`},
		{Method: "POST", Path: hm + "services", Body: `{"name": "compute"}`},
		{Method: "POST", Path: hm + "services/", Body: `{}`},
		{Method: "POST", Path: hm + "services/", Body: `{"name": "x", "colour": "red"}`},
		{Method: "POST", Path: hm + "services/", Body: `{"name": `},
		// id-2: service volume.
		{Method: "POST", Path: hm + "services/", Body: `{"name": "volume"}`},
		{Method: "GET", Path: hm + "services/"},
		{Method: "GET", Path: hm + "services/{{id-1}}"},
		{Method: "GET", Path: hm + "services/00000000-0000-0000-0000-000000000000"},
		{Method: "GET", Path: hm + "services/not-a-uuid"},

		// id-4: field flavor of compute (id-3 is the unknown service's
		// uuid above).
		{Method: "POST", Path: hm + "fields/", Body: `{"name": "flavor", "service_id": "{{id-1}}"}`},
		{Method: "POST", Path: hm + "fields/", Body: `{"name": "flavor", "service_id": "{{id-1}}"}`},
		{Method: "POST", Path: hm + "fields/", Body: `{"name": "flavor", "service_id": "{{id-3}}"}`},
		{Method: "POST", Path: hm + "fields/", Body: `{"name": "flavor"}`},
		{Method: "POST", Path: hm + "fields/", Body: `{"service_id": "{{id-1}}"}`},
		// The same name under another service is another field (id-5).
		{Method: "POST", Path: hm + "fields/", Body: `{"name": "flavor", "service_id": "{{id-2}}"}`},
		{Method: "GET", Path: hm + "fields/?service_id={{id-1}}"},
		{Method: "GET", Path: hm + "services/{{id-1}}/fields"},
		{Method: "GET", Path: hm + "fields", Body: `{"service_id": "{{id-2}}"}`},
		{Method: "GET", Path: hm + "fields/?service_id={{id-3}}"},
		{Method: "GET", Path: hm + "fields/"},
		{Method: "GET", Path: hm + "fields/{{id-4}}"},
		{Method: "GET", Path: hm + "fields/{{id-3}}"},

		// id-6: group g1.
		{Method: "POST", Path: hm + "groups/", Body: `{"name": "g1"}`},
		{Method: "POST", Path: hm + "groups/", Body: `{"name": "g1"}`},
		{Method: "POST", Path: hm + "groups/", Body: `{"name": "g2", "group_id": null}`},
		{Method: "GET", Path: hm + "groups/"},
		{Method: "GET", Path: hm + "groups/{{id-6}}"},
		{Method: "GET", Path: hm + "groups/{{id-3}}"},
		{Method: "GET", Path: hm + "groups/mappings?group_id={{id-6}}"},
		{Method: "GET", Path: hm + "groups/{{id-6}}/mappings"},
		{Method: "GET", Path: hm + "groups/thresholds?group_id={{id-6}}"},
		{Method: "GET", Path: hm + "groups/{{id-6}}/thresholds"},
		{Method: "GET", Path: hm + "groups/mappings"},

		// Deletes: by body (the client's way) and by path; unknown ids
		// are 404, a missing id 400.
		{Method: "DELETE", Path: hm + "fields/", Body: `{"field_id": "{{id-5}}"}`},
		{Method: "DELETE", Path: hm + "fields/{{id-5}}"},
		{Method: "GET", Path: hm + "services/{{id-2}}/fields"},
		{Method: "DELETE", Path: hm + "services/", Body: `{"service_id": "{{id-2}}"}`},
		{Method: "DELETE", Path: hm + "services/{{id-2}}"},
		{Method: "DELETE", Path: hm + "services/"},
		{Method: "DELETE", Path: hm + "groups/", Body: `{"group_id": "{{id-6}}", "recursive": true}`},
		{Method: "DELETE", Path: hm + "groups/{{id-6}}?recursive=True"},
		{Method: "DELETE", Path: hm + "groups/{{id-6}}?recursive=maybe"},
		{Method: "GET", Path: hm + "services"},
		{Method: "GET", Path: hm + "groups"},
	})
}
