package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// RawTable is the plain table of decoded line items that the yardstick
// SQL reads (duckdb.Store.RawTable): querying the view line_items would
// charge the yardstick for decoding the coded columns.
const RawTable = "raw_line_items"

// Shape is one of the synthetic data sets of duckdb.Store.
type Shape string

// The synthetic data sets, all from 2024-01-01 (duckdb/synthetic.go).
const (
	AWS90d  Shape = "aws-90d"  // LoadSynthetic: 90 days, 40 services, every seventh Kubernetes
	AWSYear Shape = "aws-year" // LoadSyntheticYear: 2024, with ten service categories
	Azure   Shape = "azure"    // LoadSyntheticAzure: 90 days of Microsoft line items
	Rated   Shape = "rated"    // LoadSyntheticRated: 90 days of rated items (CloudKitty)
)

// Days is how many days a shape's rows spread over.
func (s Shape) Days() int {
	if s == AWSYear {
		return 366 // 2024
	}
	return 90
}

// ItemsFromEnv is TALLY_BENCH_ITEMS, the line items of the Go
// benchmarks, or def when it is unset.
func ItemsFromEnv(def int) (int, error) {
	s := os.Getenv("TALLY_BENCH_ITEMS")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 3 {
		return 0, fmt.Errorf("TALLY_BENCH_ITEMS=%q: want a number of line items of at least 3", s)
	}
	return n, nil
}

// LoadStore opens (creating) the DuckDB store at path, adds n synthetic
// line items of shape, copies them into RawTable, and returns the store
// and the first day of the data. The caller closes the store.
func LoadStore(ctx context.Context, path string, shape Shape, n int) (*duckdb.Store, time.Time, error) {
	st, err := duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		return nil, time.Time{}, err
	}
	load := map[Shape]func(context.Context, int) (time.Time, error){
		AWS90d: st.LoadSynthetic, AWSYear: st.LoadSyntheticYear, Azure: st.LoadSyntheticAzure, Rated: st.LoadSyntheticRated,
	}[shape]
	if load == nil {
		st.Close()
		return nil, time.Time{}, fmt.Errorf("bench: unknown data shape %q", shape)
	}
	start, err := load(ctx, n)
	if err == nil {
		err = st.RawTable(ctx, RawTable)
	}
	if err != nil {
		st.Close()
		return nil, time.Time{}, fmt.Errorf("loading %d synthetic %s line items into %s: %w", n, shape, path, err)
	}
	return st, start, nil
}

// NoAuth serves h as the administrator of the default organization,
// without a key: the Go benchmarks mount a dialect's own mux.
func NoAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(tenant.WithPrincipal(r.Context(), tenant.NoAuth)))
	})
}

// environment is a perspective as a team would write one: two static
// groups by account (three accounts, clauses joined with OR), a third
// by region, the rest Other. CostHistory's raw SQL is its CASE.
const environment = `{"name": "Environment", "include_in_reports": "true", "rules": [
  {"type": "filter", "asset": "AwsAsset", "to": "1", "condition": {"clauses": [
    {"field": ["subAccountId"], "op": "=", "val": "acct-0"}, {"field": ["subAccountId"], "op": "=", "val": "acct-1"},
    {"field": ["subAccountId"], "op": "=", "val": "acct-2"}], "combine_with": "OR"}},
  {"type": "filter", "asset": "AwsAsset", "to": "2", "condition": {"clauses": [
    {"field": ["region"], "op": "=", "val": "region-3"}]}}],
  "constants": [{"type": "Static Group", "list": [{"ref_id": "1", "name": "Production"}, {"ref_id": "2", "name": "Staging"}]}]}`

// CreatePerspective saves the Environment perspective in st's book of
// perspectives and returns the book and the perspective's id.
func CreatePerspective(ctx context.Context, st *duckdb.Store) (*perspective.Book, string, error) {
	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		return nil, "", err
	}
	var schema perspective.Schema
	if err := json.Unmarshal([]byte(environment), &schema); err != nil {
		return nil, "", err
	}
	id, _, err := book.Create(ctx, perspective.Everyone.Owner, schema)
	if err != nil {
		return nil, "", fmt.Errorf("creating the benchmark perspective: %w", err)
	}
	return book, id, nil
}

// Get GETs url and returns how long the answer took to arrive whole, or
// an error for a failed request, a status other than 200, or an answer
// check refuses. The check is not timed.
func Get(ctx context.Context, c *http.Client, url string, check func([]byte) error) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	t := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(t)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", url, err)
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d %.300s", url, res.StatusCode, body)
	}
	if check != nil {
		if err := check(body); err != nil {
			return 0, fmt.Errorf("GET %s: %w (%.300s)", url, err, body)
		}
	}
	return d, nil
}

// Direct runs the hand-written SQL q over db, reads every row, and
// returns how long it took and the rows.
func Direct(ctx context.Context, db *sql.DB, q string, args ...any) (time.Duration, int, error) {
	t := time.Now()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, 0, fmt.Errorf("raw SQL: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("raw SQL: %w", err)
	}
	return time.Since(t), n, nil
}
