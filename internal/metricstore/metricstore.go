// Package metricstore keeps the performance metrics uploaded through the
// CloudHealth metrics API (POST /metrics/v1): hourly values of an EC2
// instance, or of one of its file systems, by metric key. A file system
// is a series of its own, linked to its instance by the instance's asset
// id, so that reading an instance finds its file systems too. The
// package declares the store contract (store/duckdb implements it; the
// SQL stays there) and the pure rules around it: turning validated
// upload rows into points, and rolling hourly points up into days, weeks
// and months. It has no HTTP in it: the CloudHealth dialect serves the
// API and the native API reads it for rightsizing.
package metricstore

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/metricsupload"
	"github.com/tally-cost/tally/internal/scope"
)

// Scale and Precision are those of a stored value, DECIMAL(38,12):
// twelve fractional digits keep every digit agents send for percentages
// and byte averages, and 26 integer digits hold any byte count. A value
// with more fractional digits is rounded half to even (cost.RoundAt) on
// its way in; one with more integer digits is refused (CheckValue).
const (
	Scale     = 12
	Precision = 38
)

// ErrTooLarge refuses a value that does not fit DECIMAL(38,12).
var ErrTooLarge = errkind.Invalid.New("metric value too large")

// Series names one stored series: an instance, or one file system of an
// instance.
type Series struct {
	// AssetType is metricsupload.AssetInstance or AssetFileSystem.
	AssetType string
	// InstanceID is the instance's asset id (asset.ID of its
	// AwsInstance): a file system's series carries its instance's, which
	// is the link between them.
	InstanceID                int64
	Region, Account, Instance string
	// MountPoint is empty for the instance's own series.
	MountPoint string
}

// AssetID is the series' compact asset id as the API spells it:
// <region>:<account>:<instance>, with :<mount point> for a file system.
func (s Series) AssetID() string {
	return metricsupload.AssetID{Region: s.Region, Account: s.Account, Instance: s.Instance, MountPoint: s.MountPoint}.String()
}

// Point is one value of one series: the metric Key for the hour that
// starts at Time (UTC).
type Point struct {
	Series Series
	Time   time.Time
	Key    string
	Value  decimal.Decimal
}

// Query selects the points of one instance, its file systems included.
type Query struct {
	InstanceID int64
	// Region and Account must be the series' own: an asset named by an
	// ARN of another account or region has no points, whatever its
	// instance id.
	Region, Account string
	// Window is half-open; points whose hour starts in it are read.
	Window cost.Window
	// Scope must be given: its zero value reads nothing. Points of
	// accounts outside it are never read.
	Scope scope.Scope
}

// Store keeps the points. Implementations must make PutMetricPoints
// idempotent: a point of a (series, hour, key) already stored replaces
// it, so that an agent may resend a payload.
type Store interface {
	// PutMetricPoints stores points, all or none.
	PutMetricPoints(ctx context.Context, points []Point) error
	// MetricPoints returns the points q selects, ordered by asset type
	// (the instance before its file systems), mount point, hour and key.
	MetricPoints(ctx context.Context, q Query) ([]Point, error)
	// MetricInstances returns the instance series that have at least one
	// point in w within sc, ordered by account, region and instance.
	MetricInstances(ctx context.Context, w cost.Window, sc scope.Scope) ([]Series, error)
}

// CheckValue returns ErrTooLarge for a value DECIMAL(38,12) cannot hold
// once rounded to Scale.
func CheckValue(v decimal.Decimal) error {
	r := cost.RoundAt(v, Scale)
	if r.Abs().GreaterThanOrEqual(decimal.New(1, Precision-Scale)) {
		return fmt.Errorf("%w: %s has more than %d integer digits", ErrTooLarge, v, Precision-Scale)
	}
	return nil
}

// PointsOf returns the points of an accepted upload row of the instance
// whose asset id is instanceID, values rounded to Scale, in key order
// of the row's map (callers that need an order sort).
func PointsOf(s metricsupload.Sample, instanceID int64) []Point {
	ser := Series{
		AssetType: s.AssetType, InstanceID: instanceID,
		Region: s.Asset.Region, Account: s.Asset.Account, Instance: s.Asset.Instance, MountPoint: s.Asset.MountPoint,
	}
	out := make([]Point, 0, len(s.Values))
	for k, v := range s.Values {
		out = append(out, Point{Series: ser, Time: s.Time.UTC(), Key: k, Value: cost.RoundAt(v, Scale)})
	}
	return out
}
