package native

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
)

type snapshotJSON struct {
	ID                 int64       `json:"id"`
	ImportID           int64       `json:"importId"`
	Source             string      `json:"source"`
	Provider           string      `json:"provider"`
	BillingPeriodStart *time.Time  `json:"billingPeriodStart"`
	BillingPeriodEnd   *time.Time  `json:"billingPeriodEnd"`
	Status             string      `json:"status"`
	Rows               int64       `json:"rows"`
	Error              string      `json:"error,omitempty"`
	Files              []string    `json:"files"`
	CreatedAt          time.Time   `json:"createdAt"`
	CommittedAt        *time.Time  `json:"committedAt"`
	Totals             []totalJSON `json:"totals"`
	// RunID and ReportDate name the export run imported (Azure
	// manifests); absent otherwise.
	RunID      string `json:"runId,omitempty"`
	ReportDate string `json:"reportDate,omitempty"`
}

type totalJSON struct {
	Currency string            `json:"currency"`
	Costs    map[string]string `json:"costs"`
}

func snapshotOut(s store.Snapshot) snapshotJSON {
	out := snapshotJSON{ID: s.ID, ImportID: s.ImportID, Source: s.Source, Provider: s.Provider, Status: string(s.Status),
		Rows: s.Rows, Error: s.Error, Files: s.Files, CreatedAt: s.CreatedAt, Totals: []totalJSON{}, RunID: s.RunID}
	if !s.ReportDate.IsZero() {
		out.ReportDate = s.ReportDate.Format(time.DateOnly)
	}
	if out.Files == nil {
		out.Files = []string{}
	}
	if !s.BillingPeriodStart.IsZero() {
		a, b := s.BillingPeriodStart, s.BillingPeriodEnd
		out.BillingPeriodStart, out.BillingPeriodEnd = &a, &b
	}
	if !s.CommittedAt.IsZero() {
		c := s.CommittedAt
		out.CommittedAt = &c
	}
	for _, t := range s.Totals {
		tj := totalJSON{Currency: t.Currency, Costs: map[string]string{}}
		for m, v := range t.Values {
			tj.Costs[cost.Metric(m).String()] = v.String()
		}
		out.Totals = append(out.Totals, tj)
	}
	return out
}

func (a *API) snapshots(r *http.Request) (any, error) {
	v := r.URL.Query()
	f := store.SnapshotFilter{Source: v.Get("source"), Provider: v.Get("provider")}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%w: limit: %q is not a positive integer", cost.ErrInvalid, l)
		}
		f.Limit = n
	}
	if st := v.Get("status"); st != "" {
		switch s := store.Status(st); s {
		case store.StatusLoading, store.StatusComplete, store.StatusSuperseded, store.StatusFailed, store.StatusDeleted:
			f.Status = s
		default:
			return nil, fmt.Errorf("%w: status: %q is not one of loading, complete, superseded, failed, deleted", cost.ErrInvalid, st)
		}
	}
	snaps, err := a.engine.Snapshots(r.Context(), f)
	if err != nil {
		return nil, err
	}
	out := make([]snapshotJSON, len(snaps))
	for i, s := range snaps {
		out[i] = snapshotOut(s)
	}
	return map[string]any{"data": out}, nil
}

func (a *API) snapshot(r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, apierr.New(http.StatusNotFound, fmt.Sprintf("snapshot %q not found", r.PathValue("id")))
	}
	snaps, err := a.engine.Snapshots(r.Context(), store.SnapshotFilter{ID: id})
	if err != nil {
		return nil, err
	}
	return snapshotOut(snaps[0]), nil
}

// deleteSnapshot removes an import (administrators of the default
// organization); the previous import of its period becomes visible.
func (a *API) deleteSnapshot(r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, apierr.New(http.StatusNotFound, fmt.Sprintf("snapshot %q not found", r.PathValue("id")))
	}
	sn, err := a.engine.DeleteSnapshot(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return snapshotOut(sn), nil
}
