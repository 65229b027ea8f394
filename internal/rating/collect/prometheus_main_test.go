package collect

import (
	"os"
	"testing"

	"github.com/tally-cost/tally/internal/rating/collect/prometheustest"
)

// TestMain starts a real Prometheus for the integration tests (see
// package prometheustest) unless one is named in the environment.
func TestMain(m *testing.M) {
	stop := prometheustest.Start()
	code := m.Run()
	stop()
	os.Exit(code)
}
