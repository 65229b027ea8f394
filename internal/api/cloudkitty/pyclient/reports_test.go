package pyclient

import (
	"slices"
	"strings"
	"testing"
)

// The client sends datetimes with a space, URL-encoded (§12.3).
const (
	janQ = "2024-01-01+00%3A00%3A00"
	febQ = "2024-02-01+00%3A00%3A00"
)

// reports: summary get, total get, report tenant list and dataframes get
// (v1) over the January data of loadRated.
func (e *env) reports(t *testing.T) {
	t.Run("summary get -g tenant_id res_type -a", func(t *testing.T) {
		r := e.run(t, "summary", "get", "-b", jan, "-e", feb, "-g", "tenant_id", "res_type", "-a", "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET /cloudkitty/v1/report/summary?begin="+janQ+"&end="+febQ+"&groupby=tenant_id%2Cres_type&all_tenants=True")
		want := map[string]string{"p1/instance": "1.337", "p1/volume": "0.25", "p2/instance": "4.5"}
		if len(rows) != len(want) {
			t.Fatalf("%d rows, want %d: %v", len(rows), len(want), rows)
		}
		for _, row := range rows {
			k := str(row["Tenant ID"]) + "/" + str(row["Resource Type"])
			w, ok := want[k]
			if !ok {
				t.Errorf("unexpected row %v", row)
				continue
			}
			wantDec(t, row, "Rate", w)
			wantCell(t, row, "Begin Time", jan)
			wantCell(t, row, "End Time", feb)
		}
	})
	// -t filters without grouping: upstream's row then reads tenant_id
	// "ALL", as every dimension not grouped by.
	t.Run("summary get -t", func(t *testing.T) {
		r := e.run(t, "summary", "get", "-t", "p1", "-b", jan, "-e", feb, "-f", "json")
		row := r.row(t)
		r.sent(t, "GET /cloudkitty/v1/report/summary?begin="+janQ+"&end="+febQ+"&tenant_id=p1")
		wantCell(t, row, "Tenant ID", "ALL")
		wantCell(t, row, "Resource Type", "ALL")
		wantDec(t, row, "Rate", "1.587")
	})
	t.Run("summary get -t -s -g res_type", func(t *testing.T) {
		r := e.run(t, "summary", "get", "-t", "p1", "-s", "volume", "-b", jan, "-e", feb, "-g", "res_type", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET /cloudkitty/v1/report/summary?begin="+janQ+"&end="+febQ+"&tenant_id=p1&service=volume&groupby=res_type")
		wantCell(t, row, "Resource Type", "volume")
		wantDec(t, row, "Rate", "0.25")
	})
	// total get prints the total as a Python float: exact here, as the
	// sums have few digits.
	t.Run("total get -a", func(t *testing.T) {
		r := e.run(t, "total", "get", "-b", jan, "-e", feb, "-a", "-f", "json")
		m := r.show(t)
		r.sent(t, "GET /cloudkitty/v1/report/total?begin="+janQ+"&end="+febQ+"&all_tenants=True")
		wantDec(t, m, "Total", "6.087")
	})
	t.Run("total get -t", func(t *testing.T) {
		r := e.run(t, "total", "get", "-b", jan, "-e", feb, "-t", "p2", "-f", "json")
		m := r.show(t)
		r.sent(t, "GET /cloudkitty/v1/report/total?begin="+janQ+"&end="+febQ+"&tenant_id=p2")
		wantDec(t, m, "Total", "4.5")
	})
	t.Run("report tenant list", func(t *testing.T) {
		r := e.run(t, "report", "tenant", "list", "-b", jan, "-e", feb, "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET /cloudkitty/v1/report/tenants?begin="+janQ+"&end="+febQ)
		got := column(t, rows, "Tenant ID")
		slices.Sort(got)
		if !slices.Equal(got, []string{"p1", "p2"}) {
			t.Errorf("tenants %v, want [p1 p2]", got)
		}
	})
	t.Run("dataframes get -p -r", func(t *testing.T) {
		r := e.run(t, "dataframes", "get", "-p", "p1", "-r", "instance", "-b", jan, "-e", feb, "-f", "json")
		row := r.row(t)
		r.sent(t, "GET /cloudkitty/v1/storage/dataframes?begin="+janQ+"&end="+febQ+"&tenant_id=p1&resource_type=instance")
		wantCell(t, row, "Begin", "2024-01-04T13:00:00")
		wantCell(t, row, "End", "2024-01-04T14:00:00")
		wantCell(t, row, "Project ID", "p1")
		res, _ := cell(t, row, "Resources").([]any)
		if len(res) != 1 {
			t.Fatalf("resources %v, want one", row["Resources"])
		}
		rs, _ := res[0].(map[string]any)
		wantCell(t, rs, "service", "instance")
		wantDec(t, rs, "volume", "1")
		wantDec(t, rs, "rating", "1.337")
		// The client's own column: rating / volume to 4 places.
		wantCell(t, rs, "rate_value", "1.3370")
		desc, _ := cell(t, rs, "desc").(map[string]any)
		if str(desc["flavor_id"]) != "m1.small" || str(desc["project_id"]) != "p1" || str(desc["id"]) != "vm-1" {
			t.Errorf("desc %v: want metadata and groupby merged", desc)
		}
	})
	t.Run("dataframes get -p", func(t *testing.T) {
		rows := e.run(t, "dataframes", "get", "-p", "p1", "-b", jan, "-e", feb, "-f", "json").rows(t)
		var services []string
		for _, row := range rows {
			wantCell(t, row, "Project ID", "p1")
			res, _ := cell(t, row, "Resources").([]any)
			for _, x := range res {
				rs, _ := x.(map[string]any)
				services = append(services, str(rs["service"]))
			}
		}
		slices.Sort(services)
		if strings.Join(services, ",") != "instance,volume" {
			t.Errorf("resources of p1: %v, want instance and volume", services)
		}
	})
}
