package tenant

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/scope"
)

var ctx = context.Background()

// fixture: organizations A (with FlexOrg child A1) and B, customers C1
// and C2, and a key for each kind of caller.
type fixture struct {
	s                        *Service
	orgA, orgA1, orgB        Org
	c1, c2                   Customer
	admin, viewerA, adminA   string
	viewerB, partner, custC1 string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, err := Open(ctx, &MemRepo{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{s: s}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.orgA, err = s.CreateOrg(ctx, System, OrgSpec{Name: "A"})
	must(err)
	f.orgB, err = s.CreateOrg(ctx, System, OrgSpec{Name: "B"})
	must(err)
	_, err = s.SetOrgAccounts(ctx, System, f.orgA.ID, AssignReplace, Accounts{AWSAccounts: {"a1", "a2", "shared"}})
	must(err)
	_, err = s.SetOrgAccounts(ctx, System, f.orgB.ID, AssignReplace, Accounts{AWSAccounts: {"b1", "shared"}})
	must(err)
	f.orgA1, err = s.CreateOrg(ctx, System, OrgSpec{Name: "A1", ParentID: f.orgA.ID})
	must(err)
	_, err = s.SetOrgAccounts(ctx, System, f.orgA1.ID, AssignAdd, Accounts{AWSAccounts: {"a1"}})
	must(err)
	f.c1, err = s.CreateCustomer(ctx, System, "C1")
	must(err)
	f.c2, err = s.CreateCustomer(ctx, System, "C2")
	must(err)
	_, err = s.SetCustomerAccounts(ctx, System, f.c1.ID, AssignReplace, []string{"c1a", "c1b"})
	must(err)
	_, err = s.SetCustomerAccounts(ctx, System, f.c2.ID, AssignReplace, []string{"c2a"})
	must(err)
	key := func(spec KeySpec) string {
		t.Helper()
		k, _, err := s.CreateKey(ctx, System, spec)
		must(err)
		return k
	}
	f.admin = key(KeySpec{Name: "root", Role: RoleAdmin})
	f.viewerA = key(KeySpec{Name: "va", Role: RoleViewer, OrgID: f.orgA.ID})
	f.adminA = key(KeySpec{Name: "aa", Role: RoleAdmin, OrgID: f.orgA.ID})
	f.viewerB = key(KeySpec{Name: "vb", Role: RoleViewer, OrgID: f.orgB.ID})
	f.partner = key(KeySpec{Name: "p", Role: RolePartner})
	f.custC1 = key(KeySpec{Name: "c1", Role: RoleViewer, CustomerID: f.c1.ID})
	return f
}

func (f *fixture) principal(t *testing.T, key string) *Principal {
	t.Helper()
	p, err := f.s.Authenticate(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScopes(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		key  string
		want []string
	}{
		{f.admin, nil},
		{f.partner, nil},
		{f.viewerA, []string{"a1", "a2", "shared"}},
		{f.adminA, []string{"a1", "a2", "shared"}},
		{f.viewerB, []string{"b1", "shared"}},
		{f.custC1, []string{"c1a", "c1b"}},
	}
	for _, c := range cases {
		p := f.principal(t, c.key)
		want := scope.All()
		if c.want != nil {
			want = scope.Accounts(c.want...)
		}
		if !p.Scope.Equal(want) {
			t.Errorf("%s: scope %v, want %v", p.KeyName, p.Scope, want)
		}
	}
	// The scope follows assignment changes at once: every request
	// authenticates anew.
	if _, err := f.s.SetOrgAccounts(ctx, System, f.orgB.ID, AssignRemove, Accounts{AWSAccounts: {"shared"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.principal(t, f.viewerB).Scope; !got.Equal(scope.Accounts("b1")) {
		t.Fatalf("B after removing shared: %v", got)
	}
	// An organization with no accounts sees nothing, not everything.
	if _, err := f.s.SetOrgAccounts(ctx, System, f.orgB.ID, AssignReplace, Accounts{}); err != nil {
		t.Fatal(err)
	}
	if got := f.principal(t, f.viewerB).Scope; !got.IsNone() {
		t.Fatalf("B without accounts sees %v", got)
	}
}

// TestEmptyAccountListsSeeNothing: every way of giving a customer or an
// organization no accounts (nil, an empty list, removing the last one)
// leaves its keys seeing nothing, also after the state is loaded again,
// and never every account.
func TestEmptyAccountListsSeeNothing(t *testing.T) {
	repo := &MemRepo{}
	s, err := Open(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateCustomer(ctx, System, "C")
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.CreateOrg(ctx, System, OrgSpec{Name: "O"})
	if err != nil {
		t.Fatal(err)
	}
	custKey, _, err := s.CreateKey(ctx, System, KeySpec{Role: RoleViewer, CustomerID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	orgKey, _, err := s.CreateKey(ctx, System, KeySpec{Role: RoleViewer, OrgID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	partnerKey, _, err := s.CreateKey(ctx, System, KeySpec{Role: RolePartner})
	if err != nil {
		t.Fatal(err)
	}
	check := func(s *Service, when string) {
		t.Helper()
		for name, key := range map[string]string{"customer": custKey, "organization": orgKey} {
			p, err := s.Authenticate(key)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Scope.IsNone() {
				t.Errorf("%s: the %s's key sees %v", when, name, p.Scope)
			}
		}
		p, err := s.Authenticate(partnerKey)
		if err != nil {
			t.Fatal(err)
		}
		acting, err := s.ActFor(p, strconv.FormatInt(c.ID, 10))
		if err != nil || !acting.Scope.IsNone() {
			t.Errorf("%s: a partner acting for the customer sees %v (%v)", when, acting, err)
		}
	}
	check(s, "new")
	for _, ids := range [][]string{nil, {}, {"x"}} {
		if _, err := s.SetCustomerAccounts(ctx, System, c.ID, AssignReplace, ids); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetOrgAccounts(ctx, System, o.ID, AssignReplace, Accounts{AWSAccounts: ids}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetCustomerAccounts(ctx, System, c.ID, AssignRemove, []string{"x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetOrgAccounts(ctx, System, o.ID, AssignRemove, Accounts{AWSAccounts: {"x"}}); err != nil {
			t.Fatal(err)
		}
		check(s, fmt.Sprintf("after replacing with %#v", ids))
	}
	again, err := Open(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	check(again, "reloaded")
}

func TestBadKeys(t *testing.T) {
	f := newFixture(t)
	good := f.viewerA
	for _, key := range []string{
		"", "x", "Bearer " + good, good + "0", good[:len(good)-1], strings.ToUpper(good),
		good[:len(good)-1] + "0", "tly_000000000000_" + strings.Repeat("0", 64),
	} {
		if key == good {
			continue
		}
		if p, err := f.s.Authenticate(key); err == nil {
			t.Errorf("Authenticate(%q) = %+v, want an error", key, p)
		}
	}
	if _, err := f.s.Authenticate(""); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("empty key: %v, want ErrUnauthenticated", err)
	}
}

// TestComparisonIsConstantWork checks the shape of every verification:
// one comparison of two full SHA-256 digests, whether the key is right,
// wrong in its last character, of an unknown id, or malformed. Wall-clock
// timing is measured by BenchmarkAuthenticate, not asserted here.
func TestComparisonIsConstantWork(t *testing.T) {
	f := newFixture(t)
	var calls [][2]int
	compare = func(a, b []byte) int {
		calls = append(calls, [2]int{len(a), len(b)})
		return 0
	}
	defer func() { compare = defaultCompare }()
	good := f.viewerA
	for _, key := range []string{good, good[:len(good)-1] + "x", "tly_ffffffffffff_" + strings.Repeat("a", 64), "junk"} {
		calls = nil
		f.s.Authenticate(key)
		if len(calls) != 1 || calls[0] != [2]int{32, 32} {
			t.Errorf("Authenticate(%.20q...) compared %v, want one comparison of two 32-byte digests", key, calls)
		}
	}
}

func TestKeysStoredHashed(t *testing.T) {
	repo := &MemRepo{}
	s, err := Open(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	key, k, err := s.CreateKey(ctx, System, KeySpec{Name: "x", Role: RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := repo.LoadTenants(ctx)
	for _, stored := range st.Keys {
		if strings.Contains(string(stored.Digest), key) || strings.Contains(stored.Public, key[len(keyPrefix)+publicLen+1:]) {
			t.Fatalf("stored key %+v holds the secret", stored)
		}
	}
	if !reflect.DeepEqual(k.Digest, Digest(key)) || len(k.Digest) != 32 {
		t.Fatalf("digest %x is not the SHA-256 of the key", k.Digest)
	}
}

func TestRotation(t *testing.T) {
	f := newFixture(t)
	p := f.principal(t, f.viewerA)
	newKey, k, err := f.s.RotateKey(ctx, System, p.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(f.viewerA); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("old key after rotation: %v", err)
	}
	q := f.principal(t, newKey)
	if q.KeyName != "va" || q.OrgID != f.orgA.ID || q.Role != RoleViewer || k.ID == p.KeyID {
		t.Fatalf("rotated key %+v does not carry the old one's name, role and organization", q)
	}
	// Replace: a new key for the same name revokes the others of that name.
	third, _, err := f.s.CreateKey(ctx, System, KeySpec{Name: "va", Role: RoleViewer, OrgID: f.orgA.ID, Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(newKey); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("key after replacement: %v", err)
	}
	f.principal(t, third)
	// Without Replace, keys of one name coexist.
	fourth, _, _ := f.s.CreateKey(ctx, System, KeySpec{Name: "va", Role: RoleViewer, OrgID: f.orgA.ID})
	f.principal(t, third)
	f.principal(t, fourth)
}

func TestPermissions(t *testing.T) {
	f := newFixture(t)
	type op func(p *Principal) error
	createOrg := func(parent int64) op {
		return func(p *Principal) error {
			_, err := f.s.CreateOrg(ctx, p, OrgSpec{Name: "n", ParentID: parent})
			return err
		}
	}
	assign := func(org int64, acc ...string) op {
		return func(p *Principal) error {
			_, err := f.s.SetOrgAccounts(ctx, p, org, AssignAdd, Accounts{AWSAccounts: acc})
			return err
		}
	}
	key := func(spec KeySpec) op {
		return func(p *Principal) error { _, _, err := f.s.CreateKey(ctx, p, spec); return err }
	}
	customer := func(p *Principal) error { _, err := f.s.CreateCustomer(ctx, p, "n"); return err }
	cases := []struct {
		name string
		key  string
		op   op
		want error
	}{
		{"viewer creates org", f.viewerA, createOrg(0), ErrForbidden},
		{"partner creates org", f.partner, createOrg(0), ErrForbidden},
		{"admin creates org", f.admin, createOrg(0), nil},
		{"scoped admin creates top-level org", f.adminA, createOrg(0), ErrForbidden},
		{"scoped admin creates child", f.adminA, createOrg(f.orgA.ID), nil},
		{"scoped admin creates child of B", f.adminA, createOrg(f.orgB.ID), ErrNotFound},
		{"scoped admin widens own org", f.adminA, assign(f.orgA.ID, "b1"), ErrForbidden},
		{"scoped admin assigns to child", f.adminA, assign(f.orgA1.ID, "a2"), nil},
		{"flex child gets account outside parent", f.admin, assign(f.orgA1.ID, "b1"), ErrInvalid},
		{"assign to default org", f.admin, assign(DefaultOrgID, "x"), ErrForbidden},
		{"viewer creates key", f.viewerA, key(KeySpec{Role: RoleViewer}), ErrForbidden},
		{"scoped admin creates key in B", f.adminA, key(KeySpec{Role: RoleViewer, OrgID: f.orgB.ID}), ErrNotFound},
		{"scoped admin creates key in A1", f.adminA, key(KeySpec{Role: RoleViewer, OrgID: f.orgA1.ID}), nil},
		{"partner creates customer key", f.partner, key(KeySpec{Role: RoleViewer, CustomerID: f.c2.ID}), nil},
		{"partner creates admin customer key", f.partner, key(KeySpec{Role: RoleAdmin, CustomerID: f.c2.ID}), ErrInvalid},
		{"partner creates org key", f.partner, key(KeySpec{Role: RoleViewer}), ErrForbidden},
		{"customer creates customer key", f.custC1, key(KeySpec{Role: RoleViewer, CustomerID: f.c1.ID}), ErrForbidden},
		{"partner creates customer", f.partner, customer, nil},
		{"scoped admin creates customer", f.adminA, customer, ErrForbidden},
		{"viewer creates customer", f.viewerA, customer, ErrForbidden},
	}
	for _, c := range cases {
		err := c.op(f.principal(t, c.key))
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if errors.Is(err, ErrForbidden) && !strings.Contains(err.Error(), "forbidden: ") {
			t.Errorf("%s: message %q does not say why", c.name, err)
		}
	}
}

func TestVisibility(t *testing.T) {
	f := newFixture(t)
	ids := func(orgs []Org) (out []int64) {
		for _, o := range orgs {
			out = append(out, o.ID)
		}
		return out
	}
	if got := ids(f.s.Orgs(f.principal(t, f.viewerA))); !reflect.DeepEqual(got, []int64{f.orgA.ID, f.orgA1.ID}) {
		t.Errorf("A sees organizations %v", got)
	}
	if got := ids(f.s.Orgs(f.principal(t, f.admin))); len(got) != 4 {
		t.Errorf("admin sees organizations %v, want all 4", got)
	}
	if _, err := f.s.Org(f.principal(t, f.viewerB), f.orgA.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A: %v, want ErrNotFound", err)
	}
	if got := f.s.Customers(f.principal(t, f.custC1)); len(got) != 1 || got[0].ID != f.c1.ID {
		t.Errorf("C1 sees customers %+v", got)
	}
	if got := f.s.Customers(f.principal(t, f.viewerA)); len(got) != 0 {
		t.Errorf("A sees customers %+v", got)
	}
	if _, err := f.s.ActFor(f.principal(t, f.custC1), "2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("C1 acting for C2: %v", err)
	}
	p, err := f.s.ActFor(f.principal(t, f.partner), "1")
	if err != nil || !p.Scope.Equal(scope.Accounts("c1a", "c1b")) {
		t.Errorf("partner acting for C1: %+v, %v", p, err)
	}
	if _, err := f.s.ActFor(f.principal(t, f.viewerA), "1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("scoped org acting for a customer: %v", err)
	}
	for _, bad := range []string{"", "x", "-1", "0", "99999999999999999999"} {
		if _, err := f.s.ActFor(f.principal(t, f.partner), bad); err == nil {
			t.Errorf("ActFor(%q) succeeded", bad)
		}
	}
}

func TestOrgCascadeAndDeletion(t *testing.T) {
	f := newFixture(t)
	if _, err := f.s.SetOrgAccounts(ctx, System, f.orgA.ID, AssignRemove, Accounts{AWSAccounts: {"a1"}}); err != nil {
		t.Fatal(err)
	}
	if o, _ := f.s.Org(System, f.orgA1.ID); len(o.Accounts.All()) != 0 {
		t.Fatalf("child kept %v after the parent lost it", o.Accounts)
	}
	if err := f.s.DeleteOrg(ctx, System, f.orgA.ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("deleting a parent: %v, want ErrConflict", err)
	}
	if err := f.s.DeleteOrg(ctx, System, f.orgB.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(f.viewerB); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("key of a deleted organization: %v", err)
	}
	if err := f.s.DeleteCustomer(ctx, System, f.c1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(f.custC1); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("key of a deleted customer: %v", err)
	}
}

func TestCustomerAccountsExclusive(t *testing.T) {
	f := newFixture(t)
	_, err := f.s.SetCustomerAccounts(ctx, System, f.c2.ID, AssignAdd, []string{"new", "c1a"})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("assigning C1's account to C2: %v", err)
	}
	if c, _ := f.s.Customer(System, f.c2.ID); !reflect.DeepEqual(c.Accounts, []string{"c2a"}) {
		t.Fatalf("a refused assignment changed C2 to %v", c.Accounts)
	}
}

func TestFailedWriteChangesNothing(t *testing.T) {
	repo := &MemRepo{}
	s, err := Open(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	repo.FailNext = errors.New("disk full")
	if _, err := s.CreateOrg(ctx, System, OrgSpec{Name: "x"}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("CreateOrg with a failing repo: %v", err)
	}
	if got := s.Orgs(System); len(got) != 1 {
		t.Fatalf("memory holds %d organizations after a failed write", len(got))
	}
}

func FuzzAuthenticate(f *testing.F) {
	s, err := Open(ctx, &MemRepo{})
	if err != nil {
		f.Fatal(err)
	}
	key, _, _ := s.CreateKey(ctx, System, KeySpec{Name: "x", Role: RoleViewer})
	f.Add(key)
	f.Add(key[:20])
	f.Add("tly_" + key[4:16] + "_")
	f.Add("")
	f.Fuzz(func(t *testing.T, k string) {
		p, err := s.Authenticate(k)
		if (err == nil) != (k == key) {
			t.Fatalf("Authenticate(%q) = %+v, %v", k, p, err)
		}
	})
}

func BenchmarkAuthenticate(b *testing.B) {
	s, _ := Open(ctx, &MemRepo{})
	key, _, _ := s.CreateKey(ctx, System, KeySpec{Name: "x", Role: RoleViewer})
	for _, c := range []struct{ name, key string }{
		{"valid", key},
		{"wrong-first-secret-char", key[:len(keyPrefix)+publicLen+1] + "x" + key[len(keyPrefix)+publicLen+2:]},
		{"wrong-last-char", key[:len(key)-1] + "x"},
		{"unknown-id", "tly_ffffffffffff" + key[len(keyPrefix)+publicLen:]},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				s.Authenticate(c.key)
			}
		})
	}
}
