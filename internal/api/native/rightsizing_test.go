package native

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/metricsupload"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

// instanceDays returns one line item a day of an instance's running
// hours: hours of usageType at rate an hour, from day on.
func instanceDays(account, instance, usageType, rate string, day time.Time, days, hours int) []*cost.LineItem {
	var out []*cost.LineItem
	for i := range days {
		at := day.AddDate(0, 0, i)
		amount := decimal.RequireFromString(rate).Mul(decimal.NewFromInt(int64(hours)))
		li := storetest.Item(account, "AmazonEC2", at, amount.String())
		li.ChargePeriodEnd = at.Add(time.Duration(hours) * time.Hour)
		li.ResourceID, li.UsageType = instance, usageType
		li.ConsumedQuantity = decimal.NewNullDecimal(decimal.NewFromInt(int64(hours)))
		out = append(out, li)
	}
	return out
}

// seedInstance stores hourly cpu and memory of an instance for hours
// hours up to now: cpu base% with the last peaks hours at peak%, memory
// mem% (or, with bytes, as free and size bytes).
func seedInstance(t *testing.T, st metricstore.Store, account, region, instance string, hours int, base, peak string, peaks int, mem string, bytes bool) {
	t.Helper()
	ser := metricstore.Series{AssetType: metricsupload.AssetInstance, InstanceID: asset.ID(asset.AwsInstance, instance),
		Region: region, Account: account, Instance: instance}
	var pts []metricstore.Point
	add := func(at time.Time, k, v string) {
		pts = append(pts, metricstore.Point{Series: ser, Time: at, Key: k, Value: decimal.RequireFromString(v)})
	}
	end := now.Truncate(time.Hour)
	for i := range hours {
		at := end.Add(-time.Duration(hours-i) * time.Hour)
		cpu := base
		if i >= hours-peaks {
			cpu = peak
		}
		add(at, "cpu:used:percent.avg", cpu)
		if bytes {
			add(at, "memory:free:bytes.avg", "3000000000")
			add(at, "memory:size:bytes.avg", "4000000000")
		} else {
			add(at, "memory:used:percent.avg", mem)
		}
	}
	if err := st.PutMetricPoints(context.Background(), pts); err != nil {
		t.Fatal(err)
	}
}

func newRightsizingServer(t *testing.T, withMetrics bool) *httptest.Server {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	day := time.Date(2024, 3, 28, 0, 0, 0, 0, time.UTC)
	var items []*cost.LineItem
	// i-0aaa: m5.xlarge at 0.192 an hour all 14 days; its data
	// transfer is not instance hours.
	items = append(items, instanceDays("111111111111", "i-0aaa", "BoxUsage:m5.xlarge", "0.192", day, 14, 24)...)
	items = append(items, instanceDays("111111111111", "i-0aaa", "USE1-DataTransfer-Out-Bytes", "0.09", day, 1, 1)...)
	// i-0bbb: c5.9xlarge, busy.
	items = append(items, instanceDays("111111111111", "i-0bbb", "USE2-BoxUsage:c5.9xlarge", "1.53", day.AddDate(0, 0, 9), 5, 24)...)
	// i-0ccc: t3.medium, on demand and spot, with few metrics.
	items = append(items, instanceDays("222222222222", "i-0ccc", "BoxUsage:t3.medium", "0.0416", day, 2, 24)...)
	items = append(items, instanceDays("222222222222", "i-0ccc", "SpotUsage:t3.medium", "0.0125", day.AddDate(0, 0, 2), 1, 24)...)
	// i-0eee: was t3.large for a day, then m6g.large for three.
	items = append(items, instanceDays("222222222222", "i-0eee", "BoxUsage:t3.large", "0.0832", day, 1, 24)...)
	items = append(items, instanceDays("222222222222", "i-0eee", "BoxUsage:m6g.large", "0.077", day.AddDate(0, 0, 1), 3, 24)...)
	storetest.Load(t, st, "cur", items...)
	seedInstance(t, st, "111111111111", "us-east-1", "i-0aaa", 336, "20", "39", 17, "30", false)
	seedInstance(t, st, "111111111111", "us-east-2", "i-0bbb", 120, "70", "70", 0, "10", false)
	seedInstance(t, st, "222222222222", "us-east-1", "i-0ccc", 48, "5", "5", 0, "", true)
	// i-0ddd has metrics and no bill.
	seedInstance(t, st, "222222222222", "us-east-1", "i-0ddd", 100, "5", "5", 0, "5", false)
	seedInstance(t, st, "222222222222", "us-east-1", "i-0eee", 96, "10", "10", 0, "5", true)
	api := New(engine.New(st), nil, nil)
	api.now = func() time.Time { return now }
	if withMetrics {
		api.SetMetrics(st)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	return srv
}

func TestRightsizing(t *testing.T) {
	srv := newRightsizingServer(t, true)
	f := func(name, path string, status int, header ...string) {
		t.Helper()
		req, err := http.NewRequest("GET", srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != status {
			t.Fatalf("GET %s: %d, want %d: %s", path, res.StatusCode, status, body)
		}
		golden.Assert(t, name, body)
	}
	const rs = "/api/v1/recommendations/rightsizing"
	f("rightsizing", rs, 200)
	f("rightsizing_scoped", rs, 200, "X-Test-Accounts", "222222222222")
	f("rightsizing_none_in_scope", rs, 200, "X-Test-Accounts", "333333333333")
	// A window of the last 3 days: i-0aaa has 72 hours of metrics, and
	// its rate is that of those days.
	f("rightsizing_window", rs+"?window=2024-04-07,2024-04-10", 200)
	f("error_rightsizing_param", rs+"?windw=7d", 400)
	f("error_rightsizing_window", rs+"?window=yesterday-ish", 400)
}

func TestRightsizingWithoutMetrics(t *testing.T) {
	srv := newRightsizingServer(t, false)
	res, err := http.Get(srv.URL + "/api/v1/recommendations/rightsizing")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotImplemented {
		t.Errorf("without metrics: %d, want 501", res.StatusCode)
	}
}
