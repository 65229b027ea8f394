package tenant

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/textcheck"
)

// TestNamesChecked: every name, description and account id a client
// stores is bounded and valid UTF-8 (a partner once stored 10 MiB names
// with NUL and invalid UTF-8); the refusal is ErrInvalid naming the field
// and changes nothing.
func TestNamesChecked(t *testing.T) {
	fx := newFixture(t)
	s := fx.s
	partner := fx.principal(t, fx.partner)
	huge := strings.Repeat("x", 10<<20)
	long := strings.Repeat("n", textcheck.MaxName+1)
	before := len(s.Orgs(System)) + len(s.Customers(System))
	f := func(what string, err error, field string, reason error) {
		t.Helper()
		if !errors.Is(err, ErrInvalid) || !errors.Is(err, reason) || !strings.Contains(err.Error(), "invalid: "+field+" ") {
			t.Fatalf("%s: error %v, want ErrInvalid and %v naming %q", what, err, reason, field)
		}
	}
	str := func(s string) *string { return &s }

	_, err := s.CreateOrg(ctx, System, OrgSpec{Name: huge})
	f("org name 10 MiB", err, "name", textcheck.ErrTooLong)
	_, err = s.CreateOrg(ctx, System, OrgSpec{Name: "a\x00b"})
	f("org name NUL", err, "name", textcheck.ErrControl)
	_, err = s.CreateOrg(ctx, System, OrgSpec{Name: "\xff\xfe"})
	f("org name not UTF-8", err, "name", textcheck.ErrNotUTF8)
	_, err = s.CreateOrg(ctx, System, OrgSpec{Name: "ok", Description: strings.Repeat("d", textcheck.MaxDescription+1)})
	f("org description", err, "description", textcheck.ErrTooLong)
	_, err = s.CreateOrg(ctx, System, OrgSpec{Name: "ok", Description: "\xc3"})
	f("org description not UTF-8", err, "description", textcheck.ErrNotUTF8)
	_, err = s.UpdateOrg(ctx, System, fx.orgA.ID, str(long), nil)
	f("org rename", err, "name", textcheck.ErrTooLong)
	_, err = s.UpdateOrg(ctx, System, fx.orgA.ID, nil, str("bell\a"))
	f("org description update", err, "description", textcheck.ErrControl)
	_, err = s.SetOrgAccounts(ctx, System, fx.orgA.ID, AssignAdd, Accounts{AzureSubscriptions: {"ok", huge}})
	f("org account id", err, "account id in azure_subscriptions", textcheck.ErrTooLong)

	_, err = s.CreateCustomer(ctx, partner, huge)
	f("customer name 10 MiB", err, "name", textcheck.ErrTooLong)
	_, err = s.CreateCustomer(ctx, partner, "C\x00")
	f("customer name NUL", err, "name", textcheck.ErrControl)
	_, err = s.RenameCustomer(ctx, partner, fx.c1.ID, "\xff")
	f("customer rename", err, "name", textcheck.ErrNotUTF8)
	_, err = s.SetCustomerAccounts(ctx, partner, fx.c1.ID, AssignAdd, []string{"\xff"})
	f("customer account id", err, "account id", textcheck.ErrNotUTF8)

	_, _, err = s.CreateKey(ctx, partner, KeySpec{Name: long, Role: RoleViewer, CustomerID: fx.c1.ID})
	f("key name", err, "name", textcheck.ErrTooLong)
	_, _, err = s.CreateKey(ctx, System, KeySpec{Name: "line\nbreak", Role: RoleViewer})
	f("key name control", err, "name", textcheck.ErrControl)

	if n := len(s.Orgs(System)) + len(s.Customers(System)); n != before {
		t.Fatalf("refused writes changed the state: %d objects, want %d", n, before)
	}
	if o, _ := s.Org(System, fx.orgA.ID); o.Name != "A" || o.Description != "" || len(o.Accounts[AzureSubscriptions]) != 0 {
		t.Fatalf("organization A changed: %+v", o)
	}
	if c, _ := s.Customer(System, fx.c1.ID); c.Name != "C1" || len(c.Accounts) != 2 {
		t.Fatalf("customer C1 changed: %+v", c)
	}

	// At the limits, and trimmed.
	edge := strings.Repeat("é", textcheck.MaxName)
	o, err := s.CreateOrg(ctx, System, OrgSpec{Name: " " + edge + "\t", Description: "Line one.\nLine two. "})
	if err != nil || o.Name != edge || o.Description != "Line one.\nLine two." {
		t.Fatalf("org at the limit: %+v, %v", o, err)
	}
	c, err := s.CreateCustomer(ctx, partner, "  Zürich AG ")
	if err != nil || c.Name != "Zürich AG" {
		t.Fatalf("customer: %+v, %v", c, err)
	}
	_, k, err := s.CreateKey(ctx, System, KeySpec{Name: "  ", Role: RoleViewer})
	if err != nil || !strings.HasPrefix(k.Name, "key-") {
		t.Fatalf("blank key name takes the default: %+v, %v", k, err)
	}
}
