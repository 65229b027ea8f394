// Package scopes keeps the processing state of CloudKitty scopes (one
// state store document per scope, kind rating.scope) and the
// reprocessing tasks (kind rating.reprocess, reprocess.go), with
// upstream's validation and messages (../shared/specs/cloudkitty.md
// §9.1, §9.5). The processor reads and advances the states; the v2
// scope and task APIs change them. A Store keeps everything in memory
// behind a mutex and writes a document before changing its copy, so the
// memory never holds what the state store refused.
package scopes

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/store"
)

// The state store kinds.
const (
	scopeKind = "rating.scope"
	taskKind  = "rating.reprocess"
)

// Scope is one scope's processing state (upstream's IdentifierState).
type Scope struct {
	ID        string `json:"scope_id"`
	Key       string `json:"scope_key"`
	Fetcher   string `json:"fetcher"`
	Collector string `json:"collector"`
	// LastProcessed is the beginning of the last processed period; nil
	// when the scope was never processed.
	LastProcessed *time.Time `json:"last_processed_timestamp,omitempty"`
	Active        bool       `json:"active"`
	// ToggleDate is when Active last changed (the creation time until
	// then, as upstream's column default).
	ToggleDate time.Time `json:"scope_activation_toggle_date"`
	// Seq is the creation order (upstream's row id): listings follow it.
	Seq int64 `json:"seq"`
}

// Defaults are the fetcher, collector and scope key a scope gets when
// whoever creates it names none (upstream's configuration options).
type Defaults struct {
	ScopeKey, Fetcher, Collector string
}

// Store holds the scopes and reprocessing tasks of one server.
type Store struct {
	docs store.DocStore
	now  func() time.Time
	def  Defaults

	mu     sync.Mutex
	scopes map[string]Scope
	locks  map[string]*sync.Mutex // per scope, see Lock
	tasks  []Task                 // in creation order
	seq    int64                  // the last Seq or task ID given
}

// Open loads the scopes and tasks from docs.
func Open(ctx context.Context, docs store.DocStore, now func() time.Time, def Defaults) (*Store, error) {
	s := &Store{docs: docs, now: now, def: def, scopes: map[string]Scope{}, locks: map[string]*sync.Mutex{}}
	all, err := docs.Documents(ctx, scopeKind)
	if err != nil {
		return nil, fmt.Errorf("loading scope states: %w", err)
	}
	for name, body := range all {
		var sc Scope
		if err := json.Unmarshal(body, &sc); err != nil {
			return nil, fmt.Errorf("loading scope states: document %s/%s: %w", scopeKind, name, err)
		}
		s.scopes[sc.ID] = sc
		s.seq = max(s.seq, sc.Seq)
	}
	tasks, err := docs.Documents(ctx, taskKind)
	if err != nil {
		return nil, fmt.Errorf("loading reprocessing tasks: %w", err)
	}
	for name, body := range tasks {
		var t Task
		if err := json.Unmarshal(body, &t); err != nil {
			return nil, fmt.Errorf("loading reprocessing tasks: document %s/%s: %w", taskKind, name, err)
		}
		s.tasks = append(s.tasks, t)
		s.seq = max(s.seq, t.ID)
	}
	sort.Slice(s.tasks, func(i, j int) bool { return s.tasks[i].ID < s.tasks[j].ID })
	return s, nil
}

// Error carries upstream's visible text and the kind the API maps to a
// status code (errkind.Invalid 400, errkind.NotFound 404).
type Error struct {
	Msg  string
	Kind *errkind.Kind
}

func (e *Error) Error() string { return e.Msg }

// Is makes errors.Is(err, errkind.X) see the kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

func invalidf(format string, a ...any) error {
	return &Error{Msg: fmt.Sprintf(format, a...), Kind: errkind.Invalid}
}

func notFoundf(format string, a ...any) error {
	return &Error{Msg: fmt.Sprintf(format, a...), Kind: errkind.NotFound}
}

// ErrNoMatch is upstream's answer when no scope matches a request.
var ErrNoMatch = &Error{Msg: "No resource found for provided filters.", Kind: errkind.NotFound}

// Filter selects scopes; an empty list matches every value.
type Filter struct {
	IDs, Keys, Fetchers, Collectors []string
	Active                          []bool
	// Visible, when set, must accept the scope id (the caller's tenancy).
	Visible func(scopeID string) bool
}

func (f Filter) match(sc Scope) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return in(f.IDs, sc.ID) && in(f.Keys, sc.Key) && in(f.Fetchers, sc.Fetcher) && in(f.Collectors, sc.Collector) &&
		(len(f.Active) == 0 || slices.Contains(f.Active, sc.Active)) &&
		(f.Visible == nil || f.Visible(sc.ID))
}

// List returns the scopes f selects, in creation order.
func (s *Store) List(f Filter) []Scope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list(f)
}

func (s *Store) list(f Filter) []Scope {
	var out []Scope
	for _, sc := range s.scopes {
		if f.match(sc) {
			out = append(out, sc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// Get returns one scope's state.
func (s *Store) Get(id string) (Scope, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.scopes[id]
	return sc, ok
}

// put stores sc and makes it current; the caller holds the lock.
func (s *Store) put(ctx context.Context, sc Scope) error {
	body, err := json.Marshal(sc)
	if err != nil {
		return fmt.Errorf("saving scope %s: %w", sc.ID, err)
	}
	if err := s.docs.PutDocument(ctx, scopeKind, sc.ID, body); err != nil {
		return fmt.Errorf("saving scope %s: %w", sc.ID, err)
	}
	s.scopes[sc.ID] = sc
	return nil
}

// newScope returns a new active scope with the defaults filled in.
func (s *Store) newScope(id, key, fetcher, collector string) Scope {
	s.seq++
	sc := Scope{ID: id, Key: key, Fetcher: fetcher, Collector: collector, Active: true, ToggleDate: s.now().UTC().Truncate(time.Second), Seq: s.seq}
	if sc.Key == "" {
		sc.Key = s.def.ScopeKey
	}
	if sc.Fetcher == "" {
		sc.Fetcher = s.def.Fetcher
	}
	if sc.Collector == "" {
		sc.Collector = s.def.Collector
	}
	return sc
}

// Create is POST /v2/scope: a new scope with its state set. An existing
// id is upstream's 404. active nil means true.
func (s *Store) Create(ctx context.Context, id, key, fetcher, collector string, active *bool, last time.Time) (Scope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.scopes[id]; ok {
		return Scope{}, notFoundf("Cannot create a scope with an already existing scope_id: %s.", id)
	}
	seq := s.seq
	sc := s.newScope(id, key, fetcher, collector)
	if active != nil {
		sc.Active = *active
	}
	l := last.UTC()
	sc.LastProcessed = &l
	if err := s.put(ctx, sc); err != nil {
		s.seq = seq
		return Scope{}, err
	}
	return sc, nil
}

// Patch is PATCH /v2/scope: change the scope's key, fetcher, collector
// (when not empty) and active flag (when not nil; a change moves the
// toggle date).
func (s *Store) Patch(ctx context.Context, id, key, fetcher, collector string, active *bool, visible func(string) bool) (Scope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.scopes[id]
	if !ok || (visible != nil && !visible(id)) {
		return Scope{}, ErrNoMatch
	}
	if key != "" {
		sc.Key = key
	}
	if fetcher != "" {
		sc.Fetcher = fetcher
	}
	if collector != "" {
		sc.Collector = collector
	}
	if active != nil && *active != sc.Active {
		sc.Active = *active
		sc.ToggleDate = s.now().UTC().Truncate(time.Second)
	}
	if err := s.put(ctx, sc); err != nil {
		return Scope{}, err
	}
	return sc, nil
}

// SetLastProcessed records that the period starting at t was processed
// for the scope, creating its state (with the defaults) when it has
// none: the processor calls it after a period's snapshot committed, and
// PUT /v2/scope after deleting the rated data from t on.
func (s *Store) SetLastProcessed(ctx context.Context, id string, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.scopes[id]
	seq := s.seq
	if !ok {
		sc = s.newScope(id, "", "", "")
	}
	t = t.UTC()
	sc.LastProcessed = &t
	if err := s.put(ctx, sc); err != nil {
		s.seq = seq
		return err
	}
	return nil
}

// Lock takes the scope's processing lock and returns its release. The
// processor holds it while it rates a batch and advances the state, the
// state reset (PUT /v2/scope) while it deletes and sets: otherwise a
// batch in flight could write periods the reset just deleted and move
// the state past it (upstream locks each scope the same way).
func (s *Store) Lock(id string) (unlock func()) {
	s.mu.Lock()
	l, ok := s.locks[id]
	if !ok {
		l = &sync.Mutex{}
		s.locks[id] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}
