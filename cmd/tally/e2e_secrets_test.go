package main

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/secret"
)

// lockedBuffer collects a process's stderr while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveWithLog starts tally serve with env added and returns its URL,
// the process and its log.
func serveWithLog(t *testing.T, env []string, args ...string) (string, *exec.Cmd, *lockedBuffer) {
	t.Helper()
	return startServerEnv(t, env, append([]string{"serve", "--addr", "127.0.0.1:0", "--no-auth"}, args...)...)
}

// stop ends a server gracefully, so that its log is complete.
func stop(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}

// waitRun polls a source until its first run has ended.
func waitRun(t *testing.T, base, name string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var body string
	for time.Now().Before(deadline) {
		_, body = fetch(t, base+"api/v1/sources/"+name)
		if strings.Contains(body, `"runs": 1`) && strings.Contains(body, `"active": false`) {
			return body
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("source %s never ran: %s", name, body)
	return ""
}

// TestServeKeepsSecrets: a source added through the API with a SAS token
// fails to connect; no answer, log line or file shows the token; the
// database and everything beside it are private; a wrong key is a clear
// error, for the source or, when the key itself is bad, at start.
func TestServeKeepsSecrets(t *testing.T) {
	const token = "E2eSecretSig0123%2Babc%3D"
	secrets := []string{"E2eSecretSig", "sig=", "sp=rl"}
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	base, cmd, log := serveWithLog(t, nil, "--db", db)

	body := `{"name": "sas", "provider": "azure", "location": {"url": "azblob://exports/daily",
		"endpoint": "http://127.0.0.1:1/devstoreaccount1", "sas_token": "sv=2022-11-02&ss=b&sp=rl&sig=` + token + `"}}`
	res, err := http.Post(base+"api/v1/sources", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("adding the source: %d %s", res.StatusCode, answer)
	}
	answers := []string{string(answer), waitRun(t, base, "sas")}
	for _, path := range []string{"api/v1/sources", "model/etl/status", "model/cloudCost/status"} {
		code, body := fetch(t, base+path)
		if code != 200 || !strings.Contains(body, "127.0.0.1:1/devstoreaccount1/exports") {
			t.Fatalf("%s: %d %s, want the failed run's error", path, code, body)
		}
		answers = append(answers, body)
	}
	stop(t, cmd)
	for _, a := range answers {
		noLeak(t, "an answer", a, secrets)
	}
	if !strings.Contains(log.String(), "source run failed") {
		t.Fatalf("no log line for the failed run:\n%s", log.String())
	}
	noLeak(t, "the log", log.String(), secrets)

	// Files: the database, its key and the source cache are private;
	// neither the database nor its log holds the token.
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if p == dir {
			return nil
		}
		fi, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v", p, fi.Mode().Perm(), want)
		}
		if !d.IsDir() {
			raw, _ := os.ReadFile(p)
			noLeak(t, p, string(raw), secrets[:1])
		}
		n++
		return nil
	})
	if n < 4 {
		t.Errorf("only %d entries beside the database", n)
	}
	for _, p := range []string{db, db + ".key", db + ".sources"} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}

	// Another key: the server starts; the source says why it cannot run.
	other := secret.GenerateKey()
	base, cmd, _ = serveWithLog(t, []string{"TALLY_SECRET_KEY=" + other}, "--db", db)
	status := waitRun(t, base, "sas")
	stop(t, cmd)
	if !strings.Contains(status, `"connectionStatus": "Invalid Configuration"`) || !strings.Contains(status, "source sas: its stored credentials cannot be decrypted") ||
		!strings.Contains(status, "sealed with another secret key") || strings.Contains(status, "enc:v1") {
		t.Errorf("status with another key: %s", status)
	}
	// A key that is not one stops the start, without echoing it.
	bad := exec.Command(bin, "serve", "--db", db, "--addr", "127.0.0.1:0", "--no-auth")
	bad.Env = append(os.Environ(), "TALLY_SECRET_KEY=not-a-key-at-all")
	out, err := bad.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "TALLY_SECRET_KEY") ||
		strings.Contains(string(out), "not-a-key-at-all") {
		t.Errorf("a bad key: %v\n%s", err, out)
	}
}

func noLeak(t *testing.T, what, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds %q:\n%s", what, s, text)
		}
	}
}
