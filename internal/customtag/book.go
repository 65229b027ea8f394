package customtag

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/tally-cost/tally/internal/store"
)

// The state store documents: one per tagged asset, named
// "<asset type>:<id>", so that a request rewrites only the assets it
// touches (a tenant may tag many thousands of assets), and all of a
// request's changes are one PutDocuments transaction.
const (
	docKind    = "cloudhealth.customtags"
	docVersion = 1
)

type document struct {
	Version int               `json:"version"`
	Type    string            `json:"asset_type"`
	ID      int64             `json:"asset_id"`
	Tags    map[string]string `json:"tags"`
}

// Asset names a taggable object: its CloudHealth type (AwsInstance,
// AwsAccount, ...) and its 64-bit id.
type Asset struct {
	Type string
	ID   int64
}

func (a Asset) docName() string { return a.Type + ":" + strconv.FormatInt(a.ID, 10) }

// Result is the response of POST /v1/custom_tags, answered with 200 even
// when Errors is not empty.
type Result struct {
	Updates []Update    `json:"updates"`
	Errors  []ItemError `json:"errors"`
}

// Update is one tag set or removed; TagValue is null for a removal.
type Update struct {
	AssetType string  `json:"asset_type"`
	AssetID   int64   `json:"asset_id"`
	TagKey    string  `json:"tag_key"`
	TagValue  *string `json:"tag_value"`
}

// ItemError is one asset or tag that failed. TagKey is not in the
// guide's example; it is added (and omitted when the failure is about the
// whole asset) so that a caller can tell which of several tags failed.
type ItemError struct {
	Message   string `json:"message"`
	AssetType string `json:"asset_type"`
	AssetID   int64  `json:"asset_id"`
	TagKey    string `json:"tag_key,omitempty"`
}

// Visible reports whether the asset exists and the caller may see it.
// The dialect passes one built on the asset index and the caller's
// organization, so that this package depends on neither.
type Visible func(assetType string, id int64) bool

// Book keeps the custom tags of every asset. It is safe for concurrent
// use: a mutex serialises each change, and the in-memory copy is replaced
// only after the store accepted the write.
type Book struct {
	docs store.DocStore

	mu   sync.Mutex
	tags map[Asset]map[string]string
	gen  uint64
}

// Open loads the tags from docs (none yet is an empty book).
func Open(ctx context.Context, docs store.DocStore) (*Book, error) {
	all, err := docs.Documents(ctx, docKind)
	if err != nil {
		return nil, fmt.Errorf("loading custom tags: %w", err)
	}
	b := &Book{docs: docs, tags: map[Asset]map[string]string{}}
	for name, body := range all {
		var d document
		if err := json.Unmarshal(body, &d); err != nil {
			return nil, fmt.Errorf("loading custom tags: document %s/%s: %w", docKind, name, err)
		}
		if d.Version != docVersion {
			return nil, fmt.Errorf("loading custom tags: document %s/%s: version %d, this build reads %d", docKind, name, d.Version, docVersion)
		}
		if len(d.Tags) > 0 {
			b.tags[Asset{Type: d.Type, ID: d.ID}] = d.Tags
		}
	}
	return b, nil
}

// Tags returns a copy of one asset's custom tags (nil when it has none).
func (b *Book) Tags(assetType string, id int64) map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.tags[Asset{Type: assetType, ID: id}])
}

// All returns a copy of every asset's custom tags.
func (b *Book) All() map[Asset]map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[Asset]map[string]string, len(b.tags))
	for a, t := range b.tags {
		out[a] = maps.Clone(t)
	}
	return out
}

// Generation counts the changes the book has made since it was opened,
// so that a cache of tagged answers can tell it is stale.
func (b *Book) Generation() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gen
}

// Apply processes the whole request in order, as the guide says: an
// asset the caller cannot see fails as one item, a tag whose key or value
// breaks a limit fails as one item and the asset's other tags still
// apply, and an asset that would end with more than MaxTagsPerAsset tags
// fails and keeps its tags. The error is only the store's; per-item
// failures are in the Result.
func (b *Book) Apply(ctx context.Context, req Request, visible Visible) (Result, error) {
	res := Result{Updates: []Update{}, Errors: []ItemError{}}
	b.mu.Lock()
	defer b.mu.Unlock()
	changed := map[Asset]map[string]string{}
	current := func(a Asset) map[string]string {
		if t, ok := changed[a]; ok {
			return t
		}
		return b.tags[a]
	}
	for _, g := range req.TagGroups {
		for _, id := range g.IDs {
			a := Asset{Type: g.AssetType, ID: id}
			fail := func(msg, key string) {
				res.Errors = append(res.Errors, ItemError{Message: msg, AssetType: a.Type, AssetID: a.ID, TagKey: key})
			}
			if !visible(a.Type, a.ID) {
				fail(MsgNoAccess, "")
				continue
			}
			next := maps.Clone(current(a))
			if next == nil {
				next = map[string]string{}
			}
			var ups []Update
			for _, t := range g.Tags {
				if msg := t.check(); msg != "" {
					fail(msg, t.Key)
					continue
				}
				if t.Value == nil {
					delete(next, t.Key)
				} else {
					next[t.Key] = *t.Value
				}
				ups = append(ups, Update{AssetType: a.Type, AssetID: a.ID, TagKey: t.Key, TagValue: t.Value})
			}
			if len(next) > MaxTagsPerAsset {
				fail(MsgTooManyTags, "")
				continue
			}
			if len(ups) == 0 {
				continue // nothing to write, and no new generation
			}
			changed[a] = next
			res.Updates = append(res.Updates, ups...)
		}
	}
	if len(changed) == 0 {
		return res, nil
	}
	docs := make(map[string][]byte, len(changed))
	for a, t := range changed {
		body, err := json.Marshal(document{Version: docVersion, Type: a.Type, ID: a.ID, Tags: t})
		if err != nil {
			return Result{}, fmt.Errorf("saving custom tags: %w", err)
		}
		docs[a.docName()] = body
	}
	if err := b.docs.PutDocuments(ctx, docKind, docs); err != nil {
		return Result{}, fmt.Errorf("saving custom tags: %w", err)
	}
	for a, t := range changed {
		if len(t) > 0 {
			b.tags[a] = t
			continue
		}
		delete(b.tags, a)
		// The emptied document was written in the transaction above, so
		// a failure here leaves an empty document that Open skips; it is
		// only tidied away.
		if err := b.docs.DeleteDocument(ctx, docKind, a.docName()); err != nil {
			slog.WarnContext(ctx, "custom tags: removing an emptied document", "document", a.docName(), "err", err)
		}
	}
	b.gen++
	return res, nil
}

// check returns the per-item message of a tag that breaks a limit, or "".
// Lengths are in characters, as the guide states them, not bytes.
func (t Tag) check() string {
	switch {
	case t.problem != "":
		return t.problem
	case t.Key == "" || utf8.RuneCountInString(t.Key) > MaxKeyLen:
		return MsgKeyLength
	case t.Value != nil && utf8.RuneCountInString(*t.Value) > MaxValueLen:
		return MsgValueLength
	}
	return ""
}
