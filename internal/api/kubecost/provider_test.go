package kubecost

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestProviderFilter checks that provider filters compare the names
// Kubecost shows ("Azure", "GCP"), whatever the bill stored: each stored
// provider is one account, and the filter's matches are listed by the
// stored name.
func TestProviderFilter(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	stored := []string{"AWS", "Microsoft", "Google Cloud", "GCP", "Azure", ""}
	var items []*cost.LineItem
	for _, p := range stored {
		acct := "acct-" + p
		if p == "" {
			acct = "acct-(none)"
		}
		li := storetest.Item(acct, "a", d(4, 23), "1")
		li.ProviderName = p
		items = append(items, li)
	}
	storetest.Load(t, st, "s", items...)
	eng := engine.New(st)
	ctx := tenant.WithPrincipal(context.Background(), tenant.NoAuth)
	tests := []struct{ filter, want string }{
		{`provider:"AWS","GCP"`, "AWS GCP Google Cloud"},
		{`provider:"Azure"`, "Azure Microsoft"},
		{`provider:"Microsoft"`, ""},
		{`provider!:"Azure"`, "(none) AWS GCP Google Cloud"},
		{`provider~:"zu"`, "Azure Microsoft"},
		{`provider<~:"Goo"`, ""},
		{`provider~>:"P"`, "GCP Google Cloud"},
		{`provider:""`, "(none)"},
		{`provider:"__unallocated__"`, "(none)"},
		{`service:"a"+provider:"GCP"`, "GCP Google Cloud"},
		{`service:"b"+provider:"GCP"`, ""},
	}
	for _, tc := range tests {
		r, err := ParseCloudCostRequest(url.Values{"window": {"7d"}, "filter": {tc.filter}}, now)
		if err != nil {
			t.Fatalf("filter=%s: %v", tc.filter, err)
		}
		q := r.query(query.StepNone)
		q.GroupBy = []cost.Dimension{cost.DimSubAccountID}
		res, err := eng.Query(ctx, q)
		if err != nil {
			t.Fatalf("filter=%s: %v", tc.filter, err)
		}
		var got []string
		for _, row := range res.Rows {
			got = append(got, strings.TrimPrefix(row.Keys[0], "acct-"))
		}
		slices.Sort(got)
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("filter=%s: matches %q, want %q", tc.filter, s, tc.want)
		}
	}
}
