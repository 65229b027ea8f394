package rating

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/rating/metrics"
)

// FileConfig is the "rating" section of the server's configuration
// file (README, "Rating"):
//
//	"rating": {
//	  "metrics": "metrics.yml",          // CloudKitty's metrics.yml, relative to the file
//	  "collector": "tally",              // or the Prometheus server's URL
//	  "period": 3600,                    // seconds, or a duration such as "1h" (default 1h)
//	  "waitPeriods": 2,                  // default 2
//	  "scopeKey": "project_id",          // default project_id
//	  "currency": "USD"                  // of rated line items, default USD
//	}
type FileConfig struct {
	Metrics     string          `json:"metrics"`
	Collector   string          `json:"collector"`
	Period      json.RawMessage `json:"period,omitempty"`
	WaitPeriods int             `json:"waitPeriods,omitempty"`
	ScopeKey    string          `json:"scopeKey,omitempty"`
	Currency    string          `json:"currency,omitempty"`
}

// The collectors a configuration may name.
const (
	CollectorTally      = "tally"
	CollectorPrometheus = "prometheus"
)

// ParseFileConfig reads the rating section raw of a configuration file
// in dir (relative paths are resolved there): the metrics file is
// loaded, the collector named. Errors name the field ("rating.period").
func ParseFileConfig(raw json.RawMessage, dir string) (Config, error) {
	var fc FileConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return Config{}, fmt.Errorf("rating: %w: %v", errInvalid, err)
	}
	c := Config{WaitPeriods: fc.WaitPeriods, ScopeKey: fc.ScopeKey, Currency: fc.Currency}
	if fc.WaitPeriods < 0 {
		return Config{}, fmt.Errorf("rating.waitPeriods: %w: %d is negative", errInvalid, fc.WaitPeriods)
	}
	switch col := strings.TrimSpace(fc.Collector); {
	case col == "" || col == CollectorTally:
		c.Collector = CollectorTally
	case strings.HasPrefix(col, "http://") || strings.HasPrefix(col, "https://"):
		if _, err := url.Parse(col); err != nil {
			return Config{}, fmt.Errorf("rating.collector: %w: %v", errInvalid, err)
		}
		c.Collector, c.PrometheusURL = CollectorPrometheus, col
	default:
		return Config{}, fmt.Errorf("rating.collector: %w: want \"tally\" or a Prometheus URL (http://...), not %q", errInvalid, fc.Collector)
	}
	if len(fc.Period) > 0 {
		p, err := parsePeriod(fc.Period)
		if err != nil {
			return Config{}, fmt.Errorf("rating.period: %w: %v", errInvalid, err)
		}
		c.Period = p
	}
	if err := c.Check(); err != nil {
		return Config{}, fmt.Errorf("rating.period: %w", err)
	}
	if fc.Metrics == "" {
		return Config{}, fmt.Errorf("rating.metrics: %w: the path of a metrics.yml is required", errInvalid)
	}
	path := fc.Metrics
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	opt := metrics.Options{ScopeKey: c.WithDefaults().ScopeKey, Collector: metrics.CollectorOther}
	if c.Collector == CollectorPrometheus {
		opt.Collector = metrics.CollectorPrometheus
	}
	m, err := metrics.Load(path, opt)
	if err != nil {
		return Config{}, fmt.Errorf("rating.metrics: %w", err)
	}
	c.Metrics = m
	return c.WithDefaults(), nil
}

// parsePeriod reads seconds (upstream's unit) or a Go duration.
func parsePeriod(raw json.RawMessage) (time.Duration, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		s, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil || s <= 0 {
			return 0, fmt.Errorf("want a positive whole number of seconds, not %s", n)
		}
		return time.Duration(s) * time.Second, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("want seconds or a duration such as \"1h\", not %s", raw)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	return d, nil
}
