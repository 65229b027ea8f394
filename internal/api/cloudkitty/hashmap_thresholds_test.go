package cloudkitty

import "testing"

// TestHashmapThresholds walks the threshold endpoints: creates in the
// client's shape (level a string, cost a number) and with numbers for
// both, the errors of §6.2, list filters, group look-ups, updates by
// path and with threshold_id in the body (cost as a string) and hard
// deletes by body and by path, then a recursive group delete and a
// service delete cascading to thresholds.
func TestHashmapThresholds(t *testing.T) {
	s := newHashmapServer(t)
	steps := append([]step{}, hmSetup...)
	steps = append(steps, []step{
		// id-4: the client's `threshold create 50 0.98 -s compute -t rate -g g1`.
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": "50", "cost": 0.98, "service_id": "{{id-1}}", "field_id": null, "group_id": "{{id-3}}", "tenant_id": null, "type": "rate"}`},
		// id-5: a field threshold, numbers for both, default type flat.
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 64, "cost": "0.1337", "field_id": "{{id-2}}"}`},
		// id-6: a tenant's; the same level for the same tenant and
		// parent is a 409 (10 and 10.00 are one level).
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 10, "cost": 1, "field_id": "{{id-2}}", "tenant_id": "t1"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": "10.00", "cost": 2, "field_id": "{{id-2}}", "tenant_id": "t1"}`},
		// Global thresholds (no tenant) never collide.
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 64, "cost": 2, "field_id": "{{id-2}}"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"cost": 1, "service_id": "{{id-1}}"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 1, "service_id": "{{id-1}}"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": "high", "cost": 1, "service_id": "{{id-1}}"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 1.000000001, "cost": 1, "service_id": "{{id-1}}"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 1, "cost": 1, "service_id": "{{id-1}}", "field_id": "{{id-2}}"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 1, "cost": 1}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 1, "cost": 1, "service_id": "{{id-1}}", "type": "step"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 1, "cost": 1, "service_id": "{{id-1}}", "value": "x"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 1, "cost": 1, "service_id": "00000000-0000-0000-0000-000000000001"}`},
		{Method: "POST", Path: hm + "thresholds/", Body: `{"level": 1, "cost": 1, "service_id": "{{id-1}}", "group_id": "00000000-0000-0000-0000-000000000002"}`},

		{Method: "GET", Path: hm + "thresholds/{{id-4}}"},
		{Method: "GET", Path: hm + "thresholds/00000000-0000-0000-0000-000000000003"},
		{Method: "GET", Path: hm + "thresholds/"},
		{Method: "GET", Path: hm + "thresholds/?service_id={{id-1}}"},
		{Method: "GET", Path: hm + "thresholds/?field_id={{id-2}}&tenant_id=t1&filter_tenant=True"},
		{Method: "GET", Path: hm + "thresholds/?field_id={{id-2}}&filter_tenant=True"},
		{Method: "GET", Path: hm + "thresholds/?no_group=1"},
		{Method: "GET", Path: hm + "thresholds/?group_id={{id-3}}"},
		{Method: "GET", Path: hm + "thresholds/group?threshold_id={{id-4}}"},
		{Method: "GET", Path: hm + "thresholds/{{id-4}}/group"},
		{Method: "GET", Path: hm + "thresholds/{{id-5}}/group"},
		{Method: "GET", Path: hm + "thresholds/group"},
		{Method: "GET", Path: hm + "groups/thresholds?group_id={{id-3}}"},
		{Method: "GET", Path: hm + "groups/{{id-3}}/thresholds"},

		// The client's `threshold update ID --cost 0.5`: the whole object,
		// threshold_id in the body, numbers as strings.
		{Method: "PUT", Path: hm + "thresholds/", Body: `{"threshold_id": "{{id-5}}", "level": "64.00000000", "type": "flat", "cost": "0.5", "service_id": null, "field_id": "{{id-2}}", "group_id": null, "tenant_id": null}`},
		{Method: "GET", Path: hm + "thresholds/{{id-5}}"},
		{Method: "PUT", Path: hm + "thresholds/{{id-5}}", Body: `{"level": 128, "type": "rate", "group_id": "{{id-3}}", "tenant_id": "t2"}`},
		{Method: "GET", Path: hm + "thresholds/{{id-5}}"},
		{Method: "PUT", Path: hm + "thresholds/{{id-5}}", Body: `{"level": "1e"}`},
		{Method: "PUT", Path: hm + "thresholds/{{id-5}}", Body: `{"type": "tiered"}`},
		{Method: "PUT", Path: hm + "thresholds/{{id-5}}", Body: `{"group_id": "00000000-0000-0000-0000-000000000002"}`},
		{Method: "PUT", Path: hm + "thresholds/{{id-5}}", Body: `{"start": "2024-01-01"}`},
		{Method: "PUT", Path: hm + "thresholds/", Body: `{"cost": 1}`},
		{Method: "PUT", Path: hm + "thresholds/00000000-0000-0000-0000-000000000003", Body: `{"cost": 1}`},

		{Method: "DELETE", Path: hm + "thresholds/", Body: `{"threshold_id": "{{id-6}}"}`},
		{Method: "GET", Path: hm + "thresholds/{{id-6}}"},
		{Method: "DELETE", Path: hm + "thresholds/{{id-6}}"},
		{Method: "DELETE", Path: hm + "thresholds/"},
		// Recursive: the group's thresholds go with it (id-4, id-5).
		{Method: "DELETE", Path: hm + "groups/", Body: `{"group_id": "{{id-3}}", "recursive": true}`},
		{Method: "GET", Path: hm + "thresholds/"},
		// The service's field's thresholds go with the service.
		{Method: "DELETE", Path: hm + "services/", Body: `{"service_id": "{{id-1}}"}`},
		{Method: "GET", Path: hm + "thresholds/"},
	}...)
	s.script(t, "hashmap/thresholds", steps)
}
