package metricstore

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// Row is one value set of a read: a series' values over one bucket.
// A key without a value in the bucket is absent from Values.
type Row struct {
	Series Series
	Start  time.Time
	Values map[string]decimal.Decimal
}

// Rollup folds points into one row per series and bucket holding a
// point. Per key, a ".min" key keeps the least hourly value, a ".max"
// key the greatest, and any other (".avg") the mean of the hourly
// values, every hour weighing the same: the rollup of a day is what its
// hours say, whatever other days hold. Means are exact to Scale digits,
// rounded half to even. Buckets are ordered and disjoint
// (metricsupload.Rollup); points outside every bucket are left out. An
// hourly bucket's row holds its points' values unchanged. Rows are
// ordered by asset type (the instance before its file systems), mount
// point, then bucket.
func Rollup(points []Point, buckets []cost.Window) []Row {
	type cell struct {
		ser    Series
		bucket int
	}
	type acc struct {
		sum, min, max decimal.Decimal
		n             int64
	}
	cells := map[cell]map[string]*acc{}
	for _, p := range points {
		i, ok := slices.BinarySearchFunc(buckets, p.Time, func(w cost.Window, t time.Time) int {
			switch {
			case !t.Before(w.End):
				return -1
			case t.Before(w.Start):
				return 1
			}
			return 0
		})
		if !ok {
			continue
		}
		c := cell{p.Series, i}
		keys := cells[c]
		if keys == nil {
			keys = map[string]*acc{}
			cells[c] = keys
		}
		a := keys[p.Key]
		if a == nil {
			keys[p.Key] = &acc{sum: p.Value, min: p.Value, max: p.Value, n: 1}
			continue
		}
		a.sum = a.sum.Add(p.Value)
		a.min = decimal.Min(a.min, p.Value)
		a.max = decimal.Max(a.max, p.Value)
		a.n++
	}
	out := make([]Row, 0, len(cells))
	for c, keys := range cells {
		r := Row{Series: c.ser, Start: buckets[c.bucket].Start, Values: make(map[string]decimal.Decimal, len(keys))}
		for k, a := range keys {
			switch {
			case strings.HasSuffix(k, ".min"):
				r.Values[k] = a.min
			case strings.HasSuffix(k, ".max"):
				r.Values[k] = a.max
			default:
				r.Values[k] = mean(a.sum, a.n)
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y Row) int {
		return cmp.Or(
			cmp.Compare(x.Series.AssetType, y.Series.AssetType),
			cmp.Compare(x.Series.MountPoint, y.Series.MountPoint),
			cmp.Compare(x.Series.Account, y.Series.Account),
			cmp.Compare(x.Series.Region, y.Series.Region),
			x.Start.Compare(y.Start))
	})
	return out
}

// mean returns sum ÷ n rounded half to even at Scale digits (decimal's
// DivRound rounds half away from zero, and Div at 16 digits first).
func mean(sum decimal.Decimal, n int64) decimal.Decimal {
	if n == 1 {
		return sum
	}
	d := decimal.NewFromInt(n)
	q, r := sum.QuoRem(d, Scale)
	if r.IsZero() {
		return q
	}
	unit := decimal.New(1, -Scale)
	switch c := r.Abs().Mul(decimal.NewFromInt(2)).Cmp(d.Mul(unit)); {
	case c < 0:
		return q
	case c == 0 && q.Shift(Scale).BigInt().Bit(0) == 0:
		return q
	}
	if sum.IsNegative() {
		return q.Sub(unit)
	}
	return q.Add(unit)
}
