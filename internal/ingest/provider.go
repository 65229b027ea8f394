package ingest

import (
	"fmt"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/aws"
	"github.com/tally-cost/tally/internal/ingest/azure"
	"github.com/tally-cost/tally/internal/ingest/focus"
	"github.com/tally-cost/tally/internal/ingest/gcp"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// Providers lists the --provider values.
var Providers = []string{"aws", "azure", "gcp", "focus"}

type provider struct {
	resolve resolver
	mapper  func(file string, header []string) (tabular.Mapper, error)
	// jsonlHeader fixes the columns of JSON-lines files, whose rows need
	// not carry every key; nil takes the first row's keys.
	jsonlHeader []string
}

func providerFor(name string) (provider, error) {
	switch name {
	case "aws":
		return provider{resolve: aws.ResolveFiles, mapper: func(_ string, h []string) (tabular.Mapper, error) { return aws.NewMapper(h) }}, nil
	case "azure":
		return provider{resolve: azure.ResolveFiles, mapper: func(f string, h []string) (tabular.Mapper, error) {
			return azure.NewMapper(h, azure.KindFromName(f))
		}}, nil
	case "gcp":
		return provider{mapper: func(_ string, h []string) (tabular.Mapper, error) { return gcp.NewMapper(h) }, jsonlHeader: gcp.Columns}, nil
	case "focus":
		return provider{mapper: func(_ string, h []string) (tabular.Mapper, error) { return focus.NewMapper(h) }}, nil
	}
	return provider{}, fmt.Errorf("%w: unknown provider %q (want aws, azure, gcp or focus)", cost.ErrInvalid, name)
}
