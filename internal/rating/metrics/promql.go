package metrics

import (
	"fmt"
	"strconv"
	"strings"
)

// PromQL returns the instant query the Prometheus collector evaluates at
// the end of a period of periodSeconds for one scope, composed as
// upstream's prometheus_base.build_query does:
//
//	<metric>{<scope_key>="<scope id>"}[<period>s]
//	→ <range_function>(…)  or, without one, <method>_over_time(…)
//	→ <query_function>(…)  when set
//	→ <method>(…) by (<groupby…>, <metadata…>)
//	→ "<query_prefix> " before and " <query_suffix>" after, when set
//
// Groupby already ends with the scope key (Parse appends it). The scope
// id is written as a PromQL string literal, escaped (PromQL reads Go's
// escapes, which strconv.Quote writes), where upstream pastes it raw.
func (m *Metric) PromQL(scopeKey, scopeID string, periodSeconds int64) (string, error) {
	if periodSeconds <= 0 {
		return "", fmt.Errorf("metric %q: period %ds: %w", m.Name, periodSeconds, ErrInvalid)
	}
	if !promMetricName.MatchString(m.Name) {
		return "", fmt.Errorf("metric %q: not a Prometheus metric name: %w", m.Name, ErrInvalid)
	}
	labels := append(append([]string{scopeKey}, m.Groupby...), m.Metadata...)
	for _, l := range labels {
		if !promLabelName.MatchString(l) {
			return "", fmt.Errorf("metric %q: %q is not a Prometheus label name: %w", m.Name, l, ErrInvalid)
		}
	}
	a := m.Prometheus
	method := a.AggregationMethod
	if method == "" {
		method = "max"
	}
	q := fmt.Sprintf("%s{%s=%s}[%ds]", m.Name, scopeKey, strconv.Quote(scopeID), periodSeconds)
	if a.RangeFunction != "" {
		q = a.RangeFunction + "(" + q + ")"
	} else {
		q = method + "_over_time(" + q + ")"
	}
	if a.QueryFunction != "" {
		q = a.QueryFunction + "(" + q + ")"
	}
	by := append(append([]string{}, m.Groupby...), m.Metadata...)
	q = method + "(" + q + ") by (" + strings.Join(by, ", ") + ")"
	if a.QueryPrefix != "" {
		q = a.QueryPrefix + " " + q
	}
	if a.QuerySuffix != "" {
		q = q + " " + a.QuerySuffix
	}
	return q, nil
}
