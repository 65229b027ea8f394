package store

import (
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
)

// EntryQuery selects line items one by one, as stored: the Azure billing
// API's cost entries, and any dialect that lists line items.
type EntryQuery struct {
	// Window limits entries by charge period start; zero means all time.
	Window    cost.Window
	Selection query.Selection
	Filter    filter.Expr
	// Mappings are the derived dimensions Filter may test (see
	// query.Mapping).
	Mappings map[cost.Dimension]query.Mapping
	// Scope must be given: its zero value lists nothing.
	Scope scope.Scope
	// Limit 0 means no limit.
	Limit, Offset int
	// ID, when not 0, lists at most the entry with this id (a lookup by
	// id reads its snapshot's rows at that position, not the snapshot).
	ID int64
}

// Entry is one stored line item.
type Entry struct {
	// ID is stable for the life of the snapshot: the snapshot id times
	// 2^32 plus the row's position in its import.
	ID         int64
	SnapshotID int64
	Source     string
	Item       cost.LineItem
}
