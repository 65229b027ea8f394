// Package hashmap is CloudKitty's hashmap rating module as a pure domain
// package: the rule objects (services, fields, groups, mappings,
// thresholds), a loader that turns a snapshot of rules into the per-scope
// price table of the spec's §7.1, and the rating of one point (§7.2).
//
// It knows nothing of HTTP: the loader and the rating take a Rules value,
// and Book (book.go) keeps the rules in the state store's documents with
// upstream's write rules, for the API to call. All arithmetic is exact
// (shopspring decimal); upstream's Python Decimal maths is reproduced
// without its SQLite float round trips.
package hashmap

import (
	"time"

	"github.com/shopspring/decimal"
)

// MapType says how a mapping or threshold cost combines: a flat cost per
// unit (the highest flat of a group wins) or a rate that multiplies.
type MapType string

// The two types upstream knows; GET types lists them in this order.
const (
	Flat MapType = "flat"
	Rate MapType = "rate"
)

// Types returns the map types in upstream's order (GET .../types).
func Types() []MapType { return []MapType{Flat, Rate} }

// DefaultGroup is the key of rules that belong to no group. Upstream keys
// by group name, so a group literally named _DEFAULT_ shares the slot of
// ungrouped rules; that quirk is kept because it is observable in prices.
const DefaultGroup = "_DEFAULT_"

// Service is a hashmap service. Name equals the metric's alt_name (or name)
// that the point's usage is filed under.
type Service struct {
	ID   string
	Name string
}

// Field is a key of a point's desc under one service.
type Field struct {
	ID        string
	Name      string
	ServiceID string
}

// Group makes rules additive: prices of different groups add up, while
// inside one group flats take the maximum and rates multiply.
type Group struct {
	ID   string
	Name string
}

// Mapping is a flat or rate cost attached to a service (Value empty) or to
// one value of a field. Empty ids mean "none" (NULL upstream); an empty
// TenantID is a global rule, a set one applies to that scope only.
//
// The dates and audit fields are the ≥23 model; classic rules leave them
// zero, which means active from the beginning of time, forever.
type Mapping struct {
	ID        string
	Value     string
	Type      MapType
	Cost      decimal.Decimal
	ServiceID string
	FieldID   string
	GroupID   string
	TenantID  string

	// Start is inclusive and End exclusive (start ≤ t < end); a zero End
	// means open-ended.
	Start       time.Time
	End         time.Time
	Name        string
	Description string
	// Deleted is when the rule was soft-deleted; a deleted rule never
	// applies again, whatever the processing time (upstream filters
	// deleted rows out of the load query altogether).
	Deleted   time.Time
	CreatedAt time.Time
	CreatedBy string
	UpdatedBy string
	DeletedBy string
	// Classic marks a rule created the ≤22 way, with none of the dated
	// attributes (start, end, name, description): such a rule stays
	// editable as it was before rules had dates (value, type, cost, group
	// and tenant, while it runs), so that classic clients keep working;
	// giving it a start or an end makes it a dated rule.
	Classic bool `json:",omitempty"`
}

// IsDeleted reports whether the mapping was soft-deleted.
func (m Mapping) IsDeleted() bool { return !m.Deleted.IsZero() }

// ActiveAt reports whether the mapping counts when rating the period that
// starts at t: start ≤ t < end and not deleted.
func (m Mapping) ActiveAt(t time.Time) bool { return ActiveAt(m.Start, m.End, m.Deleted, t) }

// ActiveAt is the ≥23 activity test of every dated rule (hashmap
// mappings, pyscripts scripts): start ≤ t < end and not deleted, where a
// zero start or end is open.
func ActiveAt(start, end, deleted, t time.Time) bool {
	if !deleted.IsZero() {
		return false
	}
	if !start.IsZero() && t.Before(start) {
		return false
	}
	if !end.IsZero() && !t.Before(end) {
		return false
	}
	return true
}

// Threshold applies its cost once the point's qty (service threshold) or
// the numeric value of a field (field threshold) reaches Level. Thresholds
// have no dates, even in ≥23, and are hard-deleted.
type Threshold struct {
	ID        string
	Level     decimal.Decimal
	Type      MapType
	Cost      decimal.Decimal
	ServiceID string
	FieldID   string
	GroupID   string
	TenantID  string
}

// Rules is a snapshot of every hashmap rule, for all tenants. The order of
// the slices does not matter: the loader orders rules itself so that the
// same snapshot always yields the same prices.
type Rules struct {
	Services   []Service
	Fields     []Field
	Groups     []Group
	Mappings   []Mapping
	Thresholds []Threshold
}
