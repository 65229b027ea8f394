package source

import (
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSplitURLQuery(t *testing.T) {
	f := func(raw, wantBase, wantQuery string) {
		t.Helper()
		base, query := SplitURLQuery(raw)
		if base != wantBase || query != wantQuery {
			t.Errorf("SplitURLQuery(%q) = %q, %q; want %q, %q", raw, base, query, wantBase, wantQuery)
		}
		if query != "" && base+"?"+query != raw {
			t.Errorf("SplitURLQuery(%q) does not join back", raw)
		}
	}
	f("https://acct.blob.core.windows.net/c/p?sv=1&sig=a%2Bb", "https://acct.blob.core.windows.net/c/p", "sv=1&sig=a%2Bb")
	f("s3://bucket/prefix", "s3://bucket/prefix", "")
	f("/data/what?.csv", "/data/what?.csv", "")
	f("https://h/p?q#frag", "https://h/p", "q#frag")
}

func TestSecretValues(t *testing.T) {
	f := func(c Config, want ...string) {
		t.Helper()
		got := c.SecretValues()
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("SecretValues(%s) = %q, lacks %q", c.URL, got, w)
			}
		}
	}
	f(Config{URL: "https://acct.blob.core.windows.net/c?sv=1&sig=a%2Bb%3D"}, "sv=1&sig=a%2Bb%3D", "a%2Bb%3D", "a+b=")
	f(Config{URL: "azblob://c", AccountName: "acct", SASToken: "?sv=1&sig=xyz"}, "?sv=1&sig=xyz", "xyz")
	f(Config{URL: "azblob://c", ConnectionString: "AccountName=acct;AccountKey=a2V5a2V5;EndpointSuffix=core.windows.net"}, "a2V5a2V5")
	f(Config{URL: "azblob://c", ConnectionString: "BlobEndpoint=https://x/;SharedAccessSignature=sv=1&sig=s%2F1"}, "sv=1&sig=s%2F1", "s/1")
	f(Config{URL: "s3://b", AccessKeyID: "AKIA", SecretAccessKey: "wJalr", SessionToken: "FQoG"}, "wJalr", "FQoG")
	f(Config{URL: "gs://b", CredentialsJSON: `{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n"}`},
		"-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n")
	if got := (Config{URL: "s3://b", AccessKeyID: "AKIA", Region: "us-east-1"}).SecretValues(); len(got) != 0 {
		t.Errorf("no secrets: %q", got)
	}
}

// TestMirrorIsPrivate: a mirror's folders and files are the user's alone.
func TestMirrorIsPrivate(t *testing.T) {
	f := newLocalFixture(t)
	seed(t, f)
	dir := filepath.Join(t.TempDir(), "cache", "src")
	mirrorOK(t, openSource(t, f.config()), dir)
	n := 0
	filepath.WalkDir(filepath.Dir(dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v", p, fi.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if n < 4 {
		t.Fatalf("only %d entries mirrored", n)
	}
}

// TestTextFieldsCoverConfig: TextFields names every string field of a
// Config by its JSON name, so that a field added later is checked and
// kept like the others.
func TestTextFieldsCoverConfig(t *testing.T) {
	var c Config
	listed := map[string]bool{}
	for _, f := range c.TextFields() {
		listed[f.Name] = true
	}
	typ := reflect.TypeOf(c)
	for i := range typ.NumField() {
		sf := typ.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if sf.Type.Kind() == reflect.String && !listed[name] {
			t.Errorf("TextFields leaves out %s (%q)", sf.Name, name)
		}
	}
	if len(listed) != typ.NumField() {
		t.Errorf("TextFields lists %d fields, Config has %d", len(listed), typ.NumField())
	}
}
