package server

import (
	"context"
	"encoding/json"
	"math/big"
	"net/url"
	"testing"

	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/testfiles"
)

// TestPerspectiveInEveryDialect: a perspective made through the
// CloudHealth API groups and filters the native API and the Kubecost API
// as the dimension it categorizes by does, to the last digit, and a
// changed perspective changes the next answer of each, with no re-ingest.
func TestPerspectiveInEveryDialect(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	path := testfiles.Shared(t, "aws", "cur-legacy-slash-columns.csv")
	if _, err := ingest.Run(ctx, st, []string{path}, ingest.Options{Source: "cur", Provider: "aws"}); err != nil {
		t.Fatal(err)
	}
	tenants, err := tenant.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Config{Store: st, State: st, Tenants: tenants, NoAuth: true})
	const window = "2000-01-01T00:00:00Z,2100-01-01T00:00:00Z"

	categorize := func(method, target, field string) {
		t.Helper()
		body := `{"schema":{"name":"By field","include_in_reports":"true","rules":[{"type":"categorize","asset":"AwsAsset","ref_id":"0","name":"Field","field":["` + field + `"]}]}}`
		rec := send(h, method, target, map[string]string{"Content-Type": "application/json"}, body)
		if rec.Code != 200 {
			t.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
		}
	}
	// native returns group value → billed of /api/v1/costs.
	native := func(query string) map[string]*big.Rat {
		t.Helper()
		var res struct {
			Data []struct {
				Group map[string]string `json:"group"`
				Costs map[string]string `json:"costs"`
			} `json:"data"`
		}
		getExact(t, h, "/api/v1/costs?window="+window+"&metric=billed&"+query, &res)
		out := map[string]*big.Rat{}
		for _, r := range res.Data {
			k := ""
			for _, v := range r.Group {
				k = v
			}
			out[k] = exact(t, r.Costs["billed"])
		}
		return out
	}
	kubecost := func(query string) map[string]*big.Rat {
		t.Helper()
		var kc struct {
			Data struct {
				Sets []struct {
					CloudCosts map[string]struct {
						InvoicedCost struct {
							Cost json.Number `json:"cost"`
						} `json:"invoicedCost"`
					} `json:"cloudCosts"`
				} `json:"sets"`
			} `json:"data"`
		}
		getExact(t, h, "/model/cloudCost?window="+window+"&accumulate=true&"+query, &kc)
		out := map[string]*big.Rat{}
		for _, s := range kc.Data.Sets {
			for k, c := range s.CloudCosts {
				out[k] = exact(t, c.InvoicedCost.Cost.String())
			}
		}
		return out
	}
	same := func(name string, got, want map[string]*big.Rat) {
		t.Helper()
		if len(got) != len(want) || len(got) < 2 {
			t.Errorf("%s: %d groups %v, want %d (at least 2) %v", name, len(got), got, len(want), want)
			return
		}
		for k, w := range want {
			if g, ok := got[k]; !ok || g.Cmp(w) != 0 {
				t.Errorf("%s: group %q = %v, want %s", name, k, g, w.FloatString(20))
			}
		}
	}

	categorize("POST", "/cloudhealth/v1/perspective_schemas", "usageType")
	byUsageType := native("groupBy=usageType")
	same("native groupBy perspective", native("groupBy=perspective:1001"), byUsageType)
	var one string
	for k := range byUsageType {
		one = k
		break
	}
	if got := native("groupBy=usageType&filter=" + url.QueryEscape(`perspective[1001]:"`+one+`"`)); len(got) != 1 || got[one] == nil || got[one].Cmp(byUsageType[one]) != 0 {
		t.Errorf("native filter perspective: %v, want only %s=%v", got, one, byUsageType[one])
	}
	// The window holds every item's whole charge period, so Kubecost's
	// spread parts add up to the native totals.
	same("kubecost aggregate perspective", kubecost("aggregate=perspective:1001"), byUsageType)
	filtered := kubecost("aggregate=perspective:1001&filter=" + url.QueryEscape(`perspective[1001]:"`+one+`"`))
	if len(filtered) != 1 || filtered[one] == nil || filtered[one].Cmp(byUsageType[one]) != 0 {
		t.Errorf("kubecost filter perspective: %v, want only %s=%v", filtered, one, byUsageType[one])
	}

	// Changing the perspective changes every dialect's next answer.
	categorize("PUT", "/cloudhealth/v1/perspective_schemas/1001", "resourceId")
	same("native after the change", native("groupBy=perspective:1001"), native("groupBy=resourceId"))

	for _, target := range []string{
		"/api/v1/costs?window=" + window + "&groupBy=perspective:4242",
		"/model/cloudCost?window=" + window + "&aggregate=perspective:4242",
	} {
		if rec := send(h, "GET", target, nil, ""); rec.Code != 400 {
			t.Errorf("GET %s: %d %s, want 400 for an unknown perspective", target, rec.Code, rec.Body)
		}
	}
}
