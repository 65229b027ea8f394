package cloudkitty

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/golden"
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

// randomNameRE matches the default name of a ≥23 rule (32 random
// letters and digits), which golden files show as <random-name>.
var randomNameRE = regexp.MustCompile(`"name": "[A-Za-z0-9]{32}"`)

// hmScript is s.script for the hashmap module: the same steps and
// {{id-N}} references, with rules' random default names masked.
func (s *testServer) hmScript(t *testing.T, name string, steps []step) []response {
	t.Helper()
	var reqs []string
	var rs []response
	var seen []string
	idx := map[string]bool{}
	for _, st := range steps {
		path, body := st.Path, st.Body
		for i := len(seen); i >= 1; i-- {
			ph := fmt.Sprintf("{{id-%d}}", i)
			path = strings.ReplaceAll(path, ph, seen[i-1])
			body = strings.ReplaceAll(body, ph, seen[i-1])
		}
		r := s.call(t, st.Method, path, body, st.Header...)
		req := st.Method + " " + st.Path
		if st.Body != "" {
			req += " " + st.Body
		}
		reqs, rs = append(reqs, req), append(rs, r)
		for _, id := range uuidRE.FindAllString(string(r.Body)+r.Location, -1) {
			if !idx[id] {
				idx[id] = true
				seen = append(seen, id)
			}
		}
	}
	text := randomNameRE.ReplaceAll(s.goldenText(reqs, rs), []byte(`"name": "<random-name>"`))
	golden.Assert(t, name, text)
	return rs
}
