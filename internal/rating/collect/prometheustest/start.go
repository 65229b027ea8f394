package prometheustest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tally-cost/tally/internal/testfiles"
	"github.com/tally-cost/tally/internal/testservice"
)

// Var names the environment variable holding the server's URL.
const Var = "TALLY_TEST_PROMETHEUS_URL"

// Start runs scripts/prometheus.sh start with a private run directory,
// unless Var is already set, and returns the matching stop; call it from
// TestMain. The script's watchdog, keyed to this process, stops the
// servers even if the test binary is killed. When Prometheus is not
// installed it says so and returns; URL then skips or fails.
func Start() (stop func()) {
	nothing := func() {}
	if os.Getenv(Var) != "" {
		return nothing
	}
	// The commands the script will run: PROMETHEUS and PROMTOOL when set,
	// as the script reads them.
	for _, c := range []string{cmdOr("PROMETHEUS", "prometheus"), cmdOr("PROMTOOL", "promtool")} {
		if _, err := exec.LookPath(c); err != nil {
			fmt.Fprintf(os.Stderr, "prometheustest: %s not found (scripts/prometheus.sh install installs Debian's package)\n", c)
			return nothing
		}
	}
	repo, err := testfiles.ModuleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "prometheustest: %v\n", err)
		return nothing
	}
	// A failed start under CI is reported by URL as a failure; Var
	// stays unset.
	return testservice.Start("prometheustest", filepath.Join(repo, "scripts", "prometheus.sh"), "TALLY_PROMETHEUS")
}

func cmdOr(env, def string) string {
	if v := os.Getenv(env); v != "" {
		return v
	}
	return def
}

// URL returns the test server's URL. Without one it skips the test,
// with a message saying how to get one, except under CI (CI set, as CI
// systems and .ci/run do), where a missing Prometheus is a failure.
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(Var); u != "" {
		return u
	}
	msg := "no Prometheus to test against: " + Var + " is unset and TestMain could not start one " +
		"(scripts/prometheus.sh install installs Debian's prometheus package; see the output above)"
	if ci := os.Getenv("CI"); ci != "" && ci != "0" && ci != "false" {
		t.Fatal(msg + "; under CI this is a failure")
	}
	t.Skip(msg)
	return ""
}
