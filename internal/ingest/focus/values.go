package focus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/flatjson"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// cell returns column i of r trimmed, with the literal NULL (any case) that
// FOCUS exports write for null read as empty. Missing columns (i < 0) are
// empty too.
func cell(r *tabular.Row, i int) string {
	v := strings.TrimSpace(r.Get(i))
	if strings.EqualFold(v, "null") {
		return ""
	}
	return v
}

// parseTime reads a FOCUS date. Besides every spelling cost.ParseTime
// knows, it reads epoch timestamps, which AWS FOCUS exports write as
// milliseconds (and which Parquet INT64 columns without a timestamp
// annotation render as plain integers). The unit is told by the number
// of digits, which is unambiguous for any date between 1973 and 2286:
// 11–13 digits are milliseconds, 14–16 microseconds, 17–19 nanoseconds.
// Shorter all-digit strings stay dates (20240901 is a GCP partition
// date), so epoch seconds are not read.
func parseTime(s string) (time.Time, error) {
	if n := len(s); n >= 11 && n <= 19 && allDigits(s) {
		var v int64
		for i := 0; i < n; i++ {
			v = v*10 + int64(s[i]-'0')
		}
		switch {
		case n <= 13:
			return time.UnixMilli(v).UTC(), nil
		case n <= 16:
			return time.UnixMicro(v).UTC(), nil
		default:
			return time.Unix(0, v).UTC(), nil
		}
	}
	return cost.ParseTime(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// enum maps the folded spelling of each allowed value (enumKey) to the
// spec's casing.
type enum map[string]string

func newEnum(values ...string) enum {
	e := make(enum, len(values))
	for _, v := range values {
		e[enumKey(v)] = v
	}
	return e
}

// enumKey folds case, spaces, hyphens and underscores, so that
// "Usage-based", "usage based" and "USAGE_BASED" all find Usage-Based.
func enumKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r != ' ' && r != '-' && r != '_' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// The allowed values of FOCUS 1.2 (billing-formats.md §2.2).
var (
	chargeCategories     = newEnum("Usage", "Purchase", "Tax", "Credit", "Adjustment")
	chargeClasses        = newEnum("Correction")
	chargeFrequencies    = newEnum("One-Time", "Recurring", "Usage-Based")
	commitmentStatuses   = newEnum("Used", "Unused")
	commitmentCategories = newEnum("Spend", "Usage")
	pricingCategories    = func() enum {
		e := newEnum("Standard", "Dynamic", "Committed", "Other")
		// The pre-1.0 names of the same categories.
		e[enumKey("On-Demand")] = "Standard"
		e[enumKey("Commitment-Based")] = "Committed"
		return e
	}()
	serviceCategories = newEnum("AI and Machine Learning", "Analytics", "Business Applications", "Compute",
		"Databases", "Developer Tools", "Multicloud", "Identity", "Integration", "Internet of Things",
		"Management and Governance", "Media", "Migration", "Mobile", "Networking", "Security", "Storage",
		"Web", "Other")
)

// normEnum returns v in the spec's casing, or v itself when it is not an
// allowed value (kept so that nothing the bill says is lost).
func normEnum(e enum, v string) string {
	if c, ok := e[enumKey(v)]; ok {
		return c
	}
	return v
}

// chargeCategory returns the ChargeType and ChargeCategory of a row. A
// value outside the spec, or none, is kept as ChargeType and classified
// as Adjustment, so that the row is never dropped and still counts.
func chargeCategory(v string) (chargeType, category string) {
	if c, ok := chargeCategories[enumKey(v)]; ok && v != "" {
		return c, c
	}
	return v, "Adjustment"
}

// parseTags reads the FOCUS Tags JSON object into li.Tags. Keys are kept
// exactly as written: Microsoft's sample carries both "org" and " org",
// and trimming would merge two tags the provider keeps apart (and pick
// one value at random if they differed). String values are kept as they
// are, null as "", and other JSON values (true for a key-only tag,
// numbers, objects) as their compact JSON text. An object without its
// braces, as some Azure exports write tags, is read as if it had them.
func parseTags(s string, li *cost.LineItem) error {
	if s == "" {
		return nil
	}
	if s[0] != '{' {
		s = "{" + s + "}"
	}
	if members, ok := flatjson.Object(s); ok {
		// The common case without the decoder, read as it would be:
		// null as "", a repeated key keeping its last value.
		for _, m := range members {
			if m.Literal && m.Value == "null" {
				m.Value = ""
			}
			li.SetTag(m.Key, m.Value)
		}
		return nil
	}
	return decodeTags(s, li)
}

// decodeTags reads the Tags object s (with its braces) with encoding/json.
func decodeTags(s string, li *cost.LineItem) error {
	dec := json.NewDecoder(strings.NewReader(s))
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("%w: Tags is not a JSON object: %v", cost.ErrInvalid, err)
	}
	if rest := strings.TrimSpace(s[dec.InputOffset():]); rest != "" {
		return fmt.Errorf("%w: Tags has data after its JSON object", cost.ErrInvalid)
	}
	for k, raw := range m {
		v, err := tagValue(raw)
		if err != nil {
			return fmt.Errorf("%w: tag %q: %v", cost.ErrInvalid, k, err)
		}
		li.SetTag(k, v)
	}
	return nil
}

func tagValue(raw json.RawMessage) (string, error) {
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", errors.New("invalid JSON value")
	}
	return b.String(), nil
}
