package asset

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// SlotRecord is what one snapshot said of one asset, in a form a store
// can keep (JSON; decimals as strings, so exact). A persistent index
// saves the records of each snapshot with Deriver.Slot and gives them
// back with Deriver.Restore after a restart, instead of reading the line
// items again.
type SlotRecord struct {
	ID        int64                            `json:"id"`
	Type      Type                             `json:"type"`
	Key       string                           `json:"key"`
	Name      string                           `json:"name,omitempty"`
	Relations map[string]int64                 `json:"relations,omitempty"`
	Cost      [cost.NumMetrics]decimal.Decimal `json:"cost"`
	First     time.Time                        `json:"first"`
	Last      time.Time                        `json:"last"`
	Tags      map[string]string                `json:"tags"` // null for an account-like asset, {} for a resource without tags
	TagsAt    time.Time                        `json:"tags_at"`
	Region    string                           `json:"region,omitempty"`
	AZ        string                           `json:"az,omitempty"`
}

// Slot returns what snapshot s contributes to each asset, ordered by id.
// Names and relations are the asset's current ones: the Deriver keeps
// one of each per asset, not per snapshot.
func (d *Deriver) Slot(s Snapshot) []SlotRecord {
	s.Period = s.Period.UTC()
	var out []SlotRecord
	for _, r := range d.records {
		sl := r.slots[s]
		if sl == nil {
			continue
		}
		out = append(out, SlotRecord{
			ID: r.id, Type: r.typ, Key: r.key, Name: r.name, Relations: maps.Clone(r.relation),
			Cost: sl.cost, First: sl.first, Last: sl.last,
			Tags: maps.Clone(sl.tags), TagsAt: sl.tagsAt, Region: sl.region, AZ: sl.az,
		})
	}
	slices.SortFunc(out, func(x, y SlotRecord) int { return compareInt64(x.ID, y.ID) })
	return out
}

func compareInt64(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// Restore replaces snapshot s with recs, as Slot returned them: the
// Deriver ends as it was after feeding the snapshot's line items. A
// record whose id does not match its type and key, or that collides
// with another asset, is an error and nothing of it is kept.
func (d *Deriver) Restore(s Snapshot, recs []SlotRecord) error {
	s.Period = s.Period.UTC()
	d.Replace(s)
	for _, x := range recs {
		if !Known(x.Type) || ID(x.Type, x.Key) != x.ID {
			d.Replace(s)
			return fmt.Errorf("asset %d: %s %q does not have this id", x.ID, x.Type, x.Key)
		}
		r := d.records[x.ID]
		if r == nil {
			r = &record{id: x.ID, typ: x.Type, key: x.Key, slots: map[Snapshot]*slot{}}
			d.records[x.ID] = r
		} else if r.typ != x.Type || r.key != x.Key {
			d.Replace(s)
			return fmt.Errorf("asset id %d: %s %q and %s %q collide", x.ID, r.typ, r.key, x.Type, x.Key)
		}
		if x.Name != "" {
			r.name = x.Name
		}
		for name, id := range x.Relations {
			if r.relation == nil {
				r.relation = map[string]int64{}
			}
			r.relation[name] = id
		}
		r.slots[s] = &slot{cost: x.Cost, first: x.First.UTC(), last: x.Last.UTC(), tags: maps.Clone(x.Tags), tagsAt: x.TagsAt.UTC(), region: x.Region, az: x.AZ}
	}
	return nil
}
