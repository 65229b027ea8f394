package kubecost_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/api/kubecost"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// BenchmarkCloudCostRender serves the question of
// BenchmarkCloudCostByService (30 days by service, one set per day, 40
// services: 1,200 items) from rows held in memory, so that it measures
// only the dialect's own work: parsing the request, building the sets and
// rendering and writing the answer (about 600 kB), without a store.
func BenchmarkCloudCostRender(b *testing.B) {
	start := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	api := kubecost.New(memEngine(renderRows(start, 30, 40)), nil, nil)
	mux := http.NewServeMux()
	api.Register(mux)
	req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/model/cloudCost?window=%s,%s&aggregate=service",
		start.Format(time.RFC3339), start.AddDate(0, 0, 30).Format(time.RFC3339)), nil)
	w := &countingWriter{header: http.Header{}}
	for b.Loop() {
		w.status, w.n = 0, 0
		mux.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	b.ReportMetric(float64(w.n), "body-bytes")
}

// memEngine answers every question with the same rows.
type memEngine []query.Row

func (e memEngine) Stream(_ context.Context, _ query.Query, fn func(query.Row) error) (query.Stats, error) {
	for _, r := range e {
		if err := fn(r); err != nil {
			return query.Stats{}, err
		}
	}
	return query.Stats{Total: len(e)}, nil
}

// renderRows are days × services rows from start, with sums shaped as
// the store reads them (int64 coefficients, trailing zeros dropped) and a
// Kubernetes part on three in four of them.
func renderRows(start time.Time, days, services int) []query.Row {
	rnd := rand.New(rand.NewPCG(1, 2))
	var rows []query.Row
	for d := range days {
		day := cost.Window{Start: start.AddDate(0, 0, d), End: start.AddDate(0, 0, d+1)}
		for s := range services {
			r := query.Row{Start: day.Start, End: day.End, Keys: []string{fmt.Sprintf("Service%02d", s)}, Currency: "USD", Span: day,
				Values: make([]decimal.Decimal, 5), Kubernetes: make([]decimal.Decimal, 5)}
			for m := range 5 {
				c := rnd.Int64N(1e15)
				r.Values[m] = decimal.New(c, -int32(6+rnd.IntN(6)))
				r.Kubernetes[m] = decimal.Zero
				if s%4 != 0 {
					r.Kubernetes[m] = r.Values[m].Mul(decimal.New(rnd.Int64N(1000), -3))
				}
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// countingWriter is a ResponseWriter that keeps only the status and the
// body's length.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}
