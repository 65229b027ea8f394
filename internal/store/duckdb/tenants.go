package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/tenant"
)

// tenantSchemaSQL holds the tenant state beside the costs, in the same
// file: one file to back up, and changes that commit atomically. Tables
// have no primary keys because DuckDB checks them eagerly within a
// transaction that deletes and reinserts a row; ApplyTenants replaces
// rows by deleting them first.
var tenantSchemaSQL = []string{
	`CREATE SEQUENCE IF NOT EXISTS tenant_key_ids START 1`,
	// Organization 1 is the default organization, created by tenant.Open.
	`CREATE SEQUENCE IF NOT EXISTS tenant_org_ids START 2`,
	`CREATE SEQUENCE IF NOT EXISTS tenant_customer_ids START 1`,
	`CREATE SEQUENCE IF NOT EXISTS tenant_audit_ids START 1`,
	`CREATE TABLE IF NOT EXISTS tenant_keys (
  id BIGINT NOT NULL, public_id VARCHAR NOT NULL, digest BLOB NOT NULL, name VARCHAR NOT NULL,
  role VARCHAR NOT NULL, org_id BIGINT NOT NULL, customer_id BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)`,
	`CREATE TABLE IF NOT EXISTS tenant_orgs (
  id BIGINT NOT NULL, parent_id BIGINT NOT NULL, name VARCHAR NOT NULL, description VARCHAR NOT NULL,
  is_default BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS tenant_org_accounts (org_id BIGINT NOT NULL, kind VARCHAR NOT NULL, account_id VARCHAR NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS tenant_customers (
  id BIGINT NOT NULL, name VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS tenant_customer_accounts (customer_id BIGINT NOT NULL, account_id VARCHAR NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS audit_log (
  id BIGINT NOT NULL, logged_at TIMESTAMP NOT NULL, key_id BIGINT NOT NULL, actor VARCHAR NOT NULL,
  action VARCHAR NOT NULL, object VARCHAR NOT NULL, object_id VARCHAR NOT NULL, detail VARCHAR NOT NULL)`,
}

var tenantSequences = map[string]string{
	"key": "tenant_key_ids", "org": "tenant_org_ids", "customer": "tenant_customer_ids", "audit": "tenant_audit_ids",
}

// NextTenantID implements tenant.Repo.
func (s *Store) NextTenantID(ctx context.Context, kind string) (int64, error) {
	seq, ok := tenantSequences[kind]
	if !ok {
		return 0, fmt.Errorf("no id sequence for %q", kind)
	}
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT nextval('`+seq+`')`).Scan(&id)
	return id, err
}

// LoadTenants implements tenant.Repo.
func (s *Store) LoadTenants(ctx context.Context) (tenant.State, error) {
	var st tenant.State
	err := s.each(ctx, `SELECT id, public_id, digest, name, role, org_id, customer_id, created_at, revoked_at FROM tenant_keys ORDER BY id`,
		func(r *sql.Rows) error {
			var k tenant.Key
			var role string
			var revoked sql.NullTime
			if err := r.Scan(&k.ID, &k.Public, &k.Digest, &k.Name, &role, &k.OrgID, &k.CustomerID, &k.CreatedAt, &revoked); err != nil {
				return err
			}
			k.Role, k.RevokedAt = tenant.Role(role), revoked.Time
			st.Keys = append(st.Keys, k)
			return nil
		})
	if err != nil {
		return st, err
	}
	orgAt := map[int64]int{}
	err = s.each(ctx, `SELECT id, parent_id, name, description, is_default, created_at, updated_at FROM tenant_orgs ORDER BY id`,
		func(r *sql.Rows) error {
			o := tenant.Org{Accounts: tenant.Accounts{}}
			if err := r.Scan(&o.ID, &o.ParentID, &o.Name, &o.Description, &o.Default, &o.CreatedAt, &o.UpdatedAt); err != nil {
				return err
			}
			orgAt[o.ID] = len(st.Orgs)
			st.Orgs = append(st.Orgs, o)
			return nil
		})
	if err != nil {
		return st, err
	}
	err = s.each(ctx, `SELECT org_id, kind, account_id FROM tenant_org_accounts ORDER BY org_id, kind, account_id`,
		func(r *sql.Rows) error {
			var id int64
			var kind, acc string
			if err := r.Scan(&id, &kind, &acc); err != nil {
				return err
			}
			if i, ok := orgAt[id]; ok {
				k := tenant.AccountKind(kind)
				st.Orgs[i].Accounts[k] = append(st.Orgs[i].Accounts[k], acc)
			}
			return nil
		})
	if err != nil {
		return st, err
	}
	custAt := map[int64]int{}
	err = s.each(ctx, `SELECT id, name, created_at, updated_at FROM tenant_customers ORDER BY id`,
		func(r *sql.Rows) error {
			c := tenant.Customer{Accounts: []string{}}
			if err := r.Scan(&c.ID, &c.Name, &c.CreatedAt, &c.UpdatedAt); err != nil {
				return err
			}
			custAt[c.ID] = len(st.Customers)
			st.Customers = append(st.Customers, c)
			return nil
		})
	if err != nil {
		return st, err
	}
	err = s.each(ctx, `SELECT customer_id, account_id FROM tenant_customer_accounts ORDER BY customer_id, account_id`,
		func(r *sql.Rows) error {
			var id int64
			var acc string
			if err := r.Scan(&id, &acc); err != nil {
				return err
			}
			if i, ok := custAt[id]; ok {
				st.Customers[i].Accounts = append(st.Customers[i].Accounts, acc)
			}
			return nil
		})
	return st, err
}

func (s *Store) each(ctx context.Context, q string, f func(*sql.Rows) error, args ...any) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("loading tenants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ApplyTenants implements tenant.Repo in one transaction.
func (s *Store) ApplyTenants(ctx context.Context, c tenant.Change) error {
	defer s.changed()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) {
		if err == nil {
			_, err = tx.ExecContext(ctx, q, args...)
		}
	}
	for _, k := range c.Keys {
		exec(`DELETE FROM tenant_keys WHERE id = ?`, k.ID)
		exec(`INSERT INTO tenant_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, k.Public, k.Digest, k.Name,
			string(k.Role), k.OrgID, k.CustomerID, k.CreatedAt, nullTime(k.RevokedAt))
	}
	for _, o := range c.Orgs {
		exec(`DELETE FROM tenant_orgs WHERE id = ?`, o.ID)
		exec(`DELETE FROM tenant_org_accounts WHERE org_id = ?`, o.ID)
		exec(`INSERT INTO tenant_orgs VALUES (?, ?, ?, ?, ?, ?, ?)`, o.ID, o.ParentID, o.Name, o.Description, o.Default, o.CreatedAt, o.UpdatedAt)
		for _, kind := range tenant.AccountKinds {
			for _, a := range o.Accounts[kind] {
				exec(`INSERT INTO tenant_org_accounts VALUES (?, ?, ?)`, o.ID, string(kind), a)
			}
		}
	}
	for _, id := range c.DeleteOrgs {
		exec(`DELETE FROM tenant_orgs WHERE id = ?`, id)
		exec(`DELETE FROM tenant_org_accounts WHERE org_id = ?`, id)
	}
	for _, cu := range c.Customers {
		exec(`DELETE FROM tenant_customers WHERE id = ?`, cu.ID)
		exec(`DELETE FROM tenant_customer_accounts WHERE customer_id = ?`, cu.ID)
		exec(`INSERT INTO tenant_customers VALUES (?, ?, ?, ?)`, cu.ID, cu.Name, cu.CreatedAt, cu.UpdatedAt)
		for _, a := range cu.Accounts {
			exec(`INSERT INTO tenant_customer_accounts VALUES (?, ?)`, cu.ID, a)
		}
	}
	for _, id := range c.DeleteCustomers {
		exec(`DELETE FROM tenant_customers WHERE id = ?`, id)
		exec(`DELETE FROM tenant_customer_accounts WHERE customer_id = ?`, id)
	}
	for _, a := range c.Audit {
		exec(`INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Time, a.KeyID, a.Actor, a.Action, a.Object, a.ObjectID, a.Detail)
	}
	if err != nil {
		return err
	}
	return tx.Commit()
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// Audit implements tenant.Repo: newest first.
func (s *Store) Audit(ctx context.Context, f tenant.AuditFilter) ([]tenant.AuditEntry, error) {
	where := []string{"true"}
	var args []any
	if f.Object != "" {
		where, args = append(where, "object = ?"), append(args, f.Object)
	}
	if f.ObjectID != "" {
		where, args = append(where, "object_id = ?"), append(args, f.ObjectID)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "logged_at >= ?"), append(args, f.Since)
	}
	q := `SELECT id, logged_at, key_id, actor, action, object, object_id, detail FROM audit_log WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	var out []tenant.AuditEntry
	err := s.each(ctx, q, func(r *sql.Rows) error {
		var e tenant.AuditEntry
		if err := r.Scan(&e.ID, &e.Time, &e.KeyID, &e.Actor, &e.Action, &e.Object, &e.ObjectID, &e.Detail); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}, args...)
	return out, err
}
