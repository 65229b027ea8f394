// Package emulators starts the storage emulators (VersityGW for S3,
// Azurite, fake-gcs-server) that scripts/emulators.sh installs, for the
// tests of every package that reads object storage. Tests call Start from
// TestMain and Endpoint in each test.
package emulators

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tally-cost/tally/internal/testfiles"
	"github.com/tally-cost/tally/internal/testservice"
)

// Vars are the environment variables that name the emulators' endpoints.
var Vars = []string{"TALLY_TEST_S3_ENDPOINT", "TALLY_TEST_AZURITE_ENDPOINT", "TALLY_TEST_GCS_ENDPOINT"}

// Azurite's well-known development account.
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Start runs scripts/emulators.sh start with a private run
// directory and returns the matching stop. The script's watchdog, keyed to
// this process, stops them even if the test binary is killed.
func Start() (stop func()) {
	nothing := func() {}
	missing := false
	for _, v := range Vars {
		if os.Getenv(v) == "" {
			missing = true
		}
	}
	if !missing || os.Getenv("TALLY_EMULATORS_AUTOSTART") == "0" {
		return nothing
	}
	repo, err := testfiles.ModuleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "emulators: %v\n", err)
		return nothing
	}
	script := filepath.Join(repo, "scripts", "emulators.sh")
	installDir := os.Getenv("TALLY_EMULATORS_DIR")
	if installDir == "" {
		installDir = filepath.Join(repo, ".cache", "emulators")
	}
	for _, p := range []string{script, filepath.Join(installDir, "bin", "fake-gcs-server"),
		filepath.Join(installDir, "node_modules", ".bin", "azurite-blob"),
		filepath.Join(installDir, "bin", "versitygw")} {
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(os.Stderr, "emulators: emulators not installed (%s missing; run scripts/emulators.sh install)\n", p)
			return nothing
		}
	}
	return testservice.Start("emulators", script, "TALLY_EMULATORS", "TALLY_EMULATORS_DIR="+installDir)
}

// Endpoint returns the endpoint in the environment variable name, or
// skips the test (fails it when TALLY_REQUIRE_EMULATORS=1).
func Endpoint(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("TALLY_REQUIRE_EMULATORS") == "1" {
			t.Fatalf("%s is not set and TALLY_REQUIRE_EMULATORS=1: run scripts/emulators.sh install (TestMain starts them) or start", name)
		}
		t.Skipf("%s not set: run scripts/emulators.sh install to test against the emulator", name)
	}
	return v
}
