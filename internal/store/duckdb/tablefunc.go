package duckdb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/tally-cost/tally/internal/cost"
)

// importFunc is the table function an import's rows stream through:
// "INSERT INTO line_items SELECT * FROM tally_import(feed)" runs for the
// whole import while Append hands it batches of 2,048 rows, one DuckDB
// vector each. Measured against duckdb-go's Appender on a 1M-row CUR:
// the same speed, half the peak memory (374 MB against 738 MB: the
// appender keeps its own copy of the rows until it flushes), and a
// killed import leaves no rows at all, since one statement holds them.
// A second DuckDB thread filling chunks only added CPU.
const importFunc = "tally_import"

// feeds maps a feed id to the batches of one running import; ids are
// unique in the process, since several stores can import at once.
var (
	feeds   sync.Map // int64 → *feed
	feedIDs atomic.Int64
)

type feed struct {
	batches <-chan *batch
	free    chan<- *batch
}

type importSource struct {
	f     *feed
	infos []duckdb.ColumnInfo
}

func (s *importSource) ColumnInfos() []duckdb.ColumnInfo { return s.infos }

func (s *importSource) Cardinality() *duckdb.CardinalityInfo { return nil }

func (s *importSource) Init() duckdb.ParallelTableSourceInfo {
	return duckdb.ParallelTableSourceInfo{MaxThreads: 1} // see importFunc
}

func (s *importSource) NewLocalState() any { return new(int) }

func (s *importSource) FillChunk(_ any, chunk duckdb.DataChunk) error {
	b, ok := <-s.f.batches
	if !ok {
		return chunk.SetSize(0)
	}
	for i := range b.n {
		row := b.vals[i*rowWidth : (i+1)*rowWidth]
		for j, v := range row {
			if err := chunk.SetValue(j, i, v); err != nil {
				return fmt.Errorf("column %d: %w", j, err)
			}
		}
	}
	if err := chunk.SetSize(b.n); err != nil {
		return err
	}
	clear(b.vals[:b.n*rowWidth])
	select {
	case s.f.free <- b:
	default:
	}
	return nil
}

// registerImportFunc registers tally_import on the database.
func (s *Store) registerImportFunc(ctx context.Context) error {
	infos, err := lineItemInfos()
	if err != nil {
		return err
	}
	idType, err := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	if err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return duckdb.RegisterTableUDF(conn, importFunc, duckdb.ParallelChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{idType}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ParallelChunkTableSource, error) {
			id, _ := args[0].(int64)
			f, ok := feeds.Load(id)
			if !ok {
				return nil, fmt.Errorf("no import feed %d is running", id)
			}
			return &importSource{f: f.(*feed), infos: infos}, nil
		},
	})
}

// lineItemInfos describes the line_items columns in append order.
func lineItemInfos() ([]duckdb.ColumnInfo, error) {
	names := []string{"snapshot_id", "source"}
	types := []string{"BIGINT", "VARCHAR"}
	for _, c := range lineItemColumns {
		names, types = append(names, c.name), append(types, c.typ)
	}
	for _, m := range metricColumns {
		names, types = append(names, m), append(types, money)
	}
	for _, m := range metricColumns {
		names, types = append(names, "usd_"+m), append(types, money)
	}
	names, types = append(names, "tags"), append(types, "MAP")
	infos := make([]duckdb.ColumnInfo, len(names))
	for i, t := range types {
		ti, err := typeInfo(t)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", names[i], err)
		}
		infos[i] = duckdb.ColumnInfo{Name: names[i], T: ti}
	}
	return infos, nil
}

func typeInfo(sqlType string) (duckdb.TypeInfo, error) {
	switch {
	case sqlType == money:
		return duckdb.NewDecimalInfo(cost.Precision, cost.Scale)
	case sqlType == quantity:
		return duckdb.NewDecimalInfo(cost.Precision, cost.QuantityScale)
	case sqlType == "MAP":
		k, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
		if err != nil {
			return nil, err
		}
		return duckdb.NewMapInfo(k, k)
	}
	t, ok := map[string]duckdb.Type{"BIGINT": duckdb.TYPE_BIGINT, "VARCHAR": duckdb.TYPE_VARCHAR,
		"TIMESTAMP": duckdb.TYPE_TIMESTAMP, "BOOLEAN": duckdb.TYPE_BOOLEAN}[strings.ToUpper(sqlType)]
	if !ok {
		return nil, fmt.Errorf("no table function type for %s", sqlType)
	}
	return duckdb.NewTypeInfo(t)
}
