package secret

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustKey(t *testing.T) *Key {
	t.Helper()
	k, err := ParseKey(GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k, other := mustKey(t), mustKey(t)
	sealed := k.Seal("sv=2022&sig=abc", "pipeline.source/a/sas_token")
	if !Sealed(sealed) || strings.Contains(sealed, "sig=abc") || !strings.Contains(sealed, k.ID()) {
		t.Fatalf("sealed value %q", sealed)
	}
	if again := k.Seal("sv=2022&sig=abc", "pipeline.source/a/sas_token"); again == sealed {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if got, err := k.Open(sealed, "pipeline.source/a/sas_token"); err != nil || got != "sv=2022&sig=abc" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	f := func(what, sealed, context string, key *Key, want error) {
		t.Helper()
		_, err := key.Open(sealed, context)
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", what, err, want)
		}
		if _, box, ok := strings.Cut(strings.TrimPrefix(sealed, sealedPrefix), ":"); err != nil && ok && len(box) > 4 && strings.Contains(err.Error(), box) {
			t.Errorf("%s: the error quotes the sealed value: %v", what, err)
		}
	}
	f("another key", sealed, "pipeline.source/a/sas_token", other, ErrWrongKey)
	f("another field", sealed, "pipeline.source/b/sas_token", k, ErrCorrupt)
	f("clear text", "sv=2022&sig=abc", "x", k, ErrCorrupt)
	f("truncated", sealed[:len(sealed)-4], "pipeline.source/a/sas_token", k, ErrCorrupt)
	f("no key id", sealedPrefix+"abc", "x", k, ErrCorrupt)
	f("not base64", sealedPrefix+k.ID()+":***", "x", k, ErrCorrupt)

	for _, bad := range []string{"", "not base64!", "c2hvcnQ="} {
		if _, err := ParseKey(bad); !errors.Is(err, ErrBadKey) {
			t.Errorf("ParseKey(%q) = %v, want ErrBadKey", bad, err)
		}
	}
	text := GenerateKey()
	a, _ := ParseKey(text)
	b, _ := ParseKey("  " + strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(text), "=") + "\n")
	if a.ID() != b.ID() {
		t.Error("the URL alphabet without padding reads as another key")
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	def := filepath.Join(dir, "t.duckdb.key")

	// Without a configured key, opening finds none and creates none.
	ks := NewKeys(KeyConfig{DefaultFile: def, Hint: "set TALLY_SECRET_KEY", Logger: log})
	if _, err := ks.ForOpening(); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "set TALLY_SECRET_KEY") {
		t.Fatalf("ForOpening without a key: %v", err)
	}
	if _, err := os.Stat(def); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("ForOpening created a key file")
	}
	// Sealing creates it, 0600, and says where.
	k, err := ks.ForSealing()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(def)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if !strings.Contains(logs.String(), def) {
		t.Errorf("no log line names the generated key file: %s", logs.String())
	}
	// A second process finds the same key; a loose file is tightened.
	os.Chmod(def, 0o644)
	k2, err := NewKeys(KeyConfig{DefaultFile: def, Logger: log}).ForOpening()
	if err != nil || k2.ID() != k.ID() {
		t.Fatalf("reading the generated key: %v", err)
	}
	if fi, _ := os.Stat(def); fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file stayed %v", fi.Mode().Perm())
	}

	// A configured value or file wins over the default file.
	text := GenerateKey()
	want, _ := ParseKey(text)
	if k, err := NewKeys(KeyConfig{Value: text, DefaultFile: def}).ForSealing(); err != nil || k.ID() != want.ID() {
		t.Errorf("Value: %v", err)
	}
	file := filepath.Join(dir, "given.key")
	os.WriteFile(file, []byte(text+"\n"), 0o640)
	logs.Reset()
	if k, err := NewKeys(KeyConfig{File: file, DefaultFile: def, Logger: log}).ForOpening(); err != nil || k.ID() != want.ID() {
		t.Errorf("File: %v", err)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o640 || !strings.Contains(logs.String(), "readable by other users") {
		t.Errorf("a given key file is warned about, not changed: %v %s", fi.Mode().Perm(), logs.String())
	}
	// Errors say where the bad key came from, never what it is.
	_, err = NewKeys(KeyConfig{Value: "bm90IGEga2V5", ValueOrigin: "TALLY_SECRET_KEY"}).ForOpening()
	if !errors.Is(err, ErrBadKey) || !strings.Contains(err.Error(), "TALLY_SECRET_KEY") || strings.Contains(err.Error(), "bm90IGEga2V5") {
		t.Errorf("bad value: %v", err)
	}
	if _, err := NewKeys(KeyConfig{File: filepath.Join(dir, "missing")}).ForSealing(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing given file is not created: %v", err)
	}
	// In memory: a key for the process's life.
	mem := NewKeys(KeyConfig{})
	a, err := mem.ForSealing()
	if b, _ := mem.ForOpening(); err != nil || a != b {
		t.Errorf("in-memory key: %v", err)
	}
	if _, err := (*Keys)(nil).ForSealing(); !errors.Is(err, ErrNoKey) {
		t.Errorf("nil Keys: %v", err)
	}
}

func TestRestrict(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	file := filepath.Join(dir, "db")
	os.WriteFile(file, nil, 0o644)
	if err := RestrictFile(file, log); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 || !strings.Contains(logs.String(), "was=-rw-r--r--") {
		t.Errorf("RestrictFile: %v, log %s", fi.Mode().Perm(), logs.String())
	}
	logs.Reset()
	if err := RestrictFile(file, log); err != nil || logs.Len() > 0 {
		t.Errorf("a private file is left alone: %v %s", err, logs.String())
	}
	if err := RestrictFile(filepath.Join(dir, "missing"), log); err != nil {
		t.Error(err)
	}

	tree := filepath.Join(dir, "cache")
	os.MkdirAll(filepath.Join(tree, "src", "2024"), 0o755)
	os.WriteFile(filepath.Join(tree, "src", "2024", "bill.csv"), nil, 0o644)
	outside := filepath.Join(dir, "outside")
	os.WriteFile(outside, nil, 0o644)
	os.Symlink(outside, filepath.Join(tree, "link"))
	if err := RestrictTree(tree, log); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{tree: 0o700, filepath.Join(tree, "src", "2024"): 0o700,
		filepath.Join(tree, "src", "2024", "bill.csv"): 0o600, outside: 0o644} {
		if fi, _ := os.Stat(p); fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	if !strings.Contains(logs.String(), "entries=4") {
		t.Errorf("one log line with the count: %s", logs.String())
	}
	if err := RestrictTree(filepath.Join(dir, "missing"), log); err != nil {
		t.Error(err)
	}
}
