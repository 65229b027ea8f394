package cloudkitty

import (
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/rating"
)

// hm is the hashmap module's path prefix in test requests.
const hm = "/v1/rating/module_config/hashmap/"

// newHashmapServer is a test server whose rule book runs on the tests'
// fixed clock, so that created_at and start defaults are stable.
func newHashmapServer(t *testing.T) *testServer {
	t.Helper()
	s := newTestServer(t, rating.Config{})
	s.rating.Book.SetClock(func() time.Time { return testNow })
	return s
}
