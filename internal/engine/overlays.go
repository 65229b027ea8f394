package engine

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/customtag"
	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/tenant"
)

// This file overlays domain state on the line items as mappings, so that
// every dialect sees it in groups and filters alike and a change shows in
// the next answer with no re-ingest: perspectives (cost.PerspectiveDimension)
// and custom tags set on assets (which read as tag dimensions).

// ErrUnknownPerspective is a question naming a perspective that does not
// exist, was hard-deleted or is another owner's: the caller's mistake,
// answered 4xx, the same for all three so that ids cannot be probed.
var ErrUnknownPerspective = errkind.Invalid.New("unknown perspective")

// Perspectives is what the engine reads of the perspective book: a
// perspective as the viewer may see it (perspectives are owned by an
// organization or a partner customer).
type Perspectives interface {
	Perspective(v perspective.Viewer, id string) (perspective.Perspective, bool)
}

// SetPerspectives makes the perspective dimensions of every question read
// the perspectives of b.
func (e *Engine) SetPerspectives(b Perspectives) { e.perspectives = b }

// withPerspectives adds the mapping of every perspective dimension a
// question reads (used) that the dialect has not mapped itself. An
// archived perspective still groups (it is restorable, and a saved report
// may name it); a hard-deleted or unknown one, or one the caller in ctx
// may not see, is refused.
func (e *Engine) withPerspectives(ctx context.Context, ms map[cost.Dimension]query.Mapping, used []cost.Dimension) (map[cost.Dimension]query.Mapping, error) {
	var add map[cost.Dimension]query.Mapping
	var viewer *perspective.Viewer // read from ctx on the first perspective
	for _, d := range used {
		id, ok := d.PerspectiveID()
		if !ok {
			continue
		}
		if _, mapped := ms[d]; mapped {
			continue
		}
		if _, done := add[d]; done {
			continue
		}
		var p perspective.Perspective
		found := false
		if e.perspectives != nil {
			if viewer == nil {
				caller, ok := tenant.FromContext(ctx)
				if !ok {
					return nil, ErrNoPrincipal
				}
				v := perspective.ViewerOf(caller)
				viewer = &v
			}
			p, found = e.perspectives.Perspective(*viewer, id)
		}
		if !found {
			return nil, fmt.Errorf("%w %q", ErrUnknownPerspective, id)
		}
		m, err := p.Mapping(perspective.DimensionByName)
		if err != nil {
			return nil, fmt.Errorf("perspective %s: %w", id, err)
		}
		if add == nil {
			add = map[cost.Dimension]query.Mapping{}
		}
		add[d] = m
	}
	return merged(ms, add), nil
}

// TagCover says which line items an asset covers, as a filter: its
// resource for an instance or a volume, its account for an account. False
// when the asset is not known (any more).
type TagCover func(assetType string, id int64) (filter.Expr, bool)

// CustomTags is what the engine reads of the custom tag book.
type CustomTags interface {
	All() map[customtag.Asset]map[string]string
}

// SetCustomTags overlays the custom tags of b on the line items that
// covers says each tagged asset covers.
func (e *Engine) SetCustomTags(b CustomTags, covers TagCover) {
	e.customTags, e.covers = b, covers
}

// accountLike are the asset types that cover a whole account, project,
// subscription or resource group: their tags yield to a tag set on a
// resource inside them, which is the more specific statement.
var accountLike = map[asset.Type]bool{
	asset.AwsAccount: true, asset.AzureSubscription: true,
	asset.AzureResourceGroup: true, asset.GcpComputeProject: true,
}

// withCustomTags maps every tag dimension a question reads for which
// some asset carries a custom tag: a line item an asset with that tag
// covers reads the custom value (resources before accounts, then by
// value), any other reads the bill's tag. So a custom tag sits beside the
// provider's tags, overriding the bill's value of the same key on the
// items of the tagged asset only.
func (e *Engine) withCustomTags(ms map[cost.Dimension]query.Mapping, used []cost.Dimension) (map[cost.Dimension]query.Mapping, error) {
	if e.customTags == nil || e.covers == nil {
		return ms, nil
	}
	var keys []string
	for _, d := range used {
		if key, ok := d.TagKey(); ok && key != "" && !slices.Contains(keys, key) {
			if _, mapped := ms[d]; !mapped {
				keys = append(keys, key)
			}
		}
	}
	if len(keys) == 0 {
		return ms, nil
	}
	type tagged struct {
		value   string
		account bool
	}
	all := e.customTags.All()
	var add map[cost.Dimension]query.Mapping
	for _, key := range keys {
		// Items of one value and specificity form one rule.
		groups := map[tagged][]filter.Expr{}
		for _, a := range slices.SortedFunc(maps.Keys(all), func(x, y customtag.Asset) int {
			return cmp.Or(strings.Compare(x.Type, y.Type), cmp.Compare(x.ID, y.ID))
		}) {
			v, ok := all[a][key]
			if !ok {
				continue
			}
			when, ok := e.covers(a.Type, a.ID)
			if !ok {
				continue
			}
			t := tagged{value: v, account: accountLike[asset.Type(a.Type)]}
			groups[t] = append(groups[t], when)
		}
		if len(groups) == 0 {
			continue
		}
		order := slices.SortedFunc(maps.Keys(groups), func(x, y tagged) int {
			if x.account != y.account {
				if x.account {
					return 1
				}
				return -1
			}
			return strings.Compare(x.value, y.value)
		})
		d := cost.TagDimension(key)
		m := query.Mapping{Else: d}
		for _, t := range order {
			var when filter.Expr = filter.Or{Xs: groups[t]}
			if len(groups[t]) == 1 {
				when = groups[t][0]
			}
			m.Rules = append(m.Rules, query.Rule{When: when, Value: t.value})
		}
		if add == nil {
			add = map[cost.Dimension]query.Mapping{}
		}
		add[d] = m
	}
	return merged(ms, add), nil
}

// merged returns maps with add's mappings, copying rather than changing
// the dialect's map.
func merged(m, add map[cost.Dimension]query.Mapping) map[cost.Dimension]query.Mapping {
	if len(add) == 0 {
		return m
	}
	out := make(map[cost.Dimension]query.Mapping, len(m)+len(add))
	maps.Copy(out, m)
	maps.Copy(out, add)
	return out
}
