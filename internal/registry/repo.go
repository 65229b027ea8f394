package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/tally-cost/tally/internal/store"
)

// Repo persists the entries.
type Repo interface {
	LoadEntries(ctx context.Context) ([]Entry, error)
	// SaveEntry inserts or replaces the entry of (e.Kind, e.Key).
	SaveEntry(ctx context.Context, e Entry) error
	// DeleteEntry removes an entry; a missing one is not an error.
	DeleteEntry(ctx context.Context, kind Kind, key string) error
}

// docKind is the document kind of an entry kind: one document per entry,
// named by its key.
func docKind(k Kind) string { return "registry." + string(k) }

// DocRepo keeps the entries as documents of d, the state store's
// documents (store.StateStore): the server always keeps them there.
func DocRepo(d store.DocStore) Repo { return docRepo{d} }

type docRepo struct{ d store.DocStore }

func (r docRepo) LoadEntries(ctx context.Context) ([]Entry, error) {
	var out []Entry
	for _, k := range Kinds {
		docs, err := r.d.Documents(ctx, docKind(k))
		if err != nil {
			return nil, err
		}
		for name, body := range docs {
			var e Entry
			if err := json.Unmarshal(body, &e); err != nil {
				return nil, fmt.Errorf("stored %s %s: %w", k, name, err)
			}
			// The document's name is the key; the body repeats it, and a
			// disagreement means the document was edited by hand.
			if e.Kind != k || e.Key != name {
				return nil, fmt.Errorf("stored %s %s: %w: the document holds %s %q", k, name, ErrInvalid, e.Kind, e.Key)
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func (r docRepo) SaveEntry(ctx context.Context, e Entry) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return r.d.PutDocument(ctx, docKind(e.Kind), e.Key, body)
}

func (r docRepo) DeleteEntry(ctx context.Context, kind Kind, key string) error {
	return r.d.DeleteDocument(ctx, docKind(kind), key)
}

// MemRepo is a Repo in memory, for tests.
type MemRepo struct {
	mu      sync.Mutex
	entries []Entry
	// FailNext, when set, makes the next write fail with it.
	FailNext error
}

// LoadEntries implements Repo.
func (m *MemRepo) LoadEntries(context.Context) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Entry, len(m.entries))
	for i, e := range m.entries {
		out[i] = e.clone()
	}
	return out, nil
}

// SaveEntry implements Repo.
func (m *MemRepo) SaveEntry(_ context.Context, e Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.takeFailure(); err != nil {
		return err
	}
	m.entries = slices.DeleteFunc(m.entries, func(x Entry) bool { return x.Kind == e.Kind && x.Key == e.Key })
	m.entries = append(m.entries, e.clone())
	slices.SortFunc(m.entries, func(a, b Entry) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return nil
}

// DeleteEntry implements Repo.
func (m *MemRepo) DeleteEntry(_ context.Context, kind Kind, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.takeFailure(); err != nil {
		return err
	}
	m.entries = slices.DeleteFunc(m.entries, func(x Entry) bool { return x.Kind == kind && x.Key == key })
	return nil
}

// takeFailure returns FailNext once; m.mu is held.
func (m *MemRepo) takeFailure() error {
	err := m.FailNext
	m.FailNext = nil
	return err
}
