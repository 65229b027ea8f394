package native

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/savedreport"
)

// Reports is what the native API needs of the saved custom reports
// (savedreport.Book), which checks the caller's role and organization.
type Reports interface {
	MayEdit(ctx context.Context) error
	List(ctx context.Context) ([]savedreport.Report, error)
	Report(ctx context.Context, id int64) (savedreport.Report, error)
	Create(ctx context.Context, name, query string) (savedreport.Report, error)
	Update(ctx context.Context, id int64, name, query string) (savedreport.Report, error)
	Delete(ctx context.Context, id int64) error
}

// SetReports mounts the saved custom reports; without it their
// endpoints answer 501.
func (a *API) SetReports(r Reports) { a.reports = r }

// registerReports mounts /api/v1/reports: the custom reports that the
// CloudHealth dialect serves at /olap_reports/custom/:id.
func (a *API) registerReports(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/reports", a.handle(a.listReports))
	mux.HandleFunc("POST /api/v1/reports", a.handle(a.createReport))
	mux.HandleFunc("GET /api/v1/reports/{id}", a.handle(a.getReport))
	mux.HandleFunc("PUT /api/v1/reports/{id}", a.handle(a.updateReport))
	mux.HandleFunc("DELETE /api/v1/reports/{id}", a.handle(a.deleteReport))
}

type reportJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Query        string    `json:"query"`
	Organization int64     `json:"organization"`
	Customer     *int64    `json:"customer"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

func reportOut(r savedreport.Report) reportJSON {
	return reportJSON{ID: r.ID, Name: r.Name, Query: r.Query, Organization: r.OrgID, Customer: optID(r.CustomerID),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// reportRequest is the body of POST and PUT: both fields are required
// (PUT replaces the report).
type reportRequest struct {
	Name  *string `json:"name"`
	Query *string `json:"query"`
}

func (a *API) requireReports() (Reports, error) {
	if a.reports == nil {
		return nil, apierr.New(http.StatusNotImplemented, "saved reports are not configured on this server")
	}
	return a.reports, nil
}

// readReport checks the caller may write before it reads the body (a
// caller who may not learns nothing from the validation), then decodes
// it strictly.
func (a *API) readReport(r *http.Request) (Reports, string, string, error) {
	rs, err := a.requireReports()
	if err != nil {
		return nil, "", "", err
	}
	if err := rs.MayEdit(r.Context()); err != nil {
		return nil, "", "", err
	}
	var in reportRequest
	if err := decode(r, &in); err != nil {
		return nil, "", "", err
	}
	switch {
	case in.Name == nil:
		return nil, "", "", fmt.Errorf("%w: name: missing", savedreport.ErrInvalid)
	case in.Query == nil:
		return nil, "", "", fmt.Errorf("%w: query: missing (send the get_query form, dimensions[]=time&measures[]=cost&interval=monthly)", savedreport.ErrInvalid)
	}
	return rs, *in.Name, *in.Query, nil
}

func (a *API) listReports(r *http.Request) (any, error) {
	rs, err := a.requireReports()
	if err != nil {
		return nil, err
	}
	list, err := rs.List(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]reportJSON, len(list))
	for i, rp := range list {
		out[i] = reportOut(rp)
	}
	return map[string]any{"data": out}, nil
}

func (a *API) getReport(r *http.Request) (any, error) {
	rs, err := a.requireReports()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "report")
	if err != nil {
		return nil, err
	}
	rp, err := rs.Report(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return reportOut(rp), nil
}

func (a *API) createReport(r *http.Request) (any, error) {
	rs, name, query, err := a.readReport(r)
	if err != nil {
		return nil, err
	}
	rp, err := rs.Create(r.Context(), name, query)
	if err != nil {
		return nil, err
	}
	return created{reportOut(rp)}, nil
}

func (a *API) updateReport(r *http.Request) (any, error) {
	id, err := pathID(r, "report")
	if err != nil {
		return nil, err
	}
	rs, name, query, err := a.readReport(r)
	if err != nil {
		return nil, err
	}
	rp, err := rs.Update(r.Context(), id, name, query)
	if err != nil {
		return nil, err
	}
	return reportOut(rp), nil
}

func (a *API) deleteReport(r *http.Request) (any, error) {
	rs, err := a.requireReports()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "report")
	if err != nil {
		return nil, err
	}
	if err := rs.MayEdit(r.Context()); err != nil {
		return nil, err
	}
	return noContent{}, rs.Delete(r.Context(), id)
}
