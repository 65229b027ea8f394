package cloudhealth

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/perspective"
)

// TestOLAPReportProperty sends random report requests (up to three
// dimensions of time, accounts, service categories, zones, a tag and a
// perspective; select and reject filters on each, relative, absolute and
// YYYY-MM time members; every interval; collapse_null_arrays; two
// measures), a quarter of them under keys scoped to random accounts, and
// compares every member and every cell (null versus a number, numbers
// exactly) with a reference evaluator written here in plain Go over the
// same random line items: its own time members from §4.4, its own
// perspective rules, its own sums in math/big. The seed is logged;
// TALLY_PROPERTY_SEED replays a run.
func TestOLAPReportProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("TALLY_PROPERTY_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("TALLY_PROPERTY_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with TALLY_PROPERTY_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))

	s := newOLAPServer(t)
	s.setNow(propNow)
	items := propItems(rng)
	lis := make([]*cost.LineItem, len(items))
	for i, o := range items {
		lis[i] = o.lineItem()
	}
	s.load(t, lis...)
	if _, _, err := s.book.Create(context.Background(), perspective.Everyone.Owner, propPerspective()); err != nil {
		t.Fatal(err)
	}

	nonEmpty := 0
	const n = 150
	for i := range n {
		req := propRequest(rng)
		var accounts []string
		if rng.IntN(4) == 0 {
			for _, a := range append(slices.Clone(propAccounts), "acct-none") {
				if rng.IntN(2) == 0 {
					accounts = append(accounts, a)
				}
			}
			if len(accounts) == 0 {
				accounts = []string{propAccounts[0]}
			}
		}
		st := step{Method: "GET", Path: req.url()}
		if accounts != nil {
			st.Header = []string{"X-Test-Accounts", strings.Join(accounts, ",")}
		}
		label := fmt.Sprintf("#%d (seed %d) GET %s accounts %q", i, seed, st.Path, accounts)
		r := s.call(t, st)
		if r.Status != 200 {
			t.Fatalf("%s: status %d: %s", label, r.Status, r.Body)
		}
		var got struct {
			Dimensions []map[string][]struct{ Name string }
			Data       any
		}
		dec := json.NewDecoder(strings.NewReader(string(r.Body)))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		want := propReference(items, req, accounts)
		for di, dim := range req.dims {
			var have []string
			for _, m := range got.Dimensions[di][dim] {
				have = append(have, m.Name)
			}
			if !slices.Equal(have, want.members[di]) {
				t.Fatalf("%s: members of %s: got %q, want %q", label, dim, have, want.members[di])
			}
		}
		if diff := diffData(got.Data, want.data, "data"); diff != "" {
			t.Fatalf("%s: %s\ngot  %s\nwant %s", label, diff, compactJSON(got.Data), compactJSON(want.data))
		}
		if want.hasData {
			nonEmpty++
		}
	}
	t.Logf("%d of %d requests with data in the expected answer", nonEmpty, n)
	if nonEmpty < n/4 {
		t.Errorf("only %d of %d requests expect data: the generator drifted into empty answers", nonEmpty, n)
	}
}

var (
	propAccounts   = []string{"acct-1", "acct-2", "acct-3"}
	propCategories = []string{"Compute", "Storage", ""}
	propZones      = []string{"us-east-1a", "us-east-1b", ""}
	propTeams      = []string{"web", "data", ""}
	// propNow is a Wednesday mid-month, so that weekly and monthly
	// members are not aligned with it.
	propNow = time.Date(2024, 3, 13, 9, 15, 0, 0, time.UTC)
)

// propItems are random items over the 13 months before propNow, denser
// in its last 9 days (the hourly and daily members), a few after it.
func propItems(rng *rand.Rand) []olapItem {
	var out []olapItem
	add := func(n int, from time.Time, span time.Duration) {
		for range n {
			o := olapItem{
				start:    from.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Minute),
				account:  propAccounts[rng.IntN(len(propAccounts))],
				category: propCategories[rng.IntN(len(propCategories))],
				az:       propZones[rng.IntN(len(propZones))],
				billed:   decimal.New(rng.Int64N(20_000_000)-2_000_000, -int32(rng.IntN(7))),
			}
			if rng.IntN(8) == 0 {
				o.billed = decimal.Zero
			}
			if team := propTeams[rng.IntN(len(propTeams))]; team != "" {
				o.tags = map[string]string{"team": team}
			}
			if rng.IntN(3) > 0 {
				o.qty = decimal.NewNullDecimal(decimal.New(rng.Int64N(1000), -int32(rng.IntN(3))))
			}
			out = append(out, o)
		}
	}
	add(250, propNow.AddDate(0, -13, 0), 13*31*24*time.Hour)
	add(250, propNow.AddDate(0, 0, -9), 9*24*time.Hour)
	add(10, propNow, 48*time.Hour)
	return out
}

// propPerspective puts acct-1 in Joe, then team data in Sue, the rest in
// Other (propGroup is its reference).
func propPerspective() perspective.Schema {
	return perspective.Schema{Name: "Owners", IncludeInReports: "true",
		Rules: []perspective.Rule{
			{Type: perspective.RuleFilter, Asset: "AwsAsset", To: "10", Condition: &perspective.Condition{Clauses: []perspective.Clause{{Field: []string{"subAccountId"}, Op: "=", Val: "acct-1"}}}},
			{Type: perspective.RuleFilter, Asset: "AwsAsset", To: "11", Condition: &perspective.Condition{Clauses: []perspective.Clause{{TagField: []string{"team"}, Op: "=", Val: "data"}}}},
		},
		Constants: []perspective.Constant{{Type: perspective.ConstStatic, List: []perspective.Group{{RefID: "10", Name: "Joe"}, {RefID: "11", Name: "Sue"}}}},
	}
}

func propGroup(o olapItem) string {
	switch {
	case o.account == "acct-1":
		return "Joe"
	case o.tags["team"] == "data":
		return "Sue"
	}
	return "Other"
}

// propDims are the dimensions the generator picks from.
var propDims = []string{"time", "AWS-Account", "AWS-Service-Category", "AWS-Availability-Zones", "Tag-team", "Groupset-1001"}

// propValue is an item's member name on a non-time dimension.
func propValue(o olapItem, dim string) string {
	var v string
	switch dim {
	case "AWS-Account":
		v = o.account
	case "AWS-Service-Category":
		v = o.category
	case "AWS-Availability-Zones":
		v = o.az
	case "Tag-team":
		v = o.tags["team"]
	case "Groupset-1001":
		v = propGroup(o)
	}
	if v == "" {
		return "unassigned"
	}
	return v
}

// propMembersOf are the member names a filter may name per dimension,
// one that never occurs included.
var propMembersOf = map[string][]string{
	"AWS-Account":            {"acct-1", "acct-2", "acct-3", "acct-9"},
	"AWS-Service-Category":   {"Compute", "Storage", "unassigned", "Network"},
	"AWS-Availability-Zones": {"us-east-1a", "us-east-1b", "unassigned"},
	"Tag-team":               {"web", "data", "unassigned", "ops"},
	"Groupset-1001":          {"Joe", "Sue", "Other"},
}

type propFilter struct {
	dim     string
	reject  bool
	members []string
}

type propReq struct {
	interval string
	dims     []string
	filters  []propFilter
	quantity bool
	collapse bool
}

func (r propReq) url() string {
	v := []string{"interval=" + r.interval}
	for _, d := range r.dims {
		v = append(v, "dimensions[]="+d)
	}
	v = append(v, "measures[]=cost")
	if r.quantity {
		v = append(v, "measures[]=usage_quantity")
	}
	for _, f := range r.filters {
		op := "select"
		if f.reject {
			op = "reject"
		}
		v = append(v, "filters%5B%5D="+url.QueryEscape(f.dim+":"+op+":"+strings.Join(f.members, ",")))
	}
	if r.collapse {
		v = append(v, "collapse_null_arrays=1")
	}
	return "/olap_reports/cost/history?" + strings.Join(v, "&")
}

var propIntervals = []string{"monthly", "weekly", "daily", "hourly"}

func propRequest(rng *rand.Rand) propReq {
	r := propReq{interval: propIntervals[rng.IntN(4)], quantity: rng.IntN(3) == 0, collapse: rng.IntN(2) == 0}
	for _, i := range rng.Perm(len(propDims))[:1+rng.IntN(3)] {
		r.dims = append(r.dims, propDims[i])
	}
	n := propMemberCount(r.interval)
	if rng.IntN(4) > 0 {
		// Time members near the data: the last few, by relative or
		// absolute index, or months by name.
		f := propFilter{dim: "time", reject: rng.IntN(4) == 0}
		k := 1 + rng.IntN(4)
		switch {
		case r.interval == "monthly" && !f.reject && rng.IntN(3) == 0:
			for range k {
				f.members = append(f.members, propNow.AddDate(0, -rng.IntN(14), 0).Format("2006-01"))
			}
		case rng.IntN(2) == 0:
			for range k {
				f.members = append(f.members, strconv.Itoa(-1-rng.IntN(min(n, 10))))
			}
		default:
			for range k {
				f.members = append(f.members, strconv.Itoa(n-rng.IntN(min(n, 10))))
			}
		}
		r.filters = append(r.filters, f)
	}
	for range rng.IntN(3) {
		dim := propDims[1+rng.IntN(len(propDims)-1)]
		all := propMembersOf[dim]
		f := propFilter{dim: dim, reject: rng.IntN(2) == 0}
		for _, i := range rng.Perm(len(all))[:1+rng.IntN(2)] {
			f.members = append(f.members, all[i])
		}
		r.filters = append(r.filters, f)
	}
	return r
}

func propMemberCount(iv string) int {
	return map[string]int{"monthly": 12, "weekly": 52, "daily": 31, "hourly": 84}[iv]
}

// propTime is a reference time member.
type propTime struct {
	label      string
	start, end time.Time
}

// propTimes are §4.4's members at propNow, written out independently of
// olap_time.go: monthly ends with the current month, weekly with the last
// full Sunday-to-Saturday week, daily with yesterday, hourly with
// yesterday's 22:00-24:00.
func propTimes(iv string) []propTime {
	day := propNow.Truncate(24 * time.Hour)
	var last time.Time
	var step func(time.Time, int) time.Time
	layout := time.DateOnly
	switch iv {
	case "monthly":
		last = time.Date(propNow.Year(), propNow.Month(), 1, 0, 0, 0, 0, time.UTC)
		step = func(t time.Time, k int) time.Time { return t.AddDate(0, k, 0) }
		layout = "2006-01"
	case "weekly":
		sunday := day.AddDate(0, 0, -int(day.Weekday()))
		last = sunday.AddDate(0, 0, -7)
		step = func(t time.Time, k int) time.Time { return t.AddDate(0, 0, 7*k) }
	case "daily":
		last = day.AddDate(0, 0, -1)
		step = func(t time.Time, k int) time.Time { return t.AddDate(0, 0, k) }
	case "hourly":
		last = day.Add(-2 * time.Hour)
		step = func(t time.Time, k int) time.Time { return t.Add(time.Duration(k) * 2 * time.Hour) }
		layout = "2006-01-02 15:04"
	}
	n := propMemberCount(iv)
	out := make([]propTime, n)
	for i := range n {
		st := step(last, i-(n-1))
		out[i] = propTime{label: st.Format(layout), start: st, end: step(st, 1)}
	}
	return out
}

// propWant is the reference answer.
type propWant struct {
	members [][]string
	data    any
	hasData bool
}

type propCell struct {
	sum [2]*big.Rat
}

// propReference evaluates req over items as the caller (accounts, nil
// for every account) sees them.
func propReference(items []olapItem, req propReq, accounts []string) propWant {
	times := propTimes(req.interval)
	n := len(times)
	for _, f := range req.filters {
		if f.dim != "time" {
			continue
		}
		var kept []propTime
		for _, m := range times {
			named := false
			for _, mem := range f.members {
				if i, err := strconv.Atoi(mem); err == nil {
					abs := i
					if i < 0 {
						abs = n + 1 + i
					}
					named = named || times0Index(req.interval, m) == abs
				} else {
					named = named || m.label == mem
				}
			}
			if named != f.reject {
				kept = append(kept, m)
			}
		}
		times = kept
	}
	var kept []olapItem
	timeOf := map[int]int{}
	for i, o := range items {
		if accounts != nil && !slices.Contains(accounts, o.account) {
			continue
		}
		ti := slices.IndexFunc(times, func(m propTime) bool { return !o.start.Before(m.start) && o.start.Before(m.end) })
		if ti < 0 {
			continue
		}
		ok := true
		for _, f := range req.filters {
			if f.dim != "time" && slices.Contains(f.members, propValue(o, f.dim)) == f.reject {
				ok = false
			}
		}
		if ok {
			timeOf[len(kept)] = ti
			kept = append(kept, items[i])
		}
	}
	var want propWant
	for _, dim := range req.dims {
		ms := []string{"total"}
		if dim == "time" {
			for _, m := range times {
				ms = append(ms, m.label)
			}
		} else {
			var vals []string
			for _, o := range kept {
				if v := propValue(o, dim); !slices.Contains(vals, v) {
					vals = append(vals, v)
				}
			}
			slices.Sort(vals)
			ms = append(ms, vals...)
		}
		want.members = append(want.members, ms)
	}
	cells := map[string]*propCell{}
	for k, o := range kept {
		want.hasData = true
		pos := make([]int, len(req.dims))
		for di, dim := range req.dims {
			if dim == "time" {
				pos[di] = timeOf[k] + 1
			} else {
				pos[di] = slices.Index(want.members[di], propValue(o, dim))
			}
		}
		for mask := range 1 << len(req.dims) {
			key := ""
			for di := range req.dims {
				p := pos[di]
				if mask&(1<<di) != 0 {
					p = 0
				}
				key += strconv.Itoa(p) + ","
			}
			c := cells[key]
			if c == nil {
				c = &propCell{sum: [2]*big.Rat{new(big.Rat), new(big.Rat)}}
				cells[key] = c
			}
			c.sum[0].Add(c.sum[0], propRat(o.billed))
			if o.qty.Valid {
				c.sum[1].Add(c.sum[1], propRat(o.qty.Decimal))
			}
		}
	}
	var build func(level int, key string) any
	build = func(level int, key string) any {
		if level == len(req.dims) {
			c := cells[key]
			vals := []any{nil}
			if req.quantity {
				vals = append(vals, nil)
			}
			if c != nil {
				for i := range vals {
					vals[i] = json.Number(c.sum[i].FloatString(12))
				}
			}
			return vals
		}
		arr := make([]any, len(want.members[level]))
		for j := range arr {
			arr[j] = build(level+1, key+strconv.Itoa(j)+",")
		}
		if req.collapse && level > 0 && propAllNull(arr) {
			return nil
		}
		return arr
	}
	want.data = build(0, "")
	return want
}

// times0Index is member m's absolute index (1 is the oldest).
func times0Index(iv string, m propTime) int {
	for i, x := range propTimes(iv) {
		if x.start.Equal(m.start) {
			return i + 1
		}
	}
	return -1
}

func propRat(d decimal.Decimal) *big.Rat {
	r, ok := new(big.Rat).SetString(d.String())
	if !ok {
		panic("not a decimal: " + d.String())
	}
	return r
}

// propAllNull reports whether v holds only nulls, at any depth.
func propAllNull(v any) bool {
	if a, ok := v.([]any); ok {
		for _, e := range a {
			if !propAllNull(e) {
				return false
			}
		}
		return true
	}
	return v == nil
}
