package pyclient

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/rating/frames"
)

// TestCloudKittyClient runs the commands of spec §12.2 through the real
// client, one subtest per command, in an order where later commands use
// what earlier ones created (a failed create fails its dependants with
// a message naming it). Each subtest logs the requests the command sent.
func TestCloudKittyClient(t *testing.T) {
	e := newEnv(t, findCLI(t))
	loadRated(t, e)
	t.Run("modules", e.modules)
	t.Run("info", e.info)
	t.Run("hashmap", e.hashmap)
	t.Run("pyscripts", e.scripts)
	t.Run("collector", e.collector)
	t.Run("quote", e.quote)
	t.Run("reports", e.reports)
	t.Run("v2", e.v2Commands)
}

// The rated data the report commands read, written as the processor
// writes it (frames.Write: line items of provider "rating", one snapshot
// per scope and period). January 2024:
//
//	p1 13:00-14:00 on the 4th: instance qty 1 price 1.337, volume qty 2 price 0.25
//	p2 10:00-11:00 on the 5th: instance qty 3 price 4.5
//
// Totals: p1 1.587, p2 4.5, all 6.087.
var (
	jan      = "2024-01-01T00:00:00"
	feb      = "2024-02-01T00:00:00"
	p1Period = time.Date(2024, 1, 4, 13, 0, 0, 0, time.UTC)
	p2Period = time.Date(2024, 1, 5, 10, 0, 0, 0, time.UTC)
)

func loadRated(t *testing.T, e *env) {
	t.Helper()
	d := decimal.RequireFromString
	ctx := context.Background()
	cur := e.rating.Config().Currency
	if _, err := frames.Write(ctx, e.store, "p1", cur, frames.Frame{
		Scope: "p1", Start: p1Period, End: p1Period.Add(time.Hour),
		Usage: map[string][]frames.Point{
			"instance": {{Unit: "instance", Qty: d("1"), Price: d("1.337"),
				Groupby: map[string]string{"id": "vm-1", "project_id": "p1"}, Metadata: map[string]string{"flavor_id": "m1.small"}}},
			"volume": {{Unit: "GiB", Qty: d("2"), Price: d("0.25"),
				Groupby: map[string]string{"id": "vol-1", "project_id": "p1"}, Metadata: map[string]string{"volume_type": "ssd"}}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := frames.Write(ctx, e.store, "p2", cur, frames.Frame{
		Scope: "p2", Start: p2Period, End: p2Period.Add(time.Hour),
		Usage: map[string][]frames.Point{
			"instance": {{Unit: "instance", Qty: d("3"), Price: d("4.5"),
				Groupby: map[string]string{"id": "vm-2", "project_id": "p2"}, Metadata: map[string]string{"flavor_id": "m1.large"}}},
		},
	}); err != nil {
		t.Fatal(err)
	}
}

// modules: module list, get, enable, disable, set priority (v1). Every
// change is GET, PUT of the whole module (replayed on each 302), GET.
func (e *env) modules(t *testing.T) {
	const mod = "/cloudkitty/v1/rating/modules"
	t.Run("module list", func(t *testing.T) {
		r := e.run(t, "module", "list", "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET "+mod+"/")
		got := strings.Join(column(t, rows, "Module"), ",")
		for _, m := range []string{"hashmap", "noop"} {
			if !strings.Contains(","+got+",", ","+m+",") {
				t.Errorf("module list %s: no %s", got, m)
			}
		}
		for _, row := range rows {
			if str(row["Module"]) == "noop" {
				wantCell(t, row, "Enabled", "true")
				wantCell(t, row, "Priority", "1")
			}
		}
	})
	t.Run("module get hashmap", func(t *testing.T) {
		r := e.run(t, "module", "get", "hashmap", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+mod+"/hashmap")
		wantCell(t, row, "Module", "hashmap")
		if p := str(cell(t, row, "Priority")); p != "1" {
			t.Errorf("default priority %s, want 1", p)
		}
	})
	for _, c := range []struct{ name, enabled string }{{"enable", "true"}, {"disable", "false"}} {
		t.Run("module "+c.name+" hashmap", func(t *testing.T) {
			r := e.run(t, "module", c.name, "hashmap", "-f", "json")
			row := r.row(t)
			r.sent(t, "GET "+mod+"/hashmap", `PUT `+mod+`/hashmap {"module_id": "hashmap"`, "GET "+mod+"/hashmap")
			t.Logf("PUTs sent (302 replay, §12.3): %d", r.count("PUT "))
			wantCell(t, row, "Enabled", c.enabled)
			got := e.run(t, "module", "get", "hashmap", "-f", "json").row(t)
			wantCell(t, got, "Enabled", c.enabled)
		})
	}
	t.Run("module set priority hashmap 5", func(t *testing.T) {
		r := e.run(t, "module", "set", "priority", "hashmap", "5", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET "+mod+"/hashmap", "PUT "+mod+"/hashmap", "GET "+mod+"/hashmap")
		wantCell(t, row, "Priority", "5")
		wantCell(t, e.run(t, "module", "get", "hashmap", "-f", "json").row(t), "Priority", "5")
	})
}

// info: info config get, info metric list, info metric get.
func (e *env) info(t *testing.T) {
	t.Run("info config get", func(t *testing.T) {
		r := e.run(t, "info", "config", "get", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET /cloudkitty/v1/info/config/")
		wantCell(t, row, "Section", "metrics")
		m, ok := cell(t, row, "Value").(map[string]any)
		if !ok {
			t.Fatalf("metrics is not an object: %v", row)
		}
		inst, _ := m["openstack_compute_instance_up"].(map[string]any)
		if inst == nil || str(inst["alt_name"]) != "instance" || str(inst["unit"]) != "instance" {
			t.Errorf("metrics as configured: %v", m)
		}
	})
	t.Run("info metric list", func(t *testing.T) {
		r := e.run(t, "info", "metric", "list", "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET /cloudkitty/v1/info/metrics/")
		if got := strings.Join(column(t, rows, "Metric"), ","); got != "instance,volume" && got != "volume,instance" {
			t.Fatalf("metrics %s, want instance and volume", got)
		}
		for _, row := range rows {
			if str(row["Metric"]) == "volume" {
				wantCell(t, row, "Unit", "GiB")
				wantCell(t, row, "Metadata", `["volume_type"]`)
			}
		}
	})
	t.Run("info metric get instance", func(t *testing.T) {
		r := e.run(t, "info", "metric", "get", "instance", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET /cloudkitty/v1/info/metrics/instance")
		wantCell(t, row, "Metric", "instance")
		wantCell(t, row, "Unit", "instance")
		wantCell(t, row, "Metadata", `["flavor_id"]`)
	})
}
