package azure

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestFileAccounts reads every Azure test export and checks the account
// columns of each row against the raw cells, read independently: the
// root account is the bill's BillingAccountId / BillingAccountName as
// written (empty where the layout has none), and the FOCUS billing
// account is the billing profile on MCA (billingProfileId) and
// BillingAccountId elsewhere. The first row of each file is pinned with
// literal values, so that a raw reading and a reader that agree on a
// wrong column still fail.
func TestFileAccounts(t *testing.T) {
	dir := filepath.Join(testdataDir(t), "azure")
	tests := []struct {
		file                   string
		mca                    bool
		billing, root, rootNam string // row 0
	}{
		{"ea-v2-camel-case.csv", true, "NF5V-BI6B-BG7-PGB", "3c100a8a-215e-5a7e-24b2-61aa86945012", "Red Hat"},
		{"ea-v2-cost-in-billing-currency.csv", false, "99999999", "99999999", "MY Company"},
		{"EA_ActualCost_Small.csv", false, "8611537", "8611537", "Trey Research Demo (DO NOT USE)"},
		{"EA_AmortizedCost_Small.csv", false, "8611537", "8611537", "Trey Research Demo (DO NOT USE)"},
		// Legacy layouts name no billing account: the subscription is the
		// billing account (§5.3's last fallback) and there is no root.
		{"legacy-camel-case.csv", false, "2639de71-ca37-4a17-a104-17665a50e7fc", "", ""},
		{"legacy-pretax-cost.csv", false, "0039de71-ca37-4a17-a104-17665a50e7fc", "", ""},
	}
	for _, tc := range tests {
		path := filepath.Join(dir, tc.file)
		col, recs := rawRecords(t, path)
		items := readItems(t, path, KindFromName(tc.file))
		if len(items) != len(recs) {
			t.Fatalf("%s: %d items from %d rows", tc.file, len(items), len(recs))
		}
		cell := func(rec []string, names ...string) string {
			for _, n := range names {
				if i, ok := col[n]; ok {
					return rec[i]
				}
			}
			return ""
		}
		for i, li := range items {
			at := fmt.Sprintf("%s row %d", tc.file, i)
			check(t, at+" RootAccountID", li.RootAccountID, cell(recs[i], "billingaccountid"))
			check(t, at+" RootAccountName", li.RootAccountName, cell(recs[i], "billingaccountname"))
			want := cell(recs[i], "billingaccountid")
			if tc.mca {
				want = cell(recs[i], "billingprofileid")
			}
			if want == "" {
				want = cell(recs[i], "subscriptionid", "subscriptionguid")
			}
			check(t, at+" BillingAccountID", li.BillingAccountID, want)
		}
		check(t, tc.file+" row 0 BillingAccountID (literal)", items[0].BillingAccountID, tc.billing)
		check(t, tc.file+" row 0 RootAccountID (literal)", items[0].RootAccountID, tc.root)
		check(t, tc.file+" row 0 RootAccountName (literal)", items[0].RootAccountName, tc.rootNam)
	}
}

// TestPartnerLayoutAccounts maps MPA and MCA rows (no test export is a
// partner file): the billing profile is the FOCUS billing account, the
// bill's billing account the root one; a row without a billingAccountId
// has no root, and readers fall back to the billing profile.
func TestPartnerLayoutAccounts(t *testing.T) {
	header := []string{"billingAccountId", "billingAccountName", "billingProfileId", "billingProfileName", "customerTenantId",
		"date", "SubscriptionId", "billingCurrency", "costInBillingCurrency", "costInUsd"}
	f := func(layout string, values []string, want [4]string) {
		t.Helper()
		li := mustMap(t, header, values, KindAuto)
		got := [4]string{li.BillingAccountID, li.BillingAccountName, li.RootAccountID, li.RootAccountName}
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", layout, got, want)
		}
	}
	f("MPA", []string{"acct-1", "Partner Ltd", "prof-1", "Profile One", "c0ffee00", "09/21/2023", "sub-1", "EUR", "1.5", "1.6"},
		[4]string{"prof-1", "Profile One", "acct-1", "Partner Ltd"})
	f("MCA without a billing account", []string{"", "", "prof-2", "Profile Two", "", "09/21/2023", "sub-2", "USD", "2", "2"},
		[4]string{"prof-2", "Profile Two", "", ""})
}
