package duckdb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/metricsupload"
	"github.com/tally-cost/tally/internal/scope"
)

var _ metricstore.Store = (*Store)(nil)

// metricsSchemaSQL keeps the uploaded performance metrics (metricstore)
// beside the tenants and documents, in the same file. A series is an
// instance or one of its file systems; its points are narrow rows (one
// per hour and key) because agents send any subset of the keys. No
// primary keys, as with the tenant tables: PutMetricPoints replaces a
// point by deleting it first, in one transaction.
var metricsSchemaSQL = []string{
	`CREATE SEQUENCE IF NOT EXISTS metric_series_ids START 1`,
	`CREATE TABLE IF NOT EXISTS metric_series (
  id BIGINT NOT NULL, asset_type VARCHAR NOT NULL, instance_asset_id BIGINT NOT NULL,
  region VARCHAR NOT NULL, account VARCHAR NOT NULL, instance VARCHAR NOT NULL, mount VARCHAR NOT NULL)`,
	fmt.Sprintf(`CREATE TABLE IF NOT EXISTS metric_points (
  series_id BIGINT NOT NULL, hour TIMESTAMP NOT NULL, key VARCHAR NOT NULL, value DECIMAL(%d,%d) NOT NULL)`,
		metricstore.Precision, metricstore.Scale),
}

// metricChunk bounds the rows of one multi-row statement: 4 parameters
// each, well within what DuckDB binds at once.
const metricChunk = 250

type pointKey struct {
	series int64
	hour   time.Time
	key    string
}

// PutMetricPoints implements metricstore.Store: the points' series are
// found or created, then every (series, hour, key) sent is deleted and
// inserted again, in one transaction. Within one call the last point of
// a (series, hour, key) wins.
func (s *Store) PutMetricPoints(ctx context.Context, points []metricstore.Point) error {
	defer s.changed()
	if len(points) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storing metrics: %w", err)
	}
	defer tx.Rollback()
	ids := map[metricstore.Series]int64{}
	vals := map[pointKey]string{}
	for _, p := range points {
		id, ok := ids[p.Series]
		if !ok {
			if id, err = seriesID(ctx, tx, p.Series); err != nil {
				return err
			}
			ids[p.Series] = id
		}
		if err := metricstore.CheckValue(p.Value); err != nil {
			return fmt.Errorf("storing metrics: %s %s: %w", p.Series.AssetID(), p.Key, err)
		}
		vals[pointKey{id, p.Time.UTC(), p.Key}] = cost.RoundAt(p.Value, metricstore.Scale).String()
	}
	keys := make([]pointKey, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y pointKey) int {
		return cmp.Or(cmp.Compare(x.series, y.series), x.hour.Compare(y.hour), cmp.Compare(x.key, y.key))
	})
	for chunk := range slices.Chunk(keys, metricChunk) {
		var del, ins strings.Builder
		var dargs, iargs []any
		for i, k := range chunk {
			if i > 0 {
				del.WriteString(", ")
				ins.WriteString(", ")
			}
			del.WriteString("(CAST(? AS BIGINT), CAST(? AS TIMESTAMP), CAST(? AS VARCHAR))")
			ins.WriteString(fmt.Sprintf("(?, ?, ?, CAST(? AS DECIMAL(%d,%d)))", metricstore.Precision, metricstore.Scale))
			dargs = append(dargs, k.series, k.hour, k.key)
			iargs = append(iargs, k.series, k.hour, k.key, vals[k])
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM metric_points USING (VALUES `+del.String()+`) AS v(s, h, k)
WHERE series_id = v.s AND hour = v.h AND key = v.k`, dargs...); err != nil {
			return fmt.Errorf("storing metrics: replacing points: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO metric_points (series_id, hour, key, value) VALUES `+ins.String(), iargs...); err != nil {
			return fmt.Errorf("storing metrics: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storing metrics: %w", err)
	}
	return nil
}

// seriesID finds the series named by its type, region, account,
// instance and mount point, or creates it. The instance's asset id is
// kept up to date: it is derived from the instance, so it changes only
// if the derivation does.
func seriesID(ctx context.Context, tx *sql.Tx, ser metricstore.Series) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM metric_series WHERE asset_type = ? AND region = ? AND account = ? AND instance = ? AND mount = ?`,
		ser.AssetType, ser.Region, ser.Account, ser.Instance, ser.MountPoint).Scan(&id)
	switch {
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE metric_series SET instance_asset_id = ? WHERE id = ? AND instance_asset_id <> ?`, ser.InstanceID, id, ser.InstanceID)
		if err != nil {
			return 0, fmt.Errorf("storing metrics: series %s: %w", ser.AssetID(), err)
		}
		return id, nil
	case err != sql.ErrNoRows:
		return 0, fmt.Errorf("storing metrics: finding series %s: %w", ser.AssetID(), err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT nextval('metric_series_ids')`).Scan(&id); err != nil {
		return 0, fmt.Errorf("storing metrics: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO metric_series VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, ser.AssetType, ser.InstanceID, ser.Region, ser.Account, ser.Instance, ser.MountPoint); err != nil {
		return 0, fmt.Errorf("storing metrics: creating series %s: %w", ser.AssetID(), err)
	}
	return id, nil
}

// metricScope is the condition on metric_series s that keeps sc's
// accounts, with its arguments; ok is false for a scope that sees
// nothing, which reads nothing.
func metricScope(sc scope.Scope) (cond string, args []any, ok bool) {
	if sc.IsAll() {
		return "", nil, true
	}
	ids, _ := sc.IDs()
	if len(ids) == 0 {
		return "", nil, false
	}
	cond = " AND s.account IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
	for _, id := range ids {
		args = append(args, id)
	}
	return cond, args, true
}

// MetricPoints implements metricstore.Store.
func (s *Store) MetricPoints(ctx context.Context, q metricstore.Query) ([]metricstore.Point, error) {
	cond, sargs, ok := metricScope(q.Scope)
	if !ok {
		return nil, nil
	}
	args := append([]any{q.InstanceID, q.Region, q.Account, q.Window.Start.UTC(), q.Window.End.UTC()}, sargs...)
	rows, err := s.db.QueryContext(ctx, `SELECT s.asset_type, s.instance_asset_id, s.region, s.account, s.instance, s.mount, p.hour, p.key, CAST(p.value AS VARCHAR)
FROM metric_points p JOIN metric_series s ON s.id = p.series_id
WHERE s.instance_asset_id = ? AND s.region = ? AND s.account = ? AND p.hour >= ? AND p.hour < ?`+cond+`
ORDER BY s.asset_type, s.mount, p.hour, p.key`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading metrics: %w", err)
	}
	defer rows.Close()
	var out []metricstore.Point
	for rows.Next() {
		var p metricstore.Point
		var v string
		if err := rows.Scan(&p.Series.AssetType, &p.Series.InstanceID, &p.Series.Region, &p.Series.Account, &p.Series.Instance,
			&p.Series.MountPoint, &p.Time, &p.Key, &v); err != nil {
			return nil, fmt.Errorf("reading metrics: %w", err)
		}
		p.Time = p.Time.UTC()
		if p.Value, err = parseDecimal(v); err != nil {
			return nil, fmt.Errorf("reading metrics: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MetricInstances implements metricstore.Store.
func (s *Store) MetricInstances(ctx context.Context, w cost.Window, sc scope.Scope) ([]metricstore.Series, error) {
	cond, sargs, ok := metricScope(sc)
	if !ok {
		return nil, nil
	}
	args := append([]any{metricsupload.AssetInstance, w.Start.UTC(), w.End.UTC()}, sargs...)
	rows, err := s.db.QueryContext(ctx, `SELECT s.instance_asset_id, s.region, s.account, s.instance FROM metric_series s
WHERE s.asset_type = ? AND EXISTS (SELECT 1 FROM metric_points p WHERE p.series_id = s.id AND p.hour >= ? AND p.hour < ?)`+cond+`
ORDER BY s.account, s.region, s.instance`, args...)
	if err != nil {
		return nil, fmt.Errorf("listing instances with metrics: %w", err)
	}
	defer rows.Close()
	var out []metricstore.Series
	for rows.Next() {
		ser := metricstore.Series{AssetType: metricsupload.AssetInstance}
		if err := rows.Scan(&ser.InstanceID, &ser.Region, &ser.Account, &ser.Instance); err != nil {
			return nil, fmt.Errorf("listing instances with metrics: %w", err)
		}
		out = append(out, ser)
	}
	return out, rows.Err()
}
