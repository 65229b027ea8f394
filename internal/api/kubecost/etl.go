package kubecost

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/pipeline"
)

// The ETL endpoints of §9. Kubecost's reconciliation endpoints have no
// counterpart in Tally, which keeps no separate asset store to reconcile:
// reconciliation/run is a rebuild and reconciliation/repair a repair of
// the cloud cost sources, answered with Kubecost's reconciliation
// messages so that scripts written for Kubecost keep working.

// rebuildMessages are the answers of one rebuild endpoint.
type rebuildMessages struct{ all, one string }

var (
	openCostRebuild   = rebuildMessages{"Rebuilding Cloud Usage For All Providers", "Rebuilding Cloud Usage For Provider %s"}
	cloudUsageRebuild = openCostRebuild
	reconciliationRun = rebuildMessages{"Reconciliation Assets For All Providers", "Reconciliation Assets For Provider %s"}
)

// commitMessage is OpenCost's answer to a rebuild without commit=true.
// The Kubecost endpoints document no wording of their own; they trigger
// the same cloud cost rebuild, so they answer the same.
const commitMessage = "Pass parameter 'commit=true' to confirm Cloud Cost rebuild"

// repairMessage words the answer of one repair endpoint from the window
// in OpenCost's notation and the key ("" for all providers).
type repairMessage func(window, key string) string

var (
	// openCostRepair is OpenCost's wording, which does not show the window.
	openCostRepair repairMessage = func(_, key string) string {
		if key == "" {
			return "Rebuilding Cloud Usage For All Providers"
		}
		return "Rebuilding Cloud Usage For Provider " + key
	}
	cloudUsageRepair     = kubecostRepair("Cloud Usage Repair")
	reconciliationRepair = kubecostRepair("Reconciliation Repair")
)

// kubecostRepair words Kubecost's documented "<what> process has begun
// for [<window>) for all providers"; the one-provider form is ours.
func kubecostRepair(what string) repairMessage {
	return func(window, key string) string {
		target := "all providers"
		if key != "" {
			target = "provider " + key
		}
		return what + " process has begun for " + window + " for " + target
	}
}

// sourceKey reads the source a request names: Kubecost's provider or
// OpenCost's integrationKey; "" for every source.
func sourceKey(v url.Values) (string, error) {
	p, k := strings.TrimSpace(v.Get("provider")), strings.TrimSpace(v.Get("integrationKey"))
	if p != "" && k != "" && p != k {
		return "", badParam(fmt.Sprintf("invalid provider parameter: provider %q and integrationKey %q name different sources", p, k))
	}
	if k != "" {
		return k, nil
	}
	return p, nil
}

// pipelineError maps an unknown source to a 400 naming the parameter.
func pipelineError(err error, key string) error {
	if errors.Is(err, pipeline.ErrUnknownSource) {
		return badParam(fmt.Sprintf("invalid provider parameter: no source %q is configured", key))
	}
	return fmt.Errorf("pipeline: %w", err)
}

// noSources answers a rebuild or repair when no source is configured:
// there is nothing to do, and saying that the process has begun would
// hide the missing configuration. OpenCost answers a missing integration
// the same way: 400 and a message naming what is missing.
func (a *API) noSources(what string) error {
	if len(a.pipeline.Status()) > 0 {
		return nil
	}
	return apierr.New(http.StatusBadRequest, "nothing to "+what+": no cloud cost source is configured (add one with --config or POST /api/v1/sources)")
}

// rebuild serves a rebuild endpoint: nothing happens without commit=true
// (or 1), the documented safety flag.
func (a *API) rebuild(msg rebuildMessages) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		if a.pipeline == nil {
			return nil, errNotConfigured
		}
		v := r.URL.Query()
		if c := strings.ToLower(v.Get("commit")); c != "true" && c != "1" {
			return commitMessage, nil
		}
		key, err := sourceKey(v)
		if err != nil {
			return nil, err
		}
		if err := a.noSources("rebuild"); err != nil {
			return nil, err
		}
		if err := a.pipeline.Rebuild(key); err != nil {
			return nil, pipelineError(err, key)
		}
		if key == "" {
			return msg.all, nil
		}
		return fmt.Sprintf(msg.one, key), nil
	}
}

// repair serves a repair endpoint: window is required and parsed as for
// /model/cloudCost, widened to whole days, the granularity of cloud costs.
func (a *API) repair(msg repairMessage) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		if a.pipeline == nil {
			return nil, errNotConfigured
		}
		v := r.URL.Query()
		ws := v.Get("window")
		if strings.TrimSpace(ws) == "" {
			return nil, badParam("missing require window param")
		}
		w, err := cost.ParseWindow(ws, a.now().UTC())
		if err != nil {
			return nil, fmt.Errorf("invalid window parameter: %w", err)
		}
		w = w.WidenToDays()
		if !w.End.After(w.Start) {
			return nil, badParam("invalid window parameter: " + openCostWindow(w) + " is empty")
		}
		key, err := sourceKey(v)
		if err != nil {
			return nil, err
		}
		if err := a.noSources("repair"); err != nil {
			return nil, err
		}
		if err := a.pipeline.Repair(w, key); err != nil {
			return nil, pipelineError(err, key)
		}
		return msg(openCostWindow(w), key), nil
	}
}

// statusJSON is OpenCost's cloud cost integration status (§9.2, field
// names as OpenCost spells them, RefreshRate included) plus the progress
// of the current or last run.
type statusJSON struct {
	Key              string            `json:"key"`
	Source           string            `json:"source"`
	Provider         string            `json:"provider"`
	Active           bool              `json:"active"`
	Valid            bool              `json:"valid"`
	LastRun          time.Time         `json:"lastRun"`
	NextRun          time.Time         `json:"nextRun"`
	RefreshRate      string            `json:"RefreshRate"`
	Created          time.Time         `json:"created"`
	Runs             int               `json:"runs"`
	Coverage         string            `json:"coverage"`
	ConnectionStatus string            `json:"connectionStatus"`
	Config           map[string]string `json:"config"`
	Progress         float64           `json:"progress"`
	Files            int               `json:"files"`
	Rows             int64             `json:"rows"`
	LastError        string            `json:"lastError"`
}

// statusProviders are OpenCost's provider names for Tally's source kinds.
var statusProviders = map[string]string{"aws": "AWS", "azure": "Azure", "gcp": "GCP", "focus": "FOCUS"}

func statusOf(s pipeline.SourceStatus) statusJSON {
	provider, ok := statusProviders[strings.ToLower(s.Provider)]
	if !ok {
		provider = s.Provider
	}
	config := s.Config
	if config == nil {
		config = map[string]string{}
	}
	// Zero times stay Go's zero time, as OpenCost (also Go) writes them.
	return statusJSON{
		Key: s.Key, Source: s.Source, Provider: provider, Active: s.Active, Valid: s.Valid,
		LastRun: s.LastRun.UTC(), NextRun: s.NextRun.UTC(), RefreshRate: s.RefreshRate.String(),
		Created: s.Created.UTC(), Runs: s.Runs, Coverage: openCostWindow(s.Coverage),
		ConnectionStatus: string(s.ConnectionStatus), Config: config,
		Progress: s.Progress, Files: s.Files, Rows: s.Rows, LastError: s.LastError,
	}
}

// cloudCostStatus serves GET /model/cloudCost/status: one status per source.
func (a *API) cloudCostStatus(r *http.Request) (any, error) {
	if a.pipeline == nil {
		return nil, errNotConfigured
	}
	out := []statusJSON{}
	for _, s := range a.pipeline.Status() {
		out = append(out, statusOf(s))
	}
	return out, nil
}

type etlStatusJSON struct {
	// Allocation and Assets are empty: Tally has no allocation or asset
	// pipelines, only cloud costs.
	Allocation struct{}              `json:"allocation"`
	Assets     struct{}              `json:"assets"`
	Cloud      map[string]statusJSON `json:"cloud"`
}

// etlStatus serves Kubecost's GET /model/etl/status, the statuses keyed by
// source in its cloud section.
func (a *API) etlStatus(r *http.Request) (any, error) {
	if a.pipeline == nil {
		return nil, errNotConfigured
	}
	out := etlStatusJSON{Cloud: map[string]statusJSON{}}
	for _, s := range a.pipeline.Status() {
		out.Cloud[s.Key] = statusOf(s)
	}
	return out, nil
}
