package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/metricsupload"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// seedWorldMetrics gives every account of the isolation world an
// instance "i-<account>" with a file system, and 96 hours of CPU and
// memory from 4 March 2024, in the store's metric tables, where the
// CloudHealth metrics GET and the native rightsizing read them.
func seedWorldMetrics(t *testing.T, st *duckdb.Store) {
	t.Helper()
	var pts []metricstore.Point
	for a := range accountCost {
		inst := metricstore.Series{AssetType: metricsupload.AssetInstance, InstanceID: asset.ID(asset.AwsInstance, "i-"+a),
			Region: "us-east-1", Account: a, Instance: "i-" + a}
		fs := inst
		fs.AssetType, fs.MountPoint = metricsupload.AssetFileSystem, "/data-"+a
		for h := range 96 {
			at := time.Date(2024, 3, 4, h, 0, 0, 0, time.UTC)
			pts = append(pts,
				metricstore.Point{Series: inst, Time: at, Key: "cpu:used:percent.avg", Value: decimal.NewFromInt(10)},
				metricstore.Point{Series: inst, Time: at, Key: "memory:used:percent.avg", Value: decimal.NewFromInt(20)},
				metricstore.Point{Series: fs, Time: at, Key: "fs:used:bytes.avg", Value: decimal.NewFromInt(1)})
		}
	}
	if err := st.PutMetricPoints(context.Background(), pts); err != nil {
		t.Fatal(err)
	}
}

// metricsProbe is the GET of one world account's instance metrics.
func metricsProbe(alias, account string) string {
	return "/cloudhealth" + alias + "?asset=arn:aws:ec2:us-east-1:" + account + ":instance/i-" + account + "&granularity=day&from=2024-03-01&to=2024-03-31"
}

// TestMetricsIsolation: every caller asks for every account's instance;
// it reads the metrics of its own accounts' instances, and gets no
// datasets, as for an unknown instance, for any other. (Uploads outside
// the caller's scope are refused row by row: TestMetricsPost in the
// dialect, as the world's account ids are not AWS account numbers.)
func TestMetricsIsolation(t *testing.T) {
	w := newWorld(t)
	for _, caller := range callers {
		sees := w.callerScope(caller)
		for a := range accountCost {
			code, body := w.do(t, caller, http.MethodGet, metricsProbe("/metrics/v1", a))
			if code != http.StatusOK {
				t.Errorf("metrics of %s as %s: %d %s", a, caller, code, body)
				continue
			}
			visible := sees == nil || contains(sees, a)
			if got := strings.Contains(body, "i-"+a); got != visible {
				t.Errorf("metrics of %s as %s: shown %v, want %v: %s", a, caller, got, visible, body)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
