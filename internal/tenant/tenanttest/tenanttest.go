// Package tenanttest is the conformance suite of tenant.Repo: every store
// that keeps tenant state runs it (tenant.MemRepo and store/duckdb).
package tenanttest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/tenant"
)

// Run opens a Service over a fresh repo, changes every kind of object,
// then opens a second Service over the same repo and checks that it sees
// the same state, keys still authenticating and revocations kept.
func Run(t *testing.T, repo tenant.Repo) {
	ctx := context.Background()
	s, err := tenant.Open(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	org, err := s.CreateOrg(ctx, tenant.System, tenant.OrgSpec{Name: "Team A", Description: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if org.ID == tenant.DefaultOrgID {
		t.Fatalf("new organization got the default organization's id %d", org.ID)
	}
	if _, err := s.SetOrgAccounts(ctx, tenant.System, org.ID, tenant.AssignReplace, tenant.Accounts{
		tenant.AWSAccounts: {"111111111111", "222222222222"}, tenant.AzureSubscriptions: {"sub-a"}}); err != nil {
		t.Fatal(err)
	}
	child, err := s.CreateOrg(ctx, tenant.System, tenant.OrgSpec{Name: "Team A1", ParentID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOrgAccounts(ctx, tenant.System, child.ID, tenant.AssignAdd, tenant.Accounts{tenant.AWSAccounts: {"111111111111"}}); err != nil {
		t.Fatal(err)
	}
	cust, err := s.CreateCustomer(ctx, tenant.System, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetCustomerAccounts(ctx, tenant.System, cust.ID, tenant.AssignReplace, []string{"333333333333"}); err != nil {
		t.Fatal(err)
	}
	keyA, _, err := s.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "alice", Role: tenant.RoleViewer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	keyC, _, err := s.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "acme", Role: tenant.RoleViewer, CustomerID: cust.ID})
	if err != nil {
		t.Fatal(err)
	}
	gone, k, err := s.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "bob", Role: tenant.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeKey(ctx, tenant.System, k.ID); err != nil {
		t.Fatal(err)
	}
	deleted, err := s.CreateOrg(ctx, tenant.System, tenant.OrgSpec{Name: "Temporary"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOrg(ctx, tenant.System, deleted.ID); err != nil {
		t.Fatal(err)
	}

	again, err := tenant.Open(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := again.Orgs(tenant.System), s.Orgs(tenant.System); !reflect.DeepEqual(got, want) {
		t.Fatalf("organizations after reopening:\n got %+v\nwant %+v", got, want)
	}
	if got, want := again.Customers(tenant.System), s.Customers(tenant.System); !reflect.DeepEqual(got, want) {
		t.Fatalf("customers after reopening:\n got %+v\nwant %+v", got, want)
	}
	gotKeys, _ := again.Keys(tenant.System)
	wantKeys, _ := s.Keys(tenant.System)
	if !reflect.DeepEqual(gotKeys, wantKeys) {
		t.Fatalf("keys after reopening:\n got %+v\nwant %+v", gotKeys, wantKeys)
	}
	p, err := again.Authenticate(keyA)
	if err != nil {
		t.Fatal(err)
	}
	if want := scope.Accounts("111111111111", "222222222222", "sub-a"); !p.Scope.Equal(want) {
		t.Fatalf("scope of alice after reopening = %v, want %v", p.Scope, want)
	}
	if p, err := again.Authenticate(keyC); err != nil || !p.Scope.Equal(scope.Accounts("333333333333")) {
		t.Fatalf("customer key after reopening: %+v, %v", p, err)
	}
	if _, err := again.Authenticate(gone); !errors.Is(err, tenant.ErrBadCredentials) {
		t.Fatalf("revoked key after reopening: %v, want ErrBadCredentials", err)
	}

	log, err := again.Audit(ctx, tenant.System, tenant.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// default org, 2 orgs created + 2 assignments, customer + assignment,
	// 3 keys + 1 revocation, temporary org created and deleted.
	if len(log) != 13 {
		t.Fatalf("audit has %d entries, want 13: %+v", len(log), log)
	}
	if log[0].Action != "delete" || log[0].Object != "organization" || log[0].Actor != "cli" {
		t.Fatalf("newest audit entry = %+v, want the deletion by cli", log[0])
	}
	only, err := again.Audit(ctx, tenant.System, tenant.AuditFilter{Object: "key", Limit: 2})
	if err != nil || len(only) != 2 || only[0].Action != "revoke" {
		t.Fatalf("audit filtered by object: %+v, %v", only, err)
	}
}
