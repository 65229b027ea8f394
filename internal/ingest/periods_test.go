package ingest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/synth"
)

// TestPeriods: an import limited to some billing periods writes only
// their snapshots and counts the rows it left out.
func TestPeriods(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cur.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	if _, err := synth.Write(f, synth.Options{Provider: "aws", Rows: 3000, Days: 60, Start: start, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	feb := cost.Window{Start: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 2, 10, 0, 0, 0, 0, time.UTC)}
	cases := []struct {
		name    string
		periods cost.Window
		months  []time.Month
	}{
		{"all", cost.Window{}, []time.Month{time.January, time.February, time.March}},
		{"part of February", feb, []time.Month{time.February}},
		{"none", cost.Window{Start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _, _ := ingestMem(t, "aws", "full", path) // fresh store per case
			sum, err := Run(context.Background(), st, []string{path}, Options{Source: "s", Provider: "aws", Periods: c.periods})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rows+sum.OutOfPeriods != 3000 {
				t.Fatalf("rows %d + left out %d, want 3000", sum.Rows, sum.OutOfPeriods)
			}
			snaps, err := st.Snapshots(context.Background(), store.SnapshotFilter{Scope: scope.All(), Source: "s", Status: store.StatusComplete})
			if err != nil {
				t.Fatal(err)
			}
			var got []time.Month
			var rows int64
			for _, sn := range snaps {
				if !sn.BillingPeriodStart.IsZero() {
					got = append(got, sn.BillingPeriodStart.Month())
				}
				rows += sn.Rows
			}
			if len(got) != len(c.months) || rows != sum.Rows {
				t.Fatalf("snapshots for months %v with %d rows, want %v with %d", got, rows, c.months, sum.Rows)
			}
			for _, m := range c.months {
				found := false
				for _, g := range got {
					found = found || g == m
				}
				if !found {
					t.Fatalf("no snapshot for %s: %v", m, got)
				}
			}
		})
	}
}
