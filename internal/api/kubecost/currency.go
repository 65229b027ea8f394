package kubecost

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// Kubecost has no currency field: an answer's amounts are the bill's.
// When every line item an answer selects shares one billing currency
// (a deployment billed in NOK or EUR only), the answer is in that
// currency. When currencies mix, amounts are converted to USD with the
// bill's own values (Azure's USD columns, a dollar bill's amounts), and
// items without one are left out with a warning (Request.query); a rates
// table set by an administrator is not built yet.

// errMixed stops a billing-currency answer on its second currency.
var errMixed = errors.New("currencies mix")

// stream answers q (one of Request.query, in USD) in the answer's one
// billing currency when there is one, else in USD. fn receives the rows;
// reset is called when rows already received must be dropped because
// the answer turned out to mix currencies.
func (a *API) stream(ctx context.Context, q query.Query, reset func(), fn func(query.Row) error) (query.Stats, error) {
	billed := q
	billed.USD, billed.PricedOnly = false, false
	if q.Top > 0 || q.Limit > 0 || q.Offset > 0 {
		// A page or a top-N shows only part of the answer, so its rows
		// cannot tell whether the rest shares their currency: ask.
		cs, err := a.currencies(ctx, q)
		if err != nil {
			return query.Stats{}, err
		}
		if len(cs) == 1 {
			st, err := a.engine.Stream(ctx, billed, fn)
			st.MissingUSD = 0
			return st, err
		}
	} else {
		cur, first := "", true
		st, err := a.engine.Stream(ctx, billed, func(r query.Row) error {
			if first {
				cur, first = r.Currency, false
			} else if r.Currency != cur {
				return errMixed
			}
			return fn(r)
		})
		if err == nil && !first {
			st.MissingUSD = 0
			return st, nil
		}
		if err != nil && !errors.Is(err, errMixed) {
			return st, err
		}
		reset()
	}
	st, err := a.engine.Stream(ctx, q, fn)
	if err != nil {
		return st, err
	}
	return st, a.warnCurrencies(ctx, q, st)
}

// sameItems is a question about the line items q selects, billed cost
// only, in one bucket and no groups: what the currency checks ask. Spread
// included: an item charged since before the window counts in it.
func sameItems(q query.Query) query.Query {
	return query.Query{Window: q.Window, Filter: q.Filter, Mappings: q.Mappings, Metrics: []cost.Metric{cost.Billed}, Spread: q.Spread}
}

// currencies lists the billing currencies of the line items q selects.
func (a *API) currencies(ctx context.Context, q query.Query) ([]string, error) {
	var out []string
	_, err := a.engine.Stream(ctx, sameItems(q), func(r query.Row) error {
		out = append(out, r.Currency)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("finding the answer's currencies: %w", err)
	}
	return out, nil
}

// warnCurrencies says, for an answer in USD over mixed currencies, what
// it could not convert (the line items left out, by billing currency and
// month, for want of a USD value or an exchange rate) and which
// administrator's rates it converted at, rather than silently show a
// smaller total or amounts the bills do not state. The breakdown is one
// more question, asked only when there is something to say.
func (a *API) warnCurrencies(ctx context.Context, q query.Query, st query.Stats) error {
	if st.MissingUSD == 0 && len(st.Rates) == 0 {
		return nil
	}
	bq := sameItems(q)
	bq.USD, bq.GroupBy, bq.Step = true, []cost.Dimension{cost.DimCurrency}, query.Months(1)
	var missing, used []string
	usedRate := make([]bool, len(st.Rates))
	_, err := a.engine.Stream(ctx, bq, func(r query.Row) error {
		currency, month := r.Keys[0], r.Start.Format("2006-01")
		if r.MissingUSD > 0 {
			missing = append(missing, fmt.Sprintf("%d in %s for %s", r.MissingUSD, currency, month))
		}
		if r.Items > r.MissingUSD {
			for i, rt := range st.Rates {
				if !usedRate[i] && rt.Applies(currency, r.Start) {
					usedRate[i] = true
					used = append(used, fmt.Sprintf("%s %s = %s USD", currency, rt.Month.Format("2006-01"), rt.USD))
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finding the items not converted to USD: %w", err)
	}
	if len(missing) > 0 {
		warn(ctx, fmt.Sprintf("%d line items are billed in another currency without a USD value or an exchange rate and are not included (%s); an administrator can set rates with PUT /api/v1/exchange-rates/{month}",
			st.MissingUSD, strings.Join(missing, ", ")))
	}
	if len(used) > 0 {
		warn(ctx, "amounts without a USD value in the bill are converted at exchange rates an administrator set: "+strings.Join(used, ", "))
	}
	return nil
}
