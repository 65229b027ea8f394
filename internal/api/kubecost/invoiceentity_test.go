package kubecost

import (
	"context"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
	"github.com/tally-cost/tally/internal/testfiles"
)

// The accounts of ../shared/testdata/azure/ea-v2-camel-case.csv, an MCA
// export: billingAccountId and its billing profile (billingProfileId).
const (
	mcaAccount = "3c100a8a-215e-5a7e-24b2-61aa86945012"
	mcaProfile = "NF5V-BI6B-BG7-PGB"
)

// invoiceEntityServer serves the API over the real MCA and EA exports and
// one item stored without a root account, as a file made before the root
// account existed holds (its billing account "payer-old").
func invoiceEntityServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, name := range []string{"ea-v2-camel-case.csv", "EA_ActualCost_Small.csv"} {
		p := testfiles.Shared(t, "azure", name)
		if _, err := ingest.Run(ctx, st, []string{p}, ingest.Options{Source: filepath.Base(p), Provider: "azure"}); err != nil {
			t.Fatal(err)
		}
	}
	old := lineItem("Microsoft", "payer-old", "sub-old", "Microsoft.Compute", time.Date(2023, 9, 5, 0, 0, 0, 0, time.UTC), "1.25")
	old.BillingAccountName = "Old Payer"
	storetest.Load(t, st, "old", old)
	api := New(engine.New(st), nil, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	return srv
}

// TestInvoiceEntityIsBillingAccount: on an MCA export the invoice entity
// is billingAccountId, not the billing profile that Tally's FOCUS billing
// account holds (kubecost-cloudcost.md §5.3, as OpenCost reads it); its
// name is billingAccountName. EA shows its BillingAccountId as before, and
// an item without a root account falls back to the billing account, id
// and name. Filters read the same value as the keys.
func TestInvoiceEntityIsBillingAccount(t *testing.T) {
	srv := invoiceEntityServer(t)
	q := url.Values{"window": {"2023-07-01T00:00:00Z,2023-11-01T00:00:00Z"}, "accumulate": {"true"},
		"aggregate": {"invoiceEntityID,invoiceEntityName"}}
	code, _, body := get(t, srv, "/model/cloudCost?"+q.Encode())
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	golden.Assert(t, "cloudcost_invoice_entity_azure", body)

	all := invoiced(t, srv, "invoiceEntityID", "")
	for _, k := range []string{mcaAccount, "8611537", "payer-old"} {
		if all[k] == nil {
			t.Errorf("aggregate=invoiceEntityID lacks %s: %v", k, all)
		}
	}
	if all[mcaProfile] != nil {
		t.Errorf("aggregate=invoiceEntityID shows the billing profile %s: %v", mcaProfile, all)
	}
	sameCosts(t, "filter invoiceEntityID:<MCA account>", invoiced(t, srv, "invoiceEntityID", `invoiceEntityID:"`+mcaAccount+`"`),
		map[string]*big.Rat{mcaAccount: all[mcaAccount]})
	sameCosts(t, "filter invoiceEntityID:<profile>", invoiced(t, srv, "invoiceEntityID", `invoiceEntityID:"`+mcaProfile+`"`), map[string]*big.Rat{})
	sameCosts(t, "filter invoiceEntityName:Red Hat", invoiced(t, srv, "invoiceEntityID", `invoiceEntityName:"Red Hat"`),
		map[string]*big.Rat{mcaAccount: all[mcaAccount]})
	sameCosts(t, "filter invoiceEntityName:Old Payer", invoiced(t, srv, "invoiceEntityID", `invoiceEntityName:"Old Payer"`),
		map[string]*big.Rat{"payer-old": all["payer-old"]})
}
