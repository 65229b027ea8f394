package azurebilling

import (
	"slices"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/ingest/azure/azuretest"
)

// TestReaderValues serves a real EA export as the Azure reader imports it
// and checks what upstream shows of it: resourceLocation as the export
// writes it ("CentralUS", and "eastus" apart from "EastUS"), matched
// case-insensitively but not rewritten by the location filter (§5); and an
// empty publisherName kept empty, so publisherName=microsoft finds only
// the rows that say Microsoft.
func TestReaderValues(t *testing.T) {
	items := azuretest.Read(t, "EA_ActualCost_Small.csv")
	mca := *items[len(items)-1] // EastUS, as an MCA export spells it
	mca.RegionID = "eastus"
	items = append(items, &mca)
	st := openStore(t)
	loadRun(t, st, "ea-actual", "run-1", time.Date(2023, 9, 30, 0, 0, 0, 0, time.UTC), items...)
	srv := serve(t, st)

	var groups []map[string]any
	decode(t, get(t, srv, Prefix+"cost-entries/aggregate/?group_by=resourceLocation"), &groups)
	var locs []string
	for _, g := range groups {
		s, _ := g["resource__location"].(string)
		locs = append(locs, s)
	}
	slices.Sort(locs)
	want := []string{"", "CentralUS", "EastUS", "EastUS2", "SouthCentralUS", "WestUS", "eastus", "uksouth", "ukwest", "westus2"}
	if !slices.Equal(locs, want) {
		t.Errorf("aggregate by resourceLocation: %q, want %q", locs, want)
	}

	var summary struct {
		Data []struct {
			Location *string `json:"location"`
		}
	}
	decode(t, get(t, srv, Prefix+"costs/region-summary/"), &summary)
	locs = locs[:0]
	for _, r := range summary.Data {
		if r.Location != nil {
			locs = append(locs, *r.Location)
		} else {
			locs = append(locs, "")
		}
	}
	slices.Sort(locs)
	if !slices.Equal(locs, want) {
		t.Errorf("region-summary locations: %q, want %q", locs, want)
	}

	count := func(query string) int {
		t.Helper()
		var rows []map[string]any
		decode(t, get(t, srv, Prefix+"cost-entries/?"+query), &rows)
		return len(rows)
	}
	tests := []struct {
		query string
		want  int
	}{
		{"location=CentralUS", 2},
		{"location=centralus", 2},
		{"resourceLocation=CENTRALUS", 2},
		{"location=Central%20US", 0},
		{"location=EastUS", 2}, // EastUS and eastus: upstream's filter folds case
		// The file's 10 rows that say Microsoft and the copy; not the
		// row whose PublisherName is empty.
		{"publisherName=microsoft", 11},
		{"publisher_name=Microsoft", 11},
	}
	for _, tc := range tests {
		if got := count(tc.query); got != tc.want {
			t.Errorf("cost-entries/?%s: %d rows, want %d", tc.query, got, tc.want)
		}
	}
	var entries []struct {
		Publisher string `json:"publisher_name"`
	}
	decode(t, get(t, srv, Prefix+"cost-entries/"), &entries)
	empty := 0
	for _, e := range entries {
		if e.Publisher == "" {
			empty++
		}
	}
	if empty != 1 {
		t.Errorf("%d entries with an empty publisher, want 1 (the file's)", empty)
	}
}
