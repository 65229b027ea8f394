// Package rates keeps the exchange rates an administrator sets, per
// month and currency, for bills that give no USD value of their own: a
// USD answer over bills in several currencies converts those items at
// these rates (query.Query.Rates; the engine attaches them). A rate is
// the value of one unit of the currency in US dollars (cost.Rate).
//
// Rates come from two places: the configuration file, read when the
// server starts (Config), and the native API, kept as one document per
// month in the state store. Where both give a currency's rate for a
// month, the API's wins: it is the later, audited decision, and the file
// stays the default for what the API has not set. Deleting a month
// through the API removes the API's rates only; the file's are changed
// in the file.
package rates

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
)

// DocKind is the kind of the state store's documents holding the rates
// set through the API, one per month, named YYYY-MM ("<package>.<thing>"
// as the pipeline's and the registry's kinds are).
const DocKind = "rates.month"

// Where a rate comes from (Entry.Source).
const (
	FromConfig = "config"
	FromAPI    = "api"
)

// Entry is one effective rate and where it comes from.
type Entry struct {
	cost.Rate
	Source string
}

// Book holds the rates of the configuration file and reads and writes
// those of the API in a document store.
type Book struct {
	docs   store.DocStore
	config []cost.Rate
}

// New returns the book over docs with the configuration file's rates.
func New(docs store.DocStore, config []cost.Rate) *Book {
	return &Book{docs: docs, config: slices.Clone(config)}
}

// doc is the stored body of a month's rates: currency → USD value, as
// decimal text, so that no digit is lost.
type doc struct {
	Rates map[string]string `json:"rates"`
}

// List returns every effective rate, by month then currency.
func (b *Book) List(ctx context.Context) ([]Entry, error) {
	api, err := b.stored(ctx)
	if err != nil {
		return nil, err
	}
	type key struct {
		month    time.Time
		currency string
	}
	byKey := map[key]Entry{}
	for _, r := range b.config {
		byKey[key{r.Month, r.Currency}] = Entry{Rate: r, Source: FromConfig}
	}
	for _, r := range api {
		byKey[key{r.Month, r.Currency}] = Entry{Rate: r, Source: FromAPI}
	}
	out := make([]Entry, 0, len(byKey))
	for _, e := range byKey {
		out = append(out, e)
	}
	slices.SortFunc(out, func(x, y Entry) int {
		if c := x.Month.Compare(y.Month); c != 0 {
			return c
		}
		return strings.Compare(x.Currency, y.Currency)
	})
	return out, nil
}

// For returns the effective rates of the months that overlap w, the
// ones a question about w can use.
func (b *Book) For(ctx context.Context, w cost.Window) ([]cost.Rate, error) {
	all, err := b.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []cost.Rate
	for _, e := range all {
		if e.Month.Before(w.End) && e.Month.AddDate(0, 1, 0).After(w.Start) {
			out = append(out, e.Rate)
		}
	}
	return out, nil
}

// Set replaces the rates of month set through the API with rates (all of
// that month, checked by Parse).
func (b *Book) Set(ctx context.Context, month time.Time, rates []cost.Rate) error {
	d := doc{Rates: make(map[string]string, len(rates))}
	for _, r := range rates {
		if !r.Month.Equal(month) {
			return fmt.Errorf("%w: a rate of %s among the rates of %s", cost.ErrInvalid, r.Month.Format(monthLayout), month.Format(monthLayout))
		}
		if err := r.Check(); err != nil {
			return err
		}
		d.Rates[r.Currency] = r.USD.String()
	}
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := b.docs.PutDocument(ctx, DocKind, month.Format(monthLayout), body); err != nil {
		return fmt.Errorf("storing the exchange rates of %s: %w", month.Format(monthLayout), err)
	}
	return nil
}

// Delete removes the rates of month set through the API;
// store.ErrNotFound when there are none.
func (b *Book) Delete(ctx context.Context, month time.Time) error {
	docs, err := b.docs.Documents(ctx, DocKind)
	if err != nil {
		return err
	}
	name := month.Format(monthLayout)
	if _, ok := docs[name]; !ok {
		return fmt.Errorf("%w: no exchange rates of %s were set through the API", store.ErrNotFound, name)
	}
	return b.docs.DeleteDocument(ctx, DocKind, name)
}

// stored reads the rates set through the API.
func (b *Book) stored(ctx context.Context) ([]cost.Rate, error) {
	docs, err := b.docs.Documents(ctx, DocKind)
	if err != nil {
		return nil, fmt.Errorf("reading exchange rates: %w", err)
	}
	var out []cost.Rate
	for name, body := range docs {
		month, err := ParseMonth(name)
		if err != nil {
			return nil, fmt.Errorf("stored exchange rates %q: %w", name, err)
		}
		var d doc
		if err := json.Unmarshal(body, &d); err != nil {
			return nil, fmt.Errorf("stored exchange rates %s: %w", name, err)
		}
		rates, err := parseValues("rates", month, d.Rates)
		if err != nil {
			return nil, fmt.Errorf("stored exchange rates %s: %w", name, err)
		}
		out = append(out, rates...)
	}
	return out, nil
}

const monthLayout = "2006-01"

// ParseMonth reads a month as YYYY-MM.
func ParseMonth(s string) (time.Time, error) {
	m, err := time.Parse(monthLayout, s)
	if err != nil || m.Year() < 1900 || m.Format(monthLayout) != s {
		return time.Time{}, fmt.Errorf("%w: month %q is not a month as YYYY-MM", cost.ErrInvalid, s)
	}
	return m, nil
}

// Parse reads the rates of one month, given as currency → value, each
// value a JSON number or a string holding one ({"EUR": 1.0825} or
// {"EUR": "1.0825"}). An error names the field as rates.<currency>.
func Parse(month time.Time, values map[string]json.RawMessage) ([]cost.Rate, error) {
	return parseRaw("rates", month, values)
}

// parseRaw is Parse naming fields under prefix.
func parseRaw(prefix string, month time.Time, values map[string]json.RawMessage) ([]cost.Rate, error) {
	text := make(map[string]string, len(values))
	for cur, raw := range values {
		v := string(bytes.TrimSpace(raw))
		if strings.HasPrefix(v, `"`) {
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("%s.%s: %w: %v", prefix, cur, cost.ErrInvalid, err)
			}
		}
		text[cur] = v
	}
	return parseValues(prefix, month, text)
}

// parseValues reads and checks the decimal texts of one month's rates;
// errors name the field under prefix.
func parseValues(prefix string, month time.Time, values map[string]string) ([]cost.Rate, error) {
	if len(values) == 0 {
		return nil, fmt.Errorf("%s: %w: no currency given", prefix, cost.ErrInvalid)
	}
	out := make([]cost.Rate, 0, len(values))
	for cur, v := range values {
		// A plain decimal only: an exponent or a JSON true/null is a
		// typing mistake, not a rate.
		d, err := decimal.NewFromString(v)
		if err != nil || strings.ContainsAny(v, "eE") {
			return nil, fmt.Errorf("%s.%s: %w: %s is not a decimal number", prefix, cur, cost.ErrInvalid, strconv.Quote(v))
		}
		r := cost.Rate{Month: month, Currency: cur, USD: d}
		if err := r.Check(); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", prefix, cur, err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y cost.Rate) int { return strings.Compare(x.Currency, y.Currency) })
	return out, nil
}

// Config reads the exchangeRates section of the configuration file:
// month → currency → value, as
//
//	"exchangeRates": {"2026-03": {"EUR": "1.0825", "NOK": "0.0921"}}
//
// An error names the field as exchangeRates.<month>.<currency>.
func Config(raw json.RawMessage) ([]cost.Rate, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var months map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &months); err != nil {
		return nil, fmt.Errorf("exchangeRates: %w: want an object of months (YYYY-MM), each an object of currency: rate: %v", cost.ErrInvalid, err)
	}
	names := make([]string, 0, len(months))
	for name := range months {
		names = append(names, name)
	}
	slices.Sort(names)
	var out []cost.Rate
	for _, name := range names {
		month, err := ParseMonth(name)
		if err != nil {
			return nil, fmt.Errorf("exchangeRates.%s: %w", name, err)
		}
		rates, err := parseRaw("exchangeRates."+name, month, months[name])
		if err != nil {
			return nil, err
		}
		out = append(out, rates...)
	}
	return out, nil
}

// Describe renders rates as "EUR=1.0825 NOK=0.0921", for the audit log
// and warnings.
func Describe(rates []cost.Rate) string {
	parts := make([]string, len(rates))
	for i, r := range rates {
		parts[i] = r.Currency + "=" + r.USD.String()
	}
	return strings.Join(parts, " ")
}
