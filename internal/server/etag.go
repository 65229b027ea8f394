package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/tenant"
)

// Conditional requests (issue 23): a GET or HEAD answered 2xx carries an
// entity tag computed from the data generation, who asks and what, and a
// request whose If-None-Match holds that tag is answered 304 without
// running the handler, so a dashboard's repeated question costs no query.
//
// The tag is computed before the handler runs, from what determines the
// answer:
//   - the data generation (engine.Stamp.All), which grows after every
//     change of costs, documents or tenants. A response kept in the
//     engine's settled tier (respcache.go) stays current while only
//     unsettled snapshots change (an import loading): it keeps the tag
//     of the generation it was rendered at, and a request carrying that
//     tag is answered 304 as long as the cache holds it;
//   - the principal's identity (key, role, organization, customer): two
//     keys never share a tag, so a scoped key cannot be told that its
//     copy of another key's answer is current;
//   - the path, the query with its parameters sorted by name (each
//     name's values keep their order, which can matter), and what else
//     of the request shapes the answer (requestShape: the Accept
//     headers, and the host and scheme that absolute links are built
//     from);
//   - the minute of the server's clock, because relative windows ("30d",
//     "today", a budget's current month) move with it: a tag lives at
//     most a minute, which still serves a dashboard's bursts.
//
// HEAD shares GET's tag: it is GET's answer without its body (RFC 9110
// 9.3.2), and a client may validate with either.

// stampFunc reads the data generation (engine.Engine.Stamp).
type stampFunc func(ctx context.Context) (engine.Stamp, error)

// conditionals is the conditional-request layer, one for every dialect:
// wrote is called when a write request of any dialect has ended
// (engine.Engine.Changed), which moves the generation.
// memo keeps rendered responses (respcache.go); nil: none.
type conditionals struct {
	stamp   stampFunc
	wrote   func()
	clock   func() time.Time
	log     *slog.Logger
	memo    memoFunc
	maxMemo int64
}

func newConditionals(stamp stampFunc, wrote func(), clock func() time.Time, log *slog.Logger) *conditionals {
	if clock == nil {
		clock = time.Now
	}
	return &conditionals{stamp: stamp, wrote: wrote, clock: clock, log: log}
}

// wrap serves an authenticated dialect's handler conditionally.
func (c *conditionals) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// A write through the API changes the store, which bumps the
			// generation, and then the memory of the domain package that
			// made it (a perspective book, the registry, the tenants): a
			// GET in between would tag the old answer with the new
			// generation. Counting the write when it has ended retires
			// every tag made while it ran, and every answer the engine
			// cached while it ran.
			defer c.wrote()
			next.ServeHTTP(w, r)
			return
		}
		if !tagged(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		p, ok := tenant.FromContext(r.Context())
		if !ok { // a public path: nothing to scope the tag by
			next.ServeHTTP(w, r)
			return
		}
		st, err := c.stamp(r.Context())
		if err != nil {
			// Serve without a tag: a client then simply gets the answer.
			c.log.Warn("conditional request: no entity tag", "err", err)
			next.ServeHTTP(w, r)
			return
		}
		shape := answerShape(p, r, c.clock())
		tag := entityTag(shape, st.All)
		inm := r.Header.Get("If-None-Match")
		switch {
		case strings.TrimSpace(inm) == "*":
			// "Any current representation": only the handler knows
			// whether there is one, so it runs (a rare header).
			rec := &bufferedWriter{header: http.Header{}}
			next.ServeHTTP(rec, r)
			rec.replay(w, tag)
		case inm != "" && matchesAny(inm, tag):
			notModified(w, tag)
		case c.memo != nil && r.Method == http.MethodGet:
			c.servedFromMemo(w, r, st, shape, tag, inm, next)
		default:
			next.ServeHTTP(&taggingWriter{ResponseWriter: w, tag: tag}, r)
		}
	})
}

// untaggedSuffixes and untaggedPrefixes are the GET endpoints whose
// answer is not a function of the stores: Kubecost's and CloudKitty's
// GET actions (a rebuild, a repair, a reload must run each time they are
// asked), and the progress of pipeline runs, imports and rating, which
// lives in memory while it changes.
var (
	untaggedSuffixes = []string{"/rebuild", "/repair", "/run", "/status", "/reload_modules", "/generate_external_id"}
	untaggedPrefixes = []string{"/model/etl/", "/api/v1/sources", "/api/v1/imports", "/cloudkitty/v1/collector/",
		"/cloudkitty/v2/task/", "/cloudkitty/v2/scope"}
)

// tagged reports whether GET path may be answered 304.
func tagged(path string) bool {
	p := strings.TrimSuffix(path, "/")
	for _, s := range untaggedSuffixes {
		if strings.HasSuffix(p, s) {
			return false
		}
	}
	for _, s := range untaggedPrefixes {
		if strings.HasPrefix(path, s) {
			return false
		}
	}
	return true
}

// entityTag hashes a request's shape (answerShape) and the generation
// its answer was rendered at into a strong tag.
func entityTag(shape string, gen uint64) string {
	h := sha256.New()
	h.Write([]byte("tally-etag-2\x00" + strconv.FormatUint(gen, 10) + "\x00" + shape))
	sum := h.Sum(nil)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// answerShape hashes what besides the data determines the answer (see
// above): the tags of a request and the key its rendered response is
// kept under (respcache.go) are made from it.
func answerShape(p *tenant.Principal, r *http.Request, now time.Time) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field("tally-shape-1")
	field(strconv.FormatInt(p.KeyID, 10) + "/" + string(p.Role) + "/" + strconv.FormatInt(p.OrgID, 10) + "/" +
		strconv.FormatInt(p.CustomerID, 10) + "/" + strconv.FormatBool(p.NoAuth))
	field(r.URL.Path)
	field(normalQuery(r.URL.RawQuery))
	for _, v := range requestShape(r) {
		field(v)
	}
	field(now.UTC().Truncate(time.Minute).Format(time.RFC3339))
	return string(h.Sum(nil))
}

// shapingHeaders are the request headers some dialect's answer reads
// besides the key: the representation asked for, and the address the
// client used, which absolute links in answers (paging, Location, the
// CloudKitty root) are built from.
var shapingHeaders = []string{"Accept", "Accept-Encoding", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Tally-Mount-Prefix"}

// requestShape is what of r besides the principal, the path and the
// query shapes its answer: the host, whether it came over TLS, and the
// shaping headers. The entity tag reads it, and through the tag the
// response cache (respcache.go).
func requestShape(r *http.Request) []string {
	out := make([]string, 0, len(shapingHeaders)+2)
	out = append(out, r.Host, strconv.FormatBool(r.TLS != nil))
	for _, h := range shapingHeaders {
		out = append(out, strings.Join(r.Header.Values(h), "\n"))
	}
	return out
}

// normalQuery sorts the parameters by name; a query that does not parse
// is kept as it is (the handler answers it, usually with a 400, which
// gets no tag).
func normalQuery(raw string) string {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "raw:" + raw
	}
	return q.Encode()
}

// matchesAny reports whether the If-None-Match list holds tag, by weak
// comparison (RFC 9110 13.1.2: W/"x" matches "x").
func matchesAny(header, tag string) bool {
	for _, t := range splitTags(header) {
		if strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}

// splitTags splits a list of entity tags at the commas between them (a
// tag's opaque part may hold a comma).
func splitTags(header string) []string {
	var out []string
	for s := strings.TrimSpace(header); s != ""; s = strings.TrimLeft(s, " \t,") {
		start := 0
		if strings.HasPrefix(s, "W/") {
			start = 2
		}
		if len(s) <= start || s[start] != '"' {
			// Not a tag: skip to the next comma.
			i := strings.IndexByte(s, ',')
			if i < 0 {
				break
			}
			s = s[i:]
			continue
		}
		end := strings.IndexByte(s[start+1:], '"')
		if end < 0 {
			break
		}
		end += start + 2
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

// notModified answers 304 with the headers a 200 would have carried for
// caching, and no body.
func notModified(w http.ResponseWriter, tag string) {
	setTag(w.Header(), tag)
	w.WriteHeader(http.StatusNotModified)
}

func setTag(h http.Header, tag string) {
	h.Set("ETag", tag)
	// private: the answer is one principal's; no-cache: use it only
	// after revalidating, which costs a 304.
	h.Set("Cache-Control", "private, no-cache")
}

// taggingWriter adds the tag to a 2xx answer, and to no other: an error
// is never cached.
type taggingWriter struct {
	http.ResponseWriter
	tag         string
	wroteHeader bool
}

func (t *taggingWriter) WriteHeader(code int) {
	if !t.wroteHeader {
		t.wroteHeader = true
		if code >= 200 && code < 300 {
			setTag(t.ResponseWriter.Header(), t.tag)
		}
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *taggingWriter) Write(b []byte) (int, error) {
	if !t.wroteHeader {
		t.WriteHeader(http.StatusOK)
	}
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushing a
// streamed answer, deadlines).
func (t *taggingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// bufferedWriter keeps an answer to If-None-Match: * until it is known
// whether it is a 2xx (then a 304 replaces it) or not (then it is sent).
type bufferedWriter struct {
	header http.Header
	code   int
	body   []byte
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	b.body = append(b.body, p...)
	return len(p), nil
}

func (b *bufferedWriter) replay(w http.ResponseWriter, tag string) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	if b.code >= 200 && b.code < 300 {
		notModified(w, tag)
		return
	}
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.code)
	w.Write(b.body)
}
