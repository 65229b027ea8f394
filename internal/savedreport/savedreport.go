// Package savedreport keeps the custom reports users save: a name and
// the query of a CloudHealth OLAP report, in the form get_query answers
// ("dimensions[]=time&measures[]=cost&interval=monthly&filters[]=..."),
// owned by the organization (and partner customer) of whoever saved it.
// The native API saves them; the CloudHealth dialect serves them at
// /olap_reports/custom/:id.
//
// The query is checked here syntactically only: the meaning of its
// dimensions, measures and filters is the CloudHealth request parser's,
// which is dialect code that a domain package may not import. A saved
// query that the parser later refuses is reported by the dialect when
// the report is asked for.
package savedreport

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/ownedbook"
	"github.com/tally-cost/tally/internal/statedoc"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/textcheck"
)

// Sentinel errors; callers use errors.Is.
var (
	ErrInvalid  = errkind.Invalid.New("invalid saved report")
	ErrNotFound = errkind.NotFound.New("saved report not found")
)

// Report is one saved report.
type Report struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Query      string    `json:"query"`
	OrgID      int64     `json:"orgId"`
	CustomerID int64     `json:"customerId,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// Book is the saved reports over a store.DocStore, all in one document
// so that each change is one PutDocument.
type Book struct {
	items *ownedbook.Book[Report]
}

const docVersion = 1

const (
	// firstID: 12 digits, like the custom report ids clients use
	// (/olap_reports/custom/<12-digit id>), past 32 bits.
	firstID int64 = 100_000_000_001
	// MaxQuery bounds a query: CloudHealth's URIs are at most 4000
	// characters (§1.1), and the query is part of one.
	MaxQuery = 4000
	// maxDimensions is the OLAP API's limit (§4.2).
	maxDimensions = 4
)

// book is where and how the saved reports are kept.
var book = ownedbook.Config[Report]{
	Doc:      statedoc.Doc{Kind: "savedreport", Name: "reports", Version: docVersion, What: "saved reports"},
	Items:    "reports",
	FirstID:  firstID,
	ID:       func(r *Report) int64 { return r.ID },
	Sees:     sees,
	NotFound: ErrNotFound,
}

// Open loads the reports (none yet is an empty book); now is the clock
// (nil: time.Now).
func Open(ctx context.Context, docs store.DocStore, now func() time.Time) (*Book, error) {
	items, err := ownedbook.Open(ctx, book, docs, now)
	if err != nil {
		return nil, err
	}
	return &Book{items: items}, nil
}

// sees reports whether p may see r: the organization and customer that
// saved it, and callers of the default organization that see every
// account (who see every report's data anyway).
func sees(p *tenant.Principal, r *Report) bool { return p.SeesContentOf(r.OrgID, r.CustomerID) }

// MayEdit reports whether the caller may save, change and delete
// reports (editors and administrators, of any organization: a report is
// its own organization's); the API asks before it reads a body.
func (b *Book) MayEdit(ctx context.Context) error { return b.items.MayEdit(ctx) }

// List returns the reports the caller sees, by id.
func (b *Book) List(ctx context.Context) ([]Report, error) { return b.items.List(ctx) }

// Report returns one report, or ErrNotFound when it does not exist or
// the caller may not see it.
func (b *Book) Report(ctx context.Context, id int64) (Report, error) { return b.items.Get(ctx, id) }

// Get is the CloudHealth dialect's view of a report (its SavedReports):
// its name and query by the id of /olap_reports/custom/:id. A report
// that does not exist or that the caller may not see is ok false.
func (b *Book) Get(ctx context.Context, id int64) (name, query string, ok bool, err error) {
	r, err := b.Report(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	return r.Name, r.Query, true, nil
}

// Create saves a report for the caller's organization and customer.
func (b *Book) Create(ctx context.Context, name, query string) (Report, error) {
	return b.items.Create(ctx, func() (err error) { name, query, err = check(name, query); return err },
		func(id int64, p *tenant.Principal, now time.Time) Report {
			return Report{ID: id, Name: name, Query: query, OrgID: p.OrgID, CustomerID: p.CustomerID, CreatedAt: now, UpdatedAt: now}
		})
}

// Update replaces a report's name and query; its owner stays.
func (b *Book) Update(ctx context.Context, id int64, name, query string) (Report, error) {
	return b.items.Update(ctx, id, func() (err error) { name, query, err = check(name, query); return err },
		func(r *Report, now time.Time) { r.Name, r.Query, r.UpdatedAt = name, query, now })
}

// Delete removes a report.
func (b *Book) Delete(ctx context.Context, id int64) error { return b.items.Delete(ctx, id) }

// check validates a name and a query and returns them trimmed.
func check(name, query string) (string, string, error) {
	n, err := textcheck.Name("name", name)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	q, err := CheckQuery(query)
	if err != nil {
		return "", "", err
	}
	return n, q, nil
}

// The parameters a saved query may hold, as get_query writes them; the
// brackets may arrive percent-encoded (Python clients), which
// url.ParseQuery decodes.
const (
	paramDimensions = "dimensions[]"
	paramMeasures   = "measures[]"
	paramInterval   = "interval"
	paramFilters    = "filters[]"
)

var intervals = []string{"hourly", "daily", "weekly", "monthly"}

// CheckQuery checks the shape of a saved query and returns it trimmed:
// the whole get_query form "report=<name>?<query>" is accepted and
// reduced to its query. It must name at least one dimension or measure,
// at most four dimensions, a known interval, and filters of the form
// <dimension>:select|reject:<members>. Errors name the parameter and
// its position (1-based, counting "&"-separated parameters).
func CheckQuery(query string) (string, error) {
	q := strings.TrimSpace(query)
	if rest, ok := strings.CutPrefix(q, "report="); ok {
		_, q, _ = strings.Cut(rest, "?")
	}
	if q == "" {
		return "", fmt.Errorf("%w: query can't be blank", ErrInvalid)
	}
	if len(q) > MaxQuery {
		return "", fmt.Errorf("%w: query is longer than %d characters", ErrInvalid, MaxQuery)
	}
	var dims, measures int
	for i, part := range strings.Split(q, "&") {
		pos := i + 1
		if part == "" {
			continue
		}
		v, err := url.ParseQuery(part)
		if err != nil {
			return "", fmt.Errorf("%w: query parameter %d %q: %w", ErrInvalid, pos, part, err)
		}
		for key, vals := range v {
			val := vals[0]
			switch key {
			case paramDimensions:
				dims++
				if strings.TrimSpace(val) == "" {
					return "", fmt.Errorf("%w: query parameter %d: dimensions[] is blank", ErrInvalid, pos)
				}
			case paramMeasures:
				measures++
				if strings.TrimSpace(val) == "" {
					return "", fmt.Errorf("%w: query parameter %d: measures[] is blank", ErrInvalid, pos)
				}
			case paramInterval:
				if !slices.Contains(intervals, val) {
					return "", fmt.Errorf("%w: query parameter %d: interval %q is not one of %s", ErrInvalid, pos, val, strings.Join(intervals, ", "))
				}
			case paramFilters:
				f := strings.SplitN(val, ":", 3)
				if len(f) != 3 || f[0] == "" || (f[1] != "select" && f[1] != "reject") || f[2] == "" {
					return "", fmt.Errorf("%w: query parameter %d: filter %q is not <dimension>:select|reject:<members>", ErrInvalid, pos, val)
				}
			default:
				return "", fmt.Errorf("%w: query parameter %d: %q is not one of dimensions[], measures[], interval, filters[]", ErrInvalid, pos, key)
			}
		}
	}
	if dims > maxDimensions {
		return "", fmt.Errorf("%w: query has %d dimensions, at most %d", ErrInvalid, dims, maxDimensions)
	}
	if dims+measures == 0 {
		return "", fmt.Errorf("%w: query names no dimensions[] or measures[]", ErrInvalid)
	}
	return q, nil
}
