package cloudhealth

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/asset/search"
	"github.com/tally-cost/tally/internal/assetindex"
	"github.com/tally-cost/tally/internal/customtag"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/tenant"
)

// SetAssets serves the asset endpoints (/api, /api/:asset, /api/search)
// from the index and POST /v1/custom_tags into tags; custom tags show
// among the assets' tags. Without it those paths answer 404.
func (a *API) SetAssets(ix *assetindex.Index, tags *customtag.Book) {
	a.assets, a.customTags = ix, tags
}

// assetRoutes registers the asset endpoints (spec §6). The ".json"
// aliases reach them through serve.
func (a *API) assetRoutes() {
	a.mux.HandleFunc("GET /api", a.handle(a.assetTypes))
	a.mux.HandleFunc("GET /api/search", a.handle(a.searchAssets))
	a.mux.HandleFunc("GET /api/{asset}", a.handle(a.describeAsset))
}

// assetsFor authorizes a read of the assets and returns them, caught
// up with the store first when its visible snapshots changed (one
// snapshot listing when they did not), with the caller's Viewer.
func (a *API) assetsFor(r *http.Request) (*asset.Set, assetindex.Viewer, error) {
	if a.assets == nil {
		return nil, assetindex.Viewer{}, apierr.New(http.StatusNotFound, "no such endpoint: "+r.Method+" "+Prefix+strings.TrimPrefix(r.URL.Path, "/"))
	}
	p, ok := tenant.FromContext(r.Context())
	if !ok {
		return nil, assetindex.Viewer{}, engine.ErrNoPrincipal
	}
	if err := p.Require(tenant.Read); err != nil {
		return nil, assetindex.Viewer{}, err
	}
	if err := a.assets.Refresh(r.Context()); err != nil {
		return nil, assetindex.Viewer{}, err
	}
	return a.assets.Set(), assetindex.NewViewer(p.Scope), nil
}

// assetTypes answers GET /api: the type names as a bare array, which
// clients cache as a string list.
func (a *API) assetTypes(r *http.Request) (any, error) {
	if _, _, err := a.assetsFor(r); err != nil {
		return nil, err
	}
	return asset.Types(), nil
}

// attributeSpec is one entry of `attributes` in GET /api/:asset.
type attributeSpec struct {
	Name            string `json:"name"`
	PerspectiveName string `json:"perspective_name,omitempty"`
}

type assetSpec struct {
	Name       string               `json:"name"`
	Attributes []attributeSpec      `json:"attributes"`
	Relations  []asset.RelationSpec `json:"relations"`
}

// describeAsset answers GET /api/:asset: the type's attributes, then
// `tags` (provider and custom tags), then one attr_group__<id> per
// active perspective the caller sees, and the relations. An unknown
// type is 404.
func (a *API) describeAsset(r *http.Request) (any, error) {
	if _, _, err := a.assetsFor(r); err != nil {
		return nil, err
	}
	t := asset.Type(r.PathValue("asset"))
	if !asset.Known(t) {
		return nil, apierr.New(http.StatusNotFound, fmt.Sprintf("no such asset type: %q", t))
	}
	attrs, rels := asset.Attributes(t)
	out := assetSpec{Name: string(t), Relations: rels}
	if out.Relations == nil {
		out.Relations = []asset.RelationSpec{}
	}
	for _, n := range attrs {
		out.Attributes = append(out.Attributes, attributeSpec{Name: n})
	}
	out.Attributes = append(out.Attributes, attributeSpec{Name: tagsAttr})
	v, err := perspectiveViewer(r.Context())
	if err != nil {
		return nil, err
	}
	for _, p := range a.activePerspectives(v) {
		out.Attributes = append(out.Attributes, attributeSpec{Name: groupPrefix + p.ID, PerspectiveName: p.Schema.Name})
	}
	return out, nil
}

// activePerspectives are the perspectives v sees that assets are grouped
// by, in id order: an attr_group__<id> of another owner's perspective
// reads as an unknown attribute, in listings and searches alike.
func (a *API) activePerspectives(v perspective.Viewer) []perspective.Perspective {
	if a.perspectives == nil {
		return nil
	}
	var out []perspective.Perspective
	for _, id := range a.perspectives.IDs(v) {
		if p, ok := a.perspectives.Perspective(v, id); ok && p.Active {
			out = append(out, p)
		}
	}
	return out
}

// searchAssets answers GET /api/search: a bare array, every match when
// `page` is absent, an empty array past the end. Parameter errors are
// 422 with the parser's text, which names the query position.
func (a *API) searchAssets(r *http.Request) (any, error) {
	set, viewer, err := a.assetsFor(r)
	if err != nil {
		return nil, err
	}
	req, err := search.ParseRequest(r.URL.Query())
	if err != nil {
		var pe *search.ParamError
		if errors.As(err, &pe) {
			return nil, apierr.New(http.StatusUnprocessableEntity, pe.Msg)
		}
		return nil, err
	}
	t := asset.Type(req.Name)
	if !asset.Known(t) {
		return nil, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("name: no such asset type: %q (GET /api lists them)", req.Name))
	}
	if req.Include != "" && !hasRelation(t, req.Include) {
		return nil, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("include: %s has no relation %q", t, req.Include))
	}
	pv, err := perspectiveViewer(r.Context())
	if err != nil {
		return nil, err
	}
	ctx := a.newViewContext(pv)
	var hits []*assetView
	for _, x := range set.OfType(t) {
		if !viewer.Sees(x) {
			continue
		}
		v := ctx.view(x)
		if req.Match(v) {
			hits = append(hits, v)
		}
	}
	lo, hi := req.Window(len(hits))
	out := make([]map[string]any, 0, hi-lo)
	for _, v := range hits[lo:hi] {
		if req.Fields != nil {
			out = append(out, req.Project(v))
			continue
		}
		obj := v.object()
		if req.Include != "" {
			var inc any // a relation the asset lacks renders null
			if b := v.a.Relations[req.Include]; b != nil {
				inc = ctx.view(b).object()
			}
			obj[req.Include] = inc
		}
		out = append(out, obj)
	}
	return out, nil
}

func hasRelation(t asset.Type, name string) bool {
	_, rels := asset.Attributes(t)
	return slices.ContainsFunc(rels, func(r asset.RelationSpec) bool { return r.Name == name })
}

// The attributes the dialect adds to the asset model's.
const (
	tagsAttr    = "tags"
	groupPrefix = "attr_group__"
)

// viewContext is what rendering the assets of one request shares: the
// active perspectives the caller sees and the custom tags, read once.
type viewContext struct {
	perspectives []perspective.Perspective
	custom       map[customtag.Asset]map[string]string
	views        map[int64]*assetView
}

func (a *API) newViewContext(v perspective.Viewer) *viewContext {
	c := &viewContext{perspectives: a.activePerspectives(v), views: map[int64]*assetView{}}
	if a.customTags != nil {
		c.custom = a.customTags.All()
	}
	return c
}

// assetView is an asset as the dialect shows it (search.Attributes): the
// model's attributes with cost_to_date as a JSON number, `tags` with the
// custom tags laid over the provider's, and attr_group__<id>.
type assetView struct {
	c      *viewContext
	a      *asset.Asset
	tags   map[string]string
	groups map[string]string // perspective id → group name, computed on first use
}

func (c *viewContext) view(a *asset.Asset) *assetView {
	if v := c.views[a.ID]; v != nil {
		return v
	}
	v := &assetView{c: c, a: a}
	v.tags = maps.Clone(a.Tags)
	if v.tags == nil {
		v.tags = map[string]string{}
	}
	// A custom tag wins over a provider tag of the same key: it is what
	// the user set in Tally, later than the bill.
	for k, val := range c.custom[customtag.Asset{Type: string(a.Type), ID: a.ID}] {
		v.tags[k] = val
	}
	c.views[a.ID] = v
	return v
}

// tagPair is one tag as CloudHealth lists tags elsewhere
// (`"tags": [{"key": ..., "value": ...}]`).
type tagPair struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Attr implements search.Attributes.
func (v *assetView) Attr(name string) (any, bool) {
	switch {
	case name == "cost_to_date":
		// A JSON number, exact: the decimal's own digits.
		return json.Number(v.a.CostToDate[asset.CostMetric].String()), true
	case name == tagsAttr:
		out := make([]tagPair, 0, len(v.tags))
		for _, k := range slices.Sorted(maps.Keys(v.tags)) {
			out = append(out, tagPair{Key: k, Value: v.tags[k]})
		}
		return out, true
	case strings.HasPrefix(name, groupPrefix):
		g, ok := v.group(strings.TrimPrefix(name, groupPrefix))
		if !ok {
			return nil, false
		}
		return g, true
	}
	val, ok := v.a.Attr(name)
	if t, isTime := val.(time.Time); isTime {
		return t.UTC(), ok
	}
	return val, ok
}

// Related implements search.Attributes; related assets are views too, so
// that `account.attr_group__<id>` and `account.tags` work.
func (v *assetView) Related(name string) (search.Relation, bool) {
	rel, ok := v.a.Related(name)
	if !ok {
		return rel, false
	}
	out := search.Relation{Many: rel.Many}
	for _, b := range rel.Assets {
		if x, isAsset := b.(*asset.Asset); isAsset {
			out.Assets = append(out.Assets, v.c.view(x))
		}
	}
	return out, true
}

// group is the group of the asset under the active perspective id: the
// perspective evaluated on the asset itself (its attributes, the
// attributes of its relations as "account.name", and its tags), which
// is how CloudHealth perspectives written for assets read them. false
// when id is not an active perspective.
func (v *assetView) group(id string) (string, bool) {
	if v.groups == nil {
		v.groups = map[string]string{}
		item := perspective.Item{Type: string(v.a.Type), Fields: v.fields(), Tags: v.tags}
		for _, p := range v.c.perspectives {
			v.groups[p.ID] = perspective.Evaluate(p.Schema, item).Name
		}
	}
	g, ok := v.groups[id]
	return g, ok
}

// fields are the asset's attributes as text for perspective rules.
func (v *assetView) fields() map[string]string {
	out := map[string]string{}
	put := func(prefix string, a *asset.Asset) {
		names, _ := asset.Attributes(a.Type)
		for _, n := range names {
			if val, ok := a.Attr(n); ok && val != nil {
				out[prefix+n] = text(val)
			}
		}
	}
	put("", v.a)
	for name, b := range v.a.Relations {
		put(name+".", b)
	}
	return out
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// object renders every attribute of the asset (the answer without
// `fields`): the type's attributes, tags and perspective groups.
func (v *assetView) object() map[string]any {
	names, _ := asset.Attributes(v.a.Type)
	out := make(map[string]any, len(names)+1+len(v.c.perspectives))
	for _, n := range names {
		out[n], _ = v.Attr(n)
	}
	out[tagsAttr], _ = v.Attr(tagsAttr)
	for _, p := range v.c.perspectives {
		out[groupPrefix+p.ID], _ = v.Attr(groupPrefix + p.ID)
	}
	return out
}

var _ search.Attributes = (*assetView)(nil)
