package native

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rates"
)

// The exchange rates an administrator sets for bills without USD values
// (internal/rates): read by every key, since they explain the USD amounts
// every tenant sees; set and deleted per month by administrators of the
// default organization, audited by the engine.
func (a *API) registerRates(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/exchange-rates", a.handle(a.listRates))
	mux.HandleFunc("PUT /api/v1/exchange-rates/{month}", a.handle(a.setRates))
	mux.HandleFunc("DELETE /api/v1/exchange-rates/{month}", a.handle(a.deleteRates))
}

// rateJSON is one rate: the value of one unit of currency in US dollars
// during month, as a decimal string (exact), and whether it was set in
// the configuration file or through this API, whose rate wins.
type rateJSON struct {
	Month    string `json:"month"`
	Currency string `json:"currency"`
	USD      string `json:"usd"`
	Source   string `json:"source,omitempty"`
}

type ratesResponse struct {
	Rates []rateJSON `json:"rates"`
}

// ratesRequest is the body of PUT: every rate of the month, currency →
// value (a decimal string or number); it replaces the month's rates set
// through the API.
type ratesRequest struct {
	Rates map[string]json.RawMessage `json:"rates"`
}

func rateOut(r cost.Rate, source string) rateJSON {
	return rateJSON{Month: r.Month.Format("2006-01"), Currency: r.Currency, USD: r.USD.String(), Source: source}
}

func (a *API) listRates(r *http.Request) (any, error) {
	es, err := a.engine.ExchangeRates(r.Context())
	if err != nil {
		return nil, err
	}
	out := ratesResponse{Rates: make([]rateJSON, len(es))}
	for i, e := range es {
		out.Rates[i] = rateOut(e.Rate, e.Source)
	}
	return out, nil
}

func (a *API) setRates(r *http.Request) (any, error) {
	// Permission first, as for every write: a caller who may not set
	// rates learns nothing from the validation of its body.
	if err := a.engine.MaySetRates(r.Context()); err != nil {
		return nil, err
	}
	month, err := rates.ParseMonth(r.PathValue("month"))
	if err != nil {
		return nil, err
	}
	var req ratesRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.Rates == nil {
		return nil, fmt.Errorf("%w: rates: missing (send {\"rates\": {\"EUR\": \"1.0825\"}})", cost.ErrInvalid)
	}
	rs, err := rates.Parse(month, req.Rates)
	if err != nil {
		return nil, err
	}
	if err := a.engine.SetExchangeRates(r.Context(), month, rs); err != nil {
		return nil, err
	}
	out := ratesResponse{Rates: make([]rateJSON, len(rs))}
	for i, rt := range rs {
		out.Rates[i] = rateOut(rt, rates.FromAPI)
	}
	return out, nil
}

func (a *API) deleteRates(r *http.Request) (any, error) {
	if err := a.engine.MaySetRates(r.Context()); err != nil {
		return nil, err
	}
	month, err := rates.ParseMonth(r.PathValue("month"))
	if err != nil {
		return nil, err
	}
	return noContent{}, a.engine.DeleteExchangeRates(r.Context(), month)
}
