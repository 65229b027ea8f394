package cloudkitty

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/rating"
)

// viewerOf is the header of a viewer key that sees only accounts.
func viewerOf(accounts string) []string { return []string{"X-Test-Accounts", accounts} }

func TestReportGolden(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	loadRated(t, s)
	s.script(t, "report", []step{
		// January (testNow's month) by default; February's frame left out.
		{Method: "GET", Path: "/v1/report/summary"},
		{Method: "GET", Path: "/v1/report/summary?groupby=tenant_id"},
		{Method: "GET", Path: "/v1/report/summary?groupby=res_type"},
		{Method: "GET", Path: "/v1/report/summary?groupby=tenant_id%2Cres_type&all_tenants=True"},
		{Method: "GET", Path: "/v1/report/summary/?groupby=res_type,tenant_id&tenant_id=p1"},
		{Method: "GET", Path: "/v1/report/summary?service=volume&groupby=tenant_id"},
		{Method: "GET", Path: "/v1/report/summary?begin=2024-01-01+00%3A00%3A00&end=2024-03-01+00%3A00%3A00&groupby=tenant_id"},
		{Method: "GET", Path: "/v1/report/summary?begin=2024-01-02T10:00:00Z&end=2024-01-02T11:00:00Z"},
		{Method: "GET", Path: "/v1/report/summary?begin=2024-06-01&end=2024-07-01"},
		{Method: "GET", Path: "/v1/report/summary?begin=2024-02-01&end=2024-01-01"},
		{Method: "GET", Path: "/v1/report/summary", Body: `{"groupby": "tenant_id", "tenant_id": "p2"}`},
		{Method: "GET", Path: "/v1/report/summary?begin=yesterday"},
		{Method: "GET", Path: "/v1/report/summary?all_tenants=maybe"},
		{Method: "GET", Path: "/v1/report/summary?groupby=tenant_id", Header: viewerOf("p2,p3")},

		{Method: "GET", Path: "/v1/report/total"},
		{Method: "GET", Path: "/v1/report/total?all_tenants=true&begin=2024-01-01&end=2024-03-01"},
		{Method: "GET", Path: "/v1/report/total?tenant_id=p2"},
		{Method: "GET", Path: "/v1/report/total?tenant_id=p1&service=volume"},
		{Method: "GET", Path: "/v1/report/total?begin=2024-02-01&end=2024-01-01"},
		{Method: "GET", Path: "/v1/report/total?begin=2024-06-01&end=2024-07-01"},
		{Method: "GET", Path: "/v1/report/total?end=nonsense"},
		{Method: "GET", Path: "/v1/report/total", Header: viewerOf("p2")},
		{Method: "GET", Path: "/v1/report/total?tenant_id=p1", Header: viewerOf("p2")},

		{Method: "GET", Path: "/v1/report/tenants"},
		{Method: "GET", Path: "/v1/report/tenants?begin=2024-01-10&end=2024-03-01"},
		{Method: "GET", Path: "/v1/report/tenants?begin=2024-06-01&end=2024-07-01"},
		{Method: "GET", Path: "/v1/report/tenants", Header: viewerOf("p2,nobody")},
	})
}

func TestSummaryRate(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"0", "0"},
		{"0.000001", "0"},
		{"5.85", "5.85"},
		{"0.30000", "0.3"},
		{"1.000005", "1.00001"},
		{"1234.567890123456789012345678", "1234.56789"},
		{"10000000000000000.5", "10000000000000000.5"},
		{"-2.5", "-2.5"},
	} {
		if got := summaryRate(decimal.RequireFromString(c.in)); got != c.want {
			t.Errorf("summaryRate(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestStorageGolden(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	loadRated(t, s)
	s.script(t, "storage", []step{
		{Method: "GET", Path: "/v1/storage/dataframes"},
		{Method: "GET", Path: "/v1/storage/dataframes/?tenant_id=p1&resource_type=instance"},
		{Method: "GET", Path: "/v1/storage/dataframes?begin=2024-02-01&end=2024-03-01"},
		// Period A ends after 10:30: upstream keeps only periods that end
		// within the window.
		{Method: "GET", Path: "/v1/storage/dataframes?begin=2024-01-02+10%3A00%3A00&end=2024-01-02+10%3A30%3A00"},
		{Method: "GET", Path: "/v1/storage/dataframes?begin=2024-01-02T10:00:00&end=2024-01-02T11:00:00"},
		{Method: "GET", Path: "/v1/storage/dataframes?begin=2024-06-01&end=2024-07-01"},
		{Method: "GET", Path: "/v1/storage/dataframes?begin=2024-02-01&end=2024-01-01"},
		{Method: "GET", Path: "/v1/storage/dataframes?begin=soon"},
		{Method: "GET", Path: "/v1/storage/dataframes", Body: `{"resource_type": "volume"}`},
		{Method: "GET", Path: "/v1/storage/dataframes", Header: viewerOf("p2")},
		{Method: "GET", Path: "/v1/storage/dataframes?tenant_id=p1", Header: viewerOf("p2")},
	})
}
