package hashmap

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// Storage precision upstream (since 17.0.0): cost is Numeric(40,28) and
// level Numeric(20,8). Values that do not fit are refused here rather than
// rounded by a database, so that the price a user posted is the price
// charged.
const (
	CostScale  = 28
	LevelScale = 8
	costInt    = 40 - CostScale
	levelInt   = 20 - LevelScale
)

// The 400 texts of upstream's hashmap API (spec §6.2). The API layer
// renders err.Error() of the errors below, which end with these texts.
const (
	msgOneParent    = "You can only specify one parent."
	msgNoParent     = "You must specify one parent."
	msgValueService = "You can't specify a value and a service_id."
	msgFieldValue   = "You must specify a value for a field mapping."
)

// invalid wraps cost.ErrInvalid while keeping msg as the whole visible
// text, so the API can echo upstream's message verbatim.
type invalid struct{ msg string }

func (e *invalid) Error() string { return e.msg }
func (e *invalid) Unwrap() error { return cost.ErrInvalid }

func invalidf(format string, a ...any) error { return &invalid{msg: fmt.Sprintf(format, a...)} }

// ValidateParents checks that a mapping or threshold has exactly one
// parent: a service or a field (a group is not a parent).
func ValidateParents(serviceID, fieldID string) error {
	switch {
	case serviceID != "" && fieldID != "":
		return invalidf("%s", msgOneParent)
	case serviceID == "" && fieldID == "":
		return invalidf("%s", msgNoParent)
	}
	return nil
}

// ValidateMapping checks a mapping's shape in upstream's order: one
// parent, no value on a service mapping, a value on a field mapping, a
// known type, and (≥23) an end not before the start.
func ValidateMapping(m Mapping) error {
	if err := ValidateParents(m.ServiceID, m.FieldID); err != nil {
		return err
	}
	if m.ServiceID != "" && m.Value != "" {
		return invalidf("%s", msgValueService)
	}
	if m.FieldID != "" && m.Value == "" {
		return invalidf("%s", msgFieldValue)
	}
	if err := checkType(m.Type); err != nil {
		return err
	}
	return ValidateDates(m.Start, m.End)
}

// ValidateThreshold checks a threshold's parent and type.
func ValidateThreshold(t Threshold) error {
	if err := ValidateParents(t.ServiceID, t.FieldID); err != nil {
		return err
	}
	return checkType(t.Type)
}

// ValidateDates checks a dated rule: a set end must not precede the start.
// Zero times are "unset".
func ValidateDates(start, end time.Time) error {
	if !end.IsZero() && !start.IsZero() && end.Before(start) {
		return invalidf("The end date [%s] must be after the start date [%s].",
			end.UTC().Format("2006-01-02T15:04:05"), start.UTC().Format("2006-01-02T15:04:05"))
	}
	return nil
}

func checkType(t MapType) error {
	if t != Flat && t != Rate {
		return invalidf("Invalid input for field/attribute type. Value: '%s'. Value should be one of: flat, rate", string(t))
	}
	return nil
}

// ParseMapType reads the request's `type`; missing (empty) is flat, as
// upstream defaults it.
func ParseMapType(s string) (MapType, error) {
	if s == "" {
		return Flat, nil
	}
	t := MapType(s)
	if err := checkType(t); err != nil {
		return "", err
	}
	return t, nil
}

// ErrMissing marks a mandatory field that was not sent; it also wraps
// cost.ErrInvalid.
var ErrMissing = errors.New("mandatory field missing")

// ParseCost reads a mapping or threshold cost (JSON number or string,
// passed as its text). Empty means missing: cost is mandatory.
func ParseCost(s string) (decimal.Decimal, error) {
	return parseDecimal("cost", s, CostScale, costInt)
}

// ParseLevel reads a threshold level. Empty means missing: level is
// mandatory.
func ParseLevel(s string) (decimal.Decimal, error) {
	return parseDecimal("level", s, LevelScale, levelInt)
}

func parseDecimal(attr, s string, scale, intDigits int) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		// Upstream's (WSME's) wording for a missing mandatory attribute.
		return decimal.Zero, &missing{invalid{fmt.Sprintf("Invalid input for field/attribute %s. Value: 'None'. Mandatory field missing.", attr)}}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, invalidf("Invalid input for field/attribute %s. Value: '%s'. Not a decimal number.", attr, s)
	}
	if -d.Exponent() > int32(scale) && !d.Equal(d.Truncate(int32(scale))) {
		return decimal.Zero, invalidf("Invalid input for field/attribute %s. Value: '%s'. More than %d fractional digits.", attr, s, scale)
	}
	if d.Abs().GreaterThanOrEqual(decimal.New(1, int32(intDigits))) {
		return decimal.Zero, invalidf("Invalid input for field/attribute %s. Value: '%s'. Must be less than 10^%d in magnitude.", attr, s, intDigits)
	}
	return d, nil
}

// missing is an invalid that also matches ErrMissing.
type missing struct{ invalid }

func (e *missing) Is(target error) bool { return target == ErrMissing }

// FormatCost renders a cost as upstream echoes it: 28 fractional digits
// ("0.1000000000000000000000000000").
func FormatCost(d decimal.Decimal) string { return d.StringFixed(CostScale) }

// FormatLevel renders a level as upstream echoes it: 8 fractional digits
// ("50.00000000").
func FormatLevel(d decimal.Decimal) string { return d.StringFixed(LevelScale) }
