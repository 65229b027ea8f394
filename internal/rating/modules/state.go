// Package modules holds the CloudKitty rating modules' state: which
// modules are enabled and in what priority (hashmap, noop and pyscripts,
// the last being Tally's sandboxed CEL scripts under the upstream name
// so that clients work), the scripts of the pyscripts module, the
// deprecated collector mappings and states, and the Chain that runs the
// enabled modules over points, shared by the quote endpoint and the
// processor. Everything is persisted in the state store and kept in
// memory behind one mutex, like hashmap.Book.
//
// Errors carry upstream's visible text and wrap errkind sentinels, so the
// API echoes them verbatim with the right status.
package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/script"
	"github.com/tally-cost/tally/internal/store"
)

// The state store documents. Each part is one document so that every
// operation is a single PutDocument (all or nothing) and the parts do
// not rewrite each other.
const (
	docKind          = "rating.modules"
	docStates        = "states"
	docScripts       = "scripts"
	docCollectorMaps = "collector-mappings"
	docCollectorOn   = "collector-states"
	docVersion       = 1
)

// State is the modules' state of one server. It is safe for concurrent
// use: a mutex serialises each read-modify-write, and the in-memory copy
// changes only after the store accepted the new document.
type State struct {
	docs store.DocStore
	book *hashmap.Book
	log  *slog.Logger

	mu       sync.Mutex
	states   map[string]moduleState
	scripts  []Script
	compiled map[string]compiled // by script id
	mappings []CollectorMapping
	enabled  map[string]bool // collector name → enabled
}

// compiled is a stored script ready to run, or why it is not: a script
// that compiled when it was stored may not compile in a later build, and
// rating must then fail loudly rather than skip it.
type compiled struct {
	prg *script.Script
	err error
}

// Open reads the state from docs. book is the hashmap rule book the
// hashmap module rates with.
func Open(ctx context.Context, docs store.DocStore, book *hashmap.Book, log *slog.Logger) (*State, error) {
	if log == nil {
		log = slog.Default()
	}
	all, err := docs.Documents(ctx, docKind)
	if err != nil {
		return nil, fmt.Errorf("loading rating module state: %w", err)
	}
	s := &State{docs: docs, book: book, log: log,
		states: map[string]moduleState{}, compiled: map[string]compiled{}, enabled: map[string]bool{}}
	for _, part := range []struct {
		name string
		into any
	}{
		{docStates, &s.states},
		{docScripts, &s.scripts},
		{docCollectorMaps, &s.mappings},
		{docCollectorOn, &s.enabled},
	} {
		if err := decode(all, part.name, part.into); err != nil {
			return nil, err
		}
	}
	if s.states == nil {
		s.states = map[string]moduleState{}
	}
	if s.enabled == nil {
		s.enabled = map[string]bool{}
	}
	for _, sc := range s.scripts {
		s.compile(sc)
	}
	return s, nil
}

// document is the stored shape of every part; Version lets a later
// layout migrate.
type document struct {
	Version int             `json:"version"`
	Body    json.RawMessage `json:"body"`
}

func decode(all map[string][]byte, name string, into any) error {
	raw, ok := all[name]
	if !ok {
		return nil
	}
	var d document
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("loading rating module state: document %s/%s: %w", docKind, name, err)
	}
	if d.Version != docVersion {
		return fmt.Errorf("loading rating module state: document %s/%s has version %d, this build reads %d", docKind, name, d.Version, docVersion)
	}
	if err := json.Unmarshal(d.Body, into); err != nil {
		return fmt.Errorf("loading rating module state: document %s/%s: %w", docKind, name, err)
	}
	return nil
}

// save stores one part. The caller holds the lock and commits the change
// in memory only when save succeeds.
func (s *State) save(ctx context.Context, name string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("saving rating module state %s: %w", name, err)
	}
	doc, err := json.Marshal(document{Version: docVersion, Body: body})
	if err != nil {
		return fmt.Errorf("saving rating module state %s: %w", name, err)
	}
	if err := s.docs.PutDocument(ctx, docKind, name, doc); err != nil {
		return fmt.Errorf("saving rating module state %s: %w", name, err)
	}
	return nil
}

// visibleErr carries upstream's visible text and the kind the API maps
// to a status code.
type visibleErr struct {
	msg  string
	kind error
}

func (e *visibleErr) Error() string { return e.msg }
func (e *visibleErr) Unwrap() error { return e.kind }

func notFoundf(format string, a ...any) error {
	return &visibleErr{msg: fmt.Sprintf(format, a...), kind: store.ErrNotFound}
}

func conflictf(format string, a ...any) error {
	return &visibleErr{msg: fmt.Sprintf(format, a...), kind: store.ErrConflict}
}

func invalidf(format string, a ...any) error {
	return &visibleErr{msg: fmt.Sprintf(format, a...), kind: cost.ErrInvalid}
}
