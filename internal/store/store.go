// Package store declares Tally's two storage contracts, in this file:
// the cost store (Store: atomic, replacing imports of line items as
// snapshots, answers to query.Query, line items one by one, deletes) and
// the state store (StateStore: documents and tenants). store/duckdb is
// the embedded default and implements both; a ClickHouse cost store will
// satisfy Store and pass the same conformance suite (storetest), paired
// with a state store. internal/storage opens them from a --db URL.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/tenant"
)

// Sentinel errors; callers use errors.Is.
var (
	ErrNotFound = errkind.NotFound.New("not found")
	// ErrClosed is returned by an Import used after Commit or Fail.
	ErrClosed = errors.New("import already finished")
)

// Status is the life-cycle state of a snapshot.
type Status string

// The snapshot states. Only complete snapshots are visible to queries;
// a newer complete snapshot of the same source and billing period turns
// the older one superseded.
const (
	StatusLoading    Status = "loading"
	StatusComplete   Status = "complete"
	StatusSuperseded Status = "superseded"
	StatusFailed     Status = "failed"
	// StatusDeleted marks a snapshot an administrator removed; its rows
	// are gone and the record stays for the audit trail.
	StatusDeleted Status = "deleted"
)

// Snapshot is one import of one billing period from one source.
type Snapshot struct {
	ID                 int64
	ImportID           int64
	Source             string
	Provider           string
	BillingPeriodStart time.Time // zero for an import without rows
	BillingPeriodEnd   time.Time
	Status             Status
	Rows               int64
	Error              string
	Files              []string
	CreatedAt          time.Time
	CommittedAt        time.Time // zero until committed
	Totals             []Total   // one per billing currency
	// RunID and ReportDate name the export run the snapshot imported
	// (Run.ID and Run.End); empty without a manifest.
	RunID      string
	ReportDate time.Time
}

// Total is the sum of every metric of a snapshot in one currency.
type Total struct {
	Currency string
	Values   [cost.NumMetrics]decimal.Decimal
}

// ImportSpec describes an import about to start.
type ImportSpec struct {
	Source   string
	Provider string
	Files    []string
	// Runs name the export runs the files come from, by billing period
	// (Azure's manifests); each snapshot records its period's run.
	Runs []Run
	// Periods are billing periods the import covers whether or not it
	// appends rows to them: each gets a snapshot, empty when no row falls
	// in it, which supersedes the previous one at Commit. This is how a
	// period that no longer has data is restated (the rating processor
	// re-rates an hour in which nothing ran).
	Periods []cost.Window
}

// Run is one export run of a billing period.
type Run struct {
	PeriodStart time.Time
	ID          string
	End         time.Time // the run's data end date; zero when unknown
}

// SnapshotFilter selects snapshots to list; zero Source, Status and ID
// match all.
type SnapshotFilter struct {
	Source string
	Status Status
	ID     int64
	// Provider, when set, lists only the snapshots of this provider (as
	// its imports named it, in any case).
	Provider string
	// Limit, when positive, lists at most the Limit newest snapshots:
	// rated usage alone makes one snapshot per scope and hour.
	Limit int
	// ExcludeProviders leaves out the snapshots of these providers (as
	// their imports named them, in any case: "aws", "rating"): the rating processor
	// commits one snapshot per scope and hour, which a dialect that
	// lists only its own cloud's snapshots need not read.
	ExcludeProviders []string
	// Scope must be given: its zero value lists nothing. scope.All()
	// lists every snapshot; a limited scope lists only snapshots holding
	// line items of its accounts, with Rows and Totals counting only
	// them, and leaves out snapshots without rows (empty or failed
	// imports), as nothing shows whose they are.
	Scope scope.Scope
	// SkipTotals leaves each snapshot's Totals nil (Rows is still
	// counted, in scope): a caller that reads neither, as Azure billing's
	// catalog of sources, does not pay for summing them per currency.
	SkipTotals bool
}

// Store is the cost store: every method is required, so that callers
// never probe a store for what it can do. A second engine (ClickHouse)
// implements all of it and passes storetest, or it is not a cost store.
type Store interface {
	// BeginImport starts an import. Nothing it appends is visible until
	// Commit; a process killed before Commit leaves the previous snapshots
	// visible and the interrupted ones marked failed when the store is
	// next opened.
	BeginImport(ctx context.Context, spec ImportSpec) (Import, error)
	Snapshots(ctx context.Context, f SnapshotFilter) ([]Snapshot, error)
	// Stream answers q row by row (see query.Streamer; query.Collect
	// gathers a small answer into memory).
	Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error)
	// Entries lists line items one by one (entries.go): it calls fn for
	// each entry in ID order, streaming, and returns the number of
	// entries the query matches before Limit and Offset.
	Entries(ctx context.Context, q EntryQuery, fn func(*Entry) error) (int64, error)
	// DeleteSnapshot removes a snapshot's rows and marks it deleted. When
	// it was the visible snapshot of its (source, billing period), the
	// newest superseded one becomes visible again, in the same
	// transaction: deleting a bad run restores the previous data. A
	// snapshot still loading is ErrConflict; an unknown one ErrNotFound.
	DeleteSnapshot(ctx context.Context, id int64) (Snapshot, error)
	// DeleteSnapshots deletes several snapshots, in order, each as
	// DeleteSnapshot does, sharing the clean-up that follows a delete
	// (retention prunes many at once). Ids not found, or deleted
	// already, are skipped; at another error it stops and returns the
	// snapshots it deleted before, with the error.
	DeleteSnapshots(ctx context.Context, ids []int64) ([]Snapshot, error)
	// Ping reports whether the store answers (the server's readiness).
	Ping(ctx context.Context) error
	Generation
	Close() error
}

// Generation is the data generation of a store: a number that grows
// (never returns to a value it had, restarts included) after every change
// that can change an answer, and stays the same while nothing changes.
// Conditional requests and the response cache key on it; a change must
// be visible to readers before the generation that counts it is, so a
// store bumps it after the change commits.
//
// SettledGeneration counts the same changes but those that show only in
// listings of unsettled snapshots: an import declaring its snapshots and
// appending to them (loading), and an import failing (failed). Those
// snapshots hold no visible costs, so an answer that reads no listing of
// them (every cost question; a listing of complete snapshots) stays
// current while only they change, and a cache keyed on it keeps serving
// through an import until it commits. It grows whenever a change other
// than those is made, never returns to an old value either, and is
// never above Generation.
type Generation interface {
	Generation(ctx context.Context) (uint64, error)
	SettledGeneration(ctx context.Context) (uint64, error)
}

// StateStore keeps Tally's own state, as opposed to its costs: the
// documents of domain packages and the tenants (organizations,
// customers, API keys, audit log). It is a contract of its own so that a
// cost store built for volume (ClickHouse) can be paired with a state
// store built for small transactional writes; store/duckdb implements
// both, in one file. Opening and closing belong to whoever pairs them
// (internal/storage).
type StateStore interface {
	DocStore
	tenant.Repo
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Generation grows after every document or tenant write.
	Generation
}

// DocStore keeps small JSON documents by kind and name, for domain
// packages that own their documents' shape (the pipeline's sources, the
// registry's entries). It is the document half of StateStore, named so
// that those packages ask for no more than they use.
type DocStore interface {
	Documents(ctx context.Context, kind string) (map[string][]byte, error)
	PutDocument(ctx context.Context, kind, name string, body []byte) error
	// PutDocuments inserts or replaces several documents of one kind in
	// one transaction (a migration rewrites all or none).
	PutDocuments(ctx context.Context, kind string, docs map[string][]byte) error
	DeleteDocument(ctx context.Context, kind, name string) error
}

// ErrConflict is returned for an operation the object's state forbids.
var ErrConflict = errkind.Conflict.New("conflict")

// Import streams the line items of one import. Items are grouped into one
// snapshot per billing period as they arrive.
type Import interface {
	Append(li *cost.LineItem) error
	// Commit makes the import's snapshots visible, superseding the
	// previous complete snapshot of each (source, billing period), in one
	// transaction.
	Commit(ctx context.Context) ([]Snapshot, error)
	// Fail discards the appended rows and marks the snapshots failed with
	// cause.
	Fail(ctx context.Context, cause error) error
}
