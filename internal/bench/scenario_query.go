package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/server"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// QueryOptions configure the query scenario.
type QueryOptions struct {
	Dir   string  // folder of the stores, each removed after its queries
	Sizes []int64 // line items of each data set
	Runs  int     // timed requests (and raw SQL runs) per question
	Log   io.Writer
}

// dataSet is one store the query scenario fills and serves, and the
// questions asked of it. Items scales the size: the 90-day data set has
// the year's density, so that its 30 days read as many rows from a
// table a quarter as large.
type dataSet struct {
	shape     Shape
	items     func(n int64) int64
	questions func(groupset string) []Query
}

var (
	feb1 = time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	mar1 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	// reportClock is the server's now: CloudHealth's monthly members run
	// up to it, so December 2024 shows the twelve months of 2024.
	reportClock = time.Date(2024, 12, 15, 12, 0, 0, 0, time.UTC)
)

func same(n int64) int64 { return n }

var dataSets = []dataSet{
	{AWSYear, same, func(groupset string) []Query {
		return []Query{CloudCostByService(feb1), CloudCostByLabel(feb1), CostHistory(groupset)}
	}},
	{AWS90d, func(n int64) int64 { return max(3, n*90/366) }, func(string) []Query {
		return []Query{CloudCostByService(feb1)}
	}},
	{Azure, same, func(string) []Query { return []Query{AzureSummary(time.Date(2024, 2, 15, 0, 0, 0, 0, time.UTC))} }},
	{Rated, same, func(string) []Query { return []Query{CloudKittySummary(feb1, mar1)} }},
}

// RunQueries is the query scenario: for each size, each data set is
// loaded, served by the whole server in process (every dialect, no
// authentication, the response cache off), and each of its questions is
// asked over real HTTP Runs times, in turn with its raw SQL; one table
// of medians, p99 and ratios, with the line items of the table and those
// the question reads.
func RunQueries(ctx context.Context, o QueryOptions, out io.Writer) error {
	t := Table{
		Title:  fmt.Sprintf("query (real HTTP, response cache off, %d run(s); ms)", o.Runs),
		Header: []string{"size", "data", "question", "table-items", "items-read", "tally-median", "tally-p99", "raw-median", "raw-p99", "ratio-tally/raw"},
		Notes: []string{
			"raw: hand-written DuckDB SQL over a plain table of the same line items computing the same answer",
			"aws-year and aws-90d hold the same 30 days at the same density: the same question reads as many items from a table 4 times smaller",
			"Tally answers by-service and history questions from its daily rollup, and by-label ones from its tag rollup, so it reads fewer rows than items-read",
		},
	}
	for _, n := range o.Sizes {
		for _, ds := range dataSets {
			if err := runDataSet(ctx, o, n, ds, &t); err != nil {
				return err
			}
		}
	}
	return t.Print(out)
}

func runDataSet(ctx context.Context, o QueryOptions, n int64, ds dataSet, t *Table) error {
	items := ds.items(n)
	path := filepath.Join(o.Dir, fmt.Sprintf("query-%s-%s.duckdb", ds.shape, Count(items)))
	if err := duckdb.RemoveFiles(path); err != nil {
		return err
	}
	defer duckdb.RemoveFiles(path)
	t0 := time.Now()
	st, _, err := LoadStore(ctx, path, ds.shape, int(items))
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(o.Log, "query: loaded %d %s line items in %s\n", items, ds.shape, time.Since(t0).Round(time.Millisecond))
	groupset := ""
	if ds.shape == AWSYear {
		if _, groupset, err = CreatePerspective(ctx, st); err != nil {
			return err
		}
	}
	cfg := server.Config{Store: st, State: st, NoAuth: true, Clock: func() time.Time { return reportClock },
		Logger: slog.New(slog.DiscardHandler)}
	disableCache(&cfg)
	srv := httptest.NewServer(server.Handler(cfg))
	defer srv.Close()
	client := srv.Client()
	var tableItems int64
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+RawTable).Scan(&tableItems); err != nil {
		return err
	}
	for _, q := range ds.questions(groupset) {
		var read int64
		if err := st.DB().QueryRowContext(ctx, q.ReadSQL(), q.Args...).Scan(&read); err != nil {
			return fmt.Errorf("%s: counting the items read: %w", q.Name, err)
		}
		tally, raw, err := measure(ctx, client, srv.URL, st, q, o.Runs)
		if err != nil {
			return err
		}
		t.Add(Count(n), string(ds.shape), q.Name, strconv.FormatInt(tableItems, 10), strconv.FormatInt(read, 10),
			ms(Median(tally)), ms(P99(tally)), ms(Median(raw)), ms(P99(raw)), ratio(Median(tally), Median(raw)))
		fmt.Fprintf(o.Log, "query: %s over %s: tally %s ms, raw %s ms\n", q.Name, ds.shape, ms(Median(tally)), ms(Median(raw)))
	}
	if hits, err := cacheHits(ctx, client, srv.URL); err != nil || hits > 0 {
		return fmt.Errorf("query: the response cache answered %v questions over %s, which this scenario times uncached (%v)", hits, ds.shape, err)
	}
	return nil
}

// measure asks q once untimed through both sides (which checks the
// answers and warms the caches DuckDB keeps of the file), then runs
// times each, in turn, so that both sides see the same machine.
func measure(ctx context.Context, c *http.Client, base string, st *duckdb.Store, q Query, runs int) (tally, raw []time.Duration, err error) {
	for i := -1; i < runs; i++ {
		d, err := Get(ctx, c, base+q.Path, q.Check)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", q.Name, err)
		}
		r, rows, err := Direct(ctx, st.DB(), q.Raw, q.Args...)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", q.Name, err)
		}
		if err := q.CheckRaw(rows); err != nil {
			return nil, nil, err
		}
		if i >= 0 {
			tally, raw = append(tally, d), append(raw, r)
		}
	}
	return tally, raw, nil
}

// disableCache turns the engine's response cache off: this scenario
// measures misses, what a question costs the first time (the serving
// scenario measures repeated questions).
func disableCache(cfg *server.Config) { cfg.CacheBytes = -1 }

// cacheHits reads tally_cache_hits_total from the server's /metrics: a
// run whose answers came from the cache would time the wrong thing.
func cacheHits(ctx context.Context, c *http.Client, base string) (float64, error) {
	var hits float64
	_, err := Get(ctx, c, base+"/metrics", func(body []byte) error {
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, "tally_cache_hits_total "); ok {
				var err error
				hits, err = strconv.ParseFloat(v, 64)
				return err
			}
		}
		return nil
	})
	return hits, err
}
