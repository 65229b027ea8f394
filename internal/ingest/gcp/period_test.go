package gcp

import (
	"errors"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
)

func TestInvoicePeriodPacific(t *testing.T) {
	f := func(month, wantStart, wantEnd string) {
		t.Helper()
		s, e, err := invoicePeriod(month)
		if err != nil {
			t.Fatalf("invoicePeriod(%q): %v", month, err)
		}
		if got := s.Format(time.RFC3339); got != wantStart {
			t.Fatalf("invoicePeriod(%q) start = %s, want %s", month, got, wantStart)
		}
		if got := e.Format(time.RFC3339); got != wantEnd {
			t.Fatalf("invoicePeriod(%q) end = %s, want %s", month, got, wantEnd)
		}
	}
	f("202201", "2022-01-01T08:00:00Z", "2022-02-01T08:00:00Z") // PST all month
	f("202203", "2022-03-01T08:00:00Z", "2022-04-01T07:00:00Z") // DST starts 13 March
	f("202208", "2022-08-01T07:00:00Z", "2022-09-01T07:00:00Z") // PDT all month
	f("202211", "2022-11-01T07:00:00Z", "2022-12-01T08:00:00Z") // DST ends 6 November
	f("202212", "2022-12-01T08:00:00Z", "2023-01-01T08:00:00Z") // year rollover
	f("202402", "2024-02-01T08:00:00Z", "2024-03-01T08:00:00Z") // leap February

	for _, bad := range []string{"2022-08", "20228", "2022133", "202213", "202200", "abcdef", "0000 1"} {
		if _, _, err := invoicePeriod(bad); !errors.Is(err, cost.ErrInvalid) {
			t.Errorf("invoicePeriod(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestPeriodOfUsage(t *testing.T) {
	f := func(usage, wantStart, wantEnd string) {
		t.Helper()
		u, err := time.Parse(time.RFC3339, usage)
		if err != nil {
			t.Fatal(err)
		}
		s, e := periodOf(u)
		if s.Format(time.RFC3339) != wantStart || e.Format(time.RFC3339) != wantEnd {
			t.Fatalf("periodOf(%s) = [%s, %s), want [%s, %s)", usage, s.Format(time.RFC3339), e.Format(time.RFC3339), wantStart, wantEnd)
		}
	}
	// 03:00 UTC on 1 August is still 31 July in California.
	f("2022-08-01T03:00:00Z", "2022-07-01T07:00:00Z", "2022-08-01T07:00:00Z")
	f("2022-08-01T06:59:59Z", "2022-07-01T07:00:00Z", "2022-08-01T07:00:00Z")
	f("2022-08-01T07:00:00Z", "2022-08-01T07:00:00Z", "2022-09-01T07:00:00Z")
	f("2023-01-01T07:59:59Z", "2022-12-01T08:00:00Z", "2023-01-01T08:00:00Z")
}
