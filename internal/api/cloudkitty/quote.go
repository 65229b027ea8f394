package cloudkitty

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/script"
)

// quoteRoutes registers POST /v1/rating/quote (spec §5.4).
func (a *API) quoteRoutes() {
	a.v1("POST /v1/rating/quote", a.quote)
}

// quoteResource is one posted resource.
type quoteResource struct {
	Service *string                    `json:"service"`
	Volume  json.RawMessage            `json:"volume"`
	Desc    map[string]json.RawMessage `json:"desc"`
}

// quote prices the posted resources with every enabled module, in
// priority order, with global rules only (no tenant), over the period
// [now, now + period): the answer is the sum of the prices, a JSON
// string holding an exact decimal ("0" for no resources). Unlike
// upstream it needs no running processor, and it reads a flat desc too
// (see quotePoint).
func (a *API) quote(r *http.Request) (any, error) {
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	if err := args.rejectUnknown("res_data", "resources"); err != nil {
		return nil, err
	}
	var res []quoteResource
	if raw, ok := args.body["resources"]; ok && string(raw) != "null" {
		if err := decodeResources(raw, &res); err != nil {
			return nil, err
		}
	}
	points := make([]hashmap.Point, len(res))
	for i, rs := range res {
		p, err := quotePoint(rs)
		if err != nil {
			return nil, err
		}
		points[i] = p
	}
	now := a.now().UTC()
	per := script.Period{Begin: now, End: now.Add(a.rating.Config().Period)}
	chain, err := a.rating.Modules.Chain(r.Context(), "", now, per)
	if err != nil {
		return nil, err
	}
	total := decimal.Zero
	for i := range points {
		if err := chain.Rate(r.Context(), &points[i]); err != nil {
			return nil, err
		}
		total = total.Add(points[i].Price)
	}
	return v1Decimal(total), nil
}

// decodeResources reads the resources list, refusing keys a resource
// does not have as WSME does.
func decodeResources(raw json.RawMessage, out *[]quoteResource) error {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return invalidField("resources", string(raw), "Value should be a list of resources")
	}
	for _, m := range list {
		for k := range m {
			if k != "service" && k != "volume" && k != "desc" {
				return apierr.New(http.StatusBadRequest, "Unknown attribute for argument res_data: "+k)
			}
		}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return invalidField("resources", string(raw), err.Error())
	}
	return nil
}

// quotePoint turns a resource into a point: qty the volume, price 0, and
// desc = metadata ∪ groupby (groupby winning). The desc is either
// upstream's {"groupby": {...}, "metadata": {...}} (other keys ignored,
// as upstream) or, when it has neither key as an object, flat keys read
// as metadata: what the Horizon dashboard posts, which upstream ignores.
func quotePoint(rs quoteResource) (hashmap.Point, error) {
	p := hashmap.Point{Desc: map[string]string{}}
	if rs.Service != nil {
		p.Service = *rs.Service
	}
	vol := strings.TrimSpace(string(rs.Volume))
	if vol == "" || vol == "null" {
		return p, missingField("volume", "None")
	}
	if s, err := strconv.Unquote(vol); err == nil {
		vol = s
	}
	qty, err := decimal.NewFromString(strings.TrimSpace(vol))
	if err != nil {
		return p, invalidField("volume", vol, "Value should be a decimal number")
	}
	p.Qty = qty
	groupby, gok := objectOf(rs.Desc["groupby"])
	metadata, mok := objectOf(rs.Desc["metadata"])
	if !gok && !mok {
		metadata = rs.Desc
	}
	for k, v := range metadata {
		p.Desc[k] = pythonValueStr(v)
	}
	for k, v := range groupby {
		p.Desc[k] = pythonValueStr(v)
	}
	return p, nil
}

// objectOf decodes v when it is a JSON object.
func objectOf(v json.RawMessage) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &m) != nil {
		return nil, false
	}
	return m, true
}

// pythonValueStr renders a desc value as upstream's str() of the decoded
// JSON value, which is what field mappings compare exactly: strings as
// they are, 5 as "5", 5.0 as "5.0", true as "True", null as "None";
// lists and objects (which no field mapping can match) as Python prints
// them.
func pythonValueStr(v json.RawMessage) string {
	var s string
	if strings.HasPrefix(strings.TrimSpace(string(v)), `"`) && json.Unmarshal(v, &s) == nil {
		return s
	}
	return pythonRepr(v)
}
