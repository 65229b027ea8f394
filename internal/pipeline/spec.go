package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/source"
	"github.com/tally-cost/tally/internal/textcheck"
)

// ErrInvalid marks a source specification that cannot work.
var ErrInvalid = errkind.Invalid.New("invalid source")

// DefaultRefresh is how often a source is re-read when its spec does not
// say: OpenCost's refresh rate.
const DefaultRefresh = 6 * time.Hour

// Spec configures one source: where its exports are, which provider's
// format they are in, and how often to refresh it.
type Spec struct {
	// Name is the snapshots' source name and the ETL endpoints' key.
	Name     string        `json:"name"`
	Provider string        `json:"provider"`
	Format   string        `json:"format,omitempty"`
	Location source.Config `json:"location"`
	// Refresh is a Go duration ("6h", "30m"); empty means DefaultRefresh.
	Refresh string `json:"refresh,omitempty"`
	// FromFile marks sources of the configuration file, which the API
	// cannot change.
	FromFile bool `json:"-"`
	// locked says why a stored source cannot run: its credentials could
	// not be decrypted (DocRepo).
	locked error
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate checks the spec and returns its refresh period.
func (s Spec) Validate() (time.Duration, error) {
	refresh, err := s.validateSchedule()
	if err != nil {
		return 0, err
	}
	if err := checkLocationText(s.Location); err != nil {
		return 0, fmt.Errorf("%w: source %s: %w", ErrInvalid, s.Name, err)
	}
	if err := s.Location.Validate(); err != nil {
		return 0, fmt.Errorf("%w: source %s: %w", ErrInvalid, s.Name, err)
	}
	return refresh, nil
}

// validateSchedule checks everything but the location, which a locked
// source cannot have checked (its credentials are sealed), and returns
// the refresh period.
func (s Spec) validateSchedule() (time.Duration, error) {
	if !nameRE.MatchString(s.Name) {
		return 0, fmt.Errorf("%w: name %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", ErrInvalid, s.Name)
	}
	switch s.Provider {
	case "aws", "azure", "gcp", "focus":
	default:
		return 0, fmt.Errorf("%w: source %s: provider %q is not aws, azure, gcp or focus", ErrInvalid, s.Name, s.Provider)
	}
	switch s.Format {
	case "", "auto", "csv", "parquet", "jsonl":
	default:
		return 0, fmt.Errorf("%w: source %s: format %q is not auto, csv, parquet or jsonl", ErrInvalid, s.Name, s.Format)
	}
	refresh := DefaultRefresh
	if s.Refresh != "" {
		d, err := time.ParseDuration(s.Refresh)
		if err != nil || d < time.Minute {
			return 0, fmt.Errorf("%w: source %s: refresh %q is not a duration of at least 1m", ErrInvalid, s.Name, s.Refresh)
		}
		refresh = d
	}
	return refresh, nil
}

// checkLocationText bounds the location's text fields as free text
// (textcheck.Description: 4,096 characters of UTF-8, line breaks allowed
// as in an inline JSON credential): a spec is stored, its URL shown in
// source lists and in the audit log.
func checkLocationText(c source.Config) error {
	for _, f := range c.TextFields() {
		if _, err := textcheck.Description("location."+f.Name, *f.Value); err != nil {
			return err
		}
	}
	return nil
}

// Config is the pipeline part of Tally's configuration file.
type Config struct {
	// CacheDir holds the local mirror of every source; empty means a
	// folder beside the database.
	CacheDir string `json:"cacheDir,omitempty"`
	Sources  []Spec `json:"sources"`
	// Retention prunes the sources' superseded snapshots after each run;
	// the zero value is the default policy (Retention).
	Retention Retention `json:"retention"`
	// ExchangeRates is the file's exchangeRates section, read by the
	// server (internal/rates.Config), not by the pipeline: kept raw here
	// so that the file is read, and its unknown fields refused, once.
	ExchangeRates json.RawMessage `json:"exchangeRates,omitempty"`
	// Rating is the file's rating section (CloudKitty's processor),
	// read by the server and by tally rate (rating.ParseFileConfig),
	// kept raw for the same reason.
	Rating json.RawMessage `json:"rating,omitempty"`
	// Audit, when set, records each snapshot the retention policy
	// removes in the audit log, as deletions through the APIs are.
	Audit func(ctx context.Context, action, object, id, detail string) error `json:"-"`
	// Redactor removes the sources' secrets from statuses and logs; the
	// runner adds each source's secrets to it. Give the one the process
	// log uses, so that other log lines lose them too; nil: the runner
	// makes its own.
	Redactor *secret.Redactor `json:"-"`
}

// LoadConfig reads a JSON configuration file. Unknown fields are errors,
// so that a misspelt option never silently does nothing.
func LoadConfig(path string) (Config, error) {
	var c Config
	f, err := os.Open(path)
	if err != nil {
		return c, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("reading %s: %w", path, err)
	}
	seen := map[string]bool{}
	for i := range c.Sources {
		c.Sources[i].FromFile = true
		if _, err := c.Sources[i].Validate(); err != nil {
			return c, fmt.Errorf("%s: %w", path, err)
		}
		if seen[c.Sources[i].Name] {
			return c, fmt.Errorf("%s: %w: source %s is configured twice", path, ErrInvalid, c.Sources[i].Name)
		}
		seen[c.Sources[i].Name] = true
	}
	return c, nil
}

// Repo persists the sources added through the API.
type Repo interface {
	LoadSources(ctx context.Context) ([]Spec, error)
	SaveSource(ctx context.Context, s Spec) error
	DeleteSource(ctx context.Context, name string) error
}
