package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/source"
	"github.com/tally-cost/tally/internal/store"
)

// docKind is the document kind of source specs.
const docKind = "pipeline.source"

// urlQueryField names a URL's sealed query string, in the stored document
// and in the sealing context.
const urlQueryField = "url_query"

// DocRepo keeps the sources added through the API as documents of d
// (the state store's, store.StateStore), their credentials sealed with a
// key of keys. Only what is secret is sealed (the credential fields and
// a URL's query string, which carries a SAS token): names, providers,
// URLs and regions stay readable for whoever debugs the database.
// Sources stored in clear text by an older version are sealed when they
// are loaded.
func DocRepo(d store.DocStore, keys *secret.Keys, log *slog.Logger) Repo {
	if log == nil {
		log = slog.Default()
	}
	return docRepo{d: d, keys: keys, log: log}
}

type docRepo struct {
	d    store.DocStore
	keys *secret.Keys
	log  *slog.Logger
}

// storedSpec is a Spec as stored: secret fields sealed, and the URL's
// query string sealed apart from it.
type storedSpec struct {
	Spec
	URLQuery string `json:"url_query,omitempty"`
}

// sealContext binds a sealed value to its source and field, so that it
// cannot be copied into another.
func sealContext(name, field string) string { return docKind + "/" + name + "/" + field }

// LoadSources returns the stored sources, their credentials opened. A
// source that cannot be opened (a wrong or missing key) is returned
// locked, so that it reports why instead of keeping every other source
// and the server from starting. Clear-text credentials are sealed and
// rewritten in one transaction, unless a source is locked: sealing the
// rest with what may be the wrong key would make things worse.
func (r docRepo) LoadSources(ctx context.Context) ([]Spec, error) {
	docs, err := r.d.Documents(ctx, docKind)
	if err != nil {
		return nil, err
	}
	var out []Spec
	clear := map[string]Spec{}
	var locked []string
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		var sd storedSpec
		if err := json.Unmarshal(docs[name], &sd); err != nil {
			return nil, fmt.Errorf("stored source %s: %w", name, err)
		}
		s, clearFields, err := r.open(sd)
		switch {
		case err != nil:
			s = sd.Spec
			s.locked = fmt.Errorf("%w: source %s: its stored credentials cannot be decrypted: %w", source.ErrInvalidConfig, name, err)
			locked = append(locked, name)
		case clearFields > 0:
			clear[name] = s
		}
		out = append(out, s)
	}
	switch {
	case len(clear) == 0:
	case len(locked) > 0:
		r.log.Warn("stored sources with clear-text credentials are left as they are until every stored source can be decrypted",
			"clear", slices.Sorted(maps.Keys(clear)), "locked", locked)
	default:
		if err := r.migrate(ctx, clear); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// open opens the sealed fields of sd and counts the clear-text ones.
func (r docRepo) open(sd storedSpec) (s Spec, clearFields int, err error) {
	s = sd.Spec
	var key *secret.Key
	openField := func(field string, v *string) error {
		if *v == "" {
			return nil
		}
		if !secret.Sealed(*v) {
			clearFields++
			return nil
		}
		if key == nil {
			k, err := r.keys.ForOpening()
			if err != nil {
				return err
			}
			key = k
		}
		plain, err := key.Open(*v, sealContext(s.Name, field))
		if err != nil {
			// Not "field: error", which reads as a secret field's value.
			return fmt.Errorf("the %s field: %w", field, err)
		}
		*v = plain
		return nil
	}
	for _, f := range s.Location.SecretFields() {
		if err := openField(f.Name, f.Value); err != nil {
			return Spec{}, 0, err
		}
	}
	if q := sd.URLQuery; q != "" {
		if err := openField(urlQueryField, &q); err != nil {
			return Spec{}, 0, err
		}
		s.Location.URL += "?" + q
	} else if _, q := source.SplitURLQuery(s.Location.URL); q != "" {
		clearFields++
	}
	return s, clearFields, nil
}

// seal returns s as stored. It asks for the key only when s holds a
// secret, so that local sources never create a key file.
func (r docRepo) seal(s Spec) (storedSpec, error) {
	sd := storedSpec{Spec: s}
	var key *secret.Key
	sealField := func(field string, v *string) error {
		if *v == "" {
			return nil
		}
		if key == nil {
			k, err := r.keys.ForSealing()
			if err != nil {
				return fmt.Errorf("source %s: sealing credentials: %w", s.Name, err)
			}
			key = k
		}
		*v = key.Seal(*v, sealContext(s.Name, field))
		return nil
	}
	for _, f := range sd.Location.SecretFields() {
		if err := sealField(f.Name, f.Value); err != nil {
			return sd, err
		}
	}
	base, q := source.SplitURLQuery(sd.Location.URL)
	if q != "" {
		if err := sealField(urlQueryField, &q); err != nil {
			return sd, err
		}
		sd.Location.URL, sd.URLQuery = base, q
	}
	return sd, nil
}

func (r docRepo) encode(s Spec) ([]byte, error) {
	sd, err := r.seal(s)
	if err != nil {
		return nil, err
	}
	return json.Marshal(sd)
}

// migrate seals the clear-text credentials of stored sources, all in one
// transaction.
func (r docRepo) migrate(ctx context.Context, specs map[string]Spec) error {
	docs := make(map[string][]byte, len(specs))
	for name, s := range specs {
		body, err := r.encode(s)
		if err != nil {
			return fmt.Errorf("encrypting stored credentials: %w", err)
		}
		docs[name] = body
	}
	if err := r.d.PutDocuments(ctx, docKind, docs); err != nil {
		return fmt.Errorf("encrypting stored credentials: %w", err)
	}
	// The old text may outlive the rewrite in the file's free blocks
	// until DuckDB reuses them, and older versions made the file readable
	// by every user: only new credentials make the old ones worthless.
	r.log.Warn("encrypted the clear-text credentials of stored sources; rotate them: the database file may hold the old text in unused space, and was readable by other users before this version",
		"sources", len(docs))
	return nil
}

func (r docRepo) SaveSource(ctx context.Context, s Spec) error {
	body, err := r.encode(s)
	if err != nil {
		return err
	}
	return r.d.PutDocument(ctx, docKind, s.Name, body)
}

func (r docRepo) DeleteSource(ctx context.Context, name string) error {
	return r.d.DeleteDocument(ctx, docKind, name)
}
