package duckdb

import (
	"context"
	"fmt"
)

// Small JSON documents that domain packages keep beside the costs (the
// sources added through the API), by kind and name. The store does not
// read them: each package owns its document's shape.
const documentsSQL = `CREATE TABLE IF NOT EXISTS documents (kind VARCHAR NOT NULL, name VARCHAR NOT NULL, body VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`

// Documents returns the documents of one kind by name.
func (s *Store) Documents(ctx context.Context, kind string) (map[string][]byte, error) {
	out := map[string][]byte{}
	rows, err := s.db.QueryContext(ctx, `SELECT name, body FROM documents WHERE kind = ? ORDER BY name`, kind)
	if err != nil {
		return nil, fmt.Errorf("reading %s documents: %w", kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, body string
		if err := rows.Scan(&name, &body); err != nil {
			return nil, err
		}
		out[name] = []byte(body)
	}
	return out, rows.Err()
}

// PutDocument inserts or replaces a document.
func (s *Store) PutDocument(ctx context.Context, kind, name string, body []byte) error {
	return s.PutDocuments(ctx, kind, map[string][]byte{name: body})
}

// PutDocuments inserts or replaces documents of one kind in one
// transaction.
func (s *Store) PutDocuments(ctx context.Context, kind string, docs map[string][]byte) error {
	defer s.changed()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for name, body := range docs {
		if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE kind = ? AND name = ?`, kind, name); err != nil {
			return fmt.Errorf("replacing %s document %s: %w", kind, name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents (kind, name, body) VALUES (?, ?, ?)`, kind, name, string(body)); err != nil {
			return fmt.Errorf("replacing %s document %s: %w", kind, name, err)
		}
	}
	return tx.Commit()
}

// DeleteDocument removes a document; a missing one is not an error.
func (s *Store) DeleteDocument(ctx context.Context, kind, name string) error {
	defer s.changed()
	_, err := s.db.ExecContext(ctx, `DELETE FROM documents WHERE kind = ? AND name = ?`, kind, name)
	return err
}
