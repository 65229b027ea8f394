package cloudhealth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/perspective"
)

// TestOLAPReportFiles runs the report-semantics cases of
// testdata/reports/*.test, in the spirit of Prometheus's promqltest:
// each file loads line items into a fresh DuckDB store, sets the clock,
// GETs report URLs and states the members and data it expects. The
// format (one directive a line; blocks are the indented lines after a
// directive; # starts a comment):
//
//	now 2024-01-15T10:30:00Z
//	load
//	  start       account  category  cost   tags
//	  2024-01-03  111      Compute   10.50  team=web,env=prod
//	perspective 1001
//	  {"name": "Owners", "rules": [...], "constants": [...]}
//	get /olap_reports/cost/history?dimensions[]=time&...
//	as 111,222
//	expect
//	  members time ["total", "2024-01"]
//	  labels AWS-Account ["Total", "Production"]
//	  data [[[10.5]], [[10.5]]]
//	get /olap_reports/usage/instance?measures[]=count
//	expect error 422 cannot be computed
//
// load's first block line names the columns (olapColumns), "-" is an
// empty cell; each load is one import. perspective creates a perspective
// and checks that the book gave it the id the file uses. as scopes the
// next get to a key seeing only those accounts. data compares numbers as
// exact decimals and null as null; the data JSON may span lines.
func TestOLAPReportFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "reports", "*.test"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/reports/*.test files")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".test"), func(t *testing.T) {
			runReportFile(t, f)
		})
	}
}

// reportDirective is one directive of a .test file with its block.
type reportDirective struct {
	line  int
	text  string
	block []string
	lines []int
}

func parseReportFile(t *testing.T, path string) []reportDirective {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []reportDirective
	for i, raw := range strings.Split(string(b), "\n") {
		line := raw
		if j := strings.Index(line, " #"); j >= 0 {
			line = line[:j]
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(out) == 0 {
				t.Fatalf("%s:%d: an indented line before any directive", path, i+1)
			}
			d := &out[len(out)-1]
			d.block = append(d.block, strings.TrimSpace(line))
			d.lines = append(d.lines, i+1)
			continue
		}
		out = append(out, reportDirective{line: i + 1, text: strings.TrimSpace(line)})
	}
	return out
}

func runReportFile(t *testing.T, path string) {
	s := newOLAPServer(t)
	var as string
	var pending *reportDirective // the get awaiting its expect
	for _, d := range parseReportFile(t, path) {
		at := fmt.Sprintf("%s:%d", path, d.line)
		verb, arg, _ := strings.Cut(d.text, " ")
		arg = strings.TrimSpace(arg)
		switch verb {
		case "now":
			tm, err := time.Parse(time.RFC3339, arg)
			if err != nil {
				t.Fatalf("%s: now: %v", at, err)
			}
			s.setNow(tm)
		case "load":
			items, err := parseLoad(d)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			s.load(t, items...)
		case "perspective":
			var sc perspective.Schema
			if err := json.Unmarshal([]byte(strings.Join(d.block, "\n")), &sc); err != nil {
				t.Fatalf("%s: perspective schema: %v", at, err)
			}
			id, _, err := s.book.Create(context.Background(), perspective.Everyone.Owner, sc)
			if err != nil {
				t.Fatalf("%s: creating the perspective: %v", at, err)
			}
			if id != arg {
				t.Fatalf("%s: the book gave the perspective id %s, the file uses %s", at, id, arg)
			}
		case "as":
			as = arg
		case "get":
			if pending != nil {
				t.Fatalf("%s: get without expect", fmt.Sprintf("%s:%d", path, pending.line))
			}
			dd := d
			dd.block = []string{as}
			pending, as = &dd, ""
		case "expect":
			if pending == nil {
				t.Fatalf("%s: expect without get", at)
			}
			checkReport(t, s, at, pending, d)
			pending = nil
		default:
			t.Fatalf("%s: unknown directive %q", at, verb)
		}
	}
	if pending != nil {
		t.Fatalf("%s:%d: get without expect", path, pending.line)
	}
}

func checkReport(t *testing.T, s *olapServer, at string, get *reportDirective, exp reportDirective) {
	t.Helper()
	_, url, _ := strings.Cut(get.text, " ")
	st := step{Method: "GET", Path: strings.TrimSpace(url)}
	if get.block[0] != "" {
		st.Header = []string{"X-Test-Accounts", get.block[0]}
	}
	r := s.call(t, st)
	where := fmt.Sprintf("%s: GET %s", at, st.Path)
	if rest, ok := strings.CutPrefix(exp.text, "expect error"); ok {
		code, msg, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if strconv.Itoa(r.Status) != code {
			t.Errorf("%s: status %d, want %s: %s", where, r.Status, code, r.Body)
			return
		}
		var body struct{ Error string }
		if err := json.Unmarshal(r.Body, &body); err != nil || !strings.Contains(body.Error, msg) {
			t.Errorf("%s: error %s, want one containing %q", where, r.Body, msg)
		}
		return
	}
	if r.Status != 200 {
		t.Errorf("%s: status %d: %s", where, r.Status, r.Body)
		return
	}
	var got struct {
		Dimensions []map[string][]struct{ Name, Label string }
		Data       any
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	members := map[string][]string{}
	labels := map[string][]string{}
	for _, dim := range got.Dimensions {
		for name, ms := range dim {
			for _, m := range ms {
				members[name] = append(members[name], m.Name)
				labels[name] = append(labels[name], m.Label)
			}
		}
	}
	for i := 0; i < len(exp.block); i++ {
		line := exp.block[i]
		kind, rest, _ := strings.Cut(line, " ")
		switch kind {
		case "members", "labels":
			dim, list, _ := strings.Cut(strings.TrimSpace(rest), " ")
			var want []string
			if err := json.Unmarshal([]byte(list), &want); err != nil {
				t.Fatalf("%s:%d: %s: %v", at, exp.lines[i], kind, err)
			}
			have := members[dim]
			if kind == "labels" {
				have = labels[dim]
			}
			if fmt.Sprint(have) != fmt.Sprint(want) || len(have) != len(want) {
				t.Errorf("%s: %s of %s: got %q, want %q", where, kind, dim, have, want)
			}
		case "data":
			text := strings.Join(append([]string{rest}, exp.block[i+1:]...), "\n")
			i = len(exp.block)
			dec := json.NewDecoder(strings.NewReader(text))
			dec.UseNumber()
			var want any
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("%s: data: %v", at, err)
			}
			if diff := diffData(got.Data, want, "data"); diff != "" {
				t.Errorf("%s: %s\ngot  %s", where, diff, compactJSON(got.Data))
			}
		default:
			t.Fatalf("%s:%d: unknown expectation %q", at, exp.lines[i], kind)
		}
	}
}

// diffData compares report data: arrays by element, numbers as exact
// decimals, null only with null.
func diffData(got, want any, path string) string {
	switch w := want.(type) {
	case nil:
		if got != nil {
			return fmt.Sprintf("%s: got %v, want null", path, compactJSON(got))
		}
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return fmt.Sprintf("%s: got %v, want %s", path, compactJSON(got), w)
		}
		if !decimal.RequireFromString(g.String()).Equal(decimal.RequireFromString(w.String())) {
			return fmt.Sprintf("%s: got %s, want %s", path, g, w)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %v, want %v", path, compactJSON(got), compactJSON(want))
		}
		for i := range w {
			if d := diffData(g[i], w[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	default:
		return fmt.Sprintf("%s: unexpected %T in the expected data", path, want)
	}
	return ""
}

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// olapColumns are the columns a load block may name; start and cost are
// required.
var olapColumns = map[string]func(o *olapItem, v string) error{
	"start": func(o *olapItem, v string) (err error) {
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15", time.DateOnly} {
			if o.start, err = time.Parse(layout, v); err == nil {
				return nil
			}
		}
		return fmt.Errorf("start %q is not a time (2024-01-02, 2024-01-02T15, 2024-01-02T15:04 or RFC 3339)", v)
	},
	"account":   func(o *olapItem, v string) error { o.account = v; return nil },
	"name":      func(o *olapItem, v string) error { o.name = v; return nil },
	"service":   func(o *olapItem, v string) error { o.service = v; return nil },
	"category":  func(o *olapItem, v string) error { o.category = v; return nil },
	"region":    func(o *olapItem, v string) error { o.region = v; return nil },
	"az":        func(o *olapItem, v string) error { o.az = v; return nil },
	"resource":  func(o *olapItem, v string) error { o.resource = v; return nil },
	"kind":      func(o *olapItem, v string) error { o.kind = v; return nil },
	"frequency": func(o *olapItem, v string) error { o.frequency = v; return nil },
	"pricing":   func(o *olapItem, v string) error { o.pricing = v; return nil },
	"unit":      func(o *olapItem, v string) error { o.unit = v; return nil },
	"commit":    func(o *olapItem, v string) error { o.commit = v; return nil },
	"currency":  func(o *olapItem, v string) error { o.currency = v; return nil },
	"usd": func(o *olapItem, v string) error {
		o.noUSD = v == "no"
		return nil
	},
	"tags": func(o *olapItem, v string) error {
		o.tags = map[string]string{}
		for kv := range strings.SplitSeq(v, ",") {
			k, val, ok := strings.Cut(kv, "=")
			if !ok {
				return fmt.Errorf("tag %q is not key=value", kv)
			}
			o.tags[k] = val
		}
		return nil
	},
	"cost": func(o *olapItem, v string) (err error) {
		o.billed, err = decimal.NewFromString(v)
		return err
	},
	"amortized": func(o *olapItem, v string) (err error) {
		o.amortized, err = decimal.NewFromString(v)
		o.hasAmortized = true
		return err
	},
	"qty": func(o *olapItem, v string) error {
		q, err := decimal.NewFromString(v)
		o.qty = decimal.NewNullDecimal(q)
		return err
	},
}

// parseLoad reads a load block into line items.
func parseLoad(d reportDirective) ([]*cost.LineItem, error) {
	if len(d.block) == 0 {
		return nil, fmt.Errorf("%d: load without a header line", d.line)
	}
	cols := strings.Fields(d.block[0])
	for _, c := range cols {
		if olapColumns[c] == nil {
			return nil, fmt.Errorf("%d: unknown column %q", d.lines[0], c)
		}
	}
	var out []*cost.LineItem
	for i, line := range d.block[1:] {
		cells := strings.Fields(line)
		if len(cells) != len(cols) {
			return nil, fmt.Errorf("%d: %d cells for %d columns", d.lines[i+1], len(cells), len(cols))
		}
		var o olapItem
		for j, c := range cols {
			if cells[j] == "-" {
				continue
			}
			if err := olapColumns[c](&o, cells[j]); err != nil {
				return nil, fmt.Errorf("%d: column %s: %w", d.lines[i+1], c, err)
			}
		}
		if o.start.IsZero() {
			return nil, fmt.Errorf("%d: no start", d.lines[i+1])
		}
		out = append(out, o.lineItem())
	}
	return out, nil
}
