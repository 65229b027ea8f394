package cloudkitty

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// The v2 half of TestQueryAssemblyProperty: dataframes and summary with
// random filters, groupbys and pages.

// propFilterKeys are the keys random filters use: the metric type, the
// scope key, groupby and metadata attributes.
var propFilterKeys = []string{"type", "project_id", "id", "zone", "flavor", "image"}

// randFilters draws v2 filters: the parameter values as sent (each a
// comma-joined list of key:value tokens) and what they mean. bad reports
// a token that is not one key:value pair (a value with a comma or a
// colon, or an empty token), which upstream's schema refuses with a 400;
// repeated reports a key given twice (which the single-dict filters of
// dataframes refuse).
func (c *propCase) randFilters() (raw []string, f refFilters, bad, repeated bool) {
	f = refFilters{}
	var tokens []string
	for range c.rng.IntN(3) {
		k := c.pick(propFilterKeys)
		// Values the points have (so that filters keep some), and
		// values they do not (scopes of other keys, p3, nope).
		vals := propFilterValues
		if c.rng.IntN(2) == 0 {
			vals = nil
			for _, r := range c.points[:20] {
				vals = append(vals, r.attr(k))
			}
		}
		for range 1 + c.rng.IntN(2) {
			v := c.pick(vals)
			if strings.ContainsAny(v, ",:") {
				bad = true
			}
			if c.rng.IntN(25) == 0 {
				// A value with a comma or a colon cannot be sent.
				v = c.pick([]string{"vm,2", "a:b"})
				bad = true
			}
			if _, ok := f[k]; ok {
				repeated = true
			}
			f[k] = append(f[k], v)
			tokens = append(tokens, k+":"+v)
		}
	}
	c.rng.Shuffle(len(tokens), func(i, j int) { tokens[i], tokens[j] = tokens[j], tokens[i] })
	for len(tokens) > 0 {
		n := min(len(tokens), 1+c.rng.IntN(3))
		raw = append(raw, strings.Join(tokens[:n], ","))
		tokens = tokens[n:]
	}
	if c.rng.IntN(40) == 0 {
		raw = append(raw, "id:vm1,")
		bad = true
	}
	return raw, f, bad, repeated
}

// v2Query renders the window, filters and more as a v2 query string.
func (c *propCase) v2Query(begin, end string, filters []string, more url.Values) string {
	q := url.Values{}
	if begin != "" {
		q.Set("begin", begin)
	}
	if end != "" {
		q.Set("end", end)
	}
	for _, f := range filters {
		q.Add("filters", f)
	}
	for k, vs := range more {
		q[k] = append(q[k], vs...)
	}
	return q.Encode()
}

// pageLimit draws a limit that walks every answer in at most about four
// pages (0 for the default, 100).
func (c *propCase) pageLimit(n int) int {
	if c.rng.IntN(4) == 0 {
		return 0
	}
	return max(1+c.rng.IntN(8), (n+3)/4)
}

// expectError fails unless res is status with a v2 error body.
func (c *propCase) expectError(t *testing.T, res response, req string, status int) {
	t.Helper()
	var body struct{ Message string }
	if res.Status != status || json.Unmarshal(res.Body, &body) != nil || body.Message == "" {
		t.Errorf("%s: GET %s: status %d %s, want %d with a v2 message", c.label, req, res.Status, res.Body, status)
	}
}

func checkV2Dataframes(t *testing.T, c *propCase) {
	begin, end, w := c.randWindow(true)
	filters, f, bad, repeated := c.randFilters()
	var want []string
	if !w.empty() {
		for _, r := range c.visible {
			if w.inByStart(r) && f.match(r) {
				want = append(want, r.canonV2())
			}
		}
	}
	if len(want) > 0 && !bad && !repeated {
		c.nonEmpty["v2 dataframes"]++
	}
	limit := c.pageLimit(len(want))
	pastEnd := c.rng.IntN(4) == 0
	var have []string
	for offset := 0; ; {
		more := url.Values{}
		if offset > 0 || c.rng.IntN(3) == 0 {
			more.Set("offset", fmt.Sprint(offset))
		}
		if limit > 0 {
			more.Set("limit", fmt.Sprint(limit))
		}
		path := "/v2/dataframes?" + c.v2Query(begin, end, filters, more)
		res := c.get(t, path, "")
		switch {
		case bad || repeated:
			c.expectError(t, res, path, 400)
			return
		case len(want) == 0:
			c.expectError(t, res, path, 404)
			return
		}
		var got struct {
			Total      int
			Dataframes []v2Frame
		}
		c.expectOK(t, res, path, &got)
		if got.Total != len(want) {
			t.Errorf("%s: GET %s: total %d, want %d", c.label, path, got.Total, len(want))
		}
		n, prev := 0, ""
		for _, fr := range got.Dataframes {
			if fr.Period.Begin <= prev {
				t.Errorf("%s: GET %s: frames not sorted by start, or a period twice: %s after %s", c.label, path, fr.Period.Begin, prev)
			}
			prev = fr.Period.Begin
			for typ, pts := range fr.Usage {
				for _, p := range pts {
					n++
					have = append(have, canon(fr.Period.Begin, fr.Period.End, typ, p.Vol.Unit,
						decimal.RequireFromString(p.Vol.Qty.String()), decimal.RequireFromString(p.Rating.Price.String()), p.Groupby, p.Metadata))
				}
			}
		}
		pageSize := limit
		if pageSize == 0 {
			pageSize = 100
		}
		if wantN := max(0, min(pageSize, len(want)-offset)); n != wantN {
			t.Errorf("%s: GET %s: %d points on the page, want %d", c.label, path, n, wantN)
		}
		offset += pageSize
		if offset >= len(want) || t.Failed() {
			if !pastEnd || t.Failed() {
				break
			}
			// Once, a page past the end: no rows, the same total.
			pastEnd = false
		}
	}
	sameMultiset(t, fmt.Sprintf("%s: GET /v2/dataframes begin=%q end=%q filters=%q, pages of %d", c.label, begin, end, filters, limit), have, want)
}

// propGroups are the v2 summary groupbys drawn from.
var propGroups = []string{"type", "project_id", "id", "zone", "time", "time-d", "time-w", "time-m", "time-y"}

// timeColumns name the column each time-x groupby adds.
var timeColumns = map[string]string{"time-d": "day_of_the_year", "time-w": "week_of_the_year", "time-m": "month", "time-y": "year"}

func checkV2Summary(t *testing.T, c *propCase) {
	begin, end, w := c.randWindow(true)
	filters, f, bad, _ := c.randFilters()
	groups := slices.Clone(propGroups)
	c.rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	groups = groups[:c.rng.IntN(4)]
	badGroup := false
	sent := slices.Clone(groups)
	if c.rng.IntN(30) == 0 {
		sent = append(sent, "time-q")
		badGroup = true
	}
	more := url.Values{}
	if len(sent) > 0 {
		if c.rng.IntN(2) == 0 {
			more["groupby"] = []string{strings.Join(sent, ",")}
		} else {
			more["groupby"] = sent
		}
	}
	format := c.pick([]string{"", "table", "object"})
	if format != "" {
		more.Set("response_format", format)
	}
	if weekLabelDiverges(c.visible, w, f, groups) && !bad && !badGroup {
		c.skipped++
		return
	}
	want := refSummary(c.visible, w, f, groups)
	// The columns each row has: the time-x ones under their attribute's
	// name; time adds none.
	var cols []string
	timeX := false
	for _, g := range groups {
		switch {
		case g == "time":
		case isTimeX(g):
			cols, timeX = append(cols, timeColumns[g]), true
		default:
			cols = append(cols, g)
		}
	}
	if len(want) > 0 && !bad && !badGroup {
		c.nonEmpty["v2 summary"]++
		if len(want) > 1 {
			c.nonEmpty["v2 summary, several rows"]++
		}
	}
	limit := c.pageLimit(len(want))
	pastEnd := c.rng.IntN(4) == 0
	var have []refSummaryRow
	for offset := 0; ; {
		q := url.Values{}
		for k, vs := range more {
			q[k] = vs
		}
		if offset > 0 {
			q.Set("offset", fmt.Sprint(offset))
		}
		if limit > 0 {
			q.Set("limit", fmt.Sprint(limit))
		}
		path := "/v2/summary?" + c.v2Query(begin, end, filters, q)
		res := c.get(t, path, "")
		if bad || badGroup {
			c.expectError(t, res, path, 400)
			return
		}
		rows, total := c.summaryRows(t, res, path, cols)
		if total != len(want) {
			t.Errorf("%s: GET %s: total %d, want %d", c.label, path, total, len(want))
		}
		pageSize := limit
		if pageSize == 0 {
			pageSize = 100
		}
		if wantN := max(0, min(pageSize, len(want)-offset)); len(rows) != wantN {
			t.Errorf("%s: GET %s: %d rows, want %d", c.label, path, len(rows), wantN)
		}
		have = append(have, rows...)
		offset += pageSize
		if offset >= len(want) || t.Failed() {
			if !pastEnd || t.Failed() {
				break
			}
			// Once, a page past the end: no rows, the same total.
			pastEnd = false
		}
	}
	label := fmt.Sprintf("%s: GET /v2/summary begin=%q end=%q filters=%q groupby=%q, pages of %d", c.label, begin, end, filters, groups, limit)
	rowText := func(r refSummaryRow) string {
		if timeX && !slices.Contains(groups, "time") {
			// Known divergence, reported: Tally gives a time-x row its
			// calendar bucket as begin and end, upstream the window.
			r.begin, r.end = "", ""
		}
		return strings.Join(append([]string{r.begin, r.end, r.qty.String(), r.rate.String()}, r.keys...), "|")
	}
	var gotText, wantText []string
	for _, r := range have {
		gotText = append(gotText, rowText(r))
	}
	for _, r := range want {
		wantText = append(wantText, rowText(r))
	}
	sameMultiset(t, label, gotText, wantText)
	if !timeX && !t.Failed() && !slices.Equal(gotText, wantText) {
		// The digest orders rows by their group values; with time-x
		// groups upstream sorts the labels as text ("10" before "9")
		// and Tally by bucket, so order is checked without them.
		t.Errorf("%s: rows out of order\n got %q\nwant %q", label, gotText, wantText)
	}
}

// summaryRows reads a summary answer of either format into rows with
// the given group columns, checking the columns it names.
func (c *propCase) summaryRows(t *testing.T, res response, path string, cols []string) ([]refSummaryRow, int) {
	t.Helper()
	var got struct {
		Total   int
		Columns []string
		Results []json.RawMessage
		Format  string
	}
	c.expectOK(t, res, path, &got)
	wantCols := append([]string{"begin", "end", "qty", "rate"}, cols...)
	var rows []refSummaryRow
	for _, raw := range got.Results {
		vals := map[string]any{}
		if got.Format == "table" {
			var list []any
			if err := decodeNumbers(raw, &list); err != nil || len(list) != len(got.Columns) {
				t.Fatalf("%s: GET %s: row %s for columns %q", c.label, path, raw, got.Columns)
			}
			for i, col := range got.Columns {
				vals[col] = list[i]
			}
		} else if err := decodeNumbers(raw, &vals); err != nil {
			t.Fatalf("%s: GET %s: row %s: %v", c.label, path, raw, err)
		}
		if len(vals) != len(wantCols) {
			t.Errorf("%s: GET %s: row %s, want columns %q", c.label, path, raw, wantCols)
		}
		row := refSummaryRow{begin: fmt.Sprint(vals["begin"]), end: fmt.Sprint(vals["end"])}
		for _, m := range []struct {
			name string
			d    *decimal.Decimal
		}{{"qty", &row.qty}, {"rate", &row.rate}} {
			n, ok := vals[m.name].(json.Number)
			if !ok {
				t.Fatalf("%s: GET %s: %s is not a number in %s", c.label, path, m.name, raw)
			}
			*m.d = decimal.RequireFromString(n.String())
		}
		if _, err := time.Parse(time.RFC3339, row.begin); err != nil {
			t.Errorf("%s: GET %s: begin %q", c.label, path, row.begin)
		}
		for _, col := range cols {
			v, ok := vals[col].(string)
			if !ok {
				t.Errorf("%s: GET %s: column %s is not a string in %s", c.label, path, col, raw)
			}
			row.keys = append(row.keys, v)
		}
		rows = append(rows, row)
	}
	if got.Format == "table" && len(rows) > 0 && !slices.Equal(got.Columns, wantCols) {
		t.Errorf("%s: GET %s: columns %q, want %q", c.label, path, got.Columns, wantCols)
	}
	return rows, got.Total
}

// decodeNumbers unmarshals keeping numbers exact (json.Number).
func decodeNumbers(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	return dec.Decode(v)
}
