package kubecost

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/pipeline"
)

// fakePipeline records what the endpoints ask of it. Source "aws-main"
// exists; "broken" fails; any other key is unknown. With none set, no
// source is configured: the status is empty.
type fakePipeline struct {
	mu    sync.Mutex
	calls []string
	none  bool
}

func (f *fakePipeline) check(key string) error {
	switch key {
	case "", "aws-main":
		return nil
	case "broken":
		return errors.New("bucket unreachable")
	}
	return fmt.Errorf("source %q: %w", key, pipeline.ErrUnknownSource)
}

func (f *fakePipeline) Rebuild(key string) error {
	if err := f.check(key); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "rebuild "+key)
	return nil
}

func (f *fakePipeline) Repair(w cost.Window, key string) error {
	if err := f.check(key); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "repair "+w.String()+" "+key)
	return nil
}

func (f *fakePipeline) Status() []pipeline.SourceStatus {
	if f.none {
		return nil
	}
	return []pipeline.SourceStatus{
		{
			Key: "aws-main", Source: "s3://billing/cur", Provider: "aws", Active: true, Valid: true,
			Created: d(4, 1), LastRun: d(4, 24).Add(6 * time.Hour), NextRun: d(4, 24).Add(12 * time.Hour),
			RefreshRate: 6 * time.Hour, Runs: 12, Coverage: win(d(3, 1), d(5, 1)),
			ConnectionStatus: pipeline.ConnectionSuccessful, Config: map[string]string{"bucket": "billing", "prefix": "cur"},
			Progress: 0.5, Files: 3, Rows: 1200,
		},
		{
			Key: "azure-ea", Source: "/data/azure", Provider: "azure", Valid: false, Created: d(4, 2),
			ConnectionStatus: pipeline.InvalidConfiguration, LastError: "no export found",
		},
	}
}

// taken returns and clears the recorded calls.
func (f *fakePipeline) taken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := strings.Join(f.calls, "; ")
	f.calls = nil
	return s
}

func TestETL(t *testing.T) {
	p := &fakePipeline{}
	srv, _ := newServer(t, p)
	// f checks the status, the body and what the pipeline was asked to do.
	f := func(name, path string, status int, calls string) {
		t.Helper()
		code, ct, body := get(t, srv, path)
		if code != status || ct != "application/json" {
			t.Fatalf("%s: status %d, Content-Type %q, want %d JSON; body %s", path, code, ct, status, body)
		}
		if got := p.taken(); got != calls {
			t.Fatalf("%s: pipeline calls %q, want %q", path, got, calls)
		}
		golden.Assert(t, name, body)
	}
	f("etl_rebuild_no_commit", "/model/cloudCost/rebuild", 200, "")
	f("etl_rebuild_commit_false", "/model/etl/cloudUsage/rebuild?commit=false", 200, "")
	f("etl_rebuild_all", "/model/cloudCost/rebuild?commit=true", 200, "rebuild ")
	f("etl_rebuild_integration_key", "/model/cloudCost/rebuild?commit=1&integrationKey=aws-main", 200, "rebuild aws-main")
	f("etl_cloud_usage_rebuild", "/model/etl/cloudUsage/rebuild?commit=true", 200, "rebuild ")
	f("etl_cloud_usage_rebuild_provider", "/model/etl/cloudUsage/rebuild?commit=TRUE&provider=aws-main", 200, "rebuild aws-main")
	f("etl_reconciliation_run", "/model/etl/asset/reconciliation/run?commit=true", 200, "rebuild ")
	f("etl_reconciliation_run_no_commit", "/model/etl/asset/reconciliation/run?provider=aws-main", 200, "")
	f("etl_repair", "/model/cloudCost/repair?window=2d", 200, "repair [2024-04-23T00:00:00Z, 2024-04-25T00:00:00Z) ")
	f("etl_repair_integration_key", "/model/cloudCost/repair?window=2d&integrationKey=aws-main", 200, "repair [2024-04-23T00:00:00Z, 2024-04-25T00:00:00Z) aws-main")
	f("etl_cloud_usage_repair", "/model/etl/cloudUsage/repair?window=lastmonth", 200, "repair [2024-03-01T00:00:00Z, 2024-04-01T00:00:00Z) ")
	f("etl_cloud_usage_repair_provider", "/model/etl/cloudUsage/repair?window=24h&provider=aws-main", 200, "repair [2024-04-23T00:00:00Z, 2024-04-25T00:00:00Z) aws-main")
	f("etl_reconciliation_repair", "/model/etl/asset/reconciliation/repair?window=yesterday", 200, "repair [2024-04-23T00:00:00Z, 2024-04-24T00:00:00Z) ")
	f("etl_status", "/model/etl/status", 200, "")
	f("etl_cloud_cost_status", "/model/cloudCost/status", 200, "")

	f("etl_error_unknown_source", "/model/etl/cloudUsage/rebuild?commit=true&provider=gcp-x", 400, "")
	f("etl_error_unknown_source_repair", "/model/cloudCost/repair?window=2d&integrationKey=gcp-x", 400, "")
	f("etl_error_conflicting_keys", "/model/cloudCost/rebuild?commit=true&provider=a&integrationKey=b", 400, "")
	f("etl_error_no_window", "/model/etl/cloudUsage/repair", 400, "")
	f("etl_error_window", "/model/etl/asset/reconciliation/repair?window=soon", 400, "")
	f("etl_error_pipeline", "/model/cloudCost/rebuild?commit=true&integrationKey=broken", 500, "")
}

// TestETLNoSources: with a pipeline but no source configured, rebuild and
// repair say there is nothing to do (400, as OpenCost answers a missing
// integration) instead of "Repair process has begun", and start nothing;
// the status is empty.
func TestETLNoSources(t *testing.T) {
	p := &fakePipeline{none: true}
	srv, _ := newServer(t, p)
	for _, path := range []string{
		"/model/cloudCost/rebuild?commit=true", "/model/cloudCost/repair?window=2d",
		"/model/etl/cloudUsage/rebuild?commit=true", "/model/etl/cloudUsage/repair?window=2d",
		"/model/etl/asset/reconciliation/run?commit=true", "/model/etl/asset/reconciliation/repair?window=2d&provider=aws-main",
	} {
		code, _, body := get(t, srv, path)
		if code != http.StatusBadRequest || !strings.Contains(string(body), "no cloud cost source is configured") {
			t.Errorf("%s: status %d, body %s; want 400 nothing to do", path, code, body)
		}
		if calls := p.taken(); calls != "" {
			t.Errorf("%s: pipeline asked to %q", path, calls)
		}
	}
	code, _, body := get(t, srv, "/model/etl/cloudUsage/repair?window=2d")
	golden.Assert(t, "etl_error_no_sources_repair", body)
	if code != http.StatusBadRequest {
		t.Errorf("status %d", code)
	}
	if code, _, body := get(t, srv, "/model/cloudCost/status"); code != http.StatusOK || !strings.Contains(string(body), `"data": []`) {
		t.Errorf("status without sources: %d %s", code, body)
	}
}

// TestETLNotConfigured: without a pipeline every ETL endpoint is a 501
// and the cost endpoints still work.
func TestETLNotConfigured(t *testing.T) {
	srv, _ := newServer(t, nil)
	for _, path := range []string{
		"/model/cloudCost/rebuild?commit=true", "/model/cloudCost/repair?window=2d", "/model/cloudCost/status",
		"/model/etl/cloudUsage/rebuild?commit=true", "/model/etl/cloudUsage/repair?window=2d",
		"/model/etl/asset/reconciliation/run?commit=true", "/model/etl/asset/reconciliation/repair?window=2d",
		"/model/etl/status",
	} {
		code, _, body := get(t, srv, path)
		if code != http.StatusNotImplemented || !strings.Contains(string(body), "not configured") {
			t.Errorf("%s: status %d, body %s; want 501 not configured", path, code, body)
		}
	}
	if code, _, body := get(t, srv, "/model/cloudCost?window=1d"); code != http.StatusOK {
		t.Errorf("cloudCost without a pipeline: %d %s", code, body)
	}
}
