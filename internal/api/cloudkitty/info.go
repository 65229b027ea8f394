package cloudkitty

import (
	"net/http"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/rating/metrics"
)

// infoRoutes registers the info endpoints (spec §5.3), open to every
// authenticated caller. The metrics endpoints answer under both
// spellings: "metrics"/"services" as upstream routes them, and the
// singular "metric"/"service" of the vendor's list; "services" is the
// deprecated alias.
func (a *API) infoRoutes() {
	a.v1("GET /v1/info/config", a.infoConfig)
	for _, kind := range []string{"metrics", "metric", "services", "service"} {
		a.v1("GET /v1/info/"+kind, a.infoMetrics)
		a.v1("GET /v1/info/"+kind+"/{metric_id}", a.infoMetric)
	}
}

// infoConfig is the metrics configuration as written (no defaults filled
// in); {} when none is configured, as upstream answers an empty file.
func (a *API) infoConfig(r *http.Request) (any, error) {
	cfg := a.rating.Config().Metrics
	if cfg == nil || cfg.Written == nil {
		return map[string]any{}, nil
	}
	return cfg.Written, nil
}

// metricInfo is one metric: its rated name, its metadata attributes
// (not the groupby ones) and its unit.
type metricInfo struct {
	MetricID string   `json:"metric_id"`
	Metadata []string `json:"metadata"`
	Unit     string   `json:"unit"`
}

func metricInfoOf(m *metrics.Metric) metricInfo {
	md := append([]string{}, m.Metadata...)
	return metricInfo{MetricID: m.RatedName(), Metadata: md, Unit: m.Unit}
}

// configuredMetrics returns the metrics or upstream's 405 when there
// are none.
func (a *API) configuredMetrics() ([]metrics.Metric, error) {
	cfg := a.rating.Config().Metrics
	if cfg == nil || len(cfg.Metrics) == 0 {
		return nil, apierr.New(http.StatusMethodNotAllowed, "Invalid endpoint: no metrics in current configuration.")
	}
	return cfg.Metrics, nil
}

func (a *API) infoMetrics(r *http.Request) (any, error) {
	ms, err := a.configuredMetrics()
	if err != nil {
		return nil, err
	}
	out := make([]metricInfo, len(ms))
	for i := range ms {
		out[i] = metricInfoOf(&ms[i])
	}
	return map[string]any{"metrics": out}, nil
}

// infoMetric looks a metric up by its rated name (alt_name, or the name
// when there is none), as upstream: a metric with an alt_name is not
// found by its source name. The 404's text is the name asked for.
func (a *API) infoMetric(r *http.Request) (any, error) {
	ms, err := a.configuredMetrics()
	if err != nil {
		return nil, err
	}
	id := r.PathValue("metric_id")
	for i := range ms {
		if ms[i].RatedName() == id {
			return metricInfoOf(&ms[i]), nil
		}
	}
	return nil, apierr.New(http.StatusNotFound, id)
}
