package metricstore

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/metricsupload"
)

func TestMean(t *testing.T) {
	f := func(sum string, n int64, want string) {
		t.Helper()
		if got := mean(decimal.RequireFromString(sum), n); got.String() != want {
			t.Errorf("mean(%s, %d) = %s, want %s", sum, n, got, want)
		}
	}
	f("7", 1, "7")
	f("9", 3, "3")
	f("100", 24, "4.166666666667")
	f("2", 3, "0.666666666667")
	f("1", 3, "0.333333333333")
	// Ties go to the even neighbour.
	f("0.000000000001", 2, "0")
	f("0.000000000003", 2, "0.000000000002")
	f("0.000000000005", 2, "0.000000000002")
	f("-0.000000000003", 2, "-0.000000000002")
	f("-2", 3, "-0.666666666667")
}

func TestRollup(t *testing.T) {
	inst := Series{AssetType: metricsupload.AssetInstance, InstanceID: 1, Region: "us-east-1", Account: "1", Instance: "i-1"}
	fs := inst
	fs.AssetType, fs.MountPoint = metricsupload.AssetFileSystem, "/"
	at := func(d, h int) time.Time { return time.Date(2024, 1, d, h, 0, 0, 0, time.UTC) }
	p := func(s Series, d, h int, key, v string) Point {
		return Point{Series: s, Time: at(d, h), Key: key, Value: decimal.RequireFromString(v)}
	}
	days := []cost.Window{{Start: at(1, 0), End: at(2, 0)}, {Start: at(2, 0), End: at(3, 0)}}
	render := func(rows []Row) string {
		var b strings.Builder
		for _, r := range rows {
			fmt.Fprintf(&b, "%s %s", r.Series.AssetID(), r.Start.Format("02T15"))
			for _, k := range []string{"cpu:used:percent.avg", "cpu:used:percent.max", "cpu:used:percent.min", "fs:used:bytes.avg"} {
				if v, ok := r.Values[k]; ok {
					fmt.Fprintf(&b, " %s=%s", k, v)
				}
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	cases := []struct {
		name    string
		points  []Point
		buckets []cost.Window
		want    string
	}{
		{"no points, no rows", nil, days, ""},
		{
			"avg is the mean of the hours, min the least, max the greatest",
			[]Point{
				p(inst, 1, 0, "cpu:used:percent.avg", "10"), p(inst, 1, 1, "cpu:used:percent.avg", "20"), p(inst, 1, 2, "cpu:used:percent.avg", "31"),
				p(inst, 1, 0, "cpu:used:percent.max", "50"), p(inst, 1, 1, "cpu:used:percent.max", "90.5"),
				p(inst, 1, 0, "cpu:used:percent.min", "3"), p(inst, 1, 1, "cpu:used:percent.min", "1.5"),
			},
			days,
			"us-east-1:1:i-1 01T00 cpu:used:percent.avg=20.333333333333 cpu:used:percent.max=90.5 cpu:used:percent.min=1.5\n",
		},
		{
			"a row per series and bucket with points, the instance first, points outside every bucket left out",
			[]Point{
				p(fs, 2, 5, "fs:used:bytes.avg", "100"), p(inst, 2, 23, "cpu:used:percent.avg", "1"),
				p(inst, 1, 0, "cpu:used:percent.avg", "2"), p(inst, 3, 0, "cpu:used:percent.avg", "99"),
			},
			days,
			"us-east-1:1:i-1 01T00 cpu:used:percent.avg=2\nus-east-1:1:i-1 02T00 cpu:used:percent.avg=1\nus-east-1:1:i-1:/ 02T00 fs:used:bytes.avg=100\n",
		},
		{
			"hourly buckets keep the values unchanged",
			[]Point{p(inst, 1, 1, "cpu:used:percent.avg", "16.670000000000"), p(inst, 1, 0, "cpu:used:percent.min", "0.000000000001")},
			[]cost.Window{{Start: at(1, 0), End: at(1, 1)}, {Start: at(1, 1), End: at(1, 2)}},
			"us-east-1:1:i-1 01T00 cpu:used:percent.min=0.000000000001\nus-east-1:1:i-1 01T01 cpu:used:percent.avg=16.67\n",
		},
	}
	for _, c := range cases {
		if got := render(Rollup(c.points, c.buckets)); got != c.want {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}
