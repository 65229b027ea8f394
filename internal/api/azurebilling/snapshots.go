package azurebilling

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/store"
)

// allTime is the window of a query without a date: every day any bill
// can hold. Both ends are midnights so that the daily rollup can answer.
var allTime = cost.Window{
	Start: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
	End:   time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC),
}

// catalog is what one request knows of the snapshots the caller may see.
// Tally has no table of billing sources in this API's sense, so the
// Azure sources are the ones with Azure snapshots: imported with the
// azure reader, or FOCUS sources holding Microsoft's line items.
type catalog struct {
	snaps   []store.Snapshot // Azure snapshots, newest first
	byID    map[int64]*store.Snapshot
	sources []string // Azure source names, sorted
}

// catalog lists the caller's snapshots and keeps the Azure ones.
func (a *API) catalog(ctx context.Context) (*catalog, error) {
	// The clouds whose snapshots are never Azure's are left out in the
	// store: rated usage alone makes one snapshot per scope and hour.
	// Nothing here reads the snapshots' totals; summing them per
	// currency was half the catalog's time (BENCHMARKS.md).
	all, err := a.engine.Snapshots(ctx, store.SnapshotFilter{ExcludeProviders: []string{"aws", "gcp", frames.Provider}, SkipTotals: true})
	if err != nil {
		return nil, fmt.Errorf("listing snapshots: %w", err)
	}
	azure := map[string]bool{}
	other := false
	for _, s := range all {
		switch strings.ToLower(s.Provider) {
		case "azure":
			azure[s.Source] = true
		case "aws", "gcp":
		default:
			other = true
		}
	}
	if other {
		// FOCUS (or other) sources count when their visible line items
		// are Microsoft's; the rollup answers this in one pass.
		res, err := a.engine.Query(ctx, query.Query{Window: allTime, GroupBy: []cost.Dimension{cost.DimSource},
			Filter: microsoft, Metrics: []cost.Metric{cost.Billed}})
		if err != nil {
			return nil, fmt.Errorf("finding Microsoft sources: %w", err)
		}
		for _, r := range res.Rows {
			azure[r.Keys[0]] = true
		}
	}
	c := &catalog{byID: map[int64]*store.Snapshot{}}
	for _, s := range all {
		// A deleted snapshot is gone, as a deleted row is upstream.
		if azure[s.Source] && s.Status != store.StatusDeleted {
			c.snaps = append(c.snaps, s)
		}
	}
	slices.SortStableFunc(c.snaps, func(x, y store.Snapshot) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(y.ID, x.ID)
	})
	for i := range c.snaps {
		c.byID[c.snaps[i].ID] = &c.snaps[i]
	}
	for s := range azure {
		c.sources = append(c.sources, s)
	}
	slices.Sort(c.sources)
	return c, nil
}

// completed reports whether s finished importing: upstream's "complete",
// which a newer run does not change.
func completed(s *store.Snapshot) bool {
	return s.Status == store.StatusComplete || s.Status == store.StatusSuperseded
}

// snapshotJSON is a snapshot in upstream's shape (§1, §6).
func snapshotJSON(s *store.Snapshot) obj {
	status := "in_progress"
	switch s.Status {
	case store.StatusComplete, store.StatusSuperseded:
		status = "complete"
	case store.StatusFailed:
		status = "failed"
	}
	return obj{
		{"id", s.ID},
		{"run_id", runID(s)},
		{"report_date", dateText(s.ReportDate)},
		{"file_name", fileName(s.Files)},
		{"status", status},
		{"created_at", datetimeText(s.CreatedAt)},
		{"source", sourceRef(s.Source)},
	}
}

// runID is the export run's id (the manifest's runInfo.runId). Imports
// without a manifest get a synthetic one, unique per snapshot as
// upstream's run ids are, and stable because both numbers are.
func runID(s *store.Snapshot) string {
	if s.RunID != "" {
		return s.RunID
	}
	return fmt.Sprintf("import-%d-%d", s.ImportID, s.ID)
}

// fileName is the base name of the first file imported (upstream shows a
// temporary path; the spec prefers the blob or file name). Blob URLs
// lose their query string, which can carry a SAS token.
func fileName(files []string) any {
	if len(files) == 0 {
		return nil
	}
	f, _, _ := strings.Cut(files[0], "?")
	f = strings.TrimRight(f, "/\\")
	if i := strings.LastIndexAny(f, "/\\"); i >= 0 {
		f = f[i+1:]
	}
	return text(f)
}

// sourceRef is a source's integer id, null for a snapshot without one.
func sourceRef(name string) any {
	if name == "" {
		return nil
	}
	return sourceID(name)
}

func (a *API) snapshotList(r *http.Request) (any, error) {
	c, err := a.catalog(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]any, len(c.snaps))
	for i := range c.snaps {
		out[i] = snapshotJSON(&c.snaps[i])
	}
	return paginate(r, out)
}

func (a *API) snapshotDetail(r *http.Request, id int64) (any, error) {
	c, err := a.catalog(r.Context())
	if err != nil {
		return nil, err
	}
	s, ok := c.byID[id]
	if !ok {
		return nil, notFound()
	}
	return snapshotJSON(s), nil
}

// reportDates serves reports/available-report-dates/ and the documented
// snapshots/available-report-dates/: the distinct report dates of
// complete snapshots, ascending (§6).
func (a *API) reportDates(r *http.Request) (any, error) {
	c, err := a.catalog(r.Context())
	if err != nil {
		// Upstream's own text for this endpoint's failures; the cause
		// goes to the log only.
		a.log.Error("azure billing API: report dates", "err", err)
		return nil, &detailError{status: http.StatusInternalServerError, detail: "Error retrieving snapshot report dates"}
	}
	var dates []string
	for i := range c.snaps {
		if s := &c.snaps[i]; completed(s) && !s.ReportDate.IsZero() {
			dates = append(dates, s.ReportDate.UTC().Format(time.DateOnly))
		}
	}
	slices.Sort(dates)
	return obj{{"available_report_dates", nonNil(slices.Compact(dates))}}, nil
}

// availableDates serves costs/available-report-dates/?month=: the days of
// the month that the selected snapshots (each source's newest run) hold
// line items for.
func (a *API) availableDates(r *http.Request) (any, error) {
	month, err := parseMonth(last(r.URL.Query(), "month"), a.now())
	if err != nil {
		return nil, err
	}
	res, err := a.engine.Query(r.Context(), query.Query{
		Window: cost.Window{Start: month, End: month.AddDate(0, 1, 0)}, Step: query.Days(1),
		Filter: microsoft, Metrics: []cost.Metric{cost.Billed},
	})
	if err != nil {
		return nil, fmt.Errorf("listing days with costs: %w", err)
	}
	var dates []string
	for _, row := range res.Rows {
		dates = append(dates, row.Start.UTC().Format(time.DateOnly))
	}
	dates = slices.Compact(dates) // one row per currency and day
	return obj{{"month", month.Format("2006-01")}, {"available_dates", nonNil(dates)}}, nil
}

// nonNil renders an empty list as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// coverage is the summaries' account of sources (§7.1): how many Azure
// sources there are, how many contributed rows to the answer, and which
// had no snapshot to read and why. A source contributes when the
// answer's selection (each source's newest runs, or with a date the
// newest run of each subscription holding the day) reads rows of it that
// pass the client's filters: contributed, the sources of the answer's
// rows (totals). has are the sources with a snapshot to read whatever
// the filters (readable; nil: the contributed ones). A source with a
// snapshot whose rows the filters all leave out is neither included nor
// missing: it was read, and nothing of it matched, so queried can exceed
// included plus missing.
func coverage(c *catalog, q request, contributed, has map[string]bool) (queried, included int, missing []obj) {
	if has == nil {
		has = contributed
	}
	reason := "no snapshot"
	if q.dateValid {
		reason = "no snapshot for date"
	}
	missing = []obj{}
	for _, s := range c.sources {
		switch {
		case contributed[s]:
			included++
		case !has[s]:
			missing = append(missing, obj{{"name", s}, {"reason", reason}})
		}
	}
	return len(c.sources), included, missing
}

// readable are the sources with a snapshot a summary could read, whatever
// its filters: with a date, those with rows of the day in the newest run
// of a subscription holding it (nil when the summary's own question, cq,
// selects exactly those rows: its sources are the answer's), else those
// with a visible snapshot.
func (a *API) readable(ctx context.Context, c *catalog, q request, cq query.Query) (map[string]bool, error) {
	has := map[string]bool{}
	if !q.dateValid {
		for i := range c.snaps {
			if c.snaps[i].Status == store.StatusComplete {
				has[c.snaps[i].Source] = true
			}
		}
		return has, nil
	}
	day := cost.Window{Start: q.day, End: q.day.AddDate(0, 0, 1)}
	dq := query.Query{Window: day, Selection: query.Selection{Day: q.day}, Filter: microsoft}
	if sameRows(dq, cq) {
		// No filter narrows the answer (a plain ?date= summary).
		return nil, nil
	}
	dq.GroupBy, dq.Metrics = []cost.Dimension{cost.DimSource}, []cost.Metric{cost.Billed}
	res, err := a.engine.Query(ctx, dq)
	if err != nil {
		return nil, fmt.Errorf("finding the sources of %s: %w", q.day.Format(time.DateOnly), err)
	}
	for _, r := range res.Rows {
		has[r.Keys[0]] = true
	}
	return has, nil
}

// sameRows reports whether x and y select the same line items: the same
// window, snapshot selection and filter.
func sameRows(x, y query.Query) bool {
	return x.Window.Start.Equal(y.Window.Start) && x.Window.End.Equal(y.Window.End) && x.Selection.Day.Equal(y.Selection.Day) &&
		slices.Equal(x.Selection.Snapshots, y.Selection.Snapshots) &&
		(x.Filter == nil) == (y.Filter == nil) && (x.Filter == nil || x.Filter.String() == y.Filter.String())
}
