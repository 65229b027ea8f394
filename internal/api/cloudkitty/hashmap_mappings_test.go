package cloudkitty

import "testing"

// hmSetup creates, in this order, service compute (id-1), its field
// flavor (id-2) and group g1 (id-3); scripts that start with these steps
// can name them.
var hmSetup = []step{
	{Method: "POST", Path: hm + "services/", Body: `{"name": "compute"}`},
	{Method: "POST", Path: hm + "fields/", Body: `{"name": "flavor", "service_id": "{{id-1}}"}`},
	{Method: "POST", Path: hm + "groups/", Body: `{"name": "g1"}`},
}

// TestHashmapMappings walks the mapping endpoints: creates in the
// client's shape (cost a JSON number, nulls for unused parents) and in a
// script's (cost a string, ≥23 dates and names), every 400/404/409 of
// §6.2, the classic and ≥23 list filters, the group look-ups, updates by
// path and with mapping_id in the body (cost as a string), the ≥23
// running-rule rules, and soft deletes by body and by path. The clock is
// testNow (2024-01-15T10:30:00); a rule created without a start starts
// then, so it is running.
func TestHashmapMappings(t *testing.T) {
	s := newHashmapServer(t)
	steps := append([]step{}, hmSetup...)
	steps = append(steps, []step{
		// id-4: the client's `mapping create 0.5 -s compute -t flat`.
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 0.5, "value": null, "service_id": "{{id-1}}", "group_id": null, "field_id": null, "tenant_id": null, "type": "flat"}`},
		// id-5: a grouped field rate with a string cost and a tenant.
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": "0.01", "value": "m1.tiny", "field_id": "{{id-2}}", "group_id": "{{id-3}}", "tenant_id": "t1", "type": "rate", "name": "tiny t1", "description": "Tiny for T1"}`},
		// Upstream's unique constraint: value, parent and tenant.
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 2, "value": "m1.tiny", "field_id": "{{id-2}}", "tenant_id": "t1"}`},
		// id-6: a dated future rule (start and end given, end a bare date:
		// the last second of that day).
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1.337, "value": "m1.large", "field_id": "{{id-2}}", "start": "2024-02-01T00:00:00", "end": "2024-12-31", "name": "large 2024"}`},
		// id-7: a rule started in the past, with force.
		{Method: "POST", Path: hm + "mappings/?force=true", Body: `{"cost": 3, "value": "m1.xlarge", "field_id": "{{id-2}}", "start": "2024-01-01 00:00:00", "end": "2024-01-31T00:00:00"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 3, "value": "m1.xlarge", "field_id": "{{id-2}}", "start": "2024-01-01 00:00:00"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 3, "value": "m1.huge", "field_id": "{{id-2}}", "start": "2024-03-01", "end": "2024-02-01T00:00:00"}`},
		// The same value, tenant, parent and group over overlapping dates.
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 3, "value": "m1.large", "field_id": "{{id-2}}", "start": "2024-06-01T00:00:00"}`},
		// Shape errors, in upstream's order of checks.
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "value": "v", "service_id": "{{id-1}}", "field_id": "{{id-2}}"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "value": "v"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "value": "v", "service_id": "{{id-1}}"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "field_id": "{{id-2}}"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "value": "v", "field_id": "{{id-2}}", "type": "tiered"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"value": "v", "field_id": "{{id-2}}"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": "cheap", "value": "v", "field_id": "{{id-2}}"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 0.00000000000000000000000000001, "value": "v", "field_id": "{{id-2}}"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "value": "v", "field_id": "{{id-2}}", "colour": "red"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "value": "v", "field_id": "{{id-2}}", "start": "soon"}`},
		// Unknown parents and groups are 400 with the no-such texts.
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "service_id": "00000000-0000-0000-0000-000000000001"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "value": "v", "field_id": "00000000-0000-0000-0000-000000000002"}`},
		{Method: "POST", Path: hm + "mappings/", Body: `{"cost": 1, "service_id": "{{id-1}}", "group_id": "00000000-0000-0000-0000-000000000003"}`},

		// Reads.
		{Method: "GET", Path: hm + "mappings/{{id-5}}"},
		{Method: "GET", Path: hm + "mappings/00000000-0000-0000-0000-000000000004"},
		{Method: "GET", Path: hm + "mappings/"},
		{Method: "GET", Path: hm + "mappings/?service_id={{id-1}}"},
		{Method: "GET", Path: hm + "mappings/?field_id={{id-2}}&tenant_id=t1&filter_tenant=True"},
		{Method: "GET", Path: hm + "mappings/?field_id={{id-2}}&filter_tenant=true"},
		{Method: "GET", Path: hm + "mappings/?group_id={{id-3}}"},
		{Method: "GET", Path: hm + "mappings/?field_id={{id-2}}&no_group=true"},
		{Method: "GET", Path: hm + "mappings/?all=false"},
		{Method: "GET", Path: hm + "mappings/?is_active=true"},
		{Method: "GET", Path: hm + "mappings/?description=TINY"},
		{Method: "GET", Path: hm + "mappings/?start=2024-02-01&field_id={{id-2}}"},
		{Method: "GET", Path: hm + "mappings/?end=2024-02-01"},
		{Method: "GET", Path: hm + "mappings/?created_by=someone"},
		{Method: "GET", Path: hm + "mappings/?start=yesterday"},
		{Method: "GET", Path: hm + "mappings/group?mapping_id={{id-5}}"},
		{Method: "GET", Path: hm + "mappings/{{id-5}}/group"},
		{Method: "GET", Path: hm + "mappings/{{id-4}}/group"},
		{Method: "GET", Path: hm + "mappings/group"},
		{Method: "GET", Path: hm + "groups/mappings?group_id={{id-3}}"},

		// Updates. The client's `mapping update`: the whole object with
		// mapping_id in the body and cost as a string, no id in the path.
		// id-6 has not started: anything but its parents may change.
		{Method: "PUT", Path: hm + "mappings/", Body: `{"mapping_id": "{{id-6}}", "value": "m1.large", "type": "flat", "cost": "1.5000000000000000000000000000", "service_id": null, "field_id": "{{id-2}}", "group_id": null, "tenant_id": null, "created_at": "2024-01-15T10:30:00", "start": "2024-02-01T00:00:00", "end": "2024-12-31T23:59:59", "name": "large 2024", "description": "raised", "deleted": null, "created_by": "no-auth", "updated_by": null, "deleted_by": null}`},
		{Method: "GET", Path: hm + "mappings/{{id-6}}"},
		{Method: "PUT", Path: hm + "mappings/{{id-6}}", Body: `{"cost": 1.75, "group_id": "{{id-3}}"}`},
		{Method: "GET", Path: hm + "mappings/{{id-6}}"},
		// A new start in the past needs force.
		{Method: "PUT", Path: hm + "mappings/{{id-6}}", Body: `{"start": "2024-01-01T00:00:00"}`},
		// id-4 was created the classic way (no dated attribute): it stays
		// editable while it runs, as with a ≤22 server, so that the
		// classic client's `mapping update --cost` works.
		{Method: "PUT", Path: hm + "mappings/", Body: `{"mapping_id": "{{id-4}}", "cost": "0.7"}`},
		// id-5 was created with a name: a dated rule, running with no end,
		// of which only the end may change.
		{Method: "PUT", Path: hm + "mappings/", Body: `{"mapping_id": "{{id-5}}", "cost": "0.02"}`},
		// Giving id-4 an end makes it a dated rule; echoing the rest
		// unchanged is fine.
		{Method: "PUT", Path: hm + "mappings/", Body: `{"mapping_id": "{{id-4}}", "cost": "0.7000000000000000000000000000", "start": "2024-01-15T10:30:00", "end": "2024-06-30"}`},
		{Method: "GET", Path: hm + "mappings/{{id-4}}"},
		// An end in the past would unrate periods already rated.
		{Method: "PUT", Path: hm + "mappings/{{id-5}}", Body: `{"end": "2024-01-10T00:00:00"}`},
		// Now it has an end: it may not change at all.
		{Method: "PUT", Path: hm + "mappings/{{id-4}}", Body: `{"end": "2024-07-31"}`},
		// A field mapping may not lose its value.
		{Method: "PUT", Path: hm + "mappings/{{id-6}}", Body: `{"value": ""}`},
		{Method: "PUT", Path: hm + "mappings/{{id-6}}", Body: `{"cost": "1,5"}`},
		{Method: "PUT", Path: hm + "mappings/{{id-6}}", Body: `{"cost": 2, "colour": "red"}`},
		{Method: "PUT", Path: hm + "mappings/", Body: `{"cost": 2}`},
		{Method: "PUT", Path: hm + "mappings/00000000-0000-0000-0000-000000000004", Body: `{"cost": 2}`},

		// Deletes are soft: the rule stays readable by id, leaves the
		// default list, and a second delete is a 404.
		{Method: "DELETE", Path: hm + "mappings/", Body: `{"mapping_id": "{{id-7}}"}`},
		{Method: "GET", Path: hm + "mappings/{{id-7}}"},
		{Method: "GET", Path: hm + "mappings/?field_id={{id-2}}&deleted=true&deleted_by=no-auth"},
		{Method: "DELETE", Path: hm + "mappings/{{id-7}}"},
		{Method: "PUT", Path: hm + "mappings/{{id-7}}", Body: `{"cost": 2}`},
		{Method: "DELETE", Path: hm + "mappings/"},
		// Deleting the group (not recursive) ungroups its rules.
		{Method: "DELETE", Path: hm + "groups/{{id-3}}"},
		{Method: "GET", Path: hm + "mappings/{{id-5}}"},
		// Deleting the service cascades to its fields' mappings.
		{Method: "DELETE", Path: hm + "services/{{id-1}}"},
		{Method: "GET", Path: hm + "mappings/?deleted=true"},
	}...)
	s.script(t, "hashmap/mappings", steps)
}
