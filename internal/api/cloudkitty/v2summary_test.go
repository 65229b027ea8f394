package cloudkitty

import (
	"testing"

	"github.com/tally-cost/tally/internal/rating"
)

func TestV2SummaryGolden(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	loadRated(t, s)
	s.script(t, "v2summary", []step{
		{Method: "GET", Path: "/v2/summary"},
		{Method: "GET", Path: "/v2/summary?groupby=type"},
		{Method: "GET", Path: "/v2/summary?groupby=project_id,type&response_format=object"},
		{Method: "GET", Path: "/v2/summary?groupby=type&groupby=flavor&response_format=object"},
		{Method: "GET", Path: "/v2/summary?groupby=time&groupby=project_id&begin=2024-01-02T00:00:00%2B00:00&end=2024-01-03T00:00:00%2B00:00"},
		// A window ending inside a period: the period's row still ends
		// with the period.
		{Method: "GET", Path: "/v2/summary?groupby=time&begin=2024-01-02T00:00:00&end=2024-01-02T10:30:00"},
		{Method: "GET", Path: "/v2/summary?groupby=time-d&response_format=object"},
		{Method: "GET", Path: "/v2/summary?groupby=time-w,type&begin=2024-01-01&end=2024-03-01"},
		{Method: "GET", Path: "/v2/summary?groupby=time-m&groupby=time-y&begin=2024-01-01&end=2024-03-01"},
		{Method: "GET", Path: "/v2/summary?groupby=time-d&groupby=time-m&begin=2024-01-01&end=2024-03-01&offset=1&limit=2"},
		{Method: "GET", Path: "/v2/summary?groupby=time-x"},
		{Method: "GET", Path: "/v2/summary?groupby=runtime-h"},
		{Method: "GET", Path: "/v2/summary?filters=type:volume&groupby=project_id"},
		{Method: "GET", Path: "/v2/summary?filters=project_id:p2,project_id:p3&groupby=project_id"},
		{Method: "GET", Path: "/v2/summary?filters=project_id:p1&filters=type:instance&groupby=id"},
		{Method: "GET", Path: "/v2/summary?groupby=project_id&offset=1&limit=1"},
		{Method: "GET", Path: "/v2/summary?groupby=project_id&offset=5"},
		{Method: "GET", Path: "/v2/summary?begin=2024-06-01&end=2024-07-01&response_format=object"},
		{Method: "GET", Path: "/v2/summary?response_format=xml"},
		{Method: "GET", Path: "/v2/summary?limit=0"},
		{Method: "GET", Path: "/v2/summary?filters=nope"},
		{Method: "GET", Path: "/v2/summary?groupby=project_id", Header: viewerOf("p2,p3")},
		{Method: "GET", Path: "/v2/summary?filters=project_id:p1", Header: viewerOf("p2")},
	})
}
