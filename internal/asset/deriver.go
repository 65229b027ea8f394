package asset

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// DefaultActiveWindow is how recently an asset must have been billed,
// measured back from the latest charge end in the data, to be active. Two
// days of data lag are usual for daily and hourly exports (CUR, Azure,
// GCP all restate the last day or two), so three days keeps a running
// instance active through a late file while an asset gone for most of a
// week reads as inactive, which is what api_version=1 hides.
const DefaultActiveWindow = 3 * 24 * time.Hour

// Options configure a Deriver.
type Options struct {
	// ActiveWindow overrides DefaultActiveWindow when positive.
	ActiveWindow time.Duration
}

// Snapshot names what an ingest replaces as a whole: the items of one
// source (a configured bill) for one billing period. Re-ingesting a
// period (a restated, not-yet-final bill) replaces that slot only.
type Snapshot struct {
	Source string
	Period time.Time // billing period start, UTC
}

// slot is what one snapshot says of one asset.
type slot struct {
	cost        [cost.NumMetrics]decimal.Decimal
	first, last time.Time
	tags        map[string]string
	tagsAt      time.Time // charge end of the item the tags came from
	region, az  string
}

// record is an asset as the Deriver keeps it: identity and the slots.
// Cost to date and first/last seen are folded from the slots when a Set
// is made, so that replacing a snapshot takes back exactly what it gave.
type record struct {
	id       int64
	typ      Type
	key      string
	name     string
	relation map[string]int64 // relation name → related asset id
	slots    map[Snapshot]*slot
}

// Deriver maintains the asset set from line items, one at a time. It is
// pure (no I/O) and not safe for concurrent use: the ingest of a tenant
// owns one and publishes Sets to readers.
//
// Why slots: an asset's cost to date must not double when a period is
// ingested again, and a restated bill may drop or change items. Keeping
// Σ per (source, billing period) per asset and summing the slots makes
// Replace exact and cheap, and the slot count is bounded by sources ×
// months, not by line items.
type Deriver struct {
	window  time.Duration
	records map[int64]*record
}

// NewDeriver returns an empty Deriver.
func NewDeriver(o Options) *Deriver {
	w := o.ActiveWindow
	if w <= 0 {
		w = DefaultActiveWindow
	}
	return &Deriver{window: w, records: map[int64]*record{}}
}

// Replace forgets everything snapshot s contributed, before its items are
// fed again. Assets that no other snapshot names disappear; their ids
// come back unchanged if the new items name them again.
func (d *Deriver) Replace(s Snapshot) {
	s.Period = s.Period.UTC()
	for id, r := range d.records {
		delete(r.slots, s)
		if len(r.slots) == 0 {
			delete(d.records, id)
		}
	}
}

// SnapshotOf is the snapshot a line item of source belongs to: its
// billing period, or the month of its charge when the bill gives none.
func SnapshotOf(source string, li *cost.LineItem) Snapshot {
	p := li.BillingPeriodStart
	if p.IsZero() {
		p = cost.MonthStart(li.ChargePeriodStart)
	}
	return Snapshot{Source: source, Period: p.UTC()}
}

// Add merges one line item of source into the set. An error means two
// different assets hash to one id (never seen in practice; refused
// rather than merged).
func (d *Deriver) Add(source string, li *cost.LineItem) error {
	f := classify(li)
	if f.account.typ == "" {
		return nil // no account: nothing CloudHealth would list
	}
	snap := SnapshotOf(source, li)
	acct, err := d.touch(f.account, snap, li, false)
	if err != nil {
		return err
	}
	var group *record
	if f.group.typ != "" {
		if group, err = d.touch(f.group, snap, li, false); err != nil {
			return err
		}
		group.relate("subscription", acct)
	}
	if f.resource.typ == "" {
		return nil
	}
	res, err := d.touch(f.resource, snap, li, true)
	if err != nil {
		return err
	}
	for _, rel := range specs[res.typ].relations {
		switch rel.ObjectType {
		case acct.typ:
			res.relate(rel.Name, acct)
		case AzureResourceGroup:
			if group != nil {
				res.relate(rel.Name, group)
			}
		}
	}
	return nil
}

func (r *record) relate(name string, to *record) {
	if r.relation == nil {
		r.relation = map[string]int64{}
	}
	r.relation[name] = to.id
}

// touch adds li to the asset ref names, creating it on first sight. Only
// the resource itself takes the item's tags and place: an item's tags are
// its resource's, not its account's or resource group's.
func (d *Deriver) touch(x ref, snap Snapshot, li *cost.LineItem, resource bool) (*record, error) {
	id := ID(x.typ, x.key)
	r := d.records[id]
	if r == nil {
		r = &record{id: id, typ: x.typ, key: x.key, slots: map[Snapshot]*slot{}}
		d.records[id] = r
	} else if r.typ != x.typ || r.key != x.key {
		return nil, fmt.Errorf("asset id %d: %s %q and %s %q collide", id, r.typ, r.key, x.typ, x.key)
	}
	if x.name != "" {
		r.name = x.name
	}
	s := r.slots[snap]
	if s == nil {
		s = &slot{}
		r.slots[snap] = s
	}
	for m := range s.cost {
		s.cost[m] = s.cost[m].Add(li.Cost[m])
	}
	start, end := li.ChargePeriodStart.UTC(), li.ChargePeriodEnd.UTC()
	if end.Before(start) {
		end = start
	}
	if s.first.IsZero() || (!start.IsZero() && start.Before(s.first)) {
		s.first = start
	}
	if end.After(s.last) {
		s.last = end
	}
	// The latest item's tags and place win: an asset retagged or moved
	// shows its current state. Ties keep the first, so order of rows in
	// one hour does not flip the answer back and forth.
	if resource && (s.tags == nil || end.After(s.tagsAt)) {
		// Hourly items repeat the same tags: clone only on a change, so
		// a month of hours costs one map, not 744.
		if s.tags == nil || !maps.Equal(s.tags, li.Tags) {
			s.tags = maps.Clone(li.Tags)
			if s.tags == nil {
				s.tags = map[string]string{}
			}
		}
		s.tagsAt = end
		s.region, s.az = li.RegionID, li.AvailabilityZone
	}
	return r, nil
}

// Snapshots lists the snapshots that contribute to some asset, ordered
// by period and source: what a store keeps apart and Replace takes.
func (d *Deriver) Snapshots() []Snapshot {
	seen := map[Snapshot]bool{}
	for _, r := range d.records {
		for s := range r.slots {
			seen[s] = true
		}
	}
	return slices.SortedFunc(maps.Keys(seen), compareSnapshots)
}

// Len is the number of assets.
func (d *Deriver) Len() int { return len(d.records) }

// Set returns an immutable snapshot of the assets. Active is measured
// from the latest charge end of every asset's items.
func (d *Deriver) Set() *Set {
	var latest time.Time
	for _, r := range d.records {
		for _, s := range r.slots {
			if s.last.After(latest) {
				latest = s.last
			}
		}
	}
	set := &Set{byID: make(map[int64]*Asset, len(d.records))}
	for _, r := range d.records {
		a := r.fold()
		a.Active = !a.LastSeen.Before(latest.Add(-d.window))
		set.list = append(set.list, a)
		set.byID[a.ID] = a
	}
	for _, a := range set.list {
		r := d.records[a.ID]
		for name, id := range r.relation {
			if b := set.byID[id]; b != nil {
				if a.Relations == nil {
					a.Relations = map[string]*Asset{}
				}
				a.Relations[name] = b
			}
		}
	}
	slices.SortFunc(set.list, func(x, y *Asset) int {
		return cmp.Or(cmp.Compare(x.Type, y.Type), cmp.Compare(x.ID, y.ID))
	})
	return set
}

// fold sums the slots of r into an Asset without relations.
func (r *record) fold() *Asset {
	a := &Asset{ID: r.id, Type: r.typ, Provider: specs[r.typ].provider, Key: r.key, Name: r.name}
	var tagsAt time.Time
	first := true
	for _, snap := range slices.SortedFunc(maps.Keys(r.slots), compareSnapshots) {
		s := r.slots[snap]
		for m := range s.cost {
			a.CostToDate[m] = a.CostToDate[m].Add(s.cost[m])
		}
		if first || s.first.Before(a.FirstSeen) {
			a.FirstSeen = s.first
		}
		if s.last.After(a.LastSeen) {
			a.LastSeen = s.last
		}
		if first || s.tagsAt.After(tagsAt) {
			a.Tags, tagsAt = maps.Clone(s.tags), s.tagsAt
			a.Region, a.AvailabilityZone = s.region, s.az
		}
		first = false
	}
	return a
}

// compareSnapshots orders slots so that folding is deterministic.
func compareSnapshots(x, y Snapshot) int {
	return cmp.Or(x.Period.Compare(y.Period), cmp.Compare(x.Source, y.Source))
}
