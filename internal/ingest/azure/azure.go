// Package azure reads Azure cost and usage details exports (EA, EA portal /
// Cost Details API, MCA, MPA/partner, pay-as-you-go and the legacy usage
// layout, billing-formats.md §6) into cost.LineItem, and finds the files of
// the newest run of a partitioned export from its manifest.json (§6.12).
//
// An Azure export is either "actual" or "amortized" with the same columns;
// the difference is in the values (§6.8), so the mapper needs to be told
// which one it reads (Kind) to derive every metric from the single cost
// column a row carries.
package azure

import (
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// Kind says whether a file is an actual-cost or an amortized-cost export.
type Kind int

const (
	// KindAuto is used when the kind is not known; it reads like
	// KindActual, the export Azure calls "cost details" by default.
	KindAuto Kind = iota
	// KindActual is an ActualCost export: purchases appear when charged,
	// usage covered by a commitment costs 0.
	KindActual
	// KindAmortized is an AmortizedCost export: covered usage carries its
	// share of the commitment, purchase rows carry no cost, unused
	// commitment appears as UnusedReservation / UnusedSavingsPlan rows.
	KindAmortized
)

// String returns "auto", "actual" or "amortized".
func (k Kind) String() string {
	switch k {
	case KindAuto:
		return "auto"
	case KindActual:
		return "actual"
	case KindAmortized:
		return "amortized"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// KindFromName guesses the kind from a file, folder or export name: the
// default Azure export names ("ActualCost", "AmortizedCost") and the
// finops-toolkit samples ("EA_AmortizedCost_Small.csv") say it in the name.
// Anything else is KindAuto.
func KindFromName(name string) Kind {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "amortized"), strings.Contains(n, "amortised"):
		return KindAmortized
	case strings.Contains(n, "actual"):
		return KindActual
	}
	return KindAuto
}

// Detect reports whether header looks like an Azure cost export: it has
// the required cost and date columns and at least one column only Azure
// bills have (a subscription or meter column), so that a generic "Cost" +
// "Date" spreadsheet is not taken for one.
func Detect(header []string) bool {
	l := newLayout(header)
	return l.has(colCost) && l.has(colDate) &&
		(l.has(colSubscriptionID) || l.has(colMeterCategory) || l.has(colMeterID))
}

// NewMapper returns the mapper for a file with this header. Only a cost
// column and a date column are required; every other column is optional
// and read when present. A header without them is not an Azure cost
// export: the error wraps tabular.ErrUnknownLayout and names the columns
// that were looked for.
func NewMapper(header []string, kind Kind) (tabular.Mapper, error) {
	l := newLayout(header)
	var missing []string
	for _, c := range []col{colCost, colDate} {
		if !l.has(c) {
			missing = append(missing, fmt.Sprintf("no %s column (looked for %s)", requiredName[c], strings.Join(aliases[c], ", ")))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("azure cost export: %w: %s", tabular.ErrUnknownLayout, strings.Join(missing, "; "))
	}
	return &mapper{l: l, kind: kind, mca: l.isMCA()}, nil
}

var requiredName = map[col]string{colCost: "cost", colDate: "date"}
