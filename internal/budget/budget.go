// Package budget keeps cost budgets: a name, a scope written as a native
// filter expression (an account, a service, a tag value, a perspective's
// group, or nothing for all the owner sees), a monthly amount in a
// currency, the metric it is measured in and alert thresholds in percent.
// A budget belongs to the organization (and partner customer) of whoever
// created it, like a saved report (internal/savedreport): it is visible
// to them and to unscoped keys of the default organization, and editors
// write it. All budgets are one state document (internal/statedoc).
//
// What a budget has spent is not kept here: the native API asks the
// engine, as the caller, so that a budget never shows costs outside the
// caller's scope whoever created it.
package budget

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/ownedbook"
	"github.com/tally-cost/tally/internal/statedoc"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/textcheck"
)

// Sentinel errors; callers use errors.Is.
var (
	ErrInvalid  = errkind.Invalid.New("invalid budget")
	ErrNotFound = errkind.NotFound.New("budget not found")
)

// Budget is one monthly budget.
type Budget struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Filter string `json:"filter"` // native filter expression; "" is everything
	Metric string `json:"metric"`
	// Amount is the monthly amount, an exact decimal string.
	Amount     string    `json:"amount"`
	Currency   string    `json:"currency"`
	Thresholds []int     `json:"thresholds"` // percent of Amount, ascending
	OrgID      int64     `json:"orgId"`
	CustomerID int64     `json:"customerId,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// Spec is what a caller sets; Create and Update fill the defaults.
type Spec struct {
	Name       string
	Filter     string
	Metric     string // "" is billed
	Amount     string
	Currency   string
	Thresholds []int // nil is DefaultThresholds
}

// DefaultThresholds alert at half the budget, at 80 % and when it is
// spent.
var DefaultThresholds = []int{50, 80, 100}

const (
	maxThresholds = 10
	maxThreshold  = 1000 // percent: ten times the budget
	// maxAmountDigits bounds an amount's digits: a budget is money, not
	// a place to store 10^1000.
	maxAmountDigits = 30
	// MaxFilter bounds a filter expression, like a URL's query.
	MaxFilter = 4000
)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Book is the budgets over a store.DocStore.
type Book struct {
	items *ownedbook.Book[Budget]
}

const docVersion = 1

// book is where and how the budgets are kept.
var book = ownedbook.Config[Budget]{
	Doc:      statedoc.Doc{Kind: "budget", Name: "budgets", Version: docVersion, What: "budgets"},
	Items:    "budgets",
	FirstID:  1,
	ID:       func(b *Budget) int64 { return b.ID },
	Sees:     sees,
	Clone:    clone,
	NotFound: ErrNotFound,
}

// Open loads the budgets (none yet is an empty book); now is the clock
// (nil: time.Now).
func Open(ctx context.Context, docs store.DocStore, now func() time.Time) (*Book, error) {
	items, err := ownedbook.Open(ctx, book, docs, now)
	if err != nil {
		return nil, err
	}
	return &Book{items: items}, nil
}

// sees: the owner, and unscoped callers of the default organization
// (who see every account's costs anyway), as for saved reports.
func sees(p *tenant.Principal, b *Budget) bool { return p.SeesContentOf(b.OrgID, b.CustomerID) }

// MayEdit reports whether the caller may create, change and delete
// budgets; the API asks before it reads a body.
func (b *Book) MayEdit(ctx context.Context) error { return b.items.MayEdit(ctx) }

// List returns the budgets the caller sees, by id.
func (b *Book) List(ctx context.Context) ([]Budget, error) { return b.items.List(ctx) }

// Get returns one budget, or ErrNotFound when it does not exist or the
// caller may not see it.
func (b *Book) Get(ctx context.Context, id int64) (Budget, error) { return b.items.Get(ctx, id) }

// Create saves a budget for the caller's organization and customer.
func (b *Book) Create(ctx context.Context, s Spec) (Budget, error) {
	return b.items.Create(ctx, func() (err error) { s, err = Check(s); return err }, func(id int64, p *tenant.Principal, now time.Time) Budget {
		bg := Budget{ID: id, OrgID: p.OrgID, CustomerID: p.CustomerID, CreatedAt: now, UpdatedAt: now}
		bg.set(s)
		return bg
	})
}

// Update replaces a budget's settings; its owner stays.
func (b *Book) Update(ctx context.Context, id int64, s Spec) (Budget, error) {
	return b.items.Update(ctx, id, func() (err error) { s, err = Check(s); return err }, func(bg *Budget, now time.Time) {
		bg.set(s)
		bg.UpdatedAt = now
	})
}

// Delete removes a budget.
func (b *Book) Delete(ctx context.Context, id int64) error { return b.items.Delete(ctx, id) }

func (bg *Budget) set(s Spec) {
	bg.Name, bg.Filter, bg.Metric, bg.Amount, bg.Currency = s.Name, s.Filter, s.Metric, s.Amount, s.Currency
	bg.Thresholds = slices.Clone(s.Thresholds)
}

func clone(b *Budget) Budget {
	c := *b
	c.Thresholds = slices.Clone(b.Thresholds)
	return c
}

// Check validates a spec and returns it normalised: name trimmed, filter
// parsed (and kept as written, trimmed), metric and currency in their
// canonical spelling, the amount as a canonical decimal, thresholds
// sorted.
func Check(s Spec) (Spec, error) {
	var err error
	if s.Name, err = textcheck.Name("name", s.Name); err != nil {
		return s, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	s.Filter = strings.TrimSpace(s.Filter)
	if len(s.Filter) > MaxFilter {
		return s, fmt.Errorf("%w: filter is longer than %d characters", ErrInvalid, MaxFilter)
	}
	if _, err := filter.ParseKubecost(s.Filter, filter.NativeFields); err != nil {
		return s, fmt.Errorf("%w: filter: %w", ErrInvalid, err)
	}
	if s.Metric == "" {
		s.Metric = cost.Billed.String()
	}
	m, err := cost.ParseMetric(s.Metric)
	if err != nil {
		return s, fmt.Errorf("%w: metric: %w", ErrInvalid, err)
	}
	s.Metric = m.String()
	amt, err := decimal.NewFromString(strings.TrimSpace(s.Amount))
	switch {
	case s.Amount == "":
		return s, fmt.Errorf("%w: amount: missing (a decimal string such as \"1200.00\")", ErrInvalid)
	case err != nil:
		return s, fmt.Errorf("%w: amount: %q is not a decimal number", ErrInvalid, s.Amount)
	case !amt.IsPositive():
		return s, fmt.Errorf("%w: amount: %s is not positive", ErrInvalid, s.Amount)
	case len(amt.Coefficient().String()) > maxAmountDigits || amt.Exponent() < -maxAmountDigits || amt.Exponent() > maxAmountDigits:
		return s, fmt.Errorf("%w: amount: %q has more than %d digits", ErrInvalid, s.Amount, maxAmountDigits)
	}
	s.Amount = amt.String()
	s.Currency = strings.ToUpper(strings.TrimSpace(s.Currency))
	if !currencyCode.MatchString(s.Currency) {
		return s, fmt.Errorf("%w: currency: %q is not a three-letter ISO 4217 code", ErrInvalid, s.Currency)
	}
	if s.Thresholds == nil {
		s.Thresholds = slices.Clone(DefaultThresholds)
	}
	if len(s.Thresholds) > maxThresholds {
		return s, fmt.Errorf("%w: thresholds: %d, at most %d", ErrInvalid, len(s.Thresholds), maxThresholds)
	}
	s.Thresholds = slices.Clone(s.Thresholds)
	slices.Sort(s.Thresholds)
	for i, t := range s.Thresholds {
		if t < 1 || t > maxThreshold {
			return s, fmt.Errorf("%w: thresholds: %d is not a percentage from 1 to %d", ErrInvalid, t, maxThreshold)
		}
		if i > 0 && s.Thresholds[i-1] == t {
			return s, fmt.Errorf("%w: thresholds: %d appears twice", ErrInvalid, t)
		}
	}
	return s, nil
}
