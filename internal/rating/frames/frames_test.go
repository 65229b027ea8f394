package frames

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
)

var t0 = time.Date(2024, 1, 4, 13, 0, 0, 0, time.UTC)

func hour(h int) cost.Window {
	s := t0.Add(time.Duration(h) * time.Hour)
	return cost.Window{Start: s, End: s.Add(time.Hour)}
}

func TestLineItemRoundTrip(t *testing.T) {
	p := Point{Unit: "instance", Qty: decimal.RequireFromString("2.5"), Price: decimal.RequireFromString("1.337"),
		Groupby:  map[string]string{"id": "vm-1", "project_id": "p1"},
		Metadata: map[string]string{"flavor_name": "m1.small", "id": "shadowed"}, Description: "d"}
	li := ToLineItem("p1", "instance", hour(0), p, "EUR")
	scope, typ, w, back := FromLineItem(li)
	if scope != "p1" || typ != "instance" || w != hour(0) {
		t.Fatalf("scope, type, period = %s %s %s", scope, typ, w)
	}
	// The groupby value wins in desc, and a key in both reads back as
	// metadata only when groupby does not also hold it.
	want := Point{Unit: "instance", Qty: p.Qty, Price: p.Price, Description: "d",
		Groupby:  map[string]string{"project_id": "p1"},
		Metadata: map[string]string{"flavor_name": "m1.small", "id": "vm-1"}}
	if !reflect.DeepEqual(back, want) {
		t.Fatalf("round trip\n got %+v\nwant %+v", back, want)
	}
	if li.Tags["id"] != "vm-1" || li.Cost[cost.List].String() != "1.337" || li.USD[cost.Billed].Valid {
		t.Fatalf("stored item: tags %v, list %s, USD valid %v", li.Tags, li.Cost[cost.List], li.USD[cost.Billed].Valid)
	}
	if ToLineItem("p1", "x", hour(0), Point{}, "USD").ConsumedUnit != DefaultUnit {
		t.Fatal("a point without unit is stored with the default unit")
	}
}

func TestWriteReplacesPeriods(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pt := func(price string) Point {
		return Point{Qty: decimal.NewFromInt(1), Price: decimal.RequireFromString(price)}
	}
	frame := func(h int, prices ...string) Frame {
		f := Frame{Scope: "p1", Start: hour(h).Start, End: hour(h).End, Usage: map[string][]Point{}}
		for _, p := range prices {
			f.Usage["instance"] = append(f.Usage["instance"], pt(p))
		}
		return f
	}
	all := cost.Window{Start: t0.Add(-time.Hour), End: t0.Add(24 * time.Hour)}
	if _, err := Write(ctx, st, "p1", "USD", frame(0, "1", "2"), frame(1, "4")); err != nil {
		t.Fatal(err)
	}
	if got := storetest.Total(t, st, all, cost.Billed); got != "7" {
		t.Fatalf("total %s, want 7", got)
	}
	// Re-rating hour 0 replaces it; an empty hour 1 removes its rows.
	snaps, err := Write(ctx, st, "p1", "USD", frame(0, "0.5"), frame(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].Source != "rating/p1" || snaps[0].Provider != Provider {
		t.Fatalf("snapshots %+v", snaps)
	}
	if got := storetest.Total(t, st, all, cost.Billed); got != "0.5" {
		t.Fatalf("after re-rating: total %s, want 0.5", got)
	}
	if _, err := Write(ctx, st, "p2", "USD", frame(0)); err == nil {
		t.Fatal("a frame of another scope was written")
	}
}
