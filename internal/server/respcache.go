package server

import (
	"context"
	"net/http"

	"github.com/tally-cost/tally/internal/engine"
)

// Rendered responses in the engine's cache (issue 23). The engine keeps
// the rows of repeated questions, but a dialect still renders them on
// every request, and rendering is most of what a cached question costs:
// Kubecost's 30 days by service is 350 kB of JSON, 7 ms of CPU. So the
// conditional layer, which already knows everything an answer depends
// on, files each dialect's 2xx GET response with the engine
// (Engine.Memo) under the request's shape, the digest its entity tag is
// made from (answerShape: the key, the path, the sorted query, what of
// the request shapes the answer and the minute of the clock), and the
// engine adds the generation and the caller's scope. A repeated request
// is answered with the bytes the handler wrote, headers and all,
// without running it.

// memoFunc is engine.Engine.Memo.
type memoFunc func(ctx context.Context, at engine.Stamp, question any, compute func(ctx context.Context) (any, int64, bool)) (engine.Memoized, error)

// responseQuestion is what a response is filed under, besides what the
// engine adds (the generation and the caller's scope): the request's
// shape (answerShape), which holds the key's id because a few answers
// show the key itself (/api/v1/me), which its scope does not determine.
// One digest for both keeps the cache and the tags from ever disagreeing
// on which requests share an answer.
type responseQuestion struct{ Shape string }

// storedResponse is a kept 2xx response; it is shared by every request
// that replays it, and never changed.
type storedResponse struct {
	status int
	header http.Header
	body   []byte
}

// servedFromMemo answers r from the engine's cache when it holds r's
// response (of shape, answerShape) at generation st, and otherwise runs
// next, keeping its 2xx response; tag is the request's tag at st. A kept response carries the tag of
// the generation it was rendered at; while it is current (its tier has
// not moved) a request whose If-None-Match (inm) holds that tag is
// answered 304, so that a dashboard revalidating while an import loads
// is not sent its answers again.
func (c *conditionals) servedFromMemo(w http.ResponseWriter, r *http.Request, st engine.Stamp, shape, tag, inm string, next http.Handler) {
	m, err := c.memo(r.Context(), st, responseQuestion{Shape: shape}, func(ctx context.Context) (any, int64, bool) {
		tw := &teeWriter{ResponseWriter: &taggingWriter{ResponseWriter: w, tag: tag}, max: c.maxMemo}
		next.ServeHTTP(tw, r.WithContext(ctx))
		return tw.kept()
	})
	if err != nil { // the client went away while another request rendered
		return
	}
	if !m.FromCache {
		return // the handler answered
	}
	if m.At.All != st.All { // kept in the settled tier before the last change
		tag = entityTag(shape, m.At.All)
	}
	if inm != "" && matchesAny(inm, tag) {
		notModified(w, tag)
		return
	}
	sr := m.Value.(*storedResponse)
	h := w.Header()
	for k, vs := range sr.header {
		h[k] = append([]string(nil), vs...)
	}
	setTag(h, tag)
	w.WriteHeader(sr.status)
	_, _ = w.Write(sr.body)
}

// teeWriter sends a response to the client as the handler writes it and
// keeps a copy of a 2xx one, up to max bytes: a response larger than
// that (a line-item listing) is streamed as before and not kept.
type teeWriter struct {
	http.ResponseWriter
	max         int64
	status      int
	header      http.Header
	body        []byte
	over        bool
	wroteHeader bool
}

func (t *teeWriter) WriteHeader(code int) {
	if !t.wroteHeader {
		t.wroteHeader = true
		t.status = code
		t.header = t.ResponseWriter.Header().Clone()
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if !t.wroteHeader {
		t.WriteHeader(http.StatusOK)
	}
	if !t.over {
		if int64(len(t.body)+len(b)) > t.max {
			t.over, t.body = true, nil
		} else {
			t.body = append(t.body, b...)
		}
	}
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// kept returns the response to keep, its size, and whether to keep it:
// a complete 2xx response within the bound.
func (t *teeWriter) kept() (any, int64, bool) {
	if !t.wroteHeader {
		t.status, t.header = http.StatusOK, t.ResponseWriter.Header().Clone() // a handler that wrote nothing
	}
	if t.over || t.status < 200 || t.status >= 300 {
		return nil, 0, false
	}
	size := int64(len(t.body)) + 256
	for k, vs := range t.header {
		size += int64(len(k))
		for _, v := range vs {
			size += int64(len(v)) + 16
		}
	}
	return &storedResponse{status: t.status, header: t.header, body: t.body}, size, true
}
