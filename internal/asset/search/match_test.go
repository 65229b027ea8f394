package search

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// asset is a map-backed Attributes for tests.
type asset struct {
	attrs map[string]any
	rels  map[string]Relation
}

func (a asset) Attr(name string) (any, bool) {
	v, ok := a.attrs[name]
	return v, ok
}

func (a asset) Related(name string) (Relation, bool) {
	r, ok := a.rels[name]
	return r, ok
}

func one(b asset) Relation { return Relation{Assets: []Attributes{b}} }

func many(bs ...asset) Relation {
	r := Relation{Many: true}
	for _, b := range bs {
		r.Assets = append(r.Assets, b)
	}
	return r
}

var (
	primary  = asset{attrs: map[string]any{"id": int64(90), "name": "Primary Account", "is_private": false}}
	instance = asset{
		attrs: map[string]any{
			"id": int64(7), "instance_id": "i-1", "name": "web", "is_active": true, "in_use": true,
			"size": int64(100), "price": decimal.RequireFromString("0.0416"), "cpu_p95": 42.5,
			"capacity": json.Number("2048"), "disk": "10", "owner": nil,
			"launch_date": time.Date(2016, 1, 5, 0, 0, 0, 0, time.UTC),
			"created":     "2016-01-04T23:19:34+00:00",
		},
		rels: map[string]Relation{
			"account": one(primary),
			"volumes": many(
				asset{attrs: map[string]any{"id": int64(1), "size": int64(8)}},
				asset{attrs: map[string]any{"id": int64(2), "size": int64(500)}},
			),
			"chef_node": many(),
		},
	}
)

// TestMatch evaluates clauses against each attribute type: literals are
// read as the attribute's type, null and missing attributes match
// nothing, and dotted paths go through relations (any of a has_many).
func TestMatch(t *testing.T) {
	f := func(query string, want bool) {
		t.Helper()
		e, err := Parse(query, 2)
		if err != nil {
			t.Fatalf("Parse(%q): %v", query, err)
		}
		if got := e.Match(instance); got != want {
			t.Fatalf("%q matches = %v, want %v", query, got, want)
		}
	}
	// Booleans: 1/0, true/false in any case, quoted or not.
	f("is_active=1", true)
	f("is_active='True'", true)
	f("is_active=true", true)
	f("is_active='t'", true)
	f("is_active=0", false)
	f("is_active!=0", true)
	f("is_active='yes'", false)
	f("is_active>0", false)
	// Strings compare exactly; order is numeric when both are numbers.
	f("name='web'", true)
	f("name='Web'", false)
	f("name!='web'", false)
	f("name<'x'", true)
	f("disk>'9'", true)
	f("disk>9", true)
	f("created>'2016-01-04'", true)
	f("created<'2016-01-04'", false)
	// Numbers are exact decimals whatever the attribute's Go type.
	f("size=100", true)
	f("size='100'", true)
	f("size=100.0", true)
	f("size>=100 and size<=100", true)
	f("size>100", false)
	f("size='big'", false)
	f("price=0.0416", true)
	f("price>0.04", true)
	f("cpu_p95>42.4", true)
	f("cpu_p95=42.5", true)
	f("capacity<4096", true)
	// Times accept RFC 3339, SQL and date-only literals.
	f("launch_date>'2016-01-04T23:19:34+00:00'", true)
	f("launch_date='2016-01-05'", true)
	f("launch_date<='2016-01-04 23:59:59'", false)
	f("launch_date>'soon'", false)
	// Null and missing attributes satisfy nothing, != included (SQL NULL).
	f("owner='x'", false)
	f("owner!='x'", false)
	f("nosuch!='x'", false)
	// Relations.
	f("account.name='Primary Account'", true)
	f("account.is_private=0", true)
	f("account.id=90", true)
	f("account.nosuch='x'", false)
	f("nosuch.name='x'", false)
	f("volumes.size>400", true)
	f("volumes.size>500", false)
	f("chef_node.name='x'", false)
	// Conjunction.
	f("name='web' and account.name='Primary Account' and volumes.size=8", true)
	f("name='web' and account.name='Other'", false)
	f("", true)
}
