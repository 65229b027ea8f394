package modules

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/rating/hashmap"
)

// memDocs is a DocStore in memory that counts writes and can be told to
// fail them, to check that a refused write leaves the state unchanged.
type memDocs struct {
	mu     sync.Mutex
	docs   map[string]map[string][]byte
	writes int
	fail   error
}

func newMemDocs() *memDocs { return &memDocs{docs: map[string]map[string][]byte{}} }

func (m *memDocs) Documents(_ context.Context, kind string) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.docs[kind]), nil
}

func (m *memDocs) PutDocument(_ context.Context, kind, name string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.writes++
	if m.docs[kind] == nil {
		m.docs[kind] = map[string][]byte{}
	}
	m.docs[kind][name] = append([]byte(nil), body...)
	return nil
}

func (m *memDocs) PutDocuments(ctx context.Context, kind string, docs map[string][]byte) error {
	for name, body := range docs {
		if err := m.PutDocument(ctx, kind, name, body); err != nil {
			return err
		}
	}
	return nil
}

func (m *memDocs) DeleteDocument(_ context.Context, kind, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.docs[kind], name)
	return nil
}

var errDisk = errors.New("disk full")

// rulesStart is before every processing time of these tests: rules are
// created with it (and Force) so that they are active.
var rulesStart = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

var testAt = time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return testAt }

// open opens a State (and its Book) over docs.
func open(t *testing.T, docs *memDocs) *State {
	t.Helper()
	ctx := context.Background()
	book, err := hashmap.OpenBook(ctx, docs, clock)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, docs, book, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ptr[T any](v T) *T { return &v }

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantErr checks err's visible text and its kind.
func wantErr(t *testing.T, err error, kind error, text string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %q", text)
	}
	if err.Error() != text {
		t.Fatalf("err = %q, want %q", err.Error(), text)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("err %q does not wrap %v", err, kind)
	}
}

// classic are the write options of a ≤22 client: no force, no user.
var classic = hashmap.WriteOptions{}
