package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tally-cost/tally/internal/store"
)

// docKind is the document kind of source specs.
const docKind = "pipeline.source"

// DocRepo keeps the sources added through the API as documents of d.
func DocRepo(d store.DocStore) Repo { return docRepo{d} }

type docRepo struct{ d store.DocStore }

func (r docRepo) LoadSources(ctx context.Context) ([]Spec, error) {
	docs, err := r.d.Documents(ctx, docKind)
	if err != nil {
		return nil, err
	}
	var out []Spec
	for name, body := range docs {
		var s Spec
		if err := json.Unmarshal(body, &s); err != nil {
			return nil, fmt.Errorf("stored source %s: %w", name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func (r docRepo) SaveSource(ctx context.Context, s Spec) error {
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return r.d.PutDocument(ctx, docKind, s.Name, body)
}

func (r docRepo) DeleteSource(ctx context.Context, name string) error {
	return r.d.DeleteDocument(ctx, docKind, name)
}
