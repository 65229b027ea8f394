package hashmap

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tally-cost/tally/internal/statedoc"
	"github.com/tally-cost/tally/internal/store"
)

// The state store document that holds every hashmap rule. All rules live
// in one document so that each operation, cascades included, is a single
// PutDocument: one row replaced in one transaction. A crash therefore
// leaves either the old rule set or the new one, never a field whose
// service is gone. Rule sets are small (hundreds to a few thousand
// objects), so rewriting the document per change costs little.
const docVersion = 1

// theDoc is where the rules are kept.
var theDoc = statedoc.Doc{Kind: "rating.hashmap", Name: "rules", Version: docVersion, What: "hashmap rules"}

// document is the stored shape. Version lets a later layout migrate.
type document struct {
	Version int   `json:"version"`
	Rules   Rules `json:"rules"`
}

// Book is the hashmap rules' domain service: the create, get, list,
// update and delete operations the v1 hashmap API calls, with upstream's
// semantics and messages, persisted in the state store.
//
// Errors wrap store.ErrNotFound (404), store.ErrConflict (409) or
// cost.ErrInvalid (400); their Error() is upstream's text, so the API can
// echo it verbatim.
//
// A Book is safe for concurrent use: a mutex serialises each
// read-modify-write, and the in-memory copy is replaced only after the
// store accepted the new document.
type Book struct {
	docs store.DocStore
	now  func() time.Time

	mu    sync.Mutex
	rules Rules
}

// OpenBook loads the rules from docs (none yet is an empty book). now is
// the clock used for ≥23 dates (start defaults, "already running"
// checks); pass time.Now in production and a fixed clock in tests.
func OpenBook(ctx context.Context, docs store.DocStore, now func() time.Time) (*Book, error) {
	b := &Book{docs: docs, now: now}
	var d document
	if _, err := theDoc.Load(ctx, docs, &d); err != nil {
		return nil, err
	}
	b.rules = d.Rules
	return b, nil
}

// SetClock replaces the clock given to OpenBook. The rating service opens
// its Book on time.Now; tests of the layers above (the API's golden
// transcripts) fix it so that dates and audit times are stable.
func (b *Book) SetClock(now func() time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = now
}

// Now is the book's clock, which the other dated rules (the pyscripts
// module's scripts) share so that one SetClock fixes every date.
func (b *Book) Now() time.Time { return b.clock() }

// clock reads the clock under the lock (SetClock may race with a write).
func (b *Book) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now()
}

// Rules returns the snapshot the loader takes: every rule except
// soft-deleted mappings, which never apply again. The slices are copies.
func (b *Book) Rules() Rules {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.rules.clone()
	r.Mappings = slices.DeleteFunc(r.Mappings, Mapping.IsDeleted)
	return r
}

func (r Rules) clone() Rules {
	return Rules{
		Services:   slices.Clone(r.Services),
		Fields:     slices.Clone(r.Fields),
		Groups:     slices.Clone(r.Groups),
		Mappings:   slices.Clone(r.Mappings),
		Thresholds: slices.Clone(r.Thresholds),
	}
}

// update runs change on a copy of the rules and, when it succeeds, stores
// the copy and makes it current. The caller holds no lock.
func (b *Book) update(ctx context.Context, change func(r *Rules) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	next := b.rules.clone()
	if err := change(&next); err != nil {
		return err
	}
	if err := theDoc.Save(ctx, b.docs, document{Version: docVersion, Rules: next}); err != nil {
		return err
	}
	b.rules = next
	return nil
}

// read runs fn under the lock on the current rules.
func (b *Book) read(fn func(r *Rules)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fn(&b.rules)
}

func newID() string { return uuid.NewString() }

// ruleErr carries upstream's visible text and the kind the API maps to a
// status code.
type ruleErr struct {
	msg  string
	kind error
}

func (e *ruleErr) Error() string { return e.msg }
func (e *ruleErr) Unwrap() error { return e.kind }

func notFoundf(format string, a ...any) error {
	return &ruleErr{msg: fmt.Sprintf(format, a...), kind: store.ErrNotFound}
}

func conflictf(format string, a ...any) error {
	return &ruleErr{msg: fmt.Sprintf(format, a...), kind: store.ErrConflict}
}

// Upstream's 404 texts. Services and groups say "None" where upstream
// would print a name it does not have.
func noService(id string) error { return notFoundf("No such service: None (UUID: %s)", id) }
func noField(id string) error   { return notFoundf("No such field: %s", id) }
func noGroup(id string) error   { return notFoundf("No such group: None (UUID: %s)", id) }

// badRef turns a 404 about a referenced object into the 400 upstream
// answers when a request names a parent or group that does not exist.
func badRef(err error) error { return invalidf("%s", err.Error()) }

func findIndex[T any](s []T, match func(T) bool) (int, bool) {
	i := slices.IndexFunc(s, match)
	return i, i >= 0
}

// --- services ---

// CreateService adds a service; names are unique.
func (b *Book) CreateService(ctx context.Context, name string) (Service, error) {
	if name == "" {
		return Service{}, invalidf("Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")
	}
	s := Service{ID: newID(), Name: name}
	err := b.update(ctx, func(r *Rules) error {
		if i, ok := findIndex(r.Services, func(x Service) bool { return x.Name == name }); ok {
			return conflictf("Service %s already exists (UUID: %s)", name, r.Services[i].ID)
		}
		r.Services = append(r.Services, s)
		return nil
	})
	return s, err
}

// Service returns one service.
func (b *Book) Service(id string) (Service, error) {
	var s Service
	var err error
	b.read(func(r *Rules) { s, err = r.service(id) })
	return s, err
}

func (r *Rules) service(id string) (Service, error) {
	if i, ok := findIndex(r.Services, func(x Service) bool { return x.ID == id }); ok {
		return r.Services[i], nil
	}
	return Service{}, noService(id)
}

// Services lists the services in creation order.
func (b *Book) Services() []Service {
	var out []Service
	b.read(func(r *Rules) { out = slices.Clone(r.Services) })
	return out
}

// DeleteService removes a service with its fields and every mapping and
// threshold attached to it or to its fields (hard delete, as upstream's
// cascade), in one write.
func (b *Book) DeleteService(ctx context.Context, id string) error {
	return b.update(ctx, func(r *Rules) error {
		if _, err := r.service(id); err != nil {
			return err
		}
		fields := map[string]bool{}
		for _, f := range r.Fields {
			if f.ServiceID == id {
				fields[f.ID] = true
			}
		}
		r.Services = slices.DeleteFunc(r.Services, func(x Service) bool { return x.ID == id })
		r.Fields = slices.DeleteFunc(r.Fields, func(x Field) bool { return x.ServiceID == id })
		r.Mappings = slices.DeleteFunc(r.Mappings, func(x Mapping) bool { return x.ServiceID == id || fields[x.FieldID] })
		r.Thresholds = slices.DeleteFunc(r.Thresholds, func(x Threshold) bool { return x.ServiceID == id || fields[x.FieldID] })
		return nil
	})
}

// --- fields ---

// CreateField adds a field to a service; names are unique per service.
// An unknown service is a 400.
func (b *Book) CreateField(ctx context.Context, serviceID, name string) (Field, error) {
	if name == "" {
		return Field{}, invalidf("Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")
	}
	f := Field{ID: newID(), Name: name, ServiceID: serviceID}
	err := b.update(ctx, func(r *Rules) error {
		if _, err := r.service(serviceID); err != nil {
			return badRef(err)
		}
		if i, ok := findIndex(r.Fields, func(x Field) bool { return x.ServiceID == serviceID && x.Name == name }); ok {
			return conflictf("Field %s already exists (UUID: %s)", name, r.Fields[i].ID)
		}
		r.Fields = append(r.Fields, f)
		return nil
	})
	return f, err
}

// Field returns one field.
func (b *Book) Field(id string) (Field, error) {
	var f Field
	var err error
	b.read(func(r *Rules) { f, err = r.field(id) })
	return f, err
}

func (r *Rules) field(id string) (Field, error) {
	if i, ok := findIndex(r.Fields, func(x Field) bool { return x.ID == id }); ok {
		return r.Fields[i], nil
	}
	return Field{}, noField(id)
}

// Fields lists a service's fields; an unknown service has none (upstream
// answers an empty list, not a 404).
func (b *Book) Fields(serviceID string) []Field {
	out := []Field{}
	b.read(func(r *Rules) {
		for _, f := range r.Fields {
			if f.ServiceID == serviceID {
				out = append(out, f)
			}
		}
	})
	return out
}

// DeleteField removes a field with its mappings and thresholds.
func (b *Book) DeleteField(ctx context.Context, id string) error {
	return b.update(ctx, func(r *Rules) error {
		if _, err := r.field(id); err != nil {
			return err
		}
		r.Fields = slices.DeleteFunc(r.Fields, func(x Field) bool { return x.ID == id })
		r.Mappings = slices.DeleteFunc(r.Mappings, func(x Mapping) bool { return x.FieldID == id })
		r.Thresholds = slices.DeleteFunc(r.Thresholds, func(x Threshold) bool { return x.FieldID == id })
		return nil
	})
}

// --- groups ---

// CreateGroup adds a group; names are unique.
func (b *Book) CreateGroup(ctx context.Context, name string) (Group, error) {
	if name == "" {
		return Group{}, invalidf("Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")
	}
	g := Group{ID: newID(), Name: name}
	err := b.update(ctx, func(r *Rules) error {
		if i, ok := findIndex(r.Groups, func(x Group) bool { return x.Name == name }); ok {
			return conflictf("Group %s already exists (UUID: %s)", name, r.Groups[i].ID)
		}
		r.Groups = append(r.Groups, g)
		return nil
	})
	return g, err
}

// Group returns one group.
func (b *Book) Group(id string) (Group, error) {
	var g Group
	var err error
	b.read(func(r *Rules) { g, err = r.group(id) })
	return g, err
}

func (r *Rules) group(id string) (Group, error) {
	if i, ok := findIndex(r.Groups, func(x Group) bool { return x.ID == id }); ok {
		return r.Groups[i], nil
	}
	return Group{}, noGroup(id)
}

// Groups lists the groups in creation order.
func (b *Book) Groups() []Group {
	var out []Group
	b.read(func(r *Rules) { out = slices.Clone(r.Groups) })
	return out
}

// DeleteGroup removes a group. Recursive deletes its mappings (soft-deleted
// ones included) and thresholds; otherwise they stay, ungrouped.
func (b *Book) DeleteGroup(ctx context.Context, id string, recursive bool) error {
	return b.update(ctx, func(r *Rules) error {
		if _, err := r.group(id); err != nil {
			return err
		}
		r.Groups = slices.DeleteFunc(r.Groups, func(x Group) bool { return x.ID == id })
		if recursive {
			r.Mappings = slices.DeleteFunc(r.Mappings, func(x Mapping) bool { return x.GroupID == id })
			r.Thresholds = slices.DeleteFunc(r.Thresholds, func(x Threshold) bool { return x.GroupID == id })
			return nil
		}
		for i := range r.Mappings {
			if r.Mappings[i].GroupID == id {
				r.Mappings[i].GroupID = ""
			}
		}
		for i := range r.Thresholds {
			if r.Thresholds[i].GroupID == id {
				r.Thresholds[i].GroupID = ""
			}
		}
		return nil
	})
}
