package cloudhealth

import (
	"context"

	"github.com/tally-cost/tally/internal/savedreport"
)

// SavedReportsFrom serves the custom reports saved through the native
// API (savedreport.Book) as this dialect's SavedReports, listing them
// too (SavedReportLister) for GET /olap_reports/custom. The book scopes
// both by the principal of ctx.
func SavedReportsFrom(b *savedreport.Book) SavedReports { return savedBook{b} }

type savedBook struct{ *savedreport.Book }

// List names the caller's saved reports, by id.
func (s savedBook) List(ctx context.Context) ([]SavedReportRef, error) {
	list, err := s.Book.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SavedReportRef, len(list))
	for i, r := range list {
		out[i] = SavedReportRef{ID: r.ID, Name: r.Name}
	}
	return out, nil
}

// The dialect lists saved reports only through SavedReportLister.
var _ SavedReportLister = savedBook{}
