package pipeline

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/source"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// logBuffer collects log lines written from the runner's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// noneOf fails if text holds any of the secrets.
func noneOf(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds the secret %q:\n%s", what, s, text)
		}
	}
}

// TestRunErrorsHoldNoSecrets: an Azure source whose SAS token is in its
// URL fails to connect (the host does not exist); the Azure SDK's error
// quotes the request URL, token included, and neither the status nor the
// log may repeat it. The URL's path stays, to say where.
func TestRunErrorsHoldNoSecrets(t *testing.T) {
	const sig = "TallyTestSig0123456789%2Babc%3D"
	var logs logBuffer
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	spec := Spec{Name: "sas-url", Provider: "azure", Location: source.Config{
		URL: "https://tallytest.blob.localhost:1/exports/daily?sv=2022-11-02&ss=b&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=" + sig}}
	r, err := New(ctx, st, DocRepo(st, testKeys, nil), Config{CacheDir: t.TempDir(), Sources: []Spec{spec}}, logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Rebuild("sas-url"); err != nil {
		t.Fatal(err)
	}
	s := wait(t, r, "sas-url")
	if s.ConnectionStatus != FailedConnection || !strings.Contains(s.LastError, "tallytest.blob.localhost:1/exports") {
		t.Fatalf("status %+v, want a failed connection naming the container", s)
	}
	answer, _ := json.Marshal(r.Status())
	secrets := []string{"TallyTestSig", "sig=", "sp=rl"}
	noneOf(t, "the status", string(answer), secrets...)
	if !strings.Contains(logs.String(), "source run failed") {
		t.Fatalf("no log line for the failed run:\n%s", logs.String())
	}
	noneOf(t, "the log", logs.String(), secrets...)
}

// credentialed are sources with every kind of credential; each secret
// contains "TallyTest" and no other field does.
func credentialed() []Spec {
	return []Spec{
		{Name: "aws", Provider: "aws", Location: source.Config{URL: "s3://billing/cur", Region: "eu-west-1",
			AccessKeyID: "AKIAIDVISIBLE", SecretAccessKey: "SecretAccessKeyTallyTest", SessionToken: "SessionTokenTallyTest"}},
		{Name: "azure-url", Provider: "azure", Location: source.Config{
			URL: "https://acct.blob.core.windows.net/exports/daily?sv=2022-11-02&sig=UrlSigTallyTest"}},
		{Name: "azure-key", Provider: "azure", Location: source.Config{URL: "azblob://exports/daily", AccountName: "acct",
			AccountKey: base64.StdEncoding.EncodeToString([]byte("AccountKeyTallyTest"))}},
		{Name: "azure-cs", Provider: "azure", Location: source.Config{URL: "azblob://exports/daily",
			ConnectionString: "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=ConnKeyTallyTest;EndpointSuffix=core.windows.net"}},
		{Name: "gcp", Provider: "gcp", Location: source.Config{URL: "gs://bucket/export",
			CredentialsJSON: `{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nPrivateKeyTallyTest\n-----END PRIVATE KEY-----\n"}`}},
	}
}

var credentialSecrets = []string{"TallyTest", base64.StdEncoding.EncodeToString([]byte("AccountKeyTallyTest"))}

func openFile(t *testing.T, path string) *duckdb.Store {
	t.Helper()
	st, err := duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func storedDocs(t *testing.T, st *duckdb.Store) string {
	t.Helper()
	docs, err := st.Documents(ctx, docKind)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, body := range docs {
		all = append(all, string(body))
	}
	return strings.Join(all, "\n")
}

func sameSpecs(t *testing.T, got, want []Spec) {
	t.Helper()
	byName := map[string]Spec{}
	for _, s := range want {
		byName[s.Name] = s
	}
	if len(got) != len(want) {
		t.Fatalf("%d sources, want %d", len(got), len(want))
	}
	for _, g := range got {
		if !reflect.DeepEqual(g, byName[g.Name]) {
			t.Errorf("source %s reads back as\n%+v\nwant\n%+v", g.Name, g, byName[g.Name])
		}
	}
}

// TestStoredCredentialsAreSealed: the secrets of sources added through
// the API are stored encrypted, everything else readable; a new runner
// over the same database and key reads them back.
func TestStoredCredentialsAreSealed(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	keyFile := db + ".key"
	keys := func() *secret.Keys { return secret.NewKeys(secret.KeyConfig{DefaultFile: keyFile}) }
	st := openFile(t, db)
	r, err := New(ctx, st, DocRepo(st, keys(), nil), Config{CacheDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A source without secrets needs no key.
	local := Spec{Name: "local", Provider: "aws", Location: source.Config{URL: t.TempDir()}}
	if err := r.Add(ctx, local); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Fatalf("a key file was made for a source without secrets: %v", err)
	}
	for _, s := range credentialed() {
		if err := r.Add(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file beside the database: %v %v", fi, err)
	}
	stored := storedDocs(t, st)
	noneOf(t, "the stored sources", stored, credentialSecrets...)
	for _, readable := range []string{`"url":"s3://billing/cur"`, `"region":"eu-west-1"`, `"access_key_id":"AKIAIDVISIBLE"`,
		`"url":"https://acct.blob.core.windows.net/exports/daily"`, `"account_name":"acct"`, `"name":"gcp"`, "enc:v1:"} {
		if !strings.Contains(stored, readable) {
			t.Errorf("the stored sources lack %s:\n%s", readable, stored)
		}
	}
	r2, err := New(ctx, st, DocRepo(st, keys(), nil), Config{CacheDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameSpecs(t, r2.Specs(), append(credentialed(), local))
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	noneOf(t, "the database file", string(raw), credentialSecrets...)
}

// putClear stores specs as versions before encryption did: plain JSON.
func putClear(t *testing.T, st *duckdb.Store, specs ...Spec) {
	t.Helper()
	for _, s := range specs {
		body, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutDocument(ctx, docKind, s.Name, body); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClearTextSourcesAreMigrated: a database written before credentials
// were encrypted is sealed in place when it is opened, once, and its
// sources read back and run as before.
func TestClearTextSourcesAreMigrated(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	keys := func() *secret.Keys { return secret.NewKeys(secret.KeyConfig{DefaultFile: db + ".key"}) }
	st := openFile(t, db)
	local := Spec{Name: "local", Provider: "aws", Location: source.Config{URL: bills(t, 300)}}
	old := append(credentialed(), local)
	putClear(t, st, old...)
	if !strings.Contains(storedDocs(t, st), "SecretAccessKeyTallyTest") {
		t.Fatal("the test's old database does not hold clear text")
	}

	var logs logBuffer
	r, err := New(ctx, st, DocRepo(st, keys(), logs.logger()), Config{CacheDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "encrypted the clear-text credentials of stored sources") || !strings.Contains(logs.String(), "sources=5") {
		t.Errorf("no log line counting the migrated sources:\n%s", logs.String())
	}
	noneOf(t, "the migrated sources", storedDocs(t, st), credentialSecrets...)
	sameSpecs(t, r.Specs(), old)
	if err := r.Rebuild("local"); err != nil {
		t.Fatal(err)
	}
	if s := wait(t, r, "local"); s.ConnectionStatus != ConnectionSuccessful || s.Rows != 300 {
		t.Fatalf("the migrated database's source does not run: %+v", s)
	}

	// Once only.
	var again logBuffer
	r2, err := New(ctx, st, DocRepo(st, keys(), again.logger()), Config{CacheDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(again.String(), "encrypted") {
		t.Errorf("a second open migrates again:\n%s", again.String())
	}
	sameSpecs(t, r2.Specs(), old)
	st.Close()
}

// TestWrongKey: sources sealed with another key (or with a key that is
// gone) report which source cannot be decrypted and why, without the
// sealed value; the other sources, and the server, keep working.
func TestWrongKey(t *testing.T) {
	dir := t.TempDir()
	st := openFile(t, filepath.Join(dir, "t.duckdb"))
	defer st.Close()
	right := secret.NewKeys(secret.KeyConfig{DefaultFile: filepath.Join(dir, "right.key")})
	r, err := New(ctx, st, DocRepo(st, right, nil), Config{CacheDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	local := Spec{Name: "local", Provider: "aws", Location: source.Config{URL: bills(t, 200)}}
	for _, s := range append(credentialed()[:1], local) {
		if err := r.Add(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	sealed := storedDocs(t, st)
	_, box, _ := strings.Cut(sealed[strings.Index(sealed, "enc:v1:")+len("enc:v1:"):], ":")
	box = box[:20]

	f := func(what string, keys *secret.Keys, wantErr string) {
		t.Helper()
		var logs logBuffer
		r, err := New(ctx, st, DocRepo(st, keys, nil), Config{CacheDir: t.TempDir()}, logs.logger())
		if err != nil {
			t.Fatalf("%s: the runner does not start: %v", what, err)
		}
		if err := r.Rebuild(""); err != nil {
			t.Fatal(err)
		}
		s := wait(t, r, "aws")
		if s.Valid || s.ConnectionStatus != InvalidConfiguration || !strings.Contains(s.LastError, "source aws") ||
			!strings.Contains(s.LastError, wantErr) {
			t.Errorf("%s: status %+v, want invalid naming the source and %q", what, s, wantErr)
		}
		noneOf(t, what+": the status", s.LastError, box)
		if !strings.Contains(logs.String(), "source=aws") {
			t.Errorf("%s: no log line names the source:\n%s", what, logs.String())
		}
		noneOf(t, what+": the log", logs.String(), box)
		if s := wait(t, r, "local"); s.ConnectionStatus != ConnectionSuccessful {
			t.Errorf("%s: the other source stops working: %+v", what, s)
		}
	}
	other, _ := secret.ParseKey(secret.GenerateKey())
	f("another key", secret.StaticKeys(other), "sealed with another secret key")
	missing := filepath.Join(dir, "missing.key")
	f("no key", secret.NewKeys(secret.KeyConfig{DefaultFile: missing, Hint: "give TALLY_SECRET_KEY"}), "no secret key is configured and "+missing+" does not exist (give TALLY_SECRET_KEY)")
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a key file was made where none can open anything: %v", err)
	}

	// A clear-text source is not sealed with a key that may be wrong.
	putClear(t, st, credentialed()[1])
	if _, err := New(ctx, st, DocRepo(st, secret.StaticKeys(other), nil), Config{CacheDir: t.TempDir()}, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(storedDocs(t, st), "UrlSigTallyTest") {
		t.Error("a clear-text source was sealed while another could not be opened")
	}
}
