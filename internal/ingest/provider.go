package ingest

import (
	"fmt"
	"io/fs"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/aws"
	"github.com/tally-cost/tally/internal/ingest/azure"
	"github.com/tally-cost/tally/internal/ingest/focus"
	"github.com/tally-cost/tally/internal/ingest/gcp"
	"github.com/tally-cost/tally/internal/ingest/tabular"
	"github.com/tally-cost/tally/internal/store"
)

// Providers lists the --provider values.
var Providers = []string{"aws", "azure", "gcp", "focus"}

type provider struct {
	resolve resolver
	mapper  func(file string, header []string) (tabular.Mapper, error)
	// jsonlHeader fixes the columns of JSON-lines files, whose rows need
	// not carry every key; nil takes the first row's keys.
	jsonlHeader []string
	// history, when set, lists every export run of a delivery folder
	// (Azure manifests), oldest first within a billing period; each run
	// is imported as a snapshot of its own (history.go).
	history func(fsys fs.FS, dir string) ([]exportRun, error)
}

// exportRun is one run of a provider's export: the run the snapshots
// record, the group of runs it supersedes (its billing period folder) and
// its files, relative to the folder listed.
type exportRun struct {
	run   store.Run
	group string
	files []string
}

// azureHistory adapts azure.History.
func azureHistory(fsys fs.FS, dir string) ([]exportRun, error) {
	runs, err := azure.History(fsys, dir)
	out := make([]exportRun, len(runs))
	for i, r := range runs {
		out[i] = exportRun{run: store.Run{PeriodStart: r.PeriodStart, ID: r.ID, End: r.End}, group: r.Group, files: r.Files}
	}
	return out, err
}

func providerFor(name string) (provider, error) {
	switch name {
	case "aws":
		return provider{resolve: aws.ResolveFiles, mapper: func(_ string, h []string) (tabular.Mapper, error) { return aws.NewMapper(h) }}, nil
	case "azure":
		return provider{resolve: azure.ResolveFiles, history: azureHistory, mapper: func(f string, h []string) (tabular.Mapper, error) {
			return azure.NewMapper(h, azure.KindFromName(f))
		}}, nil
	case "gcp":
		return provider{mapper: func(_ string, h []string) (tabular.Mapper, error) { return gcp.NewMapper(h) }, jsonlHeader: gcp.Columns}, nil
	case "focus":
		return provider{mapper: func(_ string, h []string) (tabular.Mapper, error) { return focus.NewMapper(h) }}, nil
	}
	return provider{}, fmt.Errorf("%w: unknown provider %q (want aws, azure, gcp or focus)", cost.ErrInvalid, name)
}
