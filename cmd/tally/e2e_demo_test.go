package main

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// checkDemoRating: the demo served at base rated part of its usage when
// it was loaded. The hashmap module is enabled, the metrics are the
// demo's, and CloudKitty's total over the demo window is non-zero and
// equals the native API's total for provider rating, exactly.
func checkDemoRating(t *testing.T, base string) {
	t.Helper()
	getJSON := func(path string, into any) {
		t.Helper()
		code, body := fetch(t, base+path)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		if err := json.Unmarshal([]byte(body), into); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, body)
		}
	}
	var mod struct {
		Enabled bool `json:"enabled"`
	}
	getJSON("cloudkitty/v1/rating/modules/hashmap", &mod)
	if !mod.Enabled {
		t.Error("the demo's hashmap module is not enabled")
	}
	var info struct {
		Metrics []struct {
			ID string `json:"metric_id"`
		} `json:"metrics"`
	}
	getJSON("cloudkitty/v1/info/metrics", &info)
	if len(info.Metrics) != 3 || info.Metrics[0].ID != "compute" {
		t.Errorf("info/metrics: want the demo's three metrics, compute first; got %+v", info.Metrics)
	}

	// A window wider than the demo's on both sides, so that a test run
	// across midnight UTC still covers every rated day.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	begin, end := today.AddDate(0, 0, -demoDays-10), today.AddDate(0, 0, 10)
	var total string
	getJSON("cloudkitty/v1/report/total?all_tenants=True&begin="+begin.Format("2006-01-02T15:04:05")+"&end="+end.Format("2006-01-02T15:04:05"), &total)
	ck, err := decimal.NewFromString(total)
	if err != nil || !ck.IsPositive() {
		t.Fatalf("CloudKitty's rated total of the demo: %q (%v), want a positive amount", total, err)
	}
	var native struct {
		Data []struct {
			Costs struct {
				Billed string `json:"billed"`
			} `json:"costs"`
		} `json:"data"`
	}
	getJSON("api/v1/costs?metric=billed&filter="+url.QueryEscape(`provider:"rating"`)+"&window="+begin.Format(time.DateOnly)+","+end.Format(time.DateOnly), &native)
	if len(native.Data) != 1 {
		t.Fatalf("native total of provider rating: want one row, got %+v", native.Data)
	}
	if n, err := decimal.NewFromString(native.Data[0].Costs.Billed); err != nil || !n.Equal(ck) {
		t.Fatalf("CloudKitty's rated total %s, the native API's for provider rating %s (%v)", ck, native.Data[0].Costs.Billed, err)
	}
}
