package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/tenant"
)

// ErrNoRates is returned by exchange-rate writes on an engine that was
// given no rate book.
var ErrNoRates = errors.New("engine: no exchange-rate book")

// SetRates gives the engine the exchange rates an administrator set; the
// engine attaches them to every USD question (withRates).
func (e *Engine) SetRates(b *rates.Book) { e.rates = b }

// withRates returns the rates of the months a USD question over w may
// convert at, none without a book.
func (e *Engine) withRates(ctx context.Context, w cost.Window) ([]cost.Rate, error) {
	if e.rates == nil {
		return nil, nil
	}
	rs, err := e.rates.For(ctx, w)
	if err != nil {
		return nil, fmt.Errorf("reading exchange rates: %w", err)
	}
	return rs, nil
}

// ExchangeRates lists the effective rates. Any caller may read them:
// rates are global, not a tenant's, and they explain the USD amounts
// every tenant sees.
func (e *Engine) ExchangeRates(ctx context.Context) ([]rates.Entry, error) {
	if _, err := callerScope(ctx); err != nil {
		return nil, err
	}
	if e.rates == nil {
		return nil, nil
	}
	return e.rates.List(ctx)
}

// SetExchangeRates replaces the rates of month set through the API (see
// rates.Book.Set). Only administrators of the default organization may:
// a rate changes the USD amounts of every tenant. The change is audited.
func (e *Engine) SetExchangeRates(ctx context.Context, month time.Time, rs []cost.Rate) error {
	return e.changeRates(ctx, "set", month, rates.Describe(rs), func(b *rates.Book) error { return b.Set(ctx, month, rs) })
}

// DeleteExchangeRates removes the rates of month set through the API.
func (e *Engine) DeleteExchangeRates(ctx context.Context, month time.Time) error {
	return e.changeRates(ctx, "delete", month, "", func(b *rates.Book) error { return b.Delete(ctx, month) })
}

// MaySetRates reports whether the caller may change exchange rates, for
// a dialect that checks permissions before reading a request.
func (e *Engine) MaySetRates(ctx context.Context) error {
	_, err := e.rateSetter(ctx)
	return err
}

// rateSetter returns the caller when it may change exchange rates.
func (e *Engine) rateSetter(ctx context.Context) (*tenant.Principal, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, ErrNoPrincipal
	}
	if err := p.RequireWhole(tenant.Administer, "administrators", "set exchange rates"); err != nil {
		return nil, err
	}
	if e.rates == nil {
		return nil, ErrNoRates
	}
	return p, nil
}

// changeRates makes one change of the rate book and audits it as action
// on the month, with detail.
func (e *Engine) changeRates(ctx context.Context, action string, month time.Time, detail string, do func(*rates.Book) error) error {
	p, err := e.rateSetter(ctx)
	if err != nil {
		return err
	}
	defer e.Changed() // as a registry change (registry.go)
	if err := do(e.rates); err != nil {
		return err
	}
	if e.audit == nil {
		return nil
	}
	id := month.Format("2006-01")
	if err := e.audit(ctx, p, action, "exchange-rates", id, detail); err != nil {
		return fmt.Errorf("recording the %s of the exchange rates of %s: %w", action, id, err)
	}
	return nil
}
