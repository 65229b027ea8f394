package cloudkitty

import (
	"os"
	"testing"

	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/metrics"
)

func TestInfoEndpoints(t *testing.T) {
	data, err := os.ReadFile("../../rating/metrics/testdata/metrics.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := metrics.Parse("metrics.yml", data, metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, rating.Config{Metrics: cfg})
	s.script(t, "modules/info", []step{
		{Method: "GET", Path: "/v1/info/config/"},
		{Method: "GET", Path: "/v1/info/metrics/"},
		{Method: "GET", Path: "/v1/info/metrics/instance"},
		{Method: "GET", Path: "/v1/info/metrics/image.size.gib"},
		// Lookup is by alt_name only: the source name is not found.
		{Method: "GET", Path: "/v1/info/metrics/openstack_compute_instance_up"},
		// The singular spelling and the deprecated services alias.
		{Method: "GET", Path: "/v1/info/metric/volume.size"},
		{Method: "GET", Path: "/v1/info/services/instance"},
		{Method: "GET", Path: "/v1/info/service/nope"},
	})
}

func TestInfoWithoutMetrics(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	s.script(t, "modules/info-none", []step{
		{Method: "GET", Path: "/v1/info/config"},
		{Method: "GET", Path: "/v1/info/metrics"},
		{Method: "GET", Path: "/v1/info/metrics/instance"},
		{Method: "GET", Path: "/v1/info/services"},
	})
}
