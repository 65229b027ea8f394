// Package statedoc keeps a domain's state as one versioned JSON document
// in the state store (store.DocStore): perspectives, hashmap rules, saved
// reports and AWS accounts are each read whole at start and written whole
// at each change, so that a change is one PutDocument and a crash leaves
// the old document or the new one, never a mixture.
package statedoc

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tally-cost/tally/internal/store"
)

// Doc names one document: its kind and name in the DocStore, the format
// version this build reads and writes, and what it holds ("saved
// reports"), which errors name.
type Doc struct {
	Kind, Name string
	Version    int
	What       string
}

// Load reads the document into *into and reports whether it exists; a
// missing one leaves *into as it was (the caller's empty state). The
// version is read from the document's "version" field first, so that a
// document of another format is refused before its body is decoded into
// a shape it may not have.
func (d Doc) Load(ctx context.Context, docs store.DocStore, into any) (bool, error) {
	all, err := docs.Documents(ctx, d.Kind)
	if err != nil {
		return false, fmt.Errorf("loading %s: %w", d.What, err)
	}
	body, ok := all[d.Name]
	if !ok {
		return false, nil
	}
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return false, fmt.Errorf("loading %s: document %s/%s: %w", d.What, d.Kind, d.Name, err)
	}
	if head.Version != d.Version {
		return false, fmt.Errorf("loading %s: document %s/%s has version %d, this build reads %d", d.What, d.Kind, d.Name, head.Version, d.Version)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return false, fmt.Errorf("loading %s: document %s/%s: %w", d.What, d.Kind, d.Name, err)
	}
	return true, nil
}

// Save writes v as the document.
func (d Doc) Save(ctx context.Context, docs store.DocStore, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("saving %s: %w", d.What, err)
	}
	if err := docs.PutDocument(ctx, d.Kind, d.Name, body); err != nil {
		return fmt.Errorf("saving %s: %w", d.What, err)
	}
	return nil
}
