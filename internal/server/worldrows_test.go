package server

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// The world holds more than the probes' month: rows that a correct
// answer never counts. Each account has a row just before the month (29
// February) and one just after it (1 April), and an earlier import of
// its March that the real one superseded. Their costs are distinct
// powers of two from 2^8 up, above every in-month cost (1 to 32), so a
// total that took one in shows which account, which side of the window
// or which superseded run leaked.

// row is one line item of the world, with what decides whether a request
// counts it.
type row struct {
	account    string
	day        time.Time
	cost       int
	snapshot   int64
	superseded bool
	// rated marks a rated line item (provider rating, the CloudKitty
	// dialect's data), one per account (ratedHour).
	rated bool
}

// The days of the world's rows.
var (
	march1   = storetest.Day(3, 1)
	beforeIt = storetest.Day(2, 29)
	afterIt  = storetest.Day(4, 1)
)

// worldAccounts are the accounts with bills, in a fixed order that gives
// each its out-of-window costs.
func worldAccounts() []string {
	var out []string
	for a := range accountCost {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// sourceOf is the source whose exports hold account's bills; acct-b1's
// is a source of its own name so that its snapshot id (world.snapB) is
// an object only organization B sees.
func sourceOf(account string) string {
	if account == "acct-b1" {
		return "src-b-only"
	}
	return "src-" + account
}

// source is the source of the snapshot that holds r.
func (r row) source() string {
	if r.rated {
		return frames.Source(r.account)
	}
	return sourceOf(r.account)
}

// ratedSnapshots are the snapshots of the world's rated rows.
func (w *world) ratedSnapshots() map[int64]bool {
	out := map[int64]bool{}
	for _, r := range w.rows {
		if r.rated {
			out[r.snapshot] = true
		}
	}
	return out
}

// loadWorld imports every account's bills: first a March that is later
// restated, then February, the real March and April in one export, which
// supersedes the first March. It returns the rows as the tests count
// them, and the id of acct-b1's visible March snapshot.
func loadWorld(t *testing.T, st *duckdb.Store) (rows []row, snapB int64) {
	t.Helper()
	for i, a := range worldAccounts() {
		stale := row{account: a, day: march1, cost: 1 << (20 + i), superseded: true}
		early := loadAzure(t, st, sourceOf(a), worldItemAt(a, stale.day, stale.cost))
		stale.snapshot = early[0].ID
		rows = append(rows, stale)
		real := []row{
			{account: a, day: beforeIt, cost: 1 << (8 + i)},
			{account: a, day: march1, cost: accountCost[a]},
			{account: a, day: afterIt, cost: 1 << (14 + i)},
		}
		var items []*cost.LineItem
		for _, r := range real {
			items = append(items, worldItemAt(a, r.day, r.cost))
		}
		snaps := loadAzure(t, st, sourceOf(a), items...)
		for _, r := range real {
			r.snapshot = periodSnapshot(t, snaps, r.day)
			rows = append(rows, r)
		}
		if a == "acct-b1" {
			snapB = periodSnapshot(t, snaps, march1)
		}
	}
	rows = append(rows, loadRatedWorld(t, st)...)
	return rows, snapB
}

// ratedHour is the hour the world's rated items are charged in: in May,
// outside the month the other probes ask about, and after the bills'
// last day, so that the Azure billing API's dated selection of a day of
// the bills (the newest snapshot holding the account that day) is not
// the rated one.
var ratedHour = storetest.Day(5, 2).Add(10 * time.Hour)

// loadRatedWorld writes each account's rated hour (frames.Write, as the
// processor does), costs 2^26 and up, so that the CloudKitty dialect has
// data to answer from and the dialects that show every provider show
// them too.
func loadRatedWorld(t *testing.T, st *duckdb.Store) []row {
	t.Helper()
	var rows []row
	for i, a := range worldAccounts() {
		r := row{account: a, day: ratedHour, cost: 1 << (26 + i), rated: true}
		f := frames.Frame{Scope: a, Start: ratedHour, End: ratedHour.Add(time.Hour), Usage: map[string][]frames.Point{
			"instance": {{Unit: "instance", Qty: decimal.NewFromInt(1), Price: decimal.NewFromInt(int64(r.cost)),
				Groupby: map[string]string{"project_id": a, "id": "vm-" + a}, Metadata: map[string]string{"flavor": "m1.small"}}},
		}}
		snaps, err := frames.Write(context.Background(), st, a, "USD", f)
		if err != nil {
			t.Fatal(err)
		}
		r.snapshot = snaps[0].ID
		rows = append(rows, r)
	}
	return rows
}

// periodSnapshot is the id of the snapshot of snaps whose billing period
// holds day.
func periodSnapshot(t *testing.T, snaps []store.Snapshot, day time.Time) int64 {
	t.Helper()
	for _, s := range snaps {
		if !day.Before(s.BillingPeriodStart) && day.Before(s.BillingPeriodEnd) {
			return s.ID
		}
	}
	t.Fatalf("no snapshot of %s among %+v", day.Format(time.DateOnly), snaps)
	return 0
}

// rowSet chooses the rows of the world that one request reads, before
// scope and filters.
type rowSet func(row) bool

// selectedRows reads the window and snapshot selection of a request
// path, as each dialect defines it:
//   - window=START,END (native dates, Kubecost RFC 3339 times): the
//     visible rows in [START, END);
//   - date=D (Azure billing): the visible rows of day D;
//   - snapshot=ID (Azure billing): the rows of that run, superseded or
//     not, of day D too when a date is given;
//   - /api/v1/snapshots lists every run, superseded ones included, unless
//     status= or source= narrows it;
//   - anything else (Azure billing without a date): every visible row,
//     of any time;
//   - /azure-billing reads no rated rows, /cloudkitty only rated rows,
//     begin=B&end=E as the window B,E.
func selectedRows(t *testing.T, path string) rowSet {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query()
	var sets []rowSet
	if strings.HasPrefix(u.Path, "/api/v1/snapshots") {
		switch v.Get("status") {
		case "":
		case "complete":
			sets = append(sets, visible)
		case "superseded":
			sets = append(sets, func(r row) bool { return r.superseded })
		default:
			t.Fatalf("%s: no rows known for this status", path)
		}
		if src := v.Get("source"); src != "" {
			sets = append(sets, func(r row) bool { return r.source() == src })
		}
	} else if s := v.Get("snapshot"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, func(r row) bool { return r.snapshot == id })
	} else {
		sets = append(sets, visible)
	}
	if strings.HasPrefix(u.Path, "/azure-billing") {
		// The Azure billing API shows Azure bills only.
		sets = append(sets, func(r row) bool { return !r.rated })
	}
	if strings.HasPrefix(u.Path, "/cloudhealth/api") {
		// CloudHealth assets come from bills; rated usage names none.
		sets = append(sets, func(r row) bool { return !r.rated })
	}
	if strings.HasPrefix(u.Path, "/cloudkitty") {
		// CloudKitty answers rated data, over begin and end.
		sets = append(sets, func(r row) bool { return r.rated })
		if b, e := v.Get("begin"), v.Get("end"); b != "" && e != "" {
			v.Set("window", b+","+e)
		}
	}
	if strings.HasPrefix(u.Path, "/cloudhealth/olap_reports") {
		// A CloudHealth report's window is its selected month.
		for _, f := range v["filters[]"] {
			if m, ok := strings.CutPrefix(f, "time:select:"); ok {
				start := parseDay(t, m+"-01")
				v.Set("window", start.Format(time.DateOnly)+","+start.AddDate(0, 1, 0).Format(time.DateOnly))
			}
		}
	}
	if s := v.Get("window"); s != "" {
		from, to, ok := strings.Cut(s, ",")
		if !ok {
			t.Fatalf("%s: the suite only knows START,END windows", path)
		}
		start, end := parseDay(t, from), parseDay(t, to)
		sets = append(sets, func(r row) bool { return !r.day.Before(start) && r.day.Before(end) })
	}
	if s := v.Get("date"); s != "" {
		d := parseDay(t, s)
		sets = append(sets, func(r row) bool { return r.day.Equal(d) })
	}
	return func(r row) bool {
		for _, s := range sets {
			if !s(r) {
				return false
			}
		}
		return true
	}
}

func visible(r row) bool { return !r.superseded }

// parseDay reads a date or an RFC 3339 time.
func parseDay(t *testing.T, s string) time.Time {
	t.Helper()
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if d, err := time.Parse(layout, s); err == nil {
			return d.UTC()
		}
	}
	t.Fatalf("not a date: %q", s)
	return time.Time{}
}
