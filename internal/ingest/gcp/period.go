package gcp

import (
	"fmt"
	"strconv"
	"time"
	// Embedded zone data, so that Pacific invoice months convert the same
	// on machines (and containers) without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/tally-cost/tally/internal/cost"
)

// pacific is the zone of invoice months: Google closes a billing month at
// midnight America/Los_Angeles (billing-formats.md §7.1).
var pacific = loadPacific()

func loadPacific() *time.Location {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		// Unreachable with time/tzdata linked in; a fixed offset would be
		// an hour off in summer, so say so rather than guess silently.
		return time.FixedZone("PST (no zone data)", -8*60*60)
	}
	return loc
}

// invoicePeriod returns the billing period of an invoice.month value
// (YYYYMM): the Pacific-time month, as UTC instants [start, end).
func invoicePeriod(month string) (start, end time.Time, err error) {
	if len(month) != 6 {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: invoice month %q is not YYYYMM", cost.ErrInvalid, month)
	}
	y, yerr := strconv.Atoi(month[:4])
	m, merr := strconv.Atoi(month[4:])
	if yerr != nil || merr != nil || y < 1 || m < 1 || m > 12 {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: invoice month %q is not YYYYMM", cost.ErrInvalid, month)
	}
	start, end = pacificMonth(y, time.Month(m))
	return start, end, nil
}

// periodOf returns the Pacific-time month containing t, as UTC instants:
// the invoice month a row without invoice.month belongs to.
func periodOf(t time.Time) (start, end time.Time) {
	p := t.In(pacific)
	return pacificMonth(p.Year(), p.Month())
}

func pacificMonth(y int, m time.Month) (start, end time.Time) {
	// time.Date normalises month 13 to January of the next year.
	return time.Date(y, m, 1, 0, 0, 0, 0, pacific).UTC(), time.Date(y, m+1, 1, 0, 0, 0, 0, pacific).UTC()
}
