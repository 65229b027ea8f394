// Package ownedbook keeps a collection of items that belong to an
// organization (and partner customer), such as budgets and saved
// reports, as one state document (internal/statedoc):
//
//	{"version":1,"nextId":4,"<items>":{"1":{...},"3":{...}}}
//
// A Book numbers its items, lists and reads only those the caller
// sees, lets editors create, change and delete them, and writes each
// change as one copy of the whole document, made current only once the
// store accepted it. What an item is, who sees it and how it is checked
// stay with the package that owns the item type.
//
// It is its own package rather than part of statedoc because it decides
// who may do what (internal/tenant), which statedoc's other users (AWS
// accounts, perspectives, hashmap rules) do not share.
package ownedbook

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tally-cost/tally/internal/statedoc"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// Config describes one kind of item.
type Config[T any] struct {
	// Doc is where the items are kept.
	Doc statedoc.Doc
	// Items is the JSON name of the document's map of items by id
	// ("budgets").
	Items string
	// FirstID numbers the first item of an empty book.
	FirstID int64
	// ID returns an item's id.
	ID func(it *T) int64
	// Sees reports whether p may see (and, as an editor, change) it.
	Sees func(p *tenant.Principal, it *T) bool
	// Clone returns a copy of an item that shares nothing mutable with
	// it; nil is a plain copy, right for items without slices, maps or
	// pointers.
	Clone func(it *T) T
	// NotFound is the error, wrapped with the id, for an item that
	// does not exist or that the caller may not see.
	NotFound error
}

// Book is the items over a store.DocStore; it is safe for concurrent
// use.
type Book[T any] struct {
	cfg  Config[T]
	docs store.DocStore
	now  func() time.Time
	// shape is the document's struct type (see documentType).
	shape reflect.Type

	mu  sync.Mutex
	doc document[T]
}

// document is the state document in memory.
type document[T any] struct {
	Version int
	NextID  int64
	Items   map[string]*T // by id
}

// documentType returns the struct the document is read and written
// through: the items' map is named by the Config, which a struct tag in
// Go source cannot be, so the type is built at run time. encoding/json
// then reads and writes it exactly as it did the struct each package
// used to declare (same field order and names, case-insensitive names
// when reading, unknown fields ignored), so documents already written
// stay as they are. Only the error for a top-level field of the wrong
// type reads differently: "Go struct field .nextId", the built struct
// having no name, where it said "document.nextId".
func documentType[T any](items string) reflect.Type {
	return reflect.StructOf([]reflect.StructField{
		{Name: "Version", Type: reflect.TypeFor[int](), Tag: `json:"version"`},
		{Name: "NextID", Type: reflect.TypeFor[int64](), Tag: `json:"nextId"`},
		{Name: "Items", Type: reflect.TypeFor[map[string]*T](), Tag: reflect.StructTag(fmt.Sprintf("json:%q", items))},
	})
}

// Open loads the items (none yet is an empty book); now is the clock
// (nil: time.Now).
func Open[T any](ctx context.Context, cfg Config[T], docs store.DocStore, now func() time.Time) (*Book[T], error) {
	if now == nil {
		now = time.Now
	}
	if cfg.Clone == nil {
		cfg.Clone = func(it *T) T { return *it }
	}
	b := &Book[T]{cfg: cfg, docs: docs, now: now, shape: documentType[T](cfg.Items)}
	raw := b.encode(document[T]{Version: cfg.Doc.Version, NextID: cfg.FirstID, Items: map[string]*T{}})
	if _, err := cfg.Doc.Load(ctx, docs, raw.Addr().Interface()); err != nil {
		return nil, err
	}
	b.doc = decode[T](raw)
	if b.doc.Items == nil {
		b.doc.Items = map[string]*T{}
	}
	return b, nil
}

// encode returns d as a value of b.shape.
func (b *Book[T]) encode(d document[T]) reflect.Value {
	v := reflect.New(b.shape).Elem()
	v.Field(0).SetInt(int64(d.Version))
	v.Field(1).SetInt(d.NextID)
	v.Field(2).Set(reflect.ValueOf(d.Items))
	return v
}

func decode[T any](v reflect.Value) document[T] {
	return document[T]{Version: int(v.Field(0).Int()), NextID: v.Field(1).Int(), Items: v.Field(2).Interface().(map[string]*T)}
}

// MayEdit reports whether the caller may create, change and delete
// items (editors and administrators, of any organization: an item is
// its own organization's); the API asks before it reads a body.
func (b *Book[T]) MayEdit(ctx context.Context) error {
	_, err := tenant.Caller(ctx, tenant.EditContent)
	return err
}

// List returns the items the caller sees, by id.
func (b *Book[T]) List(ctx context.Context) ([]T, error) {
	p, err := tenant.Caller(ctx, tenant.Read)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []T{}
	for _, it := range b.doc.Items {
		if b.cfg.Sees(p, it) {
			out = append(out, b.cfg.Clone(it))
		}
	}
	slices.SortFunc(out, func(x, y T) int { return cmp.Compare(b.cfg.ID(&x), b.cfg.ID(&y)) })
	return out, nil
}

// Get returns one item, or Config.NotFound when it does not exist or the
// caller may not see it.
func (b *Book[T]) Get(ctx context.Context, id int64) (T, error) {
	p, err := tenant.Caller(ctx, tenant.Read)
	if err != nil {
		var zero T
		return zero, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	it, err := b.visible(p, id)
	if err != nil {
		var zero T
		return zero, err
	}
	return b.cfg.Clone(it), nil
}

// Create adds an item for the caller. check runs once the caller is
// known to be an editor, before the book is locked, and refuses what
// it returns an error for; build makes the item from its id, the
// caller (its owner) and the time.
func (b *Book[T]) Create(ctx context.Context, check func() error, build func(id int64, owner *tenant.Principal, now time.Time) T) (T, error) {
	var zero T
	p, err := editor(ctx, check)
	if err != nil {
		return zero, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.doc.NextID
	it := build(id, p, b.now().UTC())
	if err := b.save(ctx, func(d *document[T]) {
		d.Items[strconv.FormatInt(id, 10)] = &it
		d.NextID = id + 1
	}); err != nil {
		return zero, err
	}
	return b.cfg.Clone(&it), nil
}

// Update changes an item the caller sees: check as for Create, then
// change gets a copy of the item and the time; its owner is the
// caller's to keep.
func (b *Book[T]) Update(ctx context.Context, id int64, check func() error, change func(it *T, now time.Time)) (T, error) {
	var zero T
	p, err := editor(ctx, check)
	if err != nil {
		return zero, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	old, err := b.visible(p, id)
	if err != nil {
		return zero, err
	}
	it := b.cfg.Clone(old)
	change(&it, b.now().UTC())
	if err := b.save(ctx, func(d *document[T]) { d.Items[strconv.FormatInt(id, 10)] = &it }); err != nil {
		return zero, err
	}
	return b.cfg.Clone(&it), nil
}

// Delete removes an item the caller sees.
func (b *Book[T]) Delete(ctx context.Context, id int64) error {
	p, err := tenant.Caller(ctx, tenant.EditContent)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.visible(p, id); err != nil {
		return err
	}
	return b.save(ctx, func(d *document[T]) { delete(d.Items, strconv.FormatInt(id, 10)) })
}

// editor returns the caller if they may edit and check accepts what
// they send, in that order: a viewer learns nothing from a body's
// errors.
func editor(ctx context.Context, check func() error) (*tenant.Principal, error) {
	p, err := tenant.Caller(ctx, tenant.EditContent)
	if err != nil {
		return nil, err
	}
	if err := check(); err != nil {
		return nil, err
	}
	return p, nil
}

// visible returns the item with the id if p sees it; b.mu is held.
func (b *Book[T]) visible(p *tenant.Principal, id int64) (*T, error) {
	it, ok := b.doc.Items[strconv.FormatInt(id, 10)]
	if !ok || !b.cfg.Sees(p, it) {
		return nil, fmt.Errorf("%w: %d", b.cfg.NotFound, id)
	}
	return it, nil
}

// save applies fn to a copy of the document and makes it current once
// the store accepted it, so that a failed write leaves the book as it
// was; b.mu is held.
func (b *Book[T]) save(ctx context.Context, fn func(d *document[T])) error {
	next := document[T]{Version: b.doc.Version, NextID: b.doc.NextID, Items: make(map[string]*T, len(b.doc.Items))}
	for k, it := range b.doc.Items {
		c := b.cfg.Clone(it)
		next.Items[k] = &c
	}
	fn(&next)
	if err := b.cfg.Doc.Save(ctx, b.docs, b.encode(next).Interface()); err != nil {
		return err
	}
	b.doc = next
	return nil
}
