package cost

import "strings"

// The ProviderName values of the three clouds' own exports, which their
// native readers store too.
const (
	ProviderAWS       = "AWS"
	ProviderMicrosoft = "Microsoft"
	ProviderGoogle    = "Google Cloud"
)

// providerSpellings maps the lower-cased spellings of the three clouds
// to their stored name: the CLI's (aws, azure, gcp), Kubecost's (Azure,
// GCP) and those FOCUS converters write ("Amazon Web Services, Inc.",
// "Microsoft Azure", "Google Cloud Platform").
var providerSpellings = map[string]string{
	"aws": ProviderAWS, "amazon": ProviderAWS, "amazon web services": ProviderAWS, "amazon web services, inc.": ProviderAWS,
	"azure": ProviderMicrosoft, "microsoft": ProviderMicrosoft, "microsoft azure": ProviderMicrosoft,
	"gcp": ProviderGoogle, "google": ProviderGoogle, "google cloud": ProviderGoogle, "google cloud platform": ProviderGoogle,
}

// StoredProvider returns the stored name (ProviderAWS, ProviderMicrosoft
// or ProviderGoogle) of a spelling of one of the three clouds, ignoring
// case and the spaces around it, and false for any other provider.
func StoredProvider(name string) (string, bool) {
	p, ok := providerSpellings[strings.ToLower(strings.TrimSpace(name))]
	return p, ok
}
