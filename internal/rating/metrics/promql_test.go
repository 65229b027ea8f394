package metrics

import (
	"errors"
	"testing"
)

func TestPromQL(t *testing.T) {
	cfg, err := Load("testdata/metrics.yml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Metric{}
	for i := range cfg.Metrics {
		byName[cfg.Metrics[i].RatedName()] = &cfg.Metrics[i]
	}
	f := func(rated, scopeID string, period int64, want string) {
		t.Helper()
		got, err := byName[rated].PromQL("project_id", scopeID, period)
		if err != nil {
			t.Errorf("%s: %v", rated, err)
			return
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", rated, got, want)
		}
	}
	f("instance", "f266f30b11f246b589fd266f85eeec39", 3600,
		`max(max_over_time(openstack_compute_instance_up{project_id="f266f30b11f246b589fd266f85eeec39"}[3600s])) by (id, user_id, project_id, flavor_name, flavor_id, vcpus)`)
	f("image.size.gib", "p1", 86400,
		`max(max_over_time(openstack_image_size_bytes{project_id="p1"}[86400s])) by (id, project_id)`)
	f("network.outgoing.bytes", "p1", 600,
		`sum(abs(delta(openstack_network_outgoing_bytes_total{project_id="p1"}[600s]))) by (id, project_id, instance_id)`)
	f("instance.state", "p1", 3600,
		`( max(max_over_time(openstack_compute_instance_state{project_id="p1"}[3600s])) by (id, project_id) ) > 0`)
	// A scope id is a PromQL string literal, escaped.
	f("image.size.gib", "a\"b\\c\nd", 3600,
		`max(max_over_time(openstack_image_size_bytes{project_id="a\"b\\c\nd"}[3600s])) by (id, project_id)`)

	// Each Prometheus argument alone, in upstream's order.
	g := func(args PrometheusArgs, want string) {
		t.Helper()
		m := &Metric{Name: "http_requests_total", Groupby: []string{"foo", "project_id"}, Metadata: []string{"code"}, Prometheus: args}
		got, err := m.PromQL("project_id", "s", 3600)
		if err != nil || got != want {
			t.Errorf("%+v:\n got %s (%v)\nwant %s", args, got, err, want)
		}
	}
	const sel = `http_requests_total{project_id="s"}[3600s]`
	g(PrometheusArgs{}, `max(max_over_time(`+sel+`)) by (foo, project_id, code)`)
	g(PrometheusArgs{AggregationMethod: "avg"}, `avg(avg_over_time(`+sel+`)) by (foo, project_id, code)`)
	g(PrometheusArgs{AggregationMethod: "avg", QueryFunction: "abs"}, `avg(abs(avg_over_time(`+sel+`))) by (foo, project_id, code)`)
	g(PrometheusArgs{AggregationMethod: "sum", RangeFunction: "rate"}, `sum(rate(`+sel+`)) by (foo, project_id, code)`)
	g(PrometheusArgs{AggregationMethod: "max", QueryPrefix: "vector(0) or"}, `vector(0) or max(max_over_time(`+sel+`)) by (foo, project_id, code)`)
	g(PrometheusArgs{AggregationMethod: "max", QuerySuffix: "* 2"}, `max(max_over_time(`+sel+`)) by (foo, project_id, code) * 2`)
}

func TestPromQLErrors(t *testing.T) {
	f := func(m *Metric, scopeKey string, period int64, want string) {
		t.Helper()
		_, err := m.PromQL(scopeKey, "s", period)
		if !errors.Is(err, ErrInvalid) || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	}
	ok := &Metric{Name: "up", Groupby: []string{"project_id"}}
	f(ok, "project_id", 0, `metric "up": period 0s: invalid metrics configuration`)
	f(ok, "project_id", -60, `metric "up": period -60s: invalid metrics configuration`)
	f(&Metric{Name: "image.size"}, "project_id", 60, `metric "image.size": not a Prometheus metric name: invalid metrics configuration`)
	f(ok, "project-id", 60, `metric "up": "project-id" is not a Prometheus label name: invalid metrics configuration`)
	f(&Metric{Name: "up", Metadata: []string{"a b"}}, "project_id", 60, `metric "up": "a b" is not a Prometheus label name: invalid metrics configuration`)
}
