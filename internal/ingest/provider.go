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
	// runs, when set, names the export runs of a delivery folder (Azure
	// manifests), which the snapshots record.
	runs func(fsys fs.FS, dir string) ([]store.Run, error)
}

// azureRuns adapts azure.Runs.
func azureRuns(fsys fs.FS, dir string) ([]store.Run, error) {
	runs, err := azure.Runs(fsys, dir)
	out := make([]store.Run, len(runs))
	for i, r := range runs {
		out[i] = store.Run{PeriodStart: r.PeriodStart, ID: r.ID, End: r.End}
	}
	return out, err
}

func providerFor(name string) (provider, error) {
	switch name {
	case "aws":
		return provider{resolve: aws.ResolveFiles, mapper: func(_ string, h []string) (tabular.Mapper, error) { return aws.NewMapper(h) }}, nil
	case "azure":
		return provider{resolve: azure.ResolveFiles, runs: azureRuns, mapper: func(f string, h []string) (tabular.Mapper, error) {
			return azure.NewMapper(h, azure.KindFromName(f))
		}}, nil
	case "gcp":
		return provider{mapper: func(_ string, h []string) (tabular.Mapper, error) { return gcp.NewMapper(h) }, jsonlHeader: gcp.Columns}, nil
	case "focus":
		return provider{mapper: func(_ string, h []string) (tabular.Mapper, error) { return focus.NewMapper(h) }}, nil
	}
	return provider{}, fmt.Errorf("%w: unknown provider %q (want aws, azure, gcp or focus)", cost.ErrInvalid, name)
}
