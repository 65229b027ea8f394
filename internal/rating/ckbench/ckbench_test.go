package ckbench

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
)

func TestTenantIDs(t *testing.T) {
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for i := 0; i < FullTenants; i++ {
		id := Tenant(i)
		if !hex32.MatchString(id) {
			t.Fatalf("tenant %d: %q is not 32 hex digits (upstream's tenant_id is String(32))", i, id)
		}
		if seen[id] {
			t.Fatalf("tenant %d: %q repeats", i, id)
		}
		seen[id] = true
	}
	// Fixed ids: a data set made again (or by another version) matches
	// the one already loaded into CloudKitty.
	if got := Tenant(0); got != "e220a8397b1dcdaf1fdd7128f310c389" {
		t.Fatalf("tenant 0 is %s", got)
	}
}

// The CSV is what scripts/cloudkitty-upstream.sh load imports: the
// column order of its temp table and SQLAlchemy's SQLite datetime text.
func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := (Spec{Tenants: 1, Hours: 2}).WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	tn := Tenant(0)
	want := []string{
		tn + `,2024-06-01 00:00:00.000000,2024-06-01 01:00:00.000000,instance,4,instance,0.05348,"{""flavor_name"":""m1.tiny"",""id"":""vm-0"",""project_id"":""` + tn + `""}"`,
		tn + `,2024-06-01 00:00:00.000000,2024-06-01 01:00:00.000000,GiB,333,volume.size,0.13653,"{""id"":""vol-0"",""project_id"":""` + tn + `"",""volume_type"":""ssd""}"`,
		tn + `,2024-06-01 01:00:00.000000,2024-06-01 02:00:00.000000,instance,3,instance,0.04011,"{""flavor_name"":""m1.tiny"",""id"":""vm-0"",""project_id"":""` + tn + `""}"`,
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), buf.String())
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d\n got %s\nwant %s", i+1, lines[i], w)
		}
	}
}

func TestSpecChecks(t *testing.T) {
	for _, s := range []Spec{{}, {Tenants: 1}, {Hours: 1}, {Tenants: -1, Hours: 3}} {
		if err := s.Check(); err == nil {
			t.Errorf("%+v: no error", s)
		}
		if _, err := s.Totals(); err == nil {
			t.Errorf("%+v: Totals without error", s)
		}
	}
	b, e := Spec{Tenants: 1, Hours: FullHours}.Window()
	if b != DefaultStart || e.Month() != 7 || e.Day() != 1 || e.Hour() != 0 {
		t.Fatalf("720 hours are %s to %s, not June 2024", b, e)
	}
}

// The totals add up exactly, and the data set does what it is for: a
// float64 sum of its prices, as CloudKitty's rate column and SUM make,
// misses the exact total.
func TestTotals(t *testing.T) {
	s := Spec{Tenants: 20, Hours: 72}
	tot, err := s.Totals()
	if err != nil {
		t.Fatal(err)
	}
	var byPair, byTenant, byType decimal.Decimal
	for _, v := range tot.ByTenantType {
		byPair = byPair.Add(v)
	}
	for _, v := range tot.ByTenant {
		byTenant = byTenant.Add(v)
	}
	for _, v := range tot.ByType {
		byType = byType.Add(v)
	}
	if len(tot.ByTenantType) != 40 || len(tot.ByTenant) != 20 || len(tot.ByType) != 2 {
		t.Fatalf("%d pairs, %d tenants, %d types", len(tot.ByTenantType), len(tot.ByTenant), len(tot.ByType))
	}
	if !byPair.Equal(tot.All) || !byTenant.Equal(tot.All) || !byType.Equal(tot.All) {
		t.Fatalf("all %s, by pair %s, by tenant %s, by type %s", tot.All, byPair, byTenant, byType)
	}
	var f float64
	var rows int
	s.EachTenant(func(_ string, rs []Row) error {
		for _, r := range rs {
			f += r.Price.InexactFloat64()
			if -r.Price.Exponent() > 5 {
				t.Fatalf("price %s has more than 5 decimals", r.Price)
			}
			rows++
		}
		return nil
	})
	if rows != s.Points() {
		t.Fatalf("%d rows, want %d", rows, s.Points())
	}
	if decimal.NewFromFloat(f).Equal(tot.All) {
		t.Fatalf("the float sum %v equals the exact %s: the data shows no rounding", f, tot.All)
	}
}

// Loaded into Tally, the rated line items sum to the exact total, and
// each period is its own snapshot.
func TestLoadTally(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := Spec{Tenants: 3, Hours: 5}
	var progress []int
	if err := s.LoadTally(ctx, st, "USD", func(n int) { progress = append(progress, n) }); err != nil {
		t.Fatal(err)
	}
	tot, err := s.Totals()
	if err != nil {
		t.Fatal(err)
	}
	b, e := s.Window()
	if got := storetest.Total(t, st, cost.Window{Start: b, End: e}, cost.Billed); got != tot.All.String() {
		t.Fatalf("Tally's total %s, exact %s", got, tot.All)
	}
	if len(progress) != 3 || progress[2] != 3 {
		t.Fatalf("progress %v", progress)
	}
	// Loading again replaces each period's snapshot: no double counting.
	if err := s.LoadTally(ctx, st, "USD", nil); err != nil {
		t.Fatal(err)
	}
	if got := storetest.Total(t, st, cost.Window{Start: b, End: e}, cost.Billed); got != tot.All.String() {
		t.Fatalf("after a second load: total %s, exact %s", got, tot.All)
	}
}
