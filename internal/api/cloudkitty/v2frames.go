package cloudkitty

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// v2FrameRoutes registers GET and POST /v2/dataframes (§9.2).
func (a *API) v2FrameRoutes() {
	a.v2("GET /v2/dataframes", a.getDataframes)
	a.v2("POST /v2/dataframes", a.postDataframes)
}

// v2Point is a point in the v2 format; decimals are JSON numbers
// written from the exact decimal (json.Number), never through a float.
type v2Point struct {
	Vol struct {
		Unit string      `json:"unit"`
		Qty  json.Number `json:"qty"`
	} `json:"vol"`
	Rating struct {
		Price json.Number `json:"price"`
	} `json:"rating"`
	Groupby  map[string]string `json:"groupby"`
	Metadata map[string]string `json:"metadata"`
}

// v2Period is a frame's period.
type v2Period struct {
	Begin string `json:"begin"`
	End   string `json:"end"`
}

// v2Frame is a frame in the v2 format.
type v2Frame struct {
	Period v2Period             `json:"period"`
	Usage  map[string][]v2Point `json:"usage"`
}

func toV2Point(p frames.Point) v2Point {
	var out v2Point
	out.Vol.Unit = p.Unit
	out.Vol.Qty = json.Number(p.Qty.String())
	out.Rating.Price = json.Number(p.Price.String())
	out.Groupby, out.Metadata = p.Groupby, p.Metadata
	return out
}

// getDataframes pages over the rated points of the window (offset and
// limit count points, total is every point) and answers the page's
// points as frames grouped by period, sorted by start. Points are paged
// in the order they were stored, period by period as each scope was
// rated; a page's frames are sorted by start.
func (a *API) getDataframes(r *http.Request) (any, error) {
	ar, err := readV2Args(r)
	if err != nil {
		return nil, err
	}
	offset, limit, err := ar.page()
	if err != nil {
		return nil, err
	}
	w, err := ar.window(a.now())
	if err != nil {
		return nil, err
	}
	keys, values, err := ar.dict("filters", true)
	if err != nil {
		return nil, err
	}
	notFound := apierr.New(http.StatusNotFound, "No resource found for provided filters.")
	if !w.End.After(w.Start) {
		return nil, notFound
	}
	type periodKey struct{ start, end time.Time }
	byPeriod := map[periodKey]*v2Frame{}
	eq := store.EntryQuery{Window: w, Filter: v2Filter(a.rating.Config().ScopeKey, keys, values), Offset: offset, Limit: limit}
	total, err := a.engine.Entries(r.Context(), eq, func(e *store.Entry) error {
		_, typ, period, p := frames.FromLineItem(&e.Item)
		k := periodKey{period.Start, period.End}
		f := byPeriod[k]
		if f == nil {
			f = &v2Frame{Period: v2Period{Begin: v2Time(period.Start), End: v2Time(period.End)}, Usage: map[string][]v2Point{}}
			byPeriod[k] = f
		}
		f.Usage[typ] = append(f.Usage[typ], toV2Point(p))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if total < 1 {
		return nil, notFound
	}
	periods := make([]periodKey, 0, len(byPeriod))
	for k := range byPeriod {
		periods = append(periods, k)
	}
	sort.Slice(periods, func(i, j int) bool {
		if !periods[i].start.Equal(periods[j].start) {
			return periods[i].start.Before(periods[j].start)
		}
		return periods[i].end.Before(periods[j].end)
	})
	out := struct {
		Total      int64      `json:"total"`
		Dataframes []*v2Frame `json:"dataframes"`
	}{Total: total, Dataframes: make([]*v2Frame, 0, len(periods))}
	for _, k := range periods {
		out.Dataframes = append(out.Dataframes, byPeriod[k])
	}
	return out, nil
}

// postBody is the body of POST /v2/dataframes, numbers kept as written.
type postBody struct {
	Dataframes *[]struct {
		Period *struct {
			Begin *string `json:"begin"`
			End   *string `json:"end"`
		} `json:"period"`
		Usage *map[string][]struct {
			Vol *struct {
				Unit *string         `json:"unit"`
				Qty  json.RawMessage `json:"qty"`
			} `json:"vol"`
			Rating *struct {
				Price json.RawMessage `json:"price"`
			} `json:"rating"`
			Groupby  *map[string]any `json:"groupby"`
			Metadata *map[string]any `json:"metadata"`
		} `json:"usage"`
	} `json:"dataframes"`
}

// postDataframes stores posted frames (administrators only, as
// upstream): each point under the scope its groupby names (the scope
// key), added to what is stored for its scope and period, one snapshot
// per scope and period (engine.AddRated). Nothing is written unless the
// whole body is valid and the caller may write every scope it names.
func (a *API) postDataframes(r *http.Request) (any, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxPostFrames))
	if err != nil {
		return nil, err
	}
	invalid := func(msg, path string) error {
		return apierr.New(http.StatusBadRequest, fmt.Sprintf("Invalid data '%s' : %s (path: '%s')", bytes.TrimSpace(raw), msg, path))
	}
	var body postBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	// Attribute values that are numbers keep their text.
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return nil, apierr.New(http.StatusBadRequest, "The browser (or proxy) sent a request that this server could not understand.")
	}
	if body.Dataframes == nil {
		return nil, invalid("required key not provided", "['dataframes']")
	}
	if len(*body.Dataframes) == 0 {
		return nil, apierr.New(http.StatusBadRequest, "Parameter dataframes must not be empty.")
	}
	scopeKey, currency := a.rating.Config().ScopeKey, a.rating.Config().Currency
	byScope := map[string][]frames.Frame{}
	var scopes []string
	for i, df := range *body.Dataframes {
		path := fmt.Sprintf("['dataframes', %d]", i)
		bad := func(why string) error { return invalid("not a valid value: "+why, path) }
		if df.Period == nil || df.Period.Begin == nil || df.Period.End == nil {
			return nil, bad("a dataframe needs period.begin and period.end")
		}
		start, err1 := parseTime(*df.Period.Begin)
		end, err2 := parseTime(*df.Period.End)
		if err1 != nil || err2 != nil {
			return nil, bad("period.begin and period.end must be ISO 8601 datetimes")
		}
		if !end.After(start) {
			return nil, bad("period.end must be after period.begin")
		}
		if df.Usage == nil {
			return nil, bad("a dataframe needs usage")
		}
		frameOf := map[string]*frames.Frame{}
		for _, typ := range keysOf(*df.Usage) {
			for j, pt := range (*df.Usage)[typ] {
				where := fmt.Sprintf("usage[%q][%d]: ", typ, j)
				if pt.Vol == nil || pt.Vol.Unit == nil || pt.Groupby == nil || pt.Metadata == nil {
					return nil, bad(where + "a point needs vol.unit, vol.qty, groupby and metadata")
				}
				qty, err := decimalValue(pt.Vol.Qty)
				if err != nil {
					return nil, bad(where + "vol.qty " + err.Error())
				}
				price := decimal.Zero
				if pt.Rating != nil && len(pt.Rating.Price) > 0 {
					if price, err = decimalValue(pt.Rating.Price); err != nil {
						return nil, bad(where + "rating.price " + err.Error())
					}
				}
				if price.Exponent() < -cost.Scale && !price.Equal(price.Round(cost.Scale)) {
					// Stored amounts keep 24 fractional digits; rounding
					// a posted price would change it silently.
					return nil, bad(where + fmt.Sprintf("rating.price %s has more than %d fractional digits", price, cost.Scale))
				}
				p := frames.Point{Unit: *pt.Vol.Unit, Qty: qty, Price: price, Groupby: stringMap(*pt.Groupby), Metadata: stringMap(*pt.Metadata)}
				if p.Unit == "" {
					p.Unit = frames.DefaultUnit
				}
				scope := p.Groupby[scopeKey]
				if scope == "" {
					return nil, bad(where + "groupby has no " + scopeKey + ", the scope the point is rated for")
				}
				f := frameOf[scope]
				if f == nil {
					f = &frames.Frame{Scope: scope, Start: start, End: end, Usage: map[string][]frames.Point{}}
					frameOf[scope] = f
				}
				f.Usage[typ] = append(f.Usage[typ], p)
			}
		}
		for _, s := range keysOf(frameOf) {
			if _, ok := byScope[s]; !ok {
				scopes = append(scopes, s)
			}
			byScope[s] = append(byScope[s], *frameOf[s])
		}
	}
	// Every scope is checked before any is written (the engine checks
	// each again).
	p, _ := tenant.FromContext(r.Context())
	if err := p.Require(tenant.Administer); err != nil {
		return nil, err
	}
	for _, s := range scopes {
		if !p.Sees(s) {
			return nil, fmt.Errorf("%w: the scope %q is not one of the key's accounts", tenant.ErrForbidden, s)
		}
	}
	for _, s := range scopes {
		if _, err := a.engine.AddRated(r.Context(), s, currency, byScope[s]...); err != nil {
			return nil, err
		}
	}
	return noContent, nil
}

// maxPostFrames bounds a posted dataframes body.
const maxPostFrames = 64 << 20

// decimalValue reads a posted qty or price: a JSON number or a string
// of one (upstream coerces either through str), exactly.
func decimalValue(raw json.RawMessage) (decimal.Decimal, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return decimal.Zero, fmt.Errorf("is missing")
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return decimal.Zero, fmt.Errorf("is not a number")
		}
	}
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return decimal.Zero, fmt.Errorf("%s is not a number", strconv.Quote(s))
	}
	return d, nil
}

// stringMap coerces a posted groupby or metadata to strings, as
// upstream's storage keeps them.
func stringMap(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = "None"
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out
}

// keysOf returns m's keys sorted.
func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
