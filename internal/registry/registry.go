// Package registry keeps the billing entities that users register or
// name: customers and sub accounts (Azure subscriptions, AWS accounts,
// GCP projects). Bills carry their ids but often no name (an Azure
// partner export has no customer name at all), so users name them, and
// may register one before its first bill arrives. Dialects overlay these
// entries on what they derive from line items; the registry itself knows
// nothing of bills, HTTP or SQL. A Repo persists the entries.
package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/textcheck"
)

// Sentinel errors; callers use errors.Is. Validation failures wrap
// ErrInvalid and either ErrNoParent or, for a key or a name, a
// *textcheck.Error naming the field with one of package textcheck's
// reasons (ErrBlank, ErrTooLong, ErrNotUTF8, ErrControl), so that a
// dialect can word each in its own terms.
var (
	ErrInvalid = errkind.Invalid.New("invalid registry entry")
	// ErrNoParent: a sub account names a customer that is not registered.
	ErrNoParent = errors.New("parent customer not registered")
	// ErrExists: the key is registered already.
	ErrExists = errkind.Conflict.New("already registered")
	// ErrNotFound: the key is not registered.
	ErrNotFound = errkind.NotFound.New("not registered")
	// ErrInUse: a customer is still the parent of registered sub accounts.
	ErrInUse = errkind.Conflict.New("still the customer of registered sub accounts")
)

// Kind is what an entry registers.
type Kind string

// The kinds.
const (
	// Customer is a customer tenant (Azure customerTenantId) or, for bills
	// without customers, the billing account.
	Customer Kind = "customer"
	// SubAccount is an Azure subscription, AWS account or GCP project: the
	// id line items carry as their sub account, and tenant scopes list.
	SubAccount Kind = "subaccount"
)

// Kinds lists every kind.
var Kinds = []Kind{Customer, SubAccount}

// Entry is one registered entity.
type Entry struct {
	Kind Kind   `json:"kind"`
	Key  string `json:"key"`
	// Name is the name a user gave; nil when none was, so that the bill's
	// own name (if any) shows.
	Name *string `json:"name,omitempty"`
	// Parent is a sub account's customer key, if known.
	Parent string `json:"parent,omitempty"`
	// Provider is the cloud whose bills name the entity ("Microsoft",
	// "AWS", ...), as line items spell ProviderName: a dialect lists only
	// its own cloud's entries that have no bills yet.
	Provider  string    `json:"provider,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// NameOr returns the given name, or def when none was given.
func (e Entry) NameOr(def string) string {
	if e.Name != nil {
		return *e.Name
	}
	return def
}

// clone copies e so that callers cannot change a stored name.
func (e Entry) clone() Entry {
	if e.Name != nil {
		n := *e.Name
		e.Name = &n
	}
	return e
}

// CheckText validates a key or a name, field naming it in the error, by
// the rules of every stored name (textcheck.Name): not blank, at most
// textcheck.MaxName characters, UTF-8 without control characters.
func CheckText(field, s string) error {
	if _, err := textcheck.Name(field, s); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// validate checks e on its own; the parent's existence is checked by the
// registry.
func validate(e Entry) error {
	if !slices.Contains(Kinds, e.Kind) {
		return fmt.Errorf("%w: unknown kind %q", ErrInvalid, e.Kind)
	}
	if err := CheckText("key", e.Key); err != nil {
		return fmt.Errorf("%s: %w", e.Kind, err)
	}
	if e.Name != nil {
		if err := CheckText("name", *e.Name); err != nil {
			return fmt.Errorf("%s %s: %w", e.Kind, e.Key, err)
		}
	}
	if e.Provider != "" {
		if err := CheckText("provider", e.Provider); err != nil {
			return fmt.Errorf("%s %s: %w", e.Kind, e.Key, err)
		}
	}
	if e.Parent == "" {
		return nil
	}
	if e.Kind != SubAccount {
		return fmt.Errorf("%w: a %s has no parent", ErrInvalid, e.Kind)
	}
	if err := CheckText("parent", e.Parent); err != nil {
		return fmt.Errorf("%s %s: %w", e.Kind, e.Key, err)
	}
	return nil
}

// Registry holds the entries in memory and writes every change through
// to its Repo before applying it, so a failed write changes nothing.
type Registry struct {
	repo Repo
	now  func() time.Time

	mu      sync.Mutex
	entries map[Kind]map[string]Entry // nil until loaded
}

// New returns a registry over repo. The entries are read on first use,
// not here, so that a store that cannot answer yet fails requests rather
// than the server's start; a failed read is tried again on the next use.
func New(repo Repo) *Registry {
	return &Registry{repo: repo, now: time.Now}
}

// load reads the entries once; r.mu is held.
func (r *Registry) load(ctx context.Context) error {
	if r.entries != nil {
		return nil
	}
	list, err := r.repo.LoadEntries(ctx)
	if err != nil {
		return fmt.Errorf("loading the registry: %w", err)
	}
	m := map[Kind]map[string]Entry{}
	for _, k := range Kinds {
		m[k] = map[string]Entry{}
	}
	for _, e := range list {
		if _, ok := m[e.Kind]; !ok {
			return fmt.Errorf("loading the registry: %w: unknown kind %q", ErrInvalid, e.Kind)
		}
		m[e.Kind][e.Key] = e
	}
	r.entries = m
	return nil
}

// List returns the entries of kind, ordered by key.
func (r *Registry) List(ctx context.Context, kind Kind) ([]Entry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(r.entries[kind]))
	for _, e := range r.entries[kind] {
		out = append(out, e.clone())
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Get returns one entry, or ErrNotFound.
func (r *Registry) Get(ctx context.Context, kind Kind, key string) (Entry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(ctx); err != nil {
		return Entry{}, err
	}
	e, ok := r.entries[kind][key]
	if !ok {
		return Entry{}, fmt.Errorf("%s %q: %w", kind, key, ErrNotFound)
	}
	return e.clone(), nil
}

// Register adds e, which must not be registered yet; it returns the entry
// as stored, with its times set.
func (r *Registry) Register(ctx context.Context, e Entry) (Entry, error) {
	return r.put(ctx, e, false)
}

// Update replaces the name, parent and provider of a registered entry;
// its creation time stays.
func (r *Registry) Update(ctx context.Context, e Entry) (Entry, error) {
	return r.put(ctx, e, true)
}

func (r *Registry) put(ctx context.Context, e Entry, update bool) (Entry, error) {
	if err := validate(e); err != nil {
		return Entry{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(ctx); err != nil {
		return Entry{}, err
	}
	old, exists := r.entries[e.Kind][e.Key]
	switch {
	case update && !exists:
		return Entry{}, fmt.Errorf("%s %q: %w", e.Kind, e.Key, ErrNotFound)
	case !update && exists:
		return Entry{}, fmt.Errorf("%s %q: %w", e.Kind, e.Key, ErrExists)
	}
	if _, ok := r.entries[Customer][e.Parent]; e.Parent != "" && !ok {
		return Entry{}, fmt.Errorf("%s %q: %w: %w: %q", e.Kind, e.Key, ErrInvalid, ErrNoParent, e.Parent)
	}
	now := r.now().UTC()
	e = e.clone()
	e.CreatedAt, e.UpdatedAt = now, now
	if update {
		e.CreatedAt = old.CreatedAt
	}
	if err := r.repo.SaveEntry(ctx, e); err != nil {
		return Entry{}, fmt.Errorf("saving %s %q: %w", e.Kind, e.Key, err)
	}
	r.entries[e.Kind][e.Key] = e
	return e.clone(), nil
}

// InUseError is Unregister's refusal to remove a customer that
// registered sub accounts name as their parent; it is ErrInUse.
type InUseError struct {
	Key      string   // the customer
	Children []string // its registered sub accounts, sorted
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s %q: %v: %s", Customer, e.Key, ErrInUse, strings.Join(e.Children, ", "))
}

// Unwrap makes the error ErrInUse for errors.Is.
func (e *InUseError) Unwrap() error { return ErrInUse }

// Unregister removes an entry and returns it. A customer that registered
// sub accounts name as their parent stays (an *InUseError): removing it
// would leave them pointing at nothing.
func (r *Registry) Unregister(ctx context.Context, kind Kind, key string) (Entry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(ctx); err != nil {
		return Entry{}, err
	}
	e, ok := r.entries[kind][key]
	if !ok {
		return Entry{}, fmt.Errorf("%s %q: %w", kind, key, ErrNotFound)
	}
	if kind == Customer {
		var children []string
		for _, s := range r.entries[SubAccount] {
			if s.Parent == key {
				children = append(children, s.Key)
			}
		}
		if len(children) > 0 {
			slices.Sort(children)
			return Entry{}, &InUseError{Key: key, Children: children}
		}
	}
	if err := r.repo.DeleteEntry(ctx, kind, key); err != nil {
		return Entry{}, fmt.Errorf("deleting %s %q: %w", kind, key, err)
	}
	delete(r.entries[kind], key)
	return e.clone(), nil
}
