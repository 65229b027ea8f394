package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// Retention says which superseded snapshots a source keeps. A superseded
// snapshot is invisible to every undated question; what may still read
// it is the Azure billing API's dated rule ("for each subscription, the
// newest run that holds the day"), which needs every export run of the
// months users ask about by date, and an administrator listing
// snapshots. Months count billing periods back from the current month,
// the current one included: 2 keeps the current and the previous month.
// A negative value keeps them for ever.
type Retention struct {
	// RunMonths keeps the superseded export runs (snapshots recording a
	// run id: Azure manifests) of this many months. Default 2, what the
	// dated rule needs while the provider still restates the month to
	// date and the month before.
	RunMonths *int `json:"runMonths,omitempty"`
	// OtherMonths keeps the other superseded snapshots (an import of
	// files restated in place, such as an AWS CUR, which a refresh reads
	// whole again) of this many months. Default 0: each is removed once a
	// newer import of its period supersedes it, as it holds nothing the
	// newer one lacks.
	OtherMonths *int `json:"otherMonths,omitempty"`
}

// The default policy.
const (
	defaultRunMonths   = 2
	defaultOtherMonths = 0
)

func (r Retention) months() (runs, other int) {
	runs, other = defaultRunMonths, defaultOtherMonths
	if r.RunMonths != nil {
		runs = *r.RunMonths
	}
	if r.OtherMonths != nil {
		other = *r.OtherMonths
	}
	return runs, other
}

// Prunable returns the snapshots of snaps (one source's) that the policy
// removes at time now, oldest first: superseded snapshots of billing
// periods older than the policy keeps, and, whatever their period
// (unless the policy keeps runs for ever), superseded copies of a run
// that a newer snapshot of the same period imported again (see
// ingest.Options.Reimport), which no rule can read as the newer copy
// holds the same rows under a higher id. Visible, loading, failed and
// deleted snapshots are never pruned.
func (r Retention) Prunable(snaps []store.Snapshot, now time.Time) []store.Snapshot {
	runs, other := r.months()
	this := cost.MonthStart(now.UTC())
	keeps := func(months int, period time.Time) bool {
		return months < 0 || !period.Before(this.AddDate(0, 1-months, 0))
	}
	// newestCopy is, per (period, run id), the highest snapshot id
	// importing that run.
	type runKey struct {
		period time.Time
		id     string
	}
	newestCopy := map[runKey]int64{}
	for _, s := range snaps {
		if s.RunID == "" || (s.Status != store.StatusComplete && s.Status != store.StatusSuperseded) {
			continue
		}
		k := runKey{s.BillingPeriodStart.UTC(), s.RunID}
		newestCopy[k] = max(newestCopy[k], s.ID)
	}
	var out []store.Snapshot
	for _, s := range snaps {
		if s.Status != store.StatusSuperseded {
			continue
		}
		months := other
		if s.RunID != "" {
			months = runs
			if runs >= 0 && newestCopy[runKey{s.BillingPeriodStart.UTC(), s.RunID}] > s.ID {
				out = append(out, s)
				continue
			}
		}
		if !keeps(months, s.BillingPeriodStart.UTC()) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b store.Snapshot) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Pruned is a snapshot the retention policy removed.
type Pruned struct {
	ID          int64     `json:"id"`
	PeriodStart time.Time `json:"billingPeriodStart"`
	RunID       string    `json:"runId,omitempty"`
	Rows        int64     `json:"rows"`
}

// Prune removes the snapshots of source that the policy removes at now,
// through the store's DeleteSnapshots (their line items and rollup rows
// go; the records stay, marked deleted, for the audit trail; the texts
// only they used go in one sweep), and returns them. A snapshot deleted
// meanwhile by someone else is skipped.
func Prune(ctx context.Context, st store.Store, source string, policy Retention, now time.Time) ([]Pruned, error) {
	snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Source: source, Scope: scope.All()})
	if err != nil {
		return nil, fmt.Errorf("retention of %s: %w", source, err)
	}
	prunable := policy.Prunable(snaps, now)
	if len(prunable) == 0 {
		return nil, nil
	}
	byID := make(map[int64]store.Snapshot, len(prunable))
	ids := make([]int64, len(prunable))
	for i, s := range prunable {
		byID[s.ID], ids[i] = s, s.ID
	}
	deleted, err := st.DeleteSnapshots(ctx, ids)
	var out []Pruned
	for _, d := range deleted {
		// The record before the delete: a deleted one counts no rows.
		s := byID[d.ID]
		out = append(out, Pruned{ID: s.ID, PeriodStart: s.BillingPeriodStart.UTC(), RunID: s.RunID, Rows: s.Rows})
	}
	if err != nil {
		return out, fmt.Errorf("retention of %s: %w", source, err)
	}
	return out, nil
}
