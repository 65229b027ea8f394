package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/rating/metrics"
)

// DefaultPrometheusTimeout bounds every request to Prometheus unless
// PrometheusOptions.Timeout says otherwise: upstream's
// [collector_prometheus] timeout default.
const DefaultPrometheusTimeout = 60 * time.Second

// PrometheusOptions are upstream's [collector_prometheus] options.
type PrometheusOptions struct {
	// URL is the server's base URL (http://host:9090, or a prefix such
	// as https://host/prometheus).
	URL string
	// Username and Password: basic authentication, used when both are
	// set (as upstream). BearerToken: an Authorization: Bearer header
	// instead (Thanos, Mimir and hosted Prometheus want one).
	Username, Password string
	BearerToken        string
	// CAFile is a PEM file of the authorities to trust; Insecure skips
	// verification of the server's certificate altogether.
	CAFile   string
	Insecure bool
	// Timeout bounds each request, connection to last byte; it is also
	// sent as the query's own timeout so that the server gives up too.
	// DefaultPrometheusTimeout when zero.
	Timeout time.Duration
}

// Prometheus is the Collector for a Prometheus server's HTTP API (or one
// speaking it), through the official client.
type Prometheus struct {
	api     promv1.API
	server  string // the URL without credentials, for messages
	timeout time.Duration
}

var _ Collector = (*Prometheus)(nil)

// ErrPrometheus marks every failure to collect from Prometheus (an
// unreachable or failing server, a timeout, an answer that cannot be
// rated); callers test it with errors.Is. It has no errkind: the
// server's failure is not the caller's invalid input.
var ErrPrometheus = errors.New("prometheus collection failed")

// NewPrometheus returns the collector for the server o names. The HTTP
// client comes from prometheus/common/config, the code Prometheus itself
// uses for scraping and remote APIs: basic auth, bearer tokens, CA files
// and skip-verify are its settings rather than hand-written transport.
func NewPrometheus(o PrometheusOptions) (*Prometheus, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("prometheus URL %q: want http(s)://host[:port][/path]: %w", o.URL, metrics.ErrInvalid)
	}
	if o.Timeout < 0 {
		return nil, fmt.Errorf("prometheus timeout %s: must not be negative: %w", o.Timeout, metrics.ErrInvalid)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultPrometheusTimeout
	}
	hc := config.DefaultHTTPClientConfig
	if o.Username != "" && o.Password != "" {
		hc.BasicAuth = &config.BasicAuth{Username: o.Username, Password: config.Secret(o.Password)}
	}
	if o.BearerToken != "" {
		hc.Authorization = &config.Authorization{Type: "Bearer", Credentials: config.Secret(o.BearerToken)}
	}
	hc.TLSConfig = config.TLSConfig{CAFile: o.CAFile, InsecureSkipVerify: o.Insecure}
	if err := hc.Validate(); err != nil {
		return nil, fmt.Errorf("prometheus %s: %w: %w", o.URL, err, metrics.ErrInvalid)
	}
	rt, err := config.NewRoundTripperFromConfig(hc, "tally-rating")
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", o.URL, err)
	}
	client, err := api.NewClient(api.Config{Address: o.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", o.URL, err)
	}
	u.User = nil
	return &Prometheus{api: promv1.NewAPI(client), server: u.String(), timeout: o.Timeout}, nil
}

// Collect runs m's query (metrics.Metric.PromQL: upstream's query shape)
// as an instant query at the end of period, as upstream does, and turns
// each sample into a point.
func (p *Prometheus) Collect(ctx context.Context, m *metrics.Metric, scopeKey, scopeID string, period cost.Window) ([]frames.Point, error) {
	secs, err := periodSeconds(period)
	if err != nil {
		return nil, fmt.Errorf("metric %q: %w", m.Name, err)
	}
	q, err := m.PromQL(scopeKey, scopeID, secs)
	if err != nil {
		return nil, err
	}
	vec, err := p.instant(ctx, q, period.End)
	if err != nil {
		return nil, err
	}
	points := make([]frames.Point, 0, len(vec))
	keys := make([]string, 0, len(vec))
	for _, s := range vec {
		raw, err := sampleValue(s.Value)
		if err != nil {
			// %v, not %w: metrics.Sample's error is of kind
			// Invalid, and a server's NaN is no caller's bad input.
			return nil, fmt.Errorf("prometheus %s: query %s at %s: series %s: %v: %w",
				p.server, q, period.End.UTC().Format(time.RFC3339), s.Metric, err, ErrPrometheus)
		}
		pt := frames.Point{
			Unit:        m.Unit,
			Qty:         m.Quantity(raw),
			Price:       decimal.Zero,
			Groupby:     make(map[string]string, len(m.Groupby)+1),
			Metadata:    make(map[string]string, len(m.Metadata)),
			Description: m.Description,
		}
		// A label the series lacks reads as "", as upstream since
		// its empty-metadata fix. The scope key is the scope asked
		// for, whatever the label says: a query_prefix or suffix may
		// drop or rewrite labels, and the point belongs to this scope
		// by construction.
		for _, g := range m.Groupby {
			pt.Groupby[g] = string(s.Metric[model.LabelName(g)])
		}
		pt.Groupby[scopeKey] = scopeID
		for _, a := range m.Metadata {
			pt.Metadata[a] = string(s.Metric[model.LabelName(a)])
		}
		points = append(points, pt)
		keys = append(keys, sortKey(m, pt))
	}
	// The server's order is its own; points come out in the order of
	// their groupby then metadata values, so that runs compare.
	sort.Sort(byKey{points, keys})
	return points, nil
}

// sampleValue reads a sample exactly as the server wrote it. The client
// decodes the JSON string ("0.30000000000000004") into a float64, and
// model.SampleValue.String formats it back with strconv's shortest
// round-trip form ('f', -1): the same formatting Prometheus's own JSON
// encoder uses, and strconv guarantees that parsing and re-formatting
// the shortest form gives the same digits. So String returns the wire
// text digit for digit, and no arithmetic ever happens on the float. (A
// Prometheus-compatible server that writes more digits than the
// shortest form still names one float, whose 15-digit reading below is
// the same.) Decoding the JSON by hand to keep the text would buy
// nothing and lose the official client.
// metrics.Sample then reads that text to 15 significant digits, which
// drops binary artefacts (0.30000000000000004 is 0.3) and rejects NaN
// and infinities.
func sampleValue(v model.SampleValue) (decimal.Decimal, error) {
	return metrics.Sample(v.String())
}

// Scopes returns the distinct non-empty values of the scope key label
// over the period across the configured metrics, sorted. It asks one
// query, evaluated at the period's end like Collect's:
//
//	group by (project_id) (count_over_time(m1{project_id!=""}[3600s]))
//	or group by (project_id) (count_over_time(m2{project_id!=""}[3600s])) …
//
// A query rather than the series or label-values APIs: it sees exactly
// the samples Collect will see (the same range), where the label-values
// API filters by time only to block granularity (hours) and the series
// API sends back every series (each instance of each project) to be
// reduced here. The server answers one row per scope. One group per
// metric joined with "or", rather than one regex on __name__, because
// count_over_time drops the metric name and two metrics with the same
// other labels would collide in one vector. Query prefixes, suffixes
// and functions are left out: a scope with samples but whose query
// yields nothing is collected as empty, which rates nothing.
func (p *Prometheus) Scopes(ctx context.Context, cfg *metrics.Config, scopeKey string, period cost.Window) ([]string, error) {
	secs, err := periodSeconds(period)
	if err != nil {
		return nil, err
	}
	if !model.LegacyValidation.IsValidLabelName(scopeKey) {
		return nil, fmt.Errorf("scope key %q is not a Prometheus label name: %w", scopeKey, metrics.ErrInvalid)
	}
	seen := map[string]bool{}
	var parts []string
	for _, m := range cfg.Metrics {
		if seen[m.Name] {
			continue
		}
		seen[m.Name] = true
		if !model.LegacyValidation.IsValidMetricName(m.Name) {
			return nil, fmt.Errorf("metric %q: not a Prometheus metric name: %w", m.Name, metrics.ErrInvalid)
		}
		parts = append(parts, fmt.Sprintf(`group by (%s) (count_over_time(%s{%s!=""}[%ds]))`, scopeKey, m.Name, scopeKey, secs))
	}
	if len(parts) == 0 {
		return nil, nil
	}
	q := strings.Join(parts, " or ")
	vec, err := p.instant(ctx, q, period.End)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(vec))
	for _, s := range vec {
		if v := string(s.Metric[model.LabelName(scopeKey)]); v != "" {
			ids[v] = true
		}
	}
	out := make([]string, 0, len(ids))
	for id := range ids {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// instant runs an instant query at ts under the collector's timeout and
// returns its vector.
func (p *Prometheus) instant(ctx context.Context, q string, ts time.Time) (model.Vector, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	fail := func(format string, args ...any) error {
		return fmt.Errorf("prometheus %s: query %s at %s: %s: %w", p.server, q,
			ts.UTC().Format(time.RFC3339), fmt.Sprintf(format, args...), ErrPrometheus)
	}
	start := time.Now()
	val, warnings, _, err := p.api.Query(ctx, q, ts, promv1.WithTimeout(p.timeout))
	if err != nil {
		var perr *promv1.Error
		switch {
		case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && time.Since(start) >= p.timeout:
			return nil, fail("no answer within %s", p.timeout)
		case errors.As(err, &perr):
			msg := perr.Error()
			if d := strings.TrimSpace(perr.Detail); d != "" {
				msg += ": " + clip(d, 200)
			}
			return nil, fail("%s", msg)
		default:
			return nil, fmt.Errorf("prometheus %s: query %s at %s: %w: %w", p.server, q,
				ts.UTC().Format(time.RFC3339), err, ErrPrometheus)
		}
	}
	for _, w := range warnings {
		slog.Warn("prometheus warning", "server", p.server, "query", q, "warning", w)
	}
	vec, ok := val.(model.Vector)
	if !ok {
		return nil, fail("answered a %s, not an instant vector", val.Type())
	}
	return vec, nil
}

// sortKey is pt's groupby values in m's groupby order, then its metadata
// values, NUL-separated (label values may hold any other character).
func sortKey(m *metrics.Metric, pt frames.Point) string {
	var b strings.Builder
	for _, g := range m.Groupby {
		b.WriteString(pt.Groupby[g])
		b.WriteByte(0)
	}
	for _, a := range m.Metadata {
		b.WriteString(pt.Metadata[a])
		b.WriteByte(0)
	}
	return b.String()
}

type byKey struct {
	points []frames.Point
	keys   []string
}

func (s byKey) Len() int           { return len(s.points) }
func (s byKey) Less(i, j int) bool { return s.keys[i] < s.keys[j] }
func (s byKey) Swap(i, j int) {
	s.points[i], s.points[j] = s.points[j], s.points[i]
	s.keys[i], s.keys[j] = s.keys[j], s.keys[i]
}

// periodSeconds returns the period's length in whole seconds (the range
// of the PromQL selector).
func periodSeconds(w cost.Window) (int64, error) {
	d := w.End.Sub(w.Start)
	if d <= 0 || d%time.Second != 0 {
		return 0, fmt.Errorf("period %s to %s: want a positive whole number of seconds: %w",
			w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339), metrics.ErrInvalid)
	}
	return int64(d / time.Second), nil
}

// clip shortens s (an error page, say) to n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}
