package native

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/budget"
	"github.com/tally-cost/tally/internal/cost"
)

// Budgets is what the native API needs of the budgets (budget.Book),
// which checks the caller's role and organization.
type Budgets interface {
	MayEdit(ctx context.Context) error
	List(ctx context.Context) ([]budget.Budget, error)
	Get(ctx context.Context, id int64) (budget.Budget, error)
	Create(ctx context.Context, s budget.Spec) (budget.Budget, error)
	Update(ctx context.Context, id int64, s budget.Spec) (budget.Budget, error)
	Delete(ctx context.Context, id int64) error
}

// SetBudgets mounts the budgets; without it their endpoints answer 501.
func (a *API) SetBudgets(b Budgets) { a.budgets = b }

// SetClock sets the time relative windows and budget months are read
// against (tests pin it to their data); the default is the wall clock.
func (a *API) SetClock(now func() time.Time) { a.now = now }

// registerBudgets mounts /api/v1/budgets, /api/v1/forecast and
// /api/v1/anomalies.
func (a *API) registerBudgets(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/budgets", a.handle(a.listBudgets))
	mux.HandleFunc("POST /api/v1/budgets", a.handle(a.createBudget))
	mux.HandleFunc("GET /api/v1/budgets/{id}", a.handle(a.getBudget))
	mux.HandleFunc("PUT /api/v1/budgets/{id}", a.handle(a.updateBudget))
	mux.HandleFunc("DELETE /api/v1/budgets/{id}", a.handle(a.deleteBudget))
	mux.HandleFunc("GET /api/v1/budgets/{id}/status", a.handle(a.budgetStatus))
	mux.HandleFunc("GET /api/v1/forecast", a.handle(a.forecast))
	mux.HandleFunc("GET /api/v1/anomalies", a.handle(a.anomalies))
}

type budgetJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Filter       string    `json:"filter"`
	Metric       string    `json:"metric"`
	Amount       string    `json:"amount"`
	Currency     string    `json:"currency"`
	Thresholds   []int     `json:"thresholds"`
	Organization int64     `json:"organization"`
	Customer     *int64    `json:"customer"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

func budgetOut(b budget.Budget) budgetJSON {
	return budgetJSON{ID: b.ID, Name: b.Name, Filter: b.Filter, Metric: b.Metric, Amount: b.Amount, Currency: b.Currency,
		Thresholds: b.Thresholds, Organization: b.OrgID, Customer: optID(b.CustomerID), CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

// budgetRequest is the body of POST and PUT (PUT replaces the budget):
// name, amount and currency are required.
type budgetRequest struct {
	Name       *string `json:"name"`
	Filter     string  `json:"filter"`
	Metric     string  `json:"metric"`
	Amount     *string `json:"amount"`
	Currency   *string `json:"currency"`
	Thresholds []int   `json:"thresholds"`
}

func (a *API) requireBudgets() (Budgets, error) {
	if a.budgets == nil {
		return nil, apierr.New(http.StatusNotImplemented, "budgets are not configured on this server")
	}
	return a.budgets, nil
}

// readBudget checks the caller may write before it reads the body, then
// decodes it strictly.
func (a *API) readBudget(r *http.Request) (Budgets, budget.Spec, error) {
	bs, err := a.requireBudgets()
	if err != nil {
		return nil, budget.Spec{}, err
	}
	if err := bs.MayEdit(r.Context()); err != nil {
		return nil, budget.Spec{}, err
	}
	var in budgetRequest
	if err := decode(r, &in); err != nil {
		return nil, budget.Spec{}, err
	}
	switch {
	case in.Name == nil:
		return nil, budget.Spec{}, fmt.Errorf("%w: name: missing", budget.ErrInvalid)
	case in.Amount == nil:
		return nil, budget.Spec{}, fmt.Errorf("%w: amount: missing (a decimal string such as \"1200.00\")", budget.ErrInvalid)
	case in.Currency == nil:
		return nil, budget.Spec{}, fmt.Errorf("%w: currency: missing (an ISO 4217 code such as \"USD\")", budget.ErrInvalid)
	}
	return bs, budget.Spec{Name: *in.Name, Filter: in.Filter, Metric: in.Metric, Amount: *in.Amount, Currency: *in.Currency, Thresholds: in.Thresholds}, nil
}

func (a *API) listBudgets(r *http.Request) (any, error) {
	bs, err := a.requireBudgets()
	if err != nil {
		return nil, err
	}
	list, err := bs.List(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]budgetJSON, len(list))
	for i, b := range list {
		out[i] = budgetOut(b)
	}
	return map[string]any{"data": out}, nil
}

func (a *API) oneBudget(r *http.Request) (budget.Budget, error) {
	bs, err := a.requireBudgets()
	if err != nil {
		return budget.Budget{}, err
	}
	id, err := pathID(r, "budget")
	if err != nil {
		return budget.Budget{}, err
	}
	return bs.Get(r.Context(), id)
}

func (a *API) getBudget(r *http.Request) (any, error) {
	b, err := a.oneBudget(r)
	if err != nil {
		return nil, err
	}
	return budgetOut(b), nil
}

func (a *API) createBudget(r *http.Request) (any, error) {
	bs, spec, err := a.readBudget(r)
	if err != nil {
		return nil, err
	}
	b, err := bs.Create(r.Context(), spec)
	if err != nil {
		return nil, err
	}
	return created{budgetOut(b)}, nil
}

func (a *API) updateBudget(r *http.Request) (any, error) {
	id, err := pathID(r, "budget")
	if err != nil {
		return nil, err
	}
	bs, spec, err := a.readBudget(r)
	if err != nil {
		return nil, err
	}
	b, err := bs.Update(r.Context(), id, spec)
	if err != nil {
		return nil, err
	}
	return budgetOut(b), nil
}

func (a *API) deleteBudget(r *http.Request) (any, error) {
	bs, err := a.requireBudgets()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "budget")
	if err != nil {
		return nil, err
	}
	if err := bs.MayEdit(r.Context()); err != nil {
		return nil, err
	}
	return noContent{}, bs.Delete(r.Context(), id)
}

// budgetStatusJSON is a budget's month: the spend so far, exact, and the
// projection to the month's end, an estimate.
type budgetStatusJSON struct {
	Budget budgetJSON `json:"budget"`
	Month  windowJSON `json:"month"`
	// Spent is the exact month-to-date cost in the budget's currency,
	// within the caller's scope.
	Spent string `json:"spent"`
	// SpentPercent is Spent as a percentage of the amount, to two places.
	SpentPercent string `json:"spentPercent"`
	// Crossed are the thresholds the spend has reached.
	Crossed []int `json:"crossed"`
	// Projected is the month's forecast total (spend plus the forecast of
	// the remaining days) with its 80% interval; ForecastCrossed the
	// thresholds its mean reaches.
	Projected       estimateJSON `json:"projected"`
	ProjectedPct    string       `json:"projectedPercent"`
	ForecastCrossed []int        `json:"forecastCrossed"`
	Method          string       `json:"method"`
	LastActualDay   string       `json:"lastActualDay,omitempty"`
	Note            string       `json:"note"`
	// OtherCurrencies is the month's cost billed in currencies other than
	// the budget's, which is not counted (use a USD budget, which
	// converts, to count every bill).
	OtherCurrencies map[string]string `json:"otherCurrencies,omitempty"`
	Days            []dayJSON         `json:"days"`
}

var hundred = decimal.NewFromInt(100)

// budgetStatus answers GET /api/v1/budgets/{id}/status: the current
// month's spend and forecast through the engine as the caller.
func (a *API) budgetStatus(r *http.Request) (any, error) {
	if err := onlyParams(r.URL.Query(), map[string]bool{"api_key": true, "client_api_id": true}); err != nil {
		return nil, err
	}
	b, err := a.oneBudget(r)
	if err != nil {
		return nil, err
	}
	f, err := parseFilter(b.Filter)
	if err != nil {
		return nil, err
	}
	m, err := cost.ParseMetric(b.Metric)
	if err != nil {
		return nil, err
	}
	month := monthOf(a.now())
	usd := b.Currency == "USD"
	series, err := a.forecastWindow(r.Context(), forecastRequest{window: month, filter: f, metric: m, usd: usd, history: defaultHistory})
	if err != nil {
		return nil, err
	}
	amount, err := decimal.NewFromString(b.Amount)
	if err != nil {
		return nil, fmt.Errorf("budget %d: stored amount %q: %w", b.ID, b.Amount, err)
	}
	out := budgetStatusJSON{Budget: budgetOut(b), Month: windowJSON{month.Start, month.End}, Spent: "0", Crossed: []int{}, ForecastCrossed: []int{},
		Projected: estimateJSON{Mean: "0", Lower: "0", Upper: "0"}, Method: "none", Note: estimateNote, Days: []dayJSON{}}
	for _, s := range series {
		if s.Currency != b.Currency {
			if out.OtherCurrencies == nil {
				out.OtherCurrencies = map[string]string{}
			}
			out.OtherCurrencies[s.Currency] = s.Actual
			continue
		}
		out.Spent, out.Projected, out.Method, out.LastActualDay, out.Days = s.Actual, s.Projected, s.Method, s.LastActualDay, s.Days
	}
	spent, projected := decimal.RequireFromString(out.Spent), decimal.RequireFromString(out.Projected.Mean)
	out.SpentPercent = spent.Mul(hundred).Div(amount).Round(2).StringFixed(2)
	out.ProjectedPct = projected.Mul(hundred).Div(amount).Round(2).StringFixed(2)
	for _, t := range b.Thresholds {
		// spent/amount >= t/100, compared multiplied out: exact, where
		// a division would round.
		limit := amount.Mul(decimal.NewFromInt(int64(t)))
		if spent.Mul(hundred).GreaterThanOrEqual(limit) {
			out.Crossed = append(out.Crossed, t)
		}
		if projected.Mul(hundred).GreaterThanOrEqual(limit) {
			out.ForecastCrossed = append(out.ForecastCrossed, t)
		}
	}
	return out, nil
}
