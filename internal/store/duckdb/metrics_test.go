package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/metricsupload"
	"github.com/tally-cost/tally/internal/scope"
)

var (
	mInst = metricstore.Series{AssetType: metricsupload.AssetInstance, InstanceID: 7, Region: "us-east-1", Account: "111111111111", Instance: "i-0a"}
	mFS   = metricstore.Series{AssetType: metricsupload.AssetFileSystem, InstanceID: 7, Region: "us-east-1", Account: "111111111111", Instance: "i-0a", MountPoint: "/opt"}
	mRoot = metricstore.Series{AssetType: metricsupload.AssetFileSystem, InstanceID: 7, Region: "us-east-1", Account: "111111111111", Instance: "i-0a", MountPoint: "C:\\"}
	mB    = metricstore.Series{AssetType: metricsupload.AssetInstance, InstanceID: 9, Region: "eu-west-1", Account: "222222222222", Instance: "i-0b"}
)

func hourAt(h int) time.Time { return time.Date(2024, 1, 10, h, 0, 0, 0, time.UTC) }

func pt(s metricstore.Series, h int, key, v string) metricstore.Point {
	return metricstore.Point{Series: s, Time: hourAt(h), Key: key, Value: decimal.RequireFromString(v)}
}

// renderPoints writes points one a line as "asset hour key value".
func renderPoints(ps []metricstore.Point) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s %02d %s %s\n", p.Series.AssetID(), p.Time.Hour(), p.Key, p.Value)
	}
	return b.String()
}

// TestMetricPoints: each case stores its batches in order into a fresh
// store, then reads instance 7 of account 111111111111 in us-east-1 over
// hours 0-23 within the case's scope.
func TestMetricPoints(t *testing.T) {
	day := cost.Window{Start: hourAt(0), End: hourAt(24)}
	cases := []struct {
		name    string
		batches [][]metricstore.Point
		q       func(q *metricstore.Query)
		want    string
	}{
		{
			name:    "one batch, ordered instance first, then hour and key",
			batches: [][]metricstore.Point{{pt(mInst, 2, "cpu:used:percent.max", "90"), pt(mInst, 1, "cpu:used:percent.avg", "16.67"), pt(mInst, 1, "cpu:used:percent.max", "33.333333333333")}},
			want: "us-east-1:111111111111:i-0a 01 cpu:used:percent.avg 16.67\n" +
				"us-east-1:111111111111:i-0a 01 cpu:used:percent.max 33.333333333333\n" +
				"us-east-1:111111111111:i-0a 02 cpu:used:percent.max 90\n",
		},
		{
			name: "a re-sent (asset, hour, key) replaces; other keys of the hour stay",
			batches: [][]metricstore.Point{
				{pt(mInst, 1, "cpu:used:percent.avg", "10"), pt(mInst, 1, "memory:used:percent.avg", "20")},
				{pt(mInst, 1, "cpu:used:percent.avg", "11")},
				{pt(mInst, 1, "cpu:used:percent.avg", "11")},
			},
			want: "us-east-1:111111111111:i-0a 01 cpu:used:percent.avg 11\n" +
				"us-east-1:111111111111:i-0a 01 memory:used:percent.avg 20\n",
		},
		{
			name:    "within one batch the last point of a key wins",
			batches: [][]metricstore.Point{{pt(mInst, 3, "cpu:used:percent.avg", "1"), pt(mInst, 3, "cpu:used:percent.avg", "2")}},
			want:    "us-east-1:111111111111:i-0a 03 cpu:used:percent.avg 2\n",
		},
		{
			name: "file systems are series of their own, read with their instance",
			batches: [][]metricstore.Point{
				{pt(mFS, 1, "fs:used:bytes.avg", "322122547200"), pt(mInst, 1, "cpu:used:percent.avg", "5")},
				{pt(mRoot, 1, "fs:used:bytes.avg", "1"), pt(mFS, 1, "fs:used:bytes.avg", "322122547201")},
			},
			want: "us-east-1:111111111111:i-0a 01 cpu:used:percent.avg 5\n" +
				"us-east-1:111111111111:i-0a:/opt 01 fs:used:bytes.avg 322122547201\n" +
				"us-east-1:111111111111:i-0a:C:\\ 01 fs:used:bytes.avg 1\n",
		},
		{
			name:    "values are exact, rounded half to even beyond 12 digits",
			batches: [][]metricstore.Point{{pt(mInst, 1, "memory:free:bytes.avg", "53687391300.0000000000005"), pt(mInst, 2, "memory:free:bytes.avg", "0.0000000000015")}},
			want: "us-east-1:111111111111:i-0a 01 memory:free:bytes.avg 53687391300\n" +
				"us-east-1:111111111111:i-0a 02 memory:free:bytes.avg 0.000000000002\n",
		},
		{
			name:    "the window is half-open",
			batches: [][]metricstore.Point{{pt(mInst, 4, "cpu:used:percent.avg", "4"), pt(mInst, 5, "cpu:used:percent.avg", "5"), pt(mInst, 6, "cpu:used:percent.avg", "6")}},
			q:       func(q *metricstore.Query) { q.Window = cost.Window{Start: hourAt(5), End: hourAt(6)} },
			want:    "us-east-1:111111111111:i-0a 05 cpu:used:percent.avg 5\n",
		},
		{
			name:    "another instance's points are not read",
			batches: [][]metricstore.Point{{pt(mB, 1, "cpu:used:percent.avg", "1")}},
			want:    "",
		},
		{
			name:    "an ARN naming another account finds nothing, whatever the instance id",
			batches: [][]metricstore.Point{{pt(mInst, 1, "cpu:used:percent.avg", "1")}},
			q:       func(q *metricstore.Query) { q.Account = "222222222222" },
			want:    "",
		},
		{
			name:    "a scope without the account reads nothing",
			batches: [][]metricstore.Point{{pt(mInst, 1, "cpu:used:percent.avg", "1")}},
			q:       func(q *metricstore.Query) { q.Scope = scope.Accounts("222222222222") },
			want:    "",
		},
		{
			name:    "the zero scope reads nothing",
			batches: [][]metricstore.Point{{pt(mInst, 1, "cpu:used:percent.avg", "1")}},
			q:       func(q *metricstore.Query) { q.Scope = scope.None() },
			want:    "",
		},
		{
			name:    "a scope with the account reads it",
			batches: [][]metricstore.Point{{pt(mInst, 1, "cpu:used:percent.avg", "1")}},
			q:       func(q *metricstore.Query) { q.Scope = scope.Accounts("222222222222", "111111111111") },
			want:    "us-east-1:111111111111:i-0a 01 cpu:used:percent.avg 1\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := openTempMem(t)
			ctx := context.Background()
			for _, b := range c.batches {
				if err := st.PutMetricPoints(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			q := metricstore.Query{InstanceID: 7, Region: "us-east-1", Account: "111111111111", Window: day, Scope: scope.All()}
			if c.q != nil {
				c.q(&q)
			}
			got, err := st.MetricPoints(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if r := renderPoints(got); r != c.want {
				t.Errorf("points:\n%s\nwant:\n%s", r, c.want)
			}
		})
	}
}

func openTempMem(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestMetricPointsPersist: points survive reopening the file, and a
// value too large for DECIMAL(38,12) refuses the whole batch.
func TestMetricPointsPersist(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutMetricPoints(ctx, []metricstore.Point{pt(mInst, 1, "cpu:used:percent.avg", "12.5")}); err != nil {
		t.Fatal(err)
	}
	huge := pt(mInst, 2, "memory:size:bytes.avg", "1"+strings.Repeat("0", 26))
	if err := st.PutMetricPoints(ctx, []metricstore.Point{pt(mInst, 2, "cpu:used:percent.avg", "1"), huge}); err == nil {
		t.Fatal("a 27-digit value was stored")
	}
	st.Close()
	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.MetricPoints(ctx, metricstore.Query{InstanceID: 7, Region: "us-east-1", Account: "111111111111",
		Window: cost.Window{Start: hourAt(0), End: hourAt(24)}, Scope: scope.All()})
	if err != nil {
		t.Fatal(err)
	}
	if r, want := renderPoints(got), "us-east-1:111111111111:i-0a 01 cpu:used:percent.avg 12.5\n"; r != want {
		t.Errorf("after reopening:\n%s\nwant:\n%s", r, want)
	}
}

func TestMetricInstances(t *testing.T) {
	ctx := context.Background()
	st := openTempMem(t)
	if err := st.PutMetricPoints(ctx, []metricstore.Point{
		pt(mB, 1, "cpu:used:percent.avg", "1"),
		pt(mFS, 1, "fs:used:bytes.avg", "1"), // a file system alone does not list its instance
		pt(mInst, 5, "cpu:used:percent.avg", "1"),
	}); err != nil {
		t.Fatal(err)
	}
	f := func(w cost.Window, sc scope.Scope, want string) {
		t.Helper()
		got, err := st.MetricInstances(ctx, w, sc)
		if err != nil {
			t.Fatal(err)
		}
		var b []string
		for _, s := range got {
			b = append(b, fmt.Sprintf("%s#%d", s.AssetID(), s.InstanceID))
		}
		if r := strings.Join(b, " "); r != want {
			t.Errorf("MetricInstances(%v, %v) = %q, want %q", w, sc, r, want)
		}
	}
	day := cost.Window{Start: hourAt(0), End: hourAt(24)}
	f(day, scope.All(), "us-east-1:111111111111:i-0a#7 eu-west-1:222222222222:i-0b#9")
	f(cost.Window{Start: hourAt(0), End: hourAt(5)}, scope.All(), "eu-west-1:222222222222:i-0b#9")
	f(day, scope.Accounts("111111111111"), "us-east-1:111111111111:i-0a#7")
	f(day, scope.None(), "")
}
