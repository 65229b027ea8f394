package cloudkitty

import (
	"testing"

	"github.com/tally-cost/tally/internal/rating"
)

func TestCollectorEndpoints(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	s.script(t, "modules/collector", []step{
		{Method: "GET", Path: "/v1/collector/mappings/"},
		// collector-mapping create: the body form, then the path form.
		{Method: "POST", Path: "/v1/collector/mappings/", Body: `{"collector": "gnocchi", "service": "compute"}`},
		{Method: "POST", Path: "/v1/collector/mappings/prometheus/volume"},
		// An upsert: compute moves to prometheus in place.
		{Method: "POST", Path: "/v1/collector/mappings", Body: `{"collector": "prometheus", "service": "compute"}`},
		{Method: "POST", Path: "/v1/collector/mappings", Body: `{"service": "image"}`},
		{Method: "GET", Path: "/v1/collector/mappings"},
		{Method: "GET", Path: "/v1/collector/mappings?collector=gnocchi"},
		{Method: "GET", Path: "/v1/collector/mappings/compute"},
		{Method: "GET", Path: "/v1/collector/mappings/image"},
		{Method: "DELETE", Path: "/v1/collector/mappings/", Body: `{"service": "compute"}`},
		{Method: "DELETE", Path: "/v1/collector/mappings/compute"},
		{Method: "DELETE", Path: "/v1/collector/mappings"},
		{Method: "GET", Path: "/v1/collector/mappings"},
		// States: unknown collectors read false.
		{Method: "GET", Path: "/v1/collector/states/?name=gnocchi"},
		{Method: "PUT", Path: "/v1/collector/states/", Body: `{"name": "gnocchi", "enabled": true}`},
		{Method: "GET", Path: "/v1/collector/states", Body: `{"name": "gnocchi"}`},
		{Method: "GET", Path: "/v1/collector/gnocchi/states"},
		{Method: "GET", Path: "/v1/collector/states/gnocchi"},
		{Method: "PUT", Path: "/v1/collector/gnocchi/states", Body: `{"enabled": false}`},
		{Method: "GET", Path: "/v1/collector/states?name=gnocchi"},
		{Method: "PUT", Path: "/v1/collector/states", Body: `{"name": "gnocchi"}`},
		{Method: "PUT", Path: "/v1/collector/states", Body: `{"name": "gnocchi", "enabled": "sure"}`},
		{Method: "PUT", Path: "/v1/collector/states", Body: `{"name": "gnocchi", "enabled": true, "extra": 1}`},
		{Method: "GET", Path: "/v1/collector/states"},
		{Method: "GET", Path: "/v1/collector/foo/bar"},
	})
}
