package cloudkitty

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// v2SummaryRoutes registers GET /v2/summary (§9.3).
func (a *API) v2SummaryRoutes() {
	a.v2("GET /v2/summary", a.summary)
}

// timeGroups are the time-x groupbys (since upstream 20.0.0): the column
// each adds and how Tally buckets for it. Upstream groups on attributes
// the processor adds to every point (day_of_the_year, week_of_the_year
// with weeks from Sunday as %U, month, year), so a day's row there sums
// that day of every year in the window; Tally buckets by calendar day,
// week (from Sunday), month and year instead, gives each row its
// bucket's begin and end, and writes the attribute's value computed
// from the bucket's start.
var timeGroups = map[string]struct {
	column string
	step   query.Step
	value  func(time.Time) string
}{
	"d": {"day_of_the_year", query.Days(1), func(t time.Time) string { return strconv.Itoa(t.YearDay()) }},
	"w": {"week_of_the_year", query.Weeks(1, time.Sunday), func(t time.Time) string {
		return fmt.Sprintf("%02d", (t.YearDay()-1+7-int(t.Weekday()))/7)
	}},
	"m": {"month", query.Months(1), func(t time.Time) string { return strconv.Itoa(int(t.Month())) }},
	"y": {"year", query.Years(1), func(t time.Time) string { return strconv.Itoa(t.Year()) }},
}

// summaryColumn is one group column of a summary: a stored dimension
// (index into the query's groups) or a time attribute of the bucket.
type summaryColumn struct {
	name  string
	key   int // index in Query.GroupBy, or -1
	value func(time.Time) string
}

// summary answers the rated totals (qty, rate) grouped as groupby asks:
// type is the metric type, the scope key the scope, time a step of the
// rating period, time-d/w/m/y calendar steps, any other key a point
// attribute. Rows are ordered by bucket, then by their group values;
// total counts them before paging.
func (a *API) summary(r *http.Request) (any, error) {
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
	format, err := ar.single("response_format")
	if err != nil {
		return nil, err
	}
	if format == "" {
		format = "table"
	}
	if format != "table" && format != "object" {
		return nil, apierr.New(http.StatusBadRequest, fmt.Sprintf("Invalid response format [%s]. Valid format are [['table', 'object']].", format))
	}
	// custom_fields is upstream's InfluxDB-only escape hatch into its
	// query language; it is accepted (clients may send it) and the
	// columns stay qty and rate.
	if _, err := ar.single("custom_fields"); err != nil {
		return nil, err
	}
	keys, values, err := ar.dict("filters", false)
	if err != nil {
		return nil, err
	}
	scopeKey := a.rating.Config().ScopeKey
	q := query.Query{Window: w, Filter: v2Filter(scopeKey, keys, values), Metrics: []cost.Metric{ratedMetric}, Quantity: true, NoKubernetes: true}
	var cols []summaryColumn
	// byTime: some time grouping cuts the window into buckets; period:
	// grouped by time, the rating period, which a row spans.
	byTime, period := false, time.Duration(0)
	seen := map[string]bool{}
	for _, g := range ar.multi("groupby") {
		if seen[g] || g == "" {
			continue
		}
		seen[g] = true
		if strings.Contains(g, "time") {
			// Upstream's parse: any groupby containing "time" with one
			// dash names a time option.
			parts := strings.Split(g, "-")
			switch {
			case g == "time":
				period = a.rating.Config().Period
				if period%time.Hour != 0 {
					return nil, apierr.New(http.StatusBadRequest, "Grouping by time needs a rating period of whole hours, not "+period.String()+".")
				}
				byTime = true
				q.Step = finer(q.Step, query.Hours(int(period/time.Hour)))
				continue
			case len(parts) == 2:
				tg, ok := timeGroups[parts[1]]
				if !ok {
					return nil, apierr.New(http.StatusBadRequest, fmt.Sprintf("Invalid groupby time option. There is no groupby processing for [%s].", g))
				}
				byTime = true
				q.Step = finer(q.Step, tg.step)
				cols = append(cols, summaryColumn{name: tg.column, key: -1, value: tg.value})
				continue
			}
		}
		cols = append(cols, summaryColumn{name: g, key: len(q.GroupBy)})
		q.GroupBy = append(q.GroupBy, attributeDimension(scopeKey, g))
	}
	for i := range q.GroupBy {
		q.Sort = append(q.Sort, query.Key(i, false))
	}
	total, rows := 0, [][]any{}
	if w.End.After(w.Start) {
		add := func(row query.Row) {
			end := row.End
			if period > 0 {
				// A row grouped by time is one rating period (upstream:
				// its begin plus the period), not the bucket cut at an
				// unaligned window end.
				end = row.Start.Add(period)
			}
			out := []any{v2Time(row.Start), v2Time(end), json.Number(row.Quantity.String()), json.Number(row.Values[0].String())}
			for _, c := range cols {
				if c.key >= 0 {
					out = append(out, row.Keys[c.key])
				} else {
					out = append(out, c.value(row.Start))
				}
			}
			rows = append(rows, out)
		}
		if !byTime {
			// One bucket: the query pages.
			q.Offset, q.Limit = offset, limit
			st, err := a.engine.Stream(r.Context(), q, func(row query.Row) error { add(row); return nil })
			if err != nil {
				return nil, err
			}
			total = st.Total
		} else {
			// The query model pages within each bucket ("the ten
			// largest a day"); CloudKitty's page runs across buckets,
			// so the rows are streamed and only the page is kept.
			_, err := a.engine.Stream(r.Context(), q, func(row query.Row) error {
				if total >= offset && total < offset+limit {
					add(row)
				}
				total++
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	names := []string{"begin", "end", "qty", "rate"}
	for _, c := range cols {
		names = append(names, c.name)
	}
	if format == "object" {
		objs := make([]orderedObject, len(rows))
		for i, row := range rows {
			objs[i] = orderedObject{names: names, values: row}
		}
		return struct {
			Total   int             `json:"total"`
			Results []orderedObject `json:"results"`
			Format  string          `json:"format"`
		}{total, objs, format}, nil
	}
	if len(rows) == 0 {
		// Upstream takes the columns from the first row.
		names = []string{}
	}
	return struct {
		Total   int      `json:"total"`
		Columns []string `json:"columns"`
		Results [][]any  `json:"results"`
		Format  string   `json:"format"`
	}{total, names, rows, format}, nil
}

// finer returns the shorter of two steps (s may be none): grouping by
// days and months is grouping by days, each row's month read from its
// day.
func finer(s, t query.Step) query.Step {
	if s.IsNone() {
		return t
	}
	order := []query.Unit{query.UnitHour, query.UnitDay, query.UnitWeek, query.UnitMonth, query.UnitYear}
	if slices.Index(order, t.Unit) < slices.Index(order, s.Unit) {
		return t
	}
	return s
}

// orderedObject is a JSON object whose keys keep their order (begin,
// end, qty, rate, then the groups, as upstream's rows).
type orderedObject struct {
	names  []string
	values []any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range o.names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(n)
		v, err := json.Marshal(o.values[i])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
