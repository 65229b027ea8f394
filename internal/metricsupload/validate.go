package metricsupload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The asset types and the metric keys each accepts (the guide's table).
const (
	AssetInstance   = "aws:ec2:instance"
	AssetFileSystem = "aws:ec2:instance:fs"

	KeyAssetID   = "assetId"
	KeyTimestamp = "timestamp"
)

var metricKeys = map[string][]string{
	AssetInstance:   expand("cpu:used:percent", "memory:free:bytes", "memory:size:bytes", "memory:used:percent"),
	AssetFileSystem: expand("fs:size:bytes", "fs:used:bytes"),
}

func expand(bases ...string) []string {
	var keys []string
	for _, b := range bases {
		keys = append(keys, b+".avg", b+".min", b+".max")
	}
	return keys
}

// MetricKeys returns the metric keys an asset type accepts (nil for an
// unknown type), besides assetId and timestamp.
func MetricKeys(assetType string) []string { return slices.Clone(metricKeys[assetType]) }

// MaxAge is how far back an upload may reach: the guide's 8 days.
const MaxAge = 8 * 24 * time.Hour

// Response is the answer to an upload, 200 for success and partial
// failure alike. Failed counts rejected rows, those of a dataset refused
// whole included.
type Response struct {
	Succeeded int             `json:"succeeded"`
	Failed    int             `json:"failed"`
	Errors    []string        `json:"errors"`
	Datasets  []DatasetResult `json:"datasets"`
}

// DatasetResult is one dataset's outcome. The guide's example spells the
// count "succeeeded"; its format description and the top level spell it
// right, which is what is rendered.
type DatasetResult struct {
	Succeeded int       `json:"succeeded"`
	Errors    []string  `json:"errors"`
	Failures  []Failure `json:"failures"`
}

// Failure is one rejected row and why; Row is the row as sent.
type Failure struct {
	Error string          `json:"error"`
	Row   json.RawMessage `json:"row"`
}

// Sample is one accepted row: an asset's metrics for the hour starting at
// Time. A metric sent as null is absent from Values.
type Sample struct {
	AssetType string
	Asset     AssetID
	Time      time.Time
	Values    map[string]decimal.Decimal
}

// AssetID is the compact asset form <region>:<account>:<instance>, with
// :<mount point> for a file system.
type AssetID struct {
	Region, Account, Instance, MountPoint string
}

// String renders the compact form.
func (a AssetID) String() string {
	s := a.Region + ":" + a.Account + ":" + a.Instance
	if a.MountPoint != "" {
		s += ":" + a.MountPoint
	}
	return s
}

// Result is what Validate returns: the response and the accepted rows,
// which the caller stores unless the request is a dryrun.
type Result struct {
	Response Response
	Samples  []Sample
}

// Validate checks every dataset and row against now (the 8 days and the
// future are counted from it). A dataset whose metadata is wrong fails
// whole, with its rows counted as failed; otherwise each row stands
// alone and fails with the first rule it breaks.
func Validate(p Payload, now time.Time) Result {
	res := Result{Response: Response{Errors: []string{}, Datasets: []DatasetResult{}}}
	for _, d := range p.Datasets {
		dr := DatasetResult{Errors: []string{}, Failures: []Failure{}}
		if errs := d.checkMetadata(); len(errs) > 0 {
			dr.Errors = errs
			res.Response.Failed += len(d.Rows)
			res.Response.Datasets = append(res.Response.Datasets, dr)
			continue
		}
		for _, row := range d.Rows {
			s, msg := d.checkRow(row, now)
			if msg != "" {
				dr.Failures = append(dr.Failures, Failure{Error: msg, Row: row})
				continue
			}
			dr.Succeeded++
			res.Samples = append(res.Samples, s)
		}
		res.Response.Succeeded += dr.Succeeded
		res.Response.Failed += len(dr.Failures)
		res.Response.Datasets = append(res.Response.Datasets, dr)
	}
	return res
}

// checkMetadata returns the dataset-level errors.
func (d Dataset) checkMetadata() []string {
	var errs []string
	allowed, ok := metricKeys[d.AssetType]
	if !ok {
		errs = append(errs, fmt.Sprintf("Unsupported assetType (%s); supported are %s and %s.", d.AssetType, AssetInstance, AssetFileSystem))
	}
	if d.Granularity != "hour" {
		errs = append(errs, fmt.Sprintf("Unsupported granularity (%s); only hour is supported.", d.Granularity))
	}
	for _, k := range []string{KeyAssetID, KeyTimestamp} {
		if !slices.Contains(d.Keys, k) {
			errs = append(errs, fmt.Sprintf("Missing key (%s).", k))
		}
	}
	seen := map[string]bool{}
	for _, k := range d.Keys {
		switch {
		case seen[k]:
			errs = append(errs, fmt.Sprintf("Duplicate key (%s).", k))
		case ok && k != KeyAssetID && k != KeyTimestamp && !slices.Contains(allowed, k):
			errs = append(errs, fmt.Sprintf("Unsupported key (%s) for assetType (%s).", k, d.AssetType))
		}
		seen[k] = true
	}
	return errs
}

var (
	regionRe   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountRe  = regexp.MustCompile(`^[0-9]{1,12}$`)
	instanceRe = regexp.MustCompile(`^i-[0-9a-z]+$`)
)

// checkRow validates one row of a dataset whose metadata is good and
// returns its sample, or the message of the first rule it breaks.
func (d Dataset) checkRow(row json.RawMessage, now time.Time) (Sample, string) {
	var cells []json.RawMessage
	if err := json.Unmarshal(row, &cells); err != nil {
		return Sample{}, "Row must be a list of values."
	}
	if len(cells) != len(d.Keys) {
		return Sample{}, fmt.Sprintf("Number of values (%d) must equal number of keys (%d).", len(cells), len(d.Keys))
	}
	s := Sample{AssetType: d.AssetType, Values: map[string]decimal.Decimal{}}
	for i, k := range d.Keys {
		cell := bytes.TrimSpace(cells[i])
		var msg string
		switch k {
		case KeyAssetID:
			s.Asset, msg = parseAssetID(cell, d.AssetType)
		case KeyTimestamp:
			s.Time, msg = parseTimestamp(cell, now)
		default:
			var v decimal.Decimal
			var present bool
			v, present, msg = parseValue(cell, k)
			if present {
				s.Values[k] = v
			}
		}
		if msg != "" {
			return Sample{}, msg
		}
	}
	return s, ""
}

func parseAssetID(cell json.RawMessage, assetType string) (AssetID, string) {
	want := "<region>:<account>:<instance>"
	parts := 3
	if assetType == AssetFileSystem {
		want += ":<mount point>"
		parts = 4
	}
	var s string
	if json.Unmarshal(cell, &s) != nil {
		return AssetID{}, fmt.Sprintf("Invalid assetId (%s); expected %s.", cell, want)
	}
	// A mount point may itself hold colons (C:\ on Windows), so only the
	// first three separate.
	f := strings.SplitN(s, ":", parts)
	if len(f) != parts || !regionRe.MatchString(f[0]) || !accountRe.MatchString(f[1]) || !instanceRe.MatchString(f[2]) ||
		(parts == 4 && f[3] == "") {
		return AssetID{}, fmt.Sprintf("Invalid assetId (%s); expected %s.", s, want)
	}
	a := AssetID{Region: f[0], Account: f[1], Instance: f[2]}
	if parts == 4 {
		a.MountPoint = f[3]
	}
	return a, ""
}

func parseTimestamp(cell json.RawMessage, now time.Time) (time.Time, string) {
	var s string
	if json.Unmarshal(cell, &s) != nil {
		return time.Time{}, fmt.Sprintf("Invalid timestamp (%s); expected ISO 8601 UTC such as 2015-06-03T01:00:00+00:00.", cell)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Sprintf("Invalid timestamp (%s); expected ISO 8601 UTC such as 2015-06-03T01:00:00+00:00.", s)
	}
	if _, off := t.Zone(); off != 0 {
		return time.Time{}, fmt.Sprintf("Timestamp (%s) is not in UTC.", s)
	}
	t = t.UTC()
	switch {
	case !t.Equal(t.Truncate(time.Hour)):
		return time.Time{}, fmt.Sprintf("Timestamp (%s) is not on the hour.", s)
	case t.After(now):
		return time.Time{}, fmt.Sprintf("Timestamp (%s) is in the future.", s)
	case t.Before(now.Add(-MaxAge)):
		return time.Time{}, fmt.Sprintf("Timestamp (%s) is more than 8 days old.", s)
	}
	return t, ""
}

// parseValue reads a metric: a JSON number, exact, or null for none.
// Percentages lie in 0–100 and byte counts are not negative; messages
// quote the number as written.
func parseValue(cell json.RawMessage, key string) (decimal.Decimal, bool, string) {
	if string(cell) == "null" {
		return decimal.Decimal{}, false, ""
	}
	var n json.Number
	if len(cell) == 0 || cell[0] == '"' || json.Unmarshal(cell, &n) != nil {
		return decimal.Decimal{}, false, fmt.Sprintf("Value (%s) for key (%s) is not a number.", cell, key)
	}
	v, err := decimal.NewFromString(n.String())
	if err != nil {
		return decimal.Decimal{}, false, fmt.Sprintf("Value (%s) for key (%s) is not a number.", cell, key)
	}
	switch {
	case strings.Contains(key, ":percent.") && v.GreaterThan(decimal.NewFromInt(100)):
		return decimal.Decimal{}, false, fmt.Sprintf("Percentage value (%s) is greater than 100.", n)
	case strings.Contains(key, ":percent.") && v.IsNegative():
		return decimal.Decimal{}, false, fmt.Sprintf("Percentage value (%s) is less than 0.", n)
	case v.IsNegative():
		return decimal.Decimal{}, false, fmt.Sprintf("Value (%s) for key (%s) is negative.", n, key)
	}
	return v, true, ""
}
