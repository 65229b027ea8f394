package prometheustest

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"
)

// Live is a prometheus.Collector serving the data set's values at minute
// 59 of LiveHour: what the exporter answers on every scrape.
type Live struct{}

// Describe sends one description per metric name.
func (Live) Describe(ch chan<- *prometheus.Desc) {
	for _, name := range names() {
		ch <- desc(name)
	}
}

// Collect sends one gauge per series that has a value in LiveHour.
// client_golang wants every series of a family to carry the same label
// names, where the data set leaves some out: a missing label is sent
// with an empty value, which Prometheus stores as no label at all.
func (Live) Collect(ch chan<- prometheus.Metric) {
	for _, s := range Data {
		v, ok := s.Value(LiveHour, 59)
		if !ok {
			continue
		}
		keys := labelNames(s.Name)
		values := make([]string, len(keys))
		for i, k := range keys {
			values[i] = s.Labels[k]
		}
		ch <- prometheus.MustNewConstMetric(desc(s.Name), prometheus.GaugeValue, v, values...)
	}
}

func desc(name string) *prometheus.Desc {
	return prometheus.NewDesc(name, "Tally's Prometheus collector test data.", labelNames(name), nil)
}

// labelNames returns the union of the label names of name's series,
// sorted.
func labelNames(name string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range Data {
		if s.Name != name {
			continue
		}
		for k := range s.Labels {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
