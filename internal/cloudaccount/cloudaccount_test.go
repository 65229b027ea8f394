package cloudaccount

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/tenant"
)

// memDocs is a store.DocStore in memory.
type memDocs struct {
	mu   sync.Mutex
	docs map[string]map[string][]byte
	fail error // the next write fails with it
}

func (m *memDocs) Documents(_ context.Context, kind string) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.docs[kind]), nil
}

func (m *memDocs) PutDocument(_ context.Context, kind, name string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail; err != nil {
		m.fail = nil
		return err
	}
	if m.docs == nil {
		m.docs = map[string]map[string][]byte{}
	}
	if m.docs[kind] == nil {
		m.docs[kind] = map[string][]byte{}
	}
	m.docs[kind][name] = slices.Clone(body)
	return nil
}

func (m *memDocs) PutDocuments(ctx context.Context, kind string, docs map[string][]byte) error {
	for n, b := range docs {
		if err := m.PutDocument(ctx, kind, n, b); err != nil {
			return err
		}
	}
	return nil
}

func (m *memDocs) DeleteDocument(_ context.Context, kind, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.docs[kind], name)
	return nil
}

// names records a Namer's calls.
type names struct{ calls []string }

func (n *names) SetName(_ context.Context, owner, name string) error {
	n.calls = append(n.calls, "set "+owner+"="+name)
	return nil
}

func (n *names) RemoveName(_ context.Context, owner string) error {
	n.calls = append(n.calls, "remove "+owner)
	return nil
}

var testKey = func() *secret.Key {
	k, err := secret.ParseKey(secret.GenerateKey())
	if err != nil {
		panic(err)
	}
	return k
}()

var testNow = time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)

func open(t *testing.T, docs *memDocs) *Service {
	t.Helper()
	s, err := Open(context.Background(), docs, secret.StaticKeys(testKey),
		Options{Now: func() time.Time { return testNow }, Rand: bytes.NewReader(counting(300))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// counting is n bytes 0, 1, 2, ...: distinct External IDs, the same
// every run.
func counting(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func as(p *tenant.Principal) context.Context { return tenant.WithPrincipal(context.Background(), p) }

var (
	admin  = as(tenant.NoAuth)
	viewer = as(&tenant.Principal{Role: tenant.RoleViewer, OrgID: tenant.DefaultOrgID, Scope: scope.All()})
	// orgEditor edits content of an organization that sees one account.
	orgEditor = as(&tenant.Principal{Role: tenant.RoleEditor, OrgID: 7, Scope: scope.Accounts("111111111111")})
)

func str(s string) *string { return &s }

// TestValidation: every problem of a refused account is listed, in
// upstream's words.
func TestValidation(t *testing.T) {
	s := open(t, &memDocs{})
	if _, err := s.Create(admin, Input{Name: str("Taken"), OwnerID: str("222222222222")}, nil); err != nil {
		t.Fatal(err)
	}
	ext, err := s.ExternalID(admin)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   Input
		want []string // nil: accepted
	}{
		{"name only", Input{Name: str("Prod")}, nil},
		{"no name", Input{}, []string{"Name can't be blank"}},
		{"blank name", Input{Name: str("  ")}, []string{"Name can't be blank"}},
		{"taken name", Input{Name: str("Taken")}, []string{"Name has already been taken"}},
		{"name with a line break", Input{Name: str("a\nb")}, []string{"Name holds a control character"}},
		{"owner id of 11 digits", Input{Name: str("P"), OwnerID: str("12345678901")}, []string{"Owner id must be a 12-digit AWS account id"}},
		{"taken owner id", Input{Name: str("P"), OwnerID: str("222222222222")}, []string{"Owner id has already been taken"}},
		{"unknown region", Input{Name: str("P"), Region: str("mars")}, []string{"Region is not included in the list"}},
		{"govcloud", Input{Name: str("P"), Region: str("govcloud")}, nil},
		{"blank tag key", Input{Name: str("P"), Tags: &[]Tag{{Key: " ", Value: "v"}}}, []string{"Tags[0] key can't be blank"}},
		{"access key without keys", Input{Name: str(""), Auth: &Auth{Protocol: ProtocolAccessKey}},
			[]string{"Name can't be blank", " access key can't be blank", " secret key can't be blank"}},
		{"access key", Input{Name: str("P"), Auth: &Auth{Protocol: ProtocolAccessKey, AccessKey: "AKIA", SecretKey: "s"}}, nil},
		{"assume role without an arn", Input{Name: str("P"), Auth: &Auth{Protocol: ProtocolAssumeRole}}, []string{" assume role arn can't be blank"}},
		{"assume role with a bad arn", Input{Name: str("P"), Auth: &Auth{Protocol: ProtocolAssumeRole, AssumeRoleARN: "role/x"}}, []string{" assume role arn is invalid"}},
		{"assume role with another external id", Input{Name: str("P"), Auth: &Auth{Protocol: ProtocolAssumeRole, AssumeRoleARN: "arn:aws:iam::1:role/x", AssumeRoleExternalID: "mine"}},
			[]string{" assume role external id must be the External ID generated for you (GET /v1/aws_accounts/:id/generate_external_id)"}},
		{"assume role with the generated external id", Input{Name: str("P"), Auth: &Auth{Protocol: ProtocolAssumeRole, AssumeRoleARN: "arn:aws:iam::1:role/x", AssumeRoleExternalID: ext}}, nil},
		{"assume role defaults the external id", Input{Name: str("P"), Auth: &Auth{Protocol: ProtocolAssumeRole, AssumeRoleARN: "arn:aws:iam::1:role/x"}}, nil},
		{"no protocol", Input{Name: str("P"), Auth: &Auth{}}, []string{"Authentication protocol can't be blank"}},
		{"unknown protocol", Input{Name: str("P"), Auth: &Auth{Protocol: "password"}}, []string{"Authentication protocol is not included in the list"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acc, err := s.Create(admin, c.in, nil)
			problems, invalid := IsInvalid(err)
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != nil && !invalid:
				t.Fatalf("got %v, want the problems %q", err, c.want)
			case c.want != nil && !slices.Equal(problems, c.want):
				t.Fatalf("problems %q, want %q", problems, c.want)
			case c.want != nil && !errors.Is(err, ErrInvalid):
				t.Fatalf("%v is not ErrInvalid", err)
			}
			if err == nil {
				// Accepted names are freed for the next case.
				if err := s.Delete(admin, acc.ID, nil); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestCredentialsSealed: the stored document holds no credential in
// clear, a reopened service gives the External ID back, the secret key
// never comes back, and a PUT without the secret keeps it.
func TestCredentialsSealed(t *testing.T) {
	docs := &memDocs{}
	s := open(t, docs)
	acc, err := s.Create(admin, Input{Name: str("Keys"), Auth: &Auth{Protocol: ProtocolAccessKey, AccessKey: "AKIAEXAMPLE", SecretKey: "TOP-SECRET-VALUE"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Auth.SecretKey != "" || !acc.HasSecretKey {
		t.Errorf("created account %+v: the secret key must not come back, but be stored", acc.Auth)
	}
	role, err := s.Create(admin, Input{Name: str("Role"), Auth: &Auth{Protocol: ProtocolAssumeRole, AssumeRoleARN: "arn:aws:iam::1:role/x"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ext := role.Auth.AssumeRoleExternalID
	if len(ext) != 30 {
		t.Errorf("External ID %q, want 30 hex digits", ext)
	}
	body := string(docs.docs[docKind][docName])
	for _, clear := range []string{"TOP-SECRET-VALUE", ext} {
		if strings.Contains(body, clear) {
			t.Errorf("the stored document holds %q in clear:\n%s", clear, body)
		}
	}
	// A PUT that sends back what GET gave (no secret key) keeps it.
	if _, err := s.Update(admin, acc.ID, Input{Name: str("Keys 2"), Auth: &Auth{Protocol: ProtocolAccessKey, AccessKey: "AKIAEXAMPLE"}}, nil); err != nil {
		t.Errorf("update without the secret key: %v", err)
	}
	// A new access key needs its secret.
	_, err = s.Update(admin, acc.ID, Input{Auth: &Auth{Protocol: ProtocolAccessKey, AccessKey: "AKIAOTHER"}}, nil)
	if ps, _ := IsInvalid(err); !slices.Equal(ps, []string{" secret key can't be blank"}) {
		t.Errorf("update with a new access key and no secret: %v", err)
	}
	again := open(t, docs)
	got, err := again.Get(admin, role.ID)
	if err != nil || got.Auth.AssumeRoleExternalID != ext {
		t.Errorf("after reopening: %+v, %v; want the External ID %q", got, err, ext)
	}
	k, err := again.Get(admin, acc.ID)
	if err != nil || !k.HasSecretKey || k.Name != "Keys 2" {
		t.Errorf("after reopening: %+v, %v", k, err)
	}
	// A sealed value does not open for another account.
	var sealed string
	for _, r := range again.doc.Accounts {
		if r.SecretKey != "" {
			sealed = r.SecretKey
		}
	}
	if _, err := testKey.Open(sealed, secretKeyContext(role.ID)); err == nil {
		t.Error("the secret key opens under another account's context")
	}
}

// TestScopeAndRoles: a scoped caller sees only the accounts of its
// owner ids; only editors of the default organization write; the
// External ID is per organization.
func TestScopeAndRoles(t *testing.T) {
	s := open(t, &memDocs{})
	n := &names{}
	mine, err := s.Create(admin, Input{Name: str("Mine"), OwnerID: str("111111111111")}, n)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Create(admin, Input{Name: str("Other"), OwnerID: str("222222222222")}, n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(admin, Input{Name: str("No owner")}, n); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(orgEditor)
	if err != nil || len(list) != 1 || list[0].ID != mine.ID {
		t.Errorf("List as a scoped editor: %+v, %v", list, err)
	}
	if list, err := s.List(viewer); err != nil || len(list) != 3 {
		t.Errorf("List as an unscoped viewer: %d accounts, %v", len(list), err)
	}
	if _, err := s.Get(orgEditor, other.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of an account out of scope: %v, want ErrNotFound", err)
	}
	for _, ctx := range []context.Context{orgEditor, viewer} {
		if _, err := s.Create(ctx, Input{Name: str("x")}, n); !errors.Is(err, tenant.ErrForbidden) {
			t.Errorf("Create: %v, want ErrForbidden", err)
		}
		if err := s.Delete(ctx, mine.ID, n); !errors.Is(err, tenant.ErrForbidden) {
			t.Errorf("Delete: %v, want ErrForbidden", err)
		}
	}
	if _, err := s.List(context.Background()); !errors.Is(err, tenant.ErrUnauthenticated) {
		t.Errorf("List without a principal: %v", err)
	}
	a, err := s.ExternalID(admin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.ExternalID(orgEditor)
	if err != nil || a == b {
		t.Errorf("External IDs of two organizations: %q and %q, %v; want two", a, b, err)
	}
	// Names follow the owner id: renamed, moved, deleted.
	if _, err := s.Update(admin, mine.ID, Input{Name: str("Mine 2")}, n); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(admin, mine.ID, Input{OwnerID: str("333333333333")}, n); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(admin, mine.ID, n); err != nil {
		t.Fatal(err)
	}
	want := []string{"set 111111111111=Mine", "set 222222222222=Other", "set 111111111111=Mine 2",
		"remove 111111111111", "set 333333333333=Mine 2", "remove 333333333333"}
	if !slices.Equal(n.calls, want) {
		t.Errorf("names:\n got %q\nwant %q", n.calls, want)
	}
}

// TestFailedWriteChangesNothing: a store that refuses the write leaves
// the service as it was.
func TestFailedWriteChangesNothing(t *testing.T) {
	docs := &memDocs{}
	s := open(t, docs)
	docs.fail = errors.New("disk full")
	if _, err := s.Create(admin, Input{Name: str("A")}, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Create with a failing store: %v", err)
	}
	if list, _ := s.List(admin); len(list) != 0 {
		t.Errorf("after a failed write: %+v", list)
	}
	acc, err := s.Create(admin, Input{Name: str("A")}, nil)
	if err != nil || acc.ID != firstID {
		t.Errorf("Create after the failure: %+v, %v; want the first id again", acc, err)
	}
}

// TestAudit: every change is recorded with its author, and no detail
// holds a credential.
func TestAudit(t *testing.T) {
	var log []string
	s, err := Open(context.Background(), &memDocs{}, secret.StaticKeys(testKey), Options{Now: func() time.Time { return testNow },
		Audit: func(_ context.Context, p *tenant.Principal, action, object, id, detail string) error {
			log = append(log, strings.Join([]string{p.Actor(), action, object, id, detail}, " "))
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := s.Create(admin, Input{Name: str("Keys"), OwnerID: str("111111111111"), Auth: &Auth{Protocol: ProtocolAccessKey, AccessKey: "AKIA", SecretKey: "TOP-SECRET"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(admin, acc.ID, Input{Name: str("Keys 2")}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(admin, acc.ID, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`no-auth create cloudaccount.aws 1000000000001 name="Keys" owner_id="111111111111" protocol="access_key" secret_key=true`,
		`no-auth update cloudaccount.aws 1000000000001 name="Keys 2" owner_id="111111111111" protocol="access_key" secret_key=true`,
		`no-auth delete cloudaccount.aws 1000000000001 name="Keys 2" owner_id="111111111111" protocol="access_key" secret_key=true`,
	}
	if !slices.Equal(log, want) {
		t.Errorf("audit:\n got %q\nwant %q", log, want)
	}
}
