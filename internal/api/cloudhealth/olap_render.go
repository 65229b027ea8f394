package cloudhealth

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

// olapResponse is a report's answer (§4.3). Field order is the guide's.
type olapResponse struct {
	Report     string                     `json:"report"`
	Dimensions []map[string][]olapMemberJ `json:"dimensions"`
	Measures   []olapMeasureJ             `json:"measures"`
	Interval   string                     `json:"interval"`
	Filters    []string                   `json:"filters"`
	// UpdatedAt is when the newest data in the caller's scope was
	// imported; null when there is none.
	UpdatedAt *string `json:"updated_at"`
	Data      []any   `json:"data"`
	// The keys a live response also carries (§4.3), which clients may
	// index: Tally has no bill drops, no cube ids of its own (the
	// report's key stands in), no popovers and no saved chart options.
	BillDropInfo         []any          `json:"bill_drop_info"`
	CubeID               string         `json:"cube_id"`
	EnableDPPopover      bool           `json:"enable_dp_popover"`
	VisualizationOptions map[string]any `json:"visualization_options"`
	Status               string         `json:"status"`
}

// olapMemberJ is one member of a dimension. Every member is a top-level
// member (Tally's dimensions are flat), so parent is -1 for all: clients
// that drop sub-rows by parent keep them all.
type olapMemberJ struct {
	Direct    bool   `json:"direct"`
	Excluded  bool   `json:"excluded"`
	Extended  bool   `json:"extended"`
	Label     string `json:"label"`
	Name      string `json:"name"`
	Parent    int    `json:"parent"`
	Populated bool   `json:"populated"`
	SortOrder int    `json:"sort_order"`
}

type olapMeasureJ struct {
	Name     string        `json:"name"`
	Label    string        `json:"label"`
	Metadata olapMeasureMD `json:"metadata"`
}

type olapMeasureMD struct {
	AncillaryCaches   []string `json:"ancillary_caches"`
	Label             string   `json:"label"`
	SupportsDrilldown bool     `json:"supports_drilldown"`
	Type              string   `json:"type"`
	Units             string   `json:"units"`
}

// olapAxis is one dimension of an answer: its members without Total,
// in order; index maps a member name to its position.
type olapAxis struct {
	name    string
	members []olapMember
	index   map[string]int
}

type olapMember struct {
	name, label string
	populated   bool
	labelAt     time.Time // bucket of the row the label came from
}

// olapCell is one measure of one cell: the exact sum and whether any
// row counted (null on the wire when none did).
type olapCell struct {
	sum decimal.Decimal
	has bool
}

// olapCellKey addresses a cell: per dimension, 0 for Total or 1+ the
// member's position.
type olapCellKey [olapMaxDimensions]int

// olapReport answers a report request.
func (a *API) olapReport(ctx context.Context, title string, req olapRequest) (any, error) {
	pl, err := a.plan(ctx, title, req)
	if err != nil {
		return nil, err
	}
	var rows []query.Row
	if len(pl.times) > 0 {
		res, err := a.engine.Query(ctx, pl.q)
		if err != nil {
			return nil, olapEngineError(err)
		}
		rows = res.Rows
	}
	axes, cells := pl.cube(rows)
	updated, err := a.olapUpdatedAt(ctx)
	if err != nil {
		return nil, err
	}
	return pl.render(axes, cells, updated), nil
}

// olapUpdatedAt is the commit time of the newest complete snapshot the
// caller sees, as the guide writes it (+00:00).
func (a *API) olapUpdatedAt(ctx context.Context) (*string, error) {
	snaps, err := a.engine.Snapshots(ctx, store.SnapshotFilter{Status: store.StatusComplete, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("reading snapshots: %w", err)
	}
	var latest time.Time
	for _, s := range snaps {
		if s.CommittedAt.After(latest) {
			latest = s.CommittedAt
		}
	}
	if latest.IsZero() {
		return nil, nil
	}
	s := latest.UTC().Format("2006-01-02T15:04:05") + "+00:00"
	return &s, nil
}

// cube sums rows into every cell, Totals included: each row adds to the
// 2^n cells it belongs to (each dimension at its member or at Total),
// so a Total is the exact sum of the rows under it and needs no second
// query.
func (pl *olapPlan) cube(rows []query.Row) ([]*olapAxis, map[olapCellKey][]olapCell) {
	// timeAt finds a row's time member by its bucket's start.
	timeAt := make(map[int64]int, len(pl.times))
	for j, m := range pl.times {
		timeAt[m.Window.Start.Unix()] = j
	}
	axes := make([]*olapAxis, len(pl.req.Dimensions))
	for i, d := range pl.req.Dimensions {
		ax := &olapAxis{name: d.Name, index: map[string]int{}}
		if d.Time {
			for j, m := range pl.times {
				ax.members = append(ax.members, olapMember{name: m.Label, label: m.Label})
				ax.index[m.Label] = j
			}
		}
		axes[i] = ax
	}
	// Rows outside the selected time members (a filter's gaps) count
	// nowhere.
	kept := rows[:0:0]
	for _, r := range rows {
		if _, ok := timeAt[r.Start.Unix()]; ok {
			kept = append(kept, r)
		}
	}
	// Members: every value the rows hold, ordered by name.
	for i, d := range pl.req.Dimensions {
		if d.Time {
			continue
		}
		ax := axes[i]
		seen := map[string]int{}
		for _, r := range kept {
			name := olapMemberName(r.Keys[pl.keyOf[i]])
			j, ok := seen[name]
			if !ok {
				j = len(ax.members)
				seen[name] = j
				ax.members = append(ax.members, olapMember{name: name, label: name})
			}
			if pl.nameKey >= 0 && d.Name == olapDimAccount {
				// The latest name the account had (a registered name,
				// through the engine, else the bill's).
				m := &ax.members[j]
				n := r.Keys[pl.nameKey]
				if n != "" && (m.labelAt.IsZero() || r.Start.After(m.labelAt) || r.Start.Equal(m.labelAt) && n > m.label) {
					m.label, m.labelAt = n, r.Start
				}
			}
		}
		slices.SortFunc(ax.members, func(x, y olapMember) int {
			switch {
			case x.name < y.name:
				return -1
			case x.name > y.name:
				return 1
			}
			return 0
		})
		for j, m := range ax.members {
			ax.index[m.name] = j
		}
	}
	n := len(axes)
	cells := map[olapCellKey][]olapCell{}
	var at olapCellKey
	for _, r := range kept {
		for i, d := range pl.req.Dimensions {
			if d.Time {
				at[i] = timeAt[r.Start.Unix()]
			} else {
				at[i] = axes[i].index[olapMemberName(r.Keys[pl.keyOf[i]])]
			}
			axes[i].members[at[i]].populated = true
		}
		for mi, m := range pl.measures {
			if k := pl.measureKey[mi]; k >= 0 && !slices.Contains(m.Values, r.Keys[k]) {
				continue
			}
			v := r.Values[0]
			if m.Quantity {
				v = r.Quantity
			}
			for mask := range 1 << n {
				var key olapCellKey
				for i := range n {
					if mask&(1<<i) == 0 {
						key[i] = at[i] + 1
					}
				}
				cs := cells[key]
				if cs == nil {
					cs = make([]olapCell, len(pl.measures))
					cells[key] = cs
				}
				cs[mi].sum = cs[mi].sum.Add(v)
				cs[mi].has = true
			}
		}
	}
	return axes, cells
}

// render builds the §4.3 answer from the cube.
func (pl *olapPlan) render(axes []*olapAxis, cells map[olapCellKey][]olapCell, updated *string) olapResponse {
	out := olapResponse{
		Report: pl.title, Interval: string(pl.req.Interval), UpdatedAt: updated, Filters: []string{},
		BillDropInfo: []any{}, CubeID: pl.req.Path.Type + "/" + pl.req.Path.ID,
		VisualizationOptions: map[string]any{}, Status: "ok",
	}
	for _, f := range pl.req.Filters {
		out.Filters = append(out.Filters, f.Raw)
	}
	for _, ax := range axes {
		ms := []olapMemberJ{{Label: "Total", Name: "total", Parent: -1, Populated: len(cells) > 0}}
		for j, m := range ax.members {
			ms = append(ms, olapMemberJ{Direct: true, Label: m.label, Name: m.name, Parent: -1, Populated: m.populated, SortOrder: j + 1})
		}
		out.Dimensions = append(out.Dimensions, map[string][]olapMemberJ{ax.name: ms})
	}
	for _, m := range pl.measures {
		label := olapMeasureLabel(pl.req.Path, m.Name)
		typ := "currency"
		if m.Quantity {
			typ = "number"
		}
		out.Measures = append(out.Measures, olapMeasureJ{Name: m.Name, Label: label,
			Metadata: olapMeasureMD{AncillaryCaches: []string{}, Label: label, Type: typ, Units: m.Units}})
	}
	var key olapCellKey
	var build func(level int) any
	build = func(level int) any {
		if level == len(axes) {
			vals := make([]any, len(pl.measures))
			cs := cells[key]
			for i := range vals {
				if cs != nil && cs[i].has {
					// The exact sum, as written: a JSON number that
					// never went through a float.
					vals[i] = json.Number(cs[i].sum.String())
				}
			}
			return vals
		}
		arr := make([]any, len(axes[level].members)+1)
		allNull := true
		for j := range arr {
			key[level] = j
			arr[j] = build(level + 1)
			allNull = allNull && olapNull(arr[j])
		}
		key[level] = 0
		// collapse_null_arrays replaces each sub-array whose values are
		// all null by one null: arrays of arrays below data, never data
		// itself nor the innermost array of measures (the guide's
		// example keeps [null] cells inside a collapsed response).
		if pl.req.CollapseNullArrays && level > 0 && allNull {
			return nil
		}
		return arr
	}
	out.Data = build(0).([]any)
	return out
}

// olapNull reports whether v holds no value: null, or arrays of nulls.
func olapNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		for _, e := range x {
			if !olapNull(e) {
				return false
			}
		}
		return true
	}
	return false
}
