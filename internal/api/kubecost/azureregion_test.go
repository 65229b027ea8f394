package kubecost

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/azure/azuretest"
)

// TestAzureRegionAsWritten: regionID is Azure's ResourceLocation as the
// bill writes it (kubecost-cloudcost.md §5.3), compared case-sensitively
// like every Kubecost filter (§6.1): regionID:"CentralUS" finds the
// CentralUS rows of a real EA export, and "EastUS" (EA) and "eastus" (as
// MCA exports write it) stay two groups.
func TestAzureRegionAsWritten(t *testing.T) {
	items := azuretest.Read(t, "EA_ActualCost_Small.csv")
	// The same resource location as an MCA export spells it.
	mca := *items[len(items)-1]
	mca.RegionID = "eastus"
	items = append(items, &mca)

	want := map[string]decimal.Decimal{}
	for _, li := range items {
		k := li.RegionID
		if k == "" {
			k = "__unallocated__"
		}
		want[k] = want[k].Add(li.Cost[cost.Net])
	}
	const window = "2023-09-01T00:00:00Z,2023-10-01T00:00:00Z"
	netBy := func(query string) map[string]decimal.Decimal {
		t.Helper()
		_, body := serveItems(t, items, "/model/cloudCost?window="+window+"&accumulate=true&"+query)
		var out struct {
			Data struct {
				Sets []struct {
					CloudCosts map[string]struct{ NetCost struct{ Cost json.Number } }
				}
			}
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		got := map[string]decimal.Decimal{}
		for _, s := range out.Data.Sets {
			for k, cc := range s.CloudCosts {
				got[k] = got[k].Add(decimal.RequireFromString(cc.NetCost.Cost.String()))
			}
		}
		return got
	}
	keys := func(m map[string]decimal.Decimal) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return strings.Join(ks, " ")
	}

	got := netBy("aggregate=regionID")
	if keys(got) != keys(want) {
		t.Fatalf("aggregate=regionID keys %q, want %q", keys(got), keys(want))
	}
	for k, w := range want {
		if !got[k].Equal(w) {
			t.Errorf("region %s: net %s, want %s", k, got[k], w)
		}
	}
	for _, k := range []string{"CentralUS", "EastUS", "eastus", "SouthCentralUS"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no group %q in %q", k, keys(got))
		}
	}

	tests := []struct{ filter, want string }{
		{`regionID:"CentralUS"`, "CentralUS"},
		{`regionID:"centralus"`, ""},
		{`regionID:"EastUS"`, "EastUS"},
		{`regionID:"eastus"`, "eastus"},
		{`regionID~>:"CentralUS"`, "CentralUS SouthCentralUS"},
	}
	for _, tc := range tests {
		got := netBy("aggregate=regionID&filter=" + url.QueryEscape(tc.filter))
		if keys(got) != tc.want {
			t.Errorf("filter=%s: groups %q, want %q", tc.filter, keys(got), tc.want)
		}
		for k, v := range got {
			if !v.Equal(want[k]) {
				t.Errorf("filter=%s: %s net %s, want %s", tc.filter, k, v, want[k])
			}
		}
	}
}
