package source

import (
	"os"
	"testing"

	"github.com/tally-cost/tally/internal/source/emulators"
)

// The S3, Azure and GCS tests run against real emulators (VersityGW,
// Azurite, fake-gcs-server); see package emulators. TestMain starts its
// own set when the endpoints are not in the environment.
func TestMain(m *testing.M) {
	stop := emulators.Start()
	code := m.Run()
	stop()
	os.Exit(code)
}

// emulator returns the endpoint in the environment variable name, or
// skips the test (fails it when TALLY_REQUIRE_EMULATORS=1).
func emulator(t *testing.T, name string) string {
	t.Helper()
	return emulators.Endpoint(t, name)
}
