package cloudhealth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/metricsupload"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

// fakeInstances is the asset index of the metrics tests: instances by
// compact id, active or not.
type fakeInstances map[string]bool

func (f fakeInstances) Instance(_ context.Context, region, account, id string) (int64, bool, bool, error) {
	active, found := f[region+":"+account+":"+id]
	return asset.ID(asset.AwsInstance, id), active, found, nil
}

// The instances of the tests: one active in each of two accounts, one
// stopped.
var testInstances = fakeInstances{
	"us-east-1:111111111111:i-99999999": true,
	"us-east-1:111111111111:i-88888888": true,
	"eu-west-1:222222222222:i-77777777": true,
	"us-east-1:111111111111:i-00000000": false,
}

// metricsServer is the dialect with a metrics store, testInstances and
// a clock the test moves. An X-Test-Key header gives the principal that
// key id (tenanttest's principals all have key 0).
type metricsServer struct {
	*testServer
	store *duckdb.Store
	mu    sync.Mutex
	clock time.Time
}

func newMetricsServer(t *testing.T) *metricsServer {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	s := &metricsServer{store: st, clock: testNow}
	api := New(engine.New(st), book, slog.New(slog.DiscardHandler))
	api.now = func() time.Time {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.clock
	}
	api.SetMetrics(st)
	api.SetInstances(testInstances)
	mux := http.NewServeMux()
	api.Register(mux)
	keyed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k := r.Header.Get("X-Test-Key"); k != "" {
			p, _ := tenant.FromContext(r.Context())
			cp := *p
			cp.KeyID, _ = strconv.ParseInt(k, 10, 64)
			r = r.WithContext(tenant.WithPrincipal(r.Context(), &cp))
		}
		mux.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(tenanttest.WithPrincipal(keyed))
	t.Cleanup(srv.Close)
	s.testServer = &testServer{Server: srv, book: book}
	return s
}

func (s *metricsServer) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = s.clock.Add(d)
}

// upload is a payload of one dataset.
func upload(assetType string, keys []string, rows ...string) string {
	return fmt.Sprintf(`{"metrics":{"datasets":[{"metadata":{"assetType":%q,"granularity":"hour","keys":["%s"]},"values":[%s]}]}}`,
		assetType, strings.Join(keys, `","`), strings.Join(rows, ","))
}

var cpuKeys = []string{"assetId", "timestamp", "cpu:used:percent.avg", "cpu:used:percent.max", "cpu:used:percent.min"}

const mv1 = "/metrics/v1"

// TestMetricsPost: uploads as the guide shows them, each answer a 200
// with counts and row failures, or the whole request refused.
func TestMetricsPost(t *testing.T) {
	s := newMetricsServer(t)
	editorOf111 := []string{"X-Test-Role", "editor", "X-Test-Accounts", "111111111111"}
	twoDatasets := `{"metrics":{"datasets":[` +
		`{"metadata":{"assetType":"aws:ec2:instance","granularity":"hour","keys":["assetId","timestamp","memory:free:bytes.avg","memory:size:bytes.avg","memory:used:percent.avg"]},` +
		`"values":[["us-east-1:111111111111:i-99999999","2024-01-15T09:00:00+00:00",53687391300,322122547200,16.67],` +
		`["us-east-1:111111111111:i-99999999","2024-01-15T10:00:00+00:00",53687391300,322122547200,33.333333333333333]]},` +
		`{"metadata":{"assetType":"aws:ec2:instance:fs","granularity":"hour","keys":["assetId","timestamp","fs:size:bytes.avg","fs:used:bytes.avg"]},` +
		`"values":[["us-east-1:111111111111:i-99999999:/opt","2024-01-15T09:00:00+00:00",1000,250]]}]}}`
	partial := `{"metrics":{"datasets":[` +
		`{"metadata":{"assetType":"aws:ec2:instance","granularity":"hour","keys":["assetId","timestamp","cpu:used:percent.avg","cpu:used:percent.max","cpu:used:percent.min"]},"values":[` +
		`["us-east-1:111111111111:i-88888888","2024-01-15T08:00:00+00:00",76,99,51],` +
		`["us-east-1:111111111111:i-99999999","2024-01-15T02:00:00+00:00",100,75,50,111],` +
		`["us-east-1:111111111111:i-88888888","2024-01-15T03:00:00+00:00",101,75,50],` +
		`["us-east-1:111111111111:i-12345678","2024-01-15T03:00:00+00:00",1,2,3],` +
		`["us-east-1:111111111111:i-00000000","2024-01-15T03:00:00+00:00",1,2,3],` +
		`["eu-west-1:222222222222:i-77777777","2024-01-15T03:00:00+00:00",1,2,3],` +
		`["us-east-1:111111111111:i-88888888","2024-01-15T03:30:00+00:00",1,2,3],` +
		`["us-east-1:111111111111:i-88888888","2024-01-01T03:00:00+00:00",1,2,3],` +
		`["us-east-1:111111111111:i-88888888","2024-01-15T04:00:00+00:00",100.0000,0,0.0]]},` +
		`{"metadata":{"assetType":"aws:ec2:volume","granularity":"day","keys":["assetId","timestamp"]},"values":[["x","y"],["z","w"]]}]}}`
	// 84 rows of the instance's twelve metrics: 1,008 points.
	all := append([]string{"assetId", "timestamp"}, metricsupload.MetricKeys(metricsupload.AssetInstance)...)
	row := `["us-east-1:111111111111:i-99999999","2024-01-15T09:00:00+00:00"` + strings.Repeat(",1", 12) + `]`
	over := upload("aws:ec2:instance", all, slices.Repeat([]string{row}, 84)...)
	today := "?asset=arn:aws:ec2:us-east-1:111111111111:instance/i-99999999&time_range=today"
	rs := s.script(t, "metrics_post", []step{
		{Method: "POST", Path: mv1, Body: twoDatasets},
		{Method: "GET", Path: mv1 + today},
		// The guide's example failures, and the instance checks, beside
		// one good row; a dataset with bad metadata fails whole.
		{Method: "POST", Path: "/v1/metrics/", Body: partial},
		// A key scoped to account 111111111111 posting for 222222222222:
		// the same failure as an unknown instance.
		{Method: "POST", Path: mv1, Body: upload("aws:ec2:instance", cpuKeys,
			`["eu-west-1:222222222222:i-77777777","2024-01-15T03:00:00+00:00",1,2,3]`,
			`["us-east-1:111111111111:i-88888888","2024-01-15T05:00:00+00:00",1,2,3]`), Header: editorOf111},
		// A byte count beyond what the store holds (27 digits and more).
		{Method: "POST", Path: mv1, Body: upload("aws:ec2:instance", []string{"assetId", "timestamp", "memory:size:bytes.max"},
			`["us-east-1:111111111111:i-88888888","2024-01-15T07:00:00+00:00",1e27]`,
			`["us-east-1:111111111111:i-88888888","2024-01-15T07:00:00+00:00",99999999999999999999999999.999999999999]`)},
		// dryrun validates and writes nothing: hour 06 stays absent.
		{Method: "POST", Path: mv1 + "?dryrun=true", Body: upload("aws:ec2:instance", cpuKeys,
			`["us-east-1:111111111111:i-88888888","2024-01-15T06:00:00+00:00",1,2,3]`)},
		{Method: "GET", Path: mv1 + "?asset=arn:aws:ec2:us-east-1:111111111111:instance/i-88888888&time_range=today"},
		// Re-sending an hour replaces it.
		{Method: "POST", Path: mv1 + "?dryrun=False", Body: upload("aws:ec2:instance", cpuKeys,
			`["us-east-1:111111111111:i-88888888","2024-01-15T08:00:00+00:00",10,20,5]`)},
		{Method: "GET", Path: mv1 + "?asset=arn:aws:ec2:us-east-1:111111111111:instance/i-88888888&time_range=today"},
		// Refused whole.
		{Method: "POST", Path: mv1, Body: over},
		{Method: "POST", Path: mv1, Body: `{"metrics": {}}`},
		{Method: "POST", Path: mv1, Body: `{"metrics": {"datasets": [{"values": []}]}}`},
		{Method: "POST", Path: mv1, Body: "{\"metrics\":\n {\"datasets\": [}}"},
		{Method: "POST", Path: mv1, Body: twoDatasets, Header: []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{Method: "POST", Path: mv1 + "?dryrun=maybe", Body: twoDatasets},
		{Method: "POST", Path: mv1, Body: twoDatasets, Header: []string{"X-Test-Role", "viewer"}},
	})
	want := []int{200, 200, 200, 200, 200, 200, 200, 200, 200, 422, 400, 400, 400, 422, 422, 403}
	for i, r := range rs {
		if r.Status != want[i] {
			t.Errorf("step %d: status %d, want %d: %s", i, r.Status, want[i], r.Body)
		}
	}
}

// seedMetrics stores hourly points of i-99999999 (111111111111,
// us-east-1) and of one of its file systems from 1 December 2023 to the
// hour before testNow, and one point of i-77777777 (222222222222):
// cpu avg h+0.25, max h+1 and min h at hour of day h, memory used 50
// except 20 on Sundays, and /data used 100 bytes at midnight and 0
// otherwise, whose daily mean does not terminate.
func seedMetrics(t *testing.T, st metricstore.Store) {
	t.Helper()
	inst := metricstore.Series{AssetType: metricsupload.AssetInstance, InstanceID: asset.ID(asset.AwsInstance, "i-99999999"),
		Region: "us-east-1", Account: "111111111111", Instance: "i-99999999"}
	fs := inst
	fs.AssetType, fs.MountPoint = metricsupload.AssetFileSystem, "/data"
	other := metricstore.Series{AssetType: metricsupload.AssetInstance, InstanceID: asset.ID(asset.AwsInstance, "i-77777777"),
		Region: "eu-west-1", Account: "222222222222", Instance: "i-77777777"}
	var pts []metricstore.Point
	add := func(s metricstore.Series, at time.Time, key string, v decimal.Decimal) {
		pts = append(pts, metricstore.Point{Series: s, Time: at, Key: key, Value: v})
	}
	for at := time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC); at.Before(testNow.Truncate(time.Hour)); at = at.Add(time.Hour) {
		h := decimal.NewFromInt(int64(at.Hour()))
		add(inst, at, "cpu:used:percent.avg", h.Add(decimal.RequireFromString("0.25")))
		add(inst, at, "cpu:used:percent.max", h.Add(decimal.NewFromInt(1)))
		add(inst, at, "cpu:used:percent.min", h)
		mem := decimal.NewFromInt(50)
		if at.Weekday() == time.Sunday {
			mem = decimal.NewFromInt(20)
		}
		add(inst, at, "memory:used:percent.avg", mem)
		used := decimal.Zero
		if at.Hour() == 0 {
			used = decimal.NewFromInt(100)
		}
		add(fs, at, "fs:used:bytes.avg", used)
	}
	add(other, testNow.Add(-24*time.Hour).Truncate(time.Hour), "cpu:used:percent.avg", decimal.NewFromInt(1))
	if err := st.PutMetricPoints(context.Background(), pts); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsGet: the GET at each granularity with its rollups, paging
// with next links, ranges with no rows, scope, and bad parameters.
func TestMetricsGet(t *testing.T) {
	s := newMetricsServer(t)
	seedMetrics(t, s.store)
	a := mv1 + "?asset=arn:aws:ec2:us-east-1:111111111111:instance/i-99999999"
	proxy := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "chapi.example.com"}
	s.script(t, "metrics_get", []step{
		// Default: yesterday, hourly (Sunday 14 January), on pages of 10:
		// the instance's 24 value sets, then its file system's.
		{Method: "GET", Path: a + "&per_page=10&api_key=K", Header: proxy},
		{Method: "GET", Path: a + "&per_page=10&api_key=K&page=3", Header: proxy},
		{Method: "GET", Path: a + "&per_page=10&api_key=K&page=5", Header: proxy},
		{Method: "GET", Path: a + "&per_page=10&api_key=K&page=6", Header: proxy},
		{Method: "GET", Path: a + "&granularity=day&time_range=last_7_days"},
		{Method: "GET", Path: a + "&granularity=week&time_range=last_2_weeks"},
		{Method: "GET", Path: a + "&granularity=month&time_range=last_month"},
		{Method: "GET", Path: a + "&granularity=day&from=2024-01-13&to=2024-01-14"},
		// Today exists only hourly; yesterday is shorter than a month.
		{Method: "GET", Path: a + "&granularity=day&time_range=today"},
		{Method: "GET", Path: a + "&granularity=month&time_range=yesterday"},
		{Method: "GET", Path: a + "&time_range=today&page=0&per_page=3", Header: proxy},
		// Another account's instance, for a key that does not see it, or
		// named with the wrong account: no datasets, as if unknown.
		{Method: "GET", Path: mv1 + "/?asset=arn:aws:ec2:eu-west-1:222222222222:instance/i-77777777", Header: []string{"X-Test-Accounts", "111111111111"}},
		{Method: "GET", Path: mv1 + "/?asset=arn:aws:ec2:eu-west-1:222222222222:instance/i-77777777"},
		{Method: "GET", Path: "/v1/metrics?asset=arn:aws:ec2:eu-west-1:111111111111:instance/i-77777777"},
		{Method: "GET", Path: mv1},
		{Method: "GET", Path: mv1 + "?asset=i-99999999"},
		{Method: "GET", Path: mv1 + "?asset=arn:aws:ec2:us-east-1:111111111111:volume/vol-1"},
		{Method: "GET", Path: a + "&granularity=minute"},
		{Method: "GET", Path: a + "&time_range=ytd"},
		{Method: "GET", Path: a + "&from=2024-13-01"},
		{Method: "GET", Path: a + "&per_page=1001"},
		{Method: "GET", Path: a + "&page=-1"},
	})
}

// TestMetricsRateLimit: the 61st POST of a key within a minute is 429
// with the dialect's error body and a Retry-After; other keys and reads
// are not held back; a minute after the first POST one more is allowed.
func TestMetricsRateLimit(t *testing.T) {
	s := newMetricsServer(t)
	body := upload("aws:ec2:instance", cpuKeys, `["us-east-1:111111111111:i-99999999","2024-01-15T09:00:00+00:00",1,2,3]`)
	key := func(k string) []string { return []string{"X-Test-Key", k} }
	post := func(k string) response {
		t.Helper()
		return s.call(t, step{Method: "POST", Path: mv1, Body: body, Header: key(k)})
	}
	for i := range 60 {
		if r := post("7"); r.Status != 200 {
			t.Fatalf("POST %d: %d %s", i+1, r.Status, r.Body)
		}
		s.advance(500 * time.Millisecond)
	}
	// 30 s after the first POST.
	r := s.call(t, step{Method: "POST", Path: "/v1/metrics/", Body: body, Header: key("7")})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("61st POST: %d %s, want 429", r.Status, r.Body)
	}
	if got, want := string(r.Body), `{"error":"Rate limit exceeded: 60 POST requests per minute per API key; retry in 30 s with exponential backoff."}`+"\n"; got != want {
		t.Errorf("429 body %s, want %s", got, want)
	}
	if r := post("8"); r.Status != 200 {
		t.Errorf("another key's first POST: %d %s", r.Status, r.Body)
	}
	if r := s.call(t, step{Method: "GET", Path: mv1 + "?asset=arn:aws:ec2:us-east-1:111111111111:instance/i-99999999", Header: key("7")}); r.Status != 200 {
		t.Errorf("a GET of the limited key: %d %s", r.Status, r.Body)
	}
	s.advance(29*time.Second + 500*time.Millisecond)
	// 59.5 s after the first: still 60 within the minute.
	if r := post("7"); r.Status != http.StatusTooManyRequests {
		t.Errorf("POST 59.5 s after the first: %d, want 429", r.Status)
	}
	s.advance(500 * time.Millisecond)
	// A minute after the first POST, the first leaves the window.
	if r := post("7"); r.Status != 200 {
		t.Errorf("POST a minute after the first: %d %s, want 200", r.Status, r.Body)
	}
	if r := post("7"); r.Status != http.StatusTooManyRequests {
		t.Errorf("a second POST at that moment: %d, want 429", r.Status)
	}
	s.advance(500 * time.Millisecond)
	if r := post("7"); r.Status != 200 {
		t.Errorf("POST once the second left the window: %d %s, want 200", r.Status, r.Body)
	}
}
