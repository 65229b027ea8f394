package azurebilling

import (
	"bufio"
	"fmt"
	"net/http"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

// entryJSON is a cost entry in upstream's shape (§6). Amounts are the
// billed metric: cost_in_billing_currency is the export's
// costInBillingCurrency (billing-formats.md §6.10: billed = the actual
// export's CostInBillingCurrency) and cost_in_usd its costInUsd. A bill
// in USD has its amounts in USD; a bill in another currency without a
// USD column (EA, PAYG) has no USD value and shows null rather than a
// number in the wrong currency (§9 #13).
func entryJSON(e *store.Entry, c *catalog, g *registered) obj {
	li := &e.Item
	var snap any
	if s, ok := c.byID[e.SnapshotID]; ok {
		snap = snapshotJSON(s)
	}
	tags := li.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return obj{
		{"id", e.ID},
		{"subscription", subscriptions.fromItem(li, g)},
		{"resource", resources.fromItem(li, g)},
		{"meter", meters.fromItem(li, g)},
		{"snapshot", snap},
		{"date", dateText(li.ChargePeriodStart)},
		{"cost_in_usd", fixed(li.USD[cost.Billed], 4)},
		{"cost_in_billing_currency", fixed(decimal.NewNullDecimal(li.Cost[cost.Billed]), 4)},
		{"billing_currency", li.BillingCurrency},
		{"quantity", fixed(li.ConsumedQuantity, 4)},
		{"unit_price", fixed(li.UnitPrice, 6)},
		{"payg_price", fixed(li.ListUnitPrice, 6)},
		{"pricing_model", pricingModel(li.PricingCategory, li.CommitmentDiscountType)},
		{"charge_type", li.ChargeType},
		{"publisher_name", li.PublisherName},
		{"cost_center", li.CostCenter},
		{"tags", tags},
	}
}

// selection is the window and snapshot selection of a cost request
// (§7.3): without a date, each source's newest run of each billing
// period; with date=D, per subscription the newest completed run holding
// D, rows of D only. An explicit snapshot (a Tally extension of
// cost-entries and aggregate) reads that run, superseded or not, and a
// date then keeps its rows of that day.
func (q request) selection() (cost.Window, query.Selection) {
	var w cost.Window
	if q.dateValid {
		w = cost.Window{Start: q.day, End: q.day.AddDate(0, 0, 1)}
	}
	switch {
	case q.snapshot != 0:
		return w, query.Selection{Snapshots: []int64{q.snapshot}}
	case q.dateValid:
		return w, query.Selection{Day: q.day}
	}
	return w, query.Selection{}
}

// entryReq is a parsed cost-entries request.
type entryReq struct {
	eq store.EntryQuery
	c  *catalog
	g  *registered
	// empty reports a request that selects nothing: an unparsable date
	// (upstream answers it with an empty list, §5.1) or a snapshot that
	// is not one of the caller's Azure snapshots.
	empty bool
}

// entryRequest parses a cost-entries request.
func (a *API) entryRequest(r *http.Request) (entryReq, error) {
	var er entryReq
	q, err := parseRequest(r.URL.Query(), false)
	if err != nil {
		return er, err
	}
	if er.c, err = a.catalog(r.Context()); err != nil {
		return er, err
	}
	if er.g, err = a.registered(r.Context(), true); err != nil {
		return er, err
	}
	if q.dateGiven && !q.dateValid {
		er.empty = true
		return er, nil
	}
	if _, ok := er.c.byID[q.snapshot]; q.snapshot != 0 && !ok {
		er.empty = true
		return er, nil
	}
	er.eq.Window, er.eq.Selection = q.selection()
	er.eq.Filter = q.expr(er.c.sources)
	return er, nil
}

// maxPage bounds page numbers so that the offset cannot overflow; no
// list has that many pages.
const maxPage = 1 << 40

// entryList serves cost-entries/: a streamed array, or one page.
func (a *API) entryList(r *http.Request) (any, error) {
	p, err := parsePage(r.URL.Query())
	if err != nil {
		return nil, err
	}
	er, err := a.entryRequest(r)
	if err != nil {
		return nil, err
	}
	if p.asked {
		return a.entryPage(r, p, er)
	}
	if er.empty {
		return []any{}, nil
	}
	return stream(func(w *bufio.Writer) error {
		if err := w.WriteByte('['); err != nil {
			return err
		}
		n := 0
		_, err := a.engine.Entries(r.Context(), er.eq, func(e *store.Entry) error {
			b, err := marshal(entryJSON(e, er.c, er.g))
			if err != nil {
				return fmt.Errorf("encoding entry %d: %w", e.ID, err)
			}
			if n > 0 {
				w.WriteByte(',')
			}
			n++
			_, err = w.Write(b)
			return err
		})
		if err != nil {
			return err
		}
		_, err = w.WriteString("]\n")
		return err
	}), nil
}

// entryPage serves one page of cost entries; a page is small enough to
// hold, and the count must precede the results.
func (a *API) entryPage(r *http.Request, p page, er entryReq) (any, error) {
	if er.empty {
		n, err := p.resolve(0)
		if err != nil {
			return nil, err
		}
		return pageBody(r, p, n, 0, []any{}), nil
	}
	if p.number > maxPage {
		return nil, &detailError{status: http.StatusNotFound, detail: msgInvalidPage}
	}
	eq := er.eq
	n := p.number
	if p.last {
		// The last page's number needs the count first.
		eq.Limit = 1
		total, err := a.engine.Entries(r.Context(), eq, func(*store.Entry) error { return nil })
		if err != nil {
			return nil, err
		}
		if n, err = p.resolve(total); err != nil {
			return nil, err
		}
	}
	eq.Limit, eq.Offset = p.size, (n-1)*p.size
	results := []any{}
	total, err := a.engine.Entries(r.Context(), eq, func(e *store.Entry) error {
		results = append(results, entryJSON(e, er.c, er.g))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := p.resolve(total); err != nil && !p.last {
		return nil, err
	}
	return pageBody(r, p, n, total, results), nil
}

// entryDetail serves cost-entries/{id}/. An entry id is its snapshot id
// times 2^32 plus its position (store.Entry): the store looks it up
// (EntryQuery.ID) in that snapshot only.
func (a *API) entryDetail(r *http.Request, id int64) (any, error) {
	c, err := a.catalog(r.Context())
	if err != nil {
		return nil, err
	}
	if _, ok := c.byID[id>>32]; !ok {
		return nil, notFound()
	}
	g, err := a.registered(r.Context(), true)
	if err != nil {
		return nil, err
	}
	var found obj
	eq := store.EntryQuery{Selection: query.Selection{Snapshots: []int64{id >> 32}}, Filter: microsoft, ID: id}
	_, err = a.engine.Entries(r.Context(), eq, func(e *store.Entry) error {
		found = entryJSON(e, c, g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, notFound()
	}
	return found, nil
}
