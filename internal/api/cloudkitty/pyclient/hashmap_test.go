package pyclient

import (
	"encoding/json"
	"slices"
	"testing"
)

// hm is the hashmap module's path as the client sends it.
const hm = "/cloudkitty/v1/rating/module_config/hashmap/"

// hashmap runs every hashmap command of §12.2: a service "instance" with
// a field "flavor_id", a group, service and field mappings (flat, rate,
// grouped, per tenant), a threshold, their updates, and the deletes
// (group plain and recursive, then field and service).
func (e *env) hashmap(t *testing.T) {
	var svc, fld, grp, mSvc, mFld, mTen, mFut, thr string
	t.Run("hashmap mapping-types list", func(t *testing.T) {
		r := e.run(t, "hashmap", "mapping-types", "list", "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET "+hm+"types")
		if got := column(t, rows, "Mapping types"); !slices.Equal(got, []string{"flat", "rate"}) {
			t.Errorf("types %v, want [flat rate]", got)
		}
	})

	// Services.
	t.Run("hashmap service create", func(t *testing.T) {
		r := e.run(t, "hashmap", "service", "create", "instance", "-f", "json")
		row := r.row(t)
		r.sent(t, "POST "+hm+`services/ {"name": "instance"}`)
		wantCell(t, row, "Name", "instance")
		svc = str(cell(t, row, "Service ID"))
	})
	t.Run("hashmap service list", func(t *testing.T) {
		r := e.run(t, "hashmap", "service", "list", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+hm+"services/")
		wantCell(t, row, "Name", "instance")
		wantCell(t, row, "Service ID", need(t, svc, "hashmap service create"))
	})
	t.Run("hashmap service get", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		r := e.run(t, "hashmap", "service", "get", id, "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+hm+"services/"+id)
		wantCell(t, row, "Name", "instance")
		wantCell(t, row, "Service ID", id)
	})

	// Fields.
	t.Run("hashmap field create", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		r := e.run(t, "hashmap", "field", "create", id, "flavor_id", "-f", "json")
		row := r.row(t)
		r.sent(t, "POST "+hm+"fields/")
		wantCell(t, row, "Name", "flavor_id")
		wantCell(t, row, "Service ID", id)
		fld = str(cell(t, row, "Field ID"))
	})
	t.Run("hashmap field list", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		r := e.run(t, "hashmap", "field", "list", id, "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+hm+"fields/?service_id="+id)
		wantCell(t, row, "Field ID", need(t, fld, "hashmap field create"))
	})
	t.Run("hashmap field get", func(t *testing.T) {
		id := need(t, fld, "hashmap field create")
		r := e.run(t, "hashmap", "field", "get", id, "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+hm+"fields/"+id)
		wantCell(t, row, "Name", "flavor_id")
		wantCell(t, row, "Service ID", svc)
	})

	// Groups.
	t.Run("hashmap group create", func(t *testing.T) {
		r := e.run(t, "hashmap", "group", "create", "g1", "-f", "json")
		row := r.row(t)
		r.sent(t, "POST "+hm+`groups/ {"name": "g1"}`)
		wantCell(t, row, "Name", "g1")
		grp = str(cell(t, row, "Group ID"))
	})
	t.Run("hashmap group list", func(t *testing.T) {
		r := e.run(t, "hashmap", "group", "list", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+hm+"groups/")
		wantCell(t, row, "Group ID", need(t, grp, "hashmap group create"))
	})

	// Mappings: a global service flat, a grouped field flat, a tenant's
	// service rate. The client sends cost as a JSON number on create.
	t.Run("hashmap mapping create service flat", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		r := e.run(t, "hashmap", "mapping", "create", "0.5", "-s", id, "-t", "flat", "-f", "json")
		row := r.row(t)
		r.sent(t, "POST "+hm+"mappings/")
		wantDec(t, row, "Cost", "0.5")
		wantCell(t, row, "Type", "flat")
		wantCell(t, row, "Service ID", id)
		wantCell(t, row, "Value", "")
		wantCell(t, row, "Project ID", "")
		mSvc = str(cell(t, row, "Mapping ID"))
	})
	t.Run("hashmap mapping create field flat -g", func(t *testing.T) {
		f, g := need(t, fld, "hashmap field create"), need(t, grp, "hashmap group create")
		r := e.run(t, "hashmap", "mapping", "create", "1.2", "--field-id", f, "--value", "m1.small", "-g", g, "-t", "flat", "-f", "json")
		row := r.row(t)
		r.sent(t, "POST "+hm+"mappings/")
		wantDec(t, row, "Cost", "1.2")
		wantCell(t, row, "Value", "m1.small")
		wantCell(t, row, "Field ID", f)
		wantCell(t, row, "Group ID", g)
		mFld = str(cell(t, row, "Mapping ID"))
	})
	t.Run("hashmap mapping create service rate -p tenant", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		r := e.run(t, "hashmap", "mapping", "create", "0.75", "-s", id, "-t", "rate", "-p", "p1", "-f", "json")
		row := r.row(t)
		wantDec(t, row, "Cost", "0.75")
		wantCell(t, row, "Type", "rate")
		wantCell(t, row, "Project ID", "p1")
		mTen = str(cell(t, row, "Mapping ID"))
	})
	t.Run("hashmap mapping list -s", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		r := e.run(t, "hashmap", "mapping", "list", "-s", id, "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET "+hm+"mappings/?service_id="+id)
		wantIDs(t, column(t, rows, "Mapping ID"), mSvc, mTen)
	})
	t.Run("hashmap mapping list --field-id", func(t *testing.T) {
		f := need(t, fld, "hashmap field create")
		r := e.run(t, "hashmap", "mapping", "list", "--field-id", f, "-f", "json")
		wantIDs(t, column(t, r.rows(t), "Mapping ID"), mFld)
	})
	t.Run("hashmap mapping list -p --filter-tenant", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		r := e.run(t, "hashmap", "mapping", "list", "-s", id, "-p", "p1", "--filter-tenant", "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET "+hm+"mappings/?service_id="+id+"&tenant_id=p1&filter_tenant=True")
		wantIDs(t, column(t, rows, "Mapping ID"), mTen)
	})
	t.Run("hashmap mapping get", func(t *testing.T) {
		id := need(t, mFld, "hashmap mapping create field flat -g")
		r := e.run(t, "hashmap", "mapping", "get", id, "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+hm+"mappings/"+id)
		wantCell(t, row, "Value", "m1.small")
		wantDec(t, row, "Cost", "1.2")
		wantCell(t, row, "Type", "flat")
		wantCell(t, row, "Group ID", grp)
	})
	// A classic client's update: GET, then PUT mappings/ with the whole
	// object (cost now a string, mapping_id in the body), then GET. In the
	// dated-rule model (≥23) only a rule not yet started may change its
	// cost, so the rule is created over HTTP with a start in the future.
	t.Run("hashmap mapping update", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		st, body := e.httpCall(t, "POST", "/v1/rating/module_config/hashmap/mappings",
			`{"service_id": "`+id+`", "type": "flat", "cost": "0.9", "tenant_id": "p2", "start": "2099-01-01T00:00:00"}`)
		var m struct {
			ID string `json:"mapping_id"`
		}
		if st != 201 || json.Unmarshal(body, &m) != nil || m.ID == "" {
			t.Fatalf("creating a future mapping over HTTP: %d %s", st, body)
		}
		mFut = m.ID
		r := e.run(t, "hashmap", "mapping", "update", mFut, "--cost", "1.1", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+hm+"mappings/"+mFut, "PUT "+hm+"mappings/ ", "GET "+hm+"mappings/"+mFut)
		t.Logf("PUTs sent (302 replay, §12.3): %d", r.count("PUT "))
		wantDec(t, row, "Cost", "1.1")
		wantCell(t, row, "Project ID", "p2")
	})
	// The same command on a rule the CLI created, which is running (its
	// creates start now) but classic (created with no dated attribute):
	// it changes as with a ≤22 server, so the classic client keeps
	// working.
	t.Run("hashmap mapping update running classic rule", func(t *testing.T) {
		id := need(t, mSvc, "hashmap mapping create service flat")
		r := e.run(t, "hashmap", "mapping", "update", id, "--cost", "0.6", "-f", "json")
		wantDec(t, r.row(t), "Cost", "0.6")
	})
	t.Run("hashmap group mappings get", func(t *testing.T) {
		g := need(t, grp, "hashmap group create")
		r := e.run(t, "hashmap", "group", "mappings", "get", g, "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET "+hm+"groups/mappings?group_id="+g)
		wantIDs(t, column(t, rows, "Mapping ID"), mFld)
	})

	// Thresholds.
	t.Run("hashmap threshold create", func(t *testing.T) {
		id, g := need(t, svc, "hashmap service create"), need(t, grp, "hashmap group create")
		r := e.run(t, "hashmap", "threshold", "create", "50", "0.98", "-s", id, "-t", "rate", "-g", g, "-f", "json")
		row := r.row(t)
		r.sent(t, "POST "+hm+"thresholds/")
		wantDec(t, row, "Level", "50")
		wantDec(t, row, "Cost", "0.98")
		wantCell(t, row, "Type", "rate")
		wantCell(t, row, "Group ID", g)
		thr = str(cell(t, row, "Threshold ID"))
	})
	t.Run("hashmap threshold list", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		r := e.run(t, "hashmap", "threshold", "list", "-s", id, "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET "+hm+"thresholds/?service_id="+id)
		wantIDs(t, column(t, rows, "Threshold ID"), thr)
	})
	t.Run("hashmap threshold get", func(t *testing.T) {
		id := need(t, thr, "hashmap threshold create")
		r := e.run(t, "hashmap", "threshold", "get", id, "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+hm+"thresholds/"+id)
		wantDec(t, row, "Level", "50")
	})
	t.Run("hashmap threshold update", func(t *testing.T) {
		id := need(t, thr, "hashmap threshold create")
		r := e.run(t, "hashmap", "threshold", "update", id, "--cost", "0.95", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+hm+"thresholds/"+id, "PUT "+hm+"thresholds/ ", "GET "+hm+"thresholds/"+id)
		wantDec(t, row, "Cost", "0.95")
		wantDec(t, row, "Level", "50")
	})
	t.Run("hashmap group thresholds get", func(t *testing.T) {
		g := need(t, grp, "hashmap group create")
		r := e.run(t, "hashmap", "group", "thresholds", "get", g, "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET "+hm+"groups/thresholds?group_id="+g)
		wantIDs(t, column(t, rows, "Threshold ID"), thr)
	})

	// Deletes: the client sends the id in the body of DELETE <kind>/.
	t.Run("hashmap threshold delete", func(t *testing.T) {
		id := need(t, thr, "hashmap threshold create")
		r := e.run(t, "hashmap", "threshold", "delete", id).ok(t)
		r.sent(t, "DELETE "+hm+`thresholds/ {"threshold_id": "`+id+`"}`)
		wantIDs(t, column(t, e.run(t, "hashmap", "threshold", "list", "-s", svc, "-f", "json").rows(t), "Threshold ID"))
	})
	t.Run("hashmap mapping delete", func(t *testing.T) {
		id := need(t, mTen, "hashmap mapping create service rate -p tenant")
		r := e.run(t, "hashmap", "mapping", "delete", id).ok(t)
		r.sent(t, "DELETE "+hm+`mappings/ {"mapping_id": "`+id+`"}`)
		wantIDs(t, column(t, e.run(t, "hashmap", "mapping", "list", "-s", svc, "-f", "json").rows(t), "Mapping ID"), mSvc, mFut)
	})
	t.Run("hashmap group delete", func(t *testing.T) {
		g := need(t, grp, "hashmap group create")
		r := e.run(t, "hashmap", "group", "delete", g).ok(t)
		r.sent(t, "DELETE "+hm+"groups/")
		wantIDs(t, column(t, e.run(t, "hashmap", "group", "list", "-f", "json").rows(t), "Group ID"))
		// Not recursive: the group's mapping stays, ungrouped.
		wantCell(t, e.run(t, "hashmap", "mapping", "get", mFld, "-f", "json").row(t), "Group ID", "")
	})
	t.Run("hashmap group delete --recursive", func(t *testing.T) {
		f := need(t, fld, "hashmap field create")
		grp2 := str(cell(t, e.run(t, "hashmap", "group", "create", "g2", "-f", "json").row(t), "Group ID"))
		mG2 := str(cell(t, e.run(t, "hashmap", "mapping", "create", "0.1", "--field-id", f, "--value", "m1.large", "-g", grp2, "-f", "json").row(t), "Mapping ID"))
		r := e.run(t, "hashmap", "group", "delete", "--recursive", grp2).ok(t)
		r.sent(t, "DELETE "+hm+"groups/ ")
		if q := r.reqs[len(r.reqs)-1].line; !jsonHas(q, "recursive", true) || !jsonHas(q, "group_id", grp2) {
			t.Errorf("recursive delete sent %s", q)
		}
		// Recursive: the group's mapping goes with it.
		ids := column(t, e.run(t, "hashmap", "mapping", "list", "--field-id", f, "-f", "json").rows(t), "Mapping ID")
		if slices.Contains(ids, mG2) {
			t.Errorf("mapping %s of the recursively deleted group is still listed: %v", mG2, ids)
		}
		wantIDs(t, ids, mFld)
	})
	t.Run("hashmap field delete", func(t *testing.T) {
		id := need(t, fld, "hashmap field create")
		r := e.run(t, "hashmap", "field", "delete", id).ok(t)
		r.sent(t, "DELETE "+hm+`fields/ {"field_id": "`+id+`"}`)
		if rows := e.run(t, "hashmap", "field", "list", svc, "-f", "json").rows(t); len(rows) != 0 {
			t.Errorf("fields after delete: %v", rows)
		}
	})
	t.Run("hashmap service delete", func(t *testing.T) {
		id := need(t, svc, "hashmap service create")
		r := e.run(t, "hashmap", "service", "delete", id).ok(t)
		r.sent(t, "DELETE "+hm+`services/ {"service_id": "`+id+`"}`)
		if rows := e.run(t, "hashmap", "service", "list", "-f", "json").rows(t); len(rows) != 0 {
			t.Errorf("services after delete: %v", rows)
		}
	})
}

// wantIDs checks a listing's ids as a set.
func wantIDs(t *testing.T, got []string, want ...string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("ids %v, want %v", got, want)
	}
}

// jsonHas reports whether the JSON body at the end of a recorded request
// line has key with value v.
func jsonHas(line, key string, v any) bool {
	i := 0
	for i < len(line) && line[i] != '{' {
		i++
	}
	var m map[string]any
	if i == len(line) || json.Unmarshal([]byte(line[i:]), &m) != nil {
		return false
	}
	return m[key] == v
}
