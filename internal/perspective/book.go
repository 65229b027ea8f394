package perspective

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/statedoc"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

const docVersion = 1

// theDoc is the state store document holding every perspective: one
// document, so that each change is one PutDocument and a crash leaves the
// old or the new set. Perspectives number in the tens, each a few
// kilobytes.
var theDoc = statedoc.Doc{Kind: "cloudhealth.perspectives", Name: "perspectives", Version: docVersion, What: "perspectives"}

// The errors a Book returns besides ErrInvalid.
var (
	// ErrStaleVersion: check_version is not the current version (400).
	ErrStaleVersion = errkind.Invalid.New("stale perspective version")
	// ErrNameTaken: another perspective, even a hard-deleted one, has
	// the name (clients read 422 as "already exists").
	ErrNameTaken = errkind.Invalid.New("Perspective with this name already exists")
	// ErrInUse: a soft delete of a perspective something depends on.
	ErrInUse = errkind.Conflict.New("perspective in use")
)

// The states of a perspective.
const (
	stateActive   = "active"
	stateArchived = "archived"
	stateDeleted  = "deleted" // hard-deleted: reads as Empty, name kept
)

// firstID numbers the first perspective as the recorded client session
// saw it ("Perspective 1001 created"); ids are numeric strings.
const firstID = 1001

type document struct {
	Version      int                `json:"version"`
	NextID       int64              `json:"next_id"`
	NextRef      int64              `json:"next_ref"`
	Perspectives map[string]*record `json:"perspectives"`
}

type record struct {
	ID    string `json:"id"`
	State string `json:"state"`
	// OrgID and CustomerID are the owner (owner.go); absent in
	// documents written before perspectives had owners, which read as
	// the default organization's with no version change.
	OrgID        int64  `json:"org_id,omitempty"`
	CustomerID   int64  `json:"customer_id,omitempty"`
	Version      int    `json:"version"`
	RemainingRef string `json:"remaining_ref"`
	Schema       Schema `json:"schema"`
}

// Book is the perspectives' domain service over a store.DocStore: the
// operations `/v1/perspective_schemas` calls, with upstream's semantics.
// It is safe for concurrent use; its in-memory copy is replaced only
// after the store accepted the write.
type Book struct {
	docs store.DocStore
	// InUse, when set, names what depends on a perspective (policies,
	// report subscriptions); a soft delete is refused while it does.
	InUse func(id string) []string

	mu  sync.Mutex
	doc document
}

// OpenBook loads the perspectives from docs (none yet is an empty book).
func OpenBook(ctx context.Context, docs store.DocStore) (*Book, error) {
	b := &Book{docs: docs, doc: document{Version: docVersion, NextID: firstID, NextRef: 1, Perspectives: map[string]*record{}}}
	if _, err := theDoc.Load(ctx, docs, &b.doc); err != nil {
		return nil, err
	}
	if b.doc.Perspectives == nil {
		b.doc.Perspectives = map[string]*record{}
	}
	return b, nil
}

// change runs fn on a deep copy of the document and, when fn succeeds
// and the store accepts the copy, makes it current.
func (b *Book) change(ctx context.Context, fn func(d *document) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	next := b.doc.clone()
	if err := fn(&next); err != nil {
		return err
	}
	if err := theDoc.Save(ctx, b.docs, next); err != nil {
		return err
	}
	b.doc = next
	return nil
}

// clone copies d through JSON: records hold nested slices and pointers,
// and a change must not reach the current copy before it is stored.
func (d document) clone() document {
	body, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("perspective document does not marshal: %v", err))
	}
	var c document
	if err := json.Unmarshal(body, &c); err != nil {
		panic(fmt.Sprintf("perspective document does not unmarshal: %v", err))
	}
	return c
}

// freshRef hands out book-wide ref_ids, skipping any a client chose.
func (d *document) freshRef(used map[string]bool) string {
	for {
		r := strconv.FormatInt(d.NextRef, 10)
		d.NextRef++
		if !used[r] {
			return r
		}
	}
}

// nameTaken reports whether another perspective of owner o has the name.
// Names are unique per owner, not per installation: upstream's "already
// exists" is per CloudHealth tenant, and a check across owners would
// tell one organization, by a 422, which names another one uses.
func (d *document) nameTaken(o Owner, name, except string) bool {
	for id, r := range d.Perspectives {
		if id != except && r.owner() == o && r.Schema.Name == name {
			return true
		}
	}
	return false
}

// Create stores a new perspective of owner o and returns its id and
// upstream's message, "Perspective <id> created". Ids are numbered
// across owners, so an id names one perspective whoever asks.
func (b *Book) Create(ctx context.Context, o Owner, s Schema) (id, message string, err error) {
	if o.OrgID == 0 {
		o.OrgID = tenant.DefaultOrgID
	}
	err = b.change(ctx, func(d *document) error {
		norm, err := normalize(s, nil, d.freshRef)
		if err != nil {
			return err
		}
		if d.nameTaken(o, norm.Name, "") {
			return fmt.Errorf("%w: %q", ErrNameTaken, norm.Name)
		}
		id = strconv.FormatInt(d.NextID, 10)
		d.NextID++
		d.Perspectives[id] = &record{ID: id, State: stateActive, Version: 1, OrgID: o.OrgID, CustomerID: o.CustomerID,
			RemainingRef: d.freshRef(refsOf(norm)), Schema: norm}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	return id, "Perspective " + id + " created", nil
}

// Get returns the schema as GET renders it: the Remaining entry in the
// Dynamic Group list and, with includeVersion, the Version constant.
// An unknown or hard-deleted id, or one v may not see, is the Empty
// sentinel, which the API answers with 200: another owner's perspective
// reads exactly as one that does not exist, so ids cannot be probed.
func (b *Book) Get(v Viewer, id string, includeVersion bool) Schema {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.doc.visible(v, id)
	if !ok {
		return Empty()
	}
	return r.render(includeVersion)
}

func (r *record) render(includeVersion bool) Schema {
	s := r.Schema.clone()
	for i, c := range s.Constants {
		if c.Type == ConstDynamic {
			blank := ""
			s.Constants[i].List = append(c.List, Group{RefID: r.RemainingRef, BlkID: &blank, Name: remainingName})
		}
	}
	if includeVersion {
		s.Constants = append(s.Constants, Constant{Type: ConstVersion, List: []Group{{RefID: r.ID, Val: strconv.Itoa(r.Version)}}})
	}
	return s
}

func (s Schema) clone() Schema {
	body, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("perspective schema does not marshal: %v", err))
	}
	var c Schema
	if err := json.Unmarshal(body, &c); err != nil {
		panic(fmt.Sprintf("perspective schema does not unmarshal: %v", err))
	}
	return c
}

// visible is the record of id when it exists, is not hard-deleted and v
// may see it.
func (d *document) visible(v Viewer, id string) (*record, bool) {
	r, ok := d.Perspectives[id]
	if !ok || r.State == stateDeleted || !v.sees(r) {
		return nil, false
	}
	return r, true
}

// notFound is the refusal of a change to id: the same for an id that
// does not exist and for one the caller may not see.
func notFound(id string) error {
	return fmt.Errorf("perspective %q: %w", id, store.ErrNotFound)
}

// Perspective returns the stored perspective for evaluation and
// compilation; false when unknown, hard-deleted or not v's to see.
func (b *Book) Perspective(v Viewer, id string) (Perspective, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.doc.visible(v, id)
	if !ok {
		return Perspective{}, false
	}
	return Perspective{ID: id, Version: r.Version, Active: r.State == stateActive, Owner: r.owner(), Schema: r.Schema.clone()}, true
}

// Entry is one perspective in the list: `{"name": ..., "active": ...}`.
type Entry struct {
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// List returns id → entry of the perspectives v sees; hard-deleted
// perspectives are gone, archived ones inactive (left out when
// activeOnly).
func (b *Book) List(v Viewer, activeOnly bool) map[string]Entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]Entry{}
	for id, r := range b.doc.Perspectives {
		if r.State == stateDeleted || !v.sees(r) || activeOnly && r.State != stateActive {
			continue
		}
		out[id] = Entry{Name: r.Schema.Name, Active: r.State == stateActive}
	}
	return out
}

// Update replaces the schema of id. checkVersion, when not nil, must be
// the current version (a concurrent update since the client's GET is
// ErrStaleVersion). The version increments; the rendered schema is
// returned as PUT answers it. v must see id (store.ErrNotFound, as for
// an unknown id, otherwise); the owner stays whoever changes it.
func (b *Book) Update(ctx context.Context, v Viewer, id string, s Schema, checkVersion *int, includeVersion bool) (Schema, error) {
	var out Schema
	err := b.change(ctx, func(d *document) error {
		r, ok := d.visible(v, id)
		if !ok {
			return notFound(id)
		}
		if checkVersion != nil && *checkVersion != r.Version {
			return fmt.Errorf("%w: perspective %s is at version %d, check_version was %d; GET it again and reapply the change", ErrStaleVersion, id, r.Version, *checkVersion)
		}
		norm, err := normalize(s, &r.Schema, func(used map[string]bool) string {
			used[r.RemainingRef] = true
			return d.freshRef(used)
		})
		if err != nil {
			return err
		}
		if d.nameTaken(r.owner(), norm.Name, id) {
			return fmt.Errorf("%w: %q", ErrNameTaken, norm.Name)
		}
		r.Schema, r.Version = norm, r.Version+1
		out = r.render(includeVersion)
		return nil
	})
	return out, err
}

// Version returns the current version of id; false when unknown,
// hard-deleted or not v's to see.
func (b *Book) Version(v Viewer, id string) (int, bool) {
	p, ok := b.Perspective(v, id)
	return p.Version, ok
}

// DeleteOptions are DELETE's parameters.
type DeleteOptions struct {
	Force bool
	// Hard removes the perspective for good (its name stays taken).
	// Upstream documents it with Force; clients also send it alone.
	Hard bool
}

// Delete archives id (restorable with Restore), or with opt.Hard removes
// it: later GETs read Empty. A soft delete without Force is refused
// while InUse names dependents. The message is for the 200 body. v must
// see id (store.ErrNotFound otherwise).
func (b *Book) Delete(ctx context.Context, v Viewer, id string, opt DeleteOptions) (string, error) {
	msg := ""
	err := b.change(ctx, func(d *document) error {
		r, ok := d.visible(v, id)
		if !ok {
			return notFound(id)
		}
		if opt.Hard {
			// The schema is dropped, the name kept: names are not
			// reusable by its owner after a hard delete.
			r.State, r.Schema = stateDeleted, Schema{Name: r.Schema.Name}
			msg = "Perspective " + id + " deleted"
			return nil
		}
		if !opt.Force && b.InUse != nil {
			if deps := b.InUse(id); len(deps) > 0 {
				return fmt.Errorf("%w: perspective %s is used by %v; delete with force=true to archive it anyway", ErrInUse, id, deps)
			}
		}
		r.State = stateArchived
		msg = "Perspective " + id + " archived"
		return nil
	})
	return msg, err
}

// Restore makes an archived perspective active again; v must see it.
func (b *Book) Restore(ctx context.Context, v Viewer, id string) error {
	return b.change(ctx, func(d *document) error {
		r, ok := d.visible(v, id)
		if !ok {
			return notFound(id)
		}
		r.State = stateActive
		return nil
	})
}

// IDs returns the ids of the perspectives v sees that are not
// hard-deleted, in numeric order (for a dialect listing dimensions).
func (b *Book) IDs(v Viewer) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := slices.Collect(maps.Keys(b.doc.Perspectives))
	ids = slices.DeleteFunc(ids, func(id string) bool {
		_, ok := b.doc.visible(v, id)
		return !ok
	})
	slices.SortFunc(ids, func(a, b string) int {
		x, _ := strconv.ParseInt(a, 10, 64)
		y, _ := strconv.ParseInt(b, 10, 64)
		return cmp.Compare(x, y)
	})
	return ids
}

// Discover records the dynamic groups of categorize values first seen
// in items (upstream creates one group per distinct value as data
// arrives), without a version change since the schema's rules are the
// same. It returns how many groups it added. It is the installation's
// own bookkeeping (ingest), not a caller's change, so it takes no viewer.
func (b *Book) Discover(ctx context.Context, id string, items []Item) (int, error) {
	added := 0
	err := b.change(ctx, func(d *document) error {
		r, ok := d.Perspectives[id]
		if !ok || r.State == stateDeleted {
			return notFound(id)
		}
		for _, it := range items {
			a := Evaluate(r.Schema, it)
			if !a.New {
				continue
			}
			used := refsOf(r.Schema)
			used[r.RemainingRef] = true
			blk := a.Block
			g := Group{RefID: d.freshRef(used), BlkID: &blk, Val: a.Val, Name: a.Val}
			for i, c := range r.Schema.Constants {
				if c.Type == ConstDynamic {
					r.Schema.Constants[i].List = append(c.List, g)
				}
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

func refsOf(s Schema) map[string]bool {
	used := map[string]bool{}
	for _, c := range s.Constants {
		for _, g := range c.List {
			used[g.RefID] = true
		}
	}
	return used
}
