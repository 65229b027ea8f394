// Package ckbench makes the issue 20 benchmark's data set (BENCHMARKS.md,
// "Issue 20: CloudKitty report endpoints against CloudKitty 17"): rated
// points for N tenants × H hours × 2 metric types, the same
// deterministic values written for the real CloudKitty (CSV rows of its
// v1 SQL table rated_data_frames, loaded by
// scripts/cloudkitty-upstream.sh) and for Tally (line items of provider
// "rating" through internal/rating/frames), with their exact total
// computed here, independently of either server. run.go measures the two
// servers' report endpoints on it.
package ckbench

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/store"
)

// Spec sizes the data set. The zero Start is DefaultStart.
type Spec struct {
	Tenants int
	Hours   int
	Start   time.Time
}

// DefaultStart is the first period of the data set: June 2024 has 720
// hours, so the 720 periods fill exactly one calendar month, the
// window the report endpoints are asked about.
var DefaultStart = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

// The size: 1,000 tenants × 720 hours × 2 types = 1.44M frames.
const (
	FullTenants = 1000
	FullHours   = 720
)

// Types are the two rated metric types, in upstream's (sorted) order.
var Types = [2]string{"instance", "volume.size"}

// Period is the rating period of every point (upstream's default).
const Period = time.Hour

func (s Spec) start() time.Time {
	if s.Start.IsZero() {
		return DefaultStart
	}
	return s.Start.UTC()
}

// Window is the data set's time span: [Start, Start + Hours).
func (s Spec) Window() (begin, end time.Time) {
	b := s.start()
	return b, b.Add(time.Duration(s.Hours) * Period)
}

// Points is the number of rated points (dataframes in CloudKitty's v1
// storage, line items in Tally).
func (s Spec) Points() int { return s.Tenants * s.Hours * len(Types) }

// Check reports a spec that makes no data.
func (s Spec) Check() error {
	if s.Tenants < 1 || s.Hours < 1 {
		return fmt.Errorf("ckbench: need at least one tenant and one hour, not %d and %d", s.Tenants, s.Hours)
	}
	return nil
}

// Tenant is the id of tenant i: 32 hex digits, the shape of a Keystone
// project id (and the width of upstream's tenant_id column, String(32)).
func Tenant(i int) string {
	return fmt.Sprintf("%016x%016x", mix(uint64(i)), mix(uint64(i)|1<<40))
}

// Row is one rated point of the data set.
type Row struct {
	Tenant     string
	Start, End time.Time
	Type, Unit string
	Qty, Price decimal.Decimal
	Groupby    map[string]string
	Metadata   map[string]string
}

// flavors are the instance prices per hour, five decimals each, so that
// a float sum of many shows rounding that an exact one does not.
var flavors = []struct {
	name  string
	price decimal.Decimal
}{
	{"m1.tiny", decimal.RequireFromString("0.01337")},
	{"m1.small", decimal.RequireFromString("0.02674")},
	{"m1.medium", decimal.RequireFromString("0.05349")},
	{"m1.large", decimal.RequireFromString("0.10697")},
	{"m1.xlarge", decimal.RequireFromString("0.21393")},
}

// volumeTypes are the block storage prices per GiB-hour.
var volumeTypes = []struct {
	name  string
	price decimal.Decimal
}{
	{"standard", decimal.RequireFromString("0.00013")},
	{"ssd", decimal.RequireFromString("0.00041")},
}

// mix is splitmix64's finaliser: a cheap, well-spread hash, so that every
// value depends only on (tenant, hour, type) and the two loaders and the
// exact total see the same data without sharing state.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// row returns the point of tenant i in hour h of type t.
func (s Spec) row(tenant string, i, h, t int) Row {
	st := s.start().Add(time.Duration(h) * Period)
	r := mix(uint64(i)<<32 ^ uint64(h)<<2 ^ uint64(t))
	// Each tenant keeps its flavor and volume type; the quantity varies
	// by the hour.
	ti := mix(uint64(i))
	row := Row{Tenant: tenant, Start: st, End: st.Add(Period), Type: Types[t],
		Groupby: map[string]string{"project_id": tenant}}
	switch t {
	case 0:
		f := flavors[ti%uint64(len(flavors))]
		row.Unit = "instance"
		row.Qty = decimal.NewFromInt(int64(1 + r%4))
		row.Price = row.Qty.Mul(f.price)
		row.Groupby["id"] = fmt.Sprintf("vm-%d", i)
		row.Metadata = map[string]string{"flavor_name": f.name}
	default:
		v := volumeTypes[(ti>>8)%uint64(len(volumeTypes))]
		row.Unit = "GiB"
		row.Qty = decimal.NewFromInt(int64(10 + r%491))
		row.Price = row.Qty.Mul(v.price)
		row.Groupby["id"] = fmt.Sprintf("vol-%d", i)
		row.Metadata = map[string]string{"volume_type": v.name}
	}
	return row
}

// EachTenant calls fn with every tenant's rows, tenant by tenant, hours
// in order and within an hour the types in order. The slice is reused
// between calls.
func (s Spec) EachTenant(fn func(tenant string, rows []Row) error) error {
	if err := s.Check(); err != nil {
		return err
	}
	rows := make([]Row, 0, s.Hours*len(Types))
	for i := 0; i < s.Tenants; i++ {
		tenant := Tenant(i)
		rows = rows[:0]
		for h := 0; h < s.Hours; h++ {
			for t := range Types {
				rows = append(rows, s.row(tenant, i, h, t))
			}
		}
		if err := fn(tenant, rows); err != nil {
			return err
		}
	}
	return nil
}

// Totals are the exact sums of the data set.
type Totals struct {
	All      decimal.Decimal
	ByTenant map[string]decimal.Decimal
	ByType   map[string]decimal.Decimal
	// ByTenantType is keyed by tenant + "/" + type: the rows of
	// report/summary?groupby=tenant_id,res_type.
	ByTenantType map[string]decimal.Decimal
}

// Totals sums the data set exactly.
func (s Spec) Totals() (Totals, error) {
	tot := Totals{ByTenant: map[string]decimal.Decimal{}, ByType: map[string]decimal.Decimal{}, ByTenantType: map[string]decimal.Decimal{}}
	err := s.EachTenant(func(tenant string, rows []Row) error {
		var per [len(Types)]decimal.Decimal
		for _, r := range rows {
			for t, name := range Types {
				if name == r.Type {
					per[t] = per[t].Add(r.Price)
				}
			}
		}
		sum := decimal.Zero
		for t, name := range Types {
			tot.ByTenantType[tenant+"/"+name] = per[t]
			tot.ByType[name] = tot.ByType[name].Add(per[t])
			sum = sum.Add(per[t])
		}
		tot.ByTenant[tenant] = sum
		tot.All = tot.All.Add(sum)
		return nil
	})
	return tot, err
}

// SQLiteTime is how SQLAlchemy stores a DateTime in SQLite (text,
// compared as strings): the CSV must use exactly this form, or
// upstream's window filter (begin >= :begin AND end <= :end) would
// compare unlike strings.
const SQLiteTime = "2006-01-02 15:04:05.000000"

// WriteCSV writes the rows of upstream's rated_data_frames, without the
// id and without a header: tenant_id, begin, end, unit, qty, res_type,
// rate, desc (spec §11). desc is the JSON of metadata ∪ groupby, as
// upstream's v1 storage writes it; rate is the exact decimal, which
// SQLite then stores as the float upstream's column holds.
func (s Spec) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rec := make([]string, 8)
	err := s.EachTenant(func(tenant string, rows []Row) error {
		for _, r := range rows {
			desc, err := json.Marshal(frames.Point{Groupby: r.Groupby, Metadata: r.Metadata}.Desc())
			if err != nil {
				return err
			}
			rec[0], rec[1], rec[2], rec[3] = r.Tenant, r.Start.Format(SQLiteTime), r.End.Format(SQLiteTime), r.Unit
			rec[4], rec[5], rec[6], rec[7] = r.Qty.String(), r.Type, r.Price.String(), string(desc)
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// LoadTally writes the data set into st as rated line items, one
// frames.Write (one import) per tenant holding its Hours periods, each
// period its own snapshot, as the processor writes them. progress, if
// not nil, is called after each tenant.
func (s Spec) LoadTally(ctx context.Context, st store.Store, currency string, progress func(done int)) error {
	done := 0
	fs := make([]frames.Frame, 0, s.Hours)
	return s.EachTenant(func(tenant string, rows []Row) error {
		fs = fs[:0]
		for _, r := range rows {
			if n := len(fs); n == 0 || !fs[n-1].Start.Equal(r.Start) {
				fs = append(fs, frames.Frame{Scope: tenant, Start: r.Start, End: r.End, Usage: map[string][]frames.Point{}})
			}
			f := &fs[len(fs)-1]
			f.Usage[r.Type] = append(f.Usage[r.Type], frames.Point{Unit: r.Unit, Qty: r.Qty, Price: r.Price, Groupby: r.Groupby, Metadata: r.Metadata})
		}
		if _, err := frames.Write(ctx, st, tenant, currency, fs...); err != nil {
			return fmt.Errorf("loading tenant %s: %w", tenant, err)
		}
		done++
		if progress != nil {
			progress(done)
		}
		return nil
	})
}

// Query is the report window of the data set as upstream's v1 query
// parameters (naive UTC datetimes).
func (s Spec) Query() string {
	b, e := s.Window()
	return "begin=" + b.Format("2006-01-02T15:04:05") + "&end=" + e.Format("2006-01-02T15:04:05")
}
