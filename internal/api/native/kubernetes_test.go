package native

import (
	"encoding/json"
	"testing"

	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestKubernetesPart: each row carries, per metric, the exact part of
// its costs from managed Kubernetes items, which the web UI divides by
// the costs for its Kubernetes share column.
func TestKubernetesPart(t *testing.T) {
	eks := storetest.Item("111", "AmazonEKS", storetest.Day(3, 5), "2.25")
	eks.Kubernetes = true
	// Same account and service as an item marked Kubernetes: a mixed
	// group whose part is a fraction of its cost.
	ec2 := storetest.Item("111", "AmazonEC2", storetest.Day(3, 6), "0.65")
	ec2.Kubernetes = true
	srv := newServerWith(t, eks, ec2)
	code, body := get(t, srv, "/api/v1/costs?window=2024-03-01,2024-04-01&groupBy=service&metric=billed,list")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	golden.Assert(t, "costs_kubernetes", body)
	var res costsResponse
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{ // service: billed, its Kubernetes part
		"AmazonEC2": {"4.75", "0.65"}, "AmazonEKS": {"2.25", "2.25"}, "AmazonS3": {"0.000000000000000000000001", "0"},
	}
	for _, r := range res.Data {
		w, ok := want[r.Group["service"]]
		if !ok || r.Costs["billed"] != w[0] || r.Kubernetes["billed"] != w[1] {
			t.Errorf("%s: billed %s, kubernetes %s; want %v", r.Group["service"], r.Costs["billed"], r.Kubernetes["billed"], w)
		}
		if r.Kubernetes["list"] == "" {
			t.Errorf("%s: no Kubernetes part of list", r.Group["service"])
		}
	}
	if len(res.Totals) != 1 || res.Totals[0].Kubernetes["billed"] != "2.9" || res.Totals[0].Kubernetes["list"] != "5.8" {
		t.Fatalf("totals = %+v, want a Kubernetes part of 2.9 billed and 5.8 list", res.Totals)
	}
}
