// Package pipeline keeps Tally's configured cloud sources up to date: it
// mirrors each source (a local folder, an S3 bucket, an Azure Blob
// container, a GCS bucket) and re-ingests the billing periods of a
// window, on a schedule and on demand (Kubecost's ETL rebuild and repair
// endpoints drive it), reporting progress per source.
package pipeline

import (
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/errkind"
)

// ErrUnknownSource is returned for a source key that is not configured.
var ErrUnknownSource = errkind.NotFound.New("unknown source")

// ConnectionStatus is OpenCost's vocabulary for the state of a billing
// integration.
type ConnectionStatus string

// The connection states, worded as OpenCost's status endpoint words them.
const (
	NoConnection         ConnectionStatus = "No Connection"
	InvalidConfiguration ConnectionStatus = "Invalid Configuration"
	FailedConnection     ConnectionStatus = "Failed Connection"
	ParseError           ConnectionStatus = "Parse Error"
	DataMissing          ConnectionStatus = "Data Missing"
	ConnectionSuccessful ConnectionStatus = "Connection Successful"
)

// SourceStatus is the state of one configured source.
type SourceStatus struct {
	Key      string // the source name: the snapshots' source and the ETL "provider" key
	Source   string // where it reads from, without secrets (e.g. s3://bucket/prefix)
	Provider string // aws, azure, gcp or focus
	Active   bool   // a run is in progress
	Valid    bool   // the configuration is usable
	Created  time.Time
	LastRun  time.Time // zero before the first run
	NextRun  time.Time
	// RefreshRate is the schedule's period.
	RefreshRate time.Duration
	Runs        int
	// Coverage is the range of billing periods the source's complete
	// snapshots cover; zero when it has none.
	Coverage         cost.Window
	ConnectionStatus ConnectionStatus
	// Config is the source's configuration with secrets removed.
	Config map[string]string
	// Progress of the current (or last) run, from 0 to 1.
	Progress float64
	Files    int   // files read by the current (or last) run
	Rows     int64 // rows read by the current (or last) run
	// LastError is the error of the last failed run, "" after a success.
	LastError string
	// Unchanged lists the billing periods (their first days) the current
	// (or last) scheduled run did not read again: their files had not
	// changed since they were imported.
	Unchanged []time.Time
	// KnownRuns counts the export runs the current (or last) run found
	// already imported.
	KnownRuns int
	// Pruned lists the superseded snapshots the last run's retention
	// policy removed.
	Pruned []Pruned
}
