package cloudkitty

import (
	"testing"

	"github.com/tally-cost/tally/internal/rating"
)

func TestV2DataframesGetGolden(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	loadRated(t, s)
	s.script(t, "v2dataframes_get", []step{
		{Method: "GET", Path: "/v2/dataframes"},
		{Method: "GET", Path: "/v2/dataframes?filters=type:volume"},
		{Method: "GET", Path: "/v2/dataframes?filters=project_id:p1,type:instance&begin=2024-01-01T00:00:00%2B00:00&end=2024-03-01"},
		{Method: "GET", Path: "/v2/dataframes?filters=flavor:m1.small"},
		{Method: "GET", Path: "/v2/dataframes?offset=1&limit=2"},
		{Method: "GET", Path: "/v2/dataframes?offset=4&limit=2"},
		{Method: "GET", Path: "/v2/dataframes?begin=2024-06-01&end=2024-07-01"},
		{Method: "GET", Path: "/v2/dataframes?filters=type:network"},
		{Method: "GET", Path: "/v2/dataframes?limit=0"},
		{Method: "GET", Path: "/v2/dataframes?offset=-1"},
		{Method: "GET", Path: "/v2/dataframes?limit=ten"},
		{Method: "GET", Path: "/v2/dataframes?limit=1&limit=2"},
		{Method: "GET", Path: "/v2/dataframes?filters=type"},
		{Method: "GET", Path: "/v2/dataframes?filters=type:a&filters=type:b"},
		{Method: "GET", Path: "/v2/dataframes?begin=someday"},
		{Method: "GET", Path: "/v2/dataframes", Header: viewerOf("p2")},
		{Method: "GET", Path: "/v2/dataframes?filters=project_id:p1", Header: viewerOf("p2")},
	})
}

// postFrame is a POST /v2/dataframes body of one frame in period A.
const postFrame = `{"dataframes": [{"period": {"begin": "2024-01-02T10:00:00+00:00", "end": "2024-01-02T11:00:00+00:00"},
 "usage": {"instance": [{"vol": {"unit": "instance", "qty": 3}, "rating": {"price": 0.1}, "groupby": {"project_id": "p2", "id": "vm4"}, "metadata": {"flavor": "m1.tiny", "vcpus": 1}},
                        {"vol": {"unit": "instance", "qty": "1"}, "groupby": {"project_id": "p4", "id": "vm5"}, "metadata": {}}],
           "volume": [{"vol": {"unit": "GiB", "qty": 0.2}, "rating": {"price": "0.300000000000000000000001"}, "groupby": {"project_id": "p2", "id": "vol9"}, "metadata": {}}]}}]}`

func TestV2DataframesPostGolden(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	loadRated(t, s)
	admin := []string{"X-Test-Role", "admin", "X-Test-Accounts", "p2"}
	s.script(t, "v2dataframes_post", []step{
		{Method: "POST", Path: "/v2/dataframes", Body: `{"dataframes": []}`},
		{Method: "POST", Path: "/v2/dataframes", Body: `{"frames": []}`},
		{Method: "POST", Path: "/v2/dataframes", Body: `[1, 2`},
		{Method: "POST", Path: "/v2/dataframes", Body: `{"dataframes": [{"usage": {}}]}`},
		{Method: "POST", Path: "/v2/dataframes", Body: `{"dataframes": [{"period": {"begin": "2024-01-02T11:00:00", "end": "2024-01-02T10:00:00"}, "usage": {}}]}`},
		{Method: "POST", Path: "/v2/dataframes", Body: `{"dataframes": [{"period": {"begin": "2024-01-02T10:00:00", "end": "2024-01-02T11:00:00"}, "usage": {"x": [{"vol": {"unit": "u", "qty": "lots"}, "groupby": {"project_id": "p2"}, "metadata": {}}]}}]}`},
		{Method: "POST", Path: "/v2/dataframes", Body: `{"dataframes": [{"period": {"begin": "2024-01-02T10:00:00", "end": "2024-01-02T11:00:00"}, "usage": {"x": [{"vol": {"unit": "u", "qty": 1}, "groupby": {"id": "a"}, "metadata": {}}]}}]}`},
		{Method: "POST", Path: "/v2/dataframes", Body: `{"dataframes": [{"period": {"begin": "2024-01-02T10:00:00", "end": "2024-01-02T11:00:00"}, "usage": {"x": [{"vol": {"unit": "u", "qty": 1}, "groupby": {"project_id": "p2"}}]}}]}`},
		{Method: "POST", Path: "/v2/dataframes", Body: `{"dataframes": [{"period": {"begin": "2024-01-02T10:00:00", "end": "2024-01-02T11:00:00"}, "usage": {"x": [{"vol": {"unit": "u", "qty": 1}, "rating": {"price": 0.30000000000000000000000001}, "groupby": {"project_id": "p2"}, "metadata": {}}]}}]}`},
		// A viewer may not write; an administrator scoped to p2 may not
		// write p4's points (nothing is written, p2's included).
		{Method: "POST", Path: "/v2/dataframes", Body: postFrame, Header: viewerOf("p2")},
		{Method: "POST", Path: "/v2/dataframes", Body: postFrame, Header: admin},
		{Method: "GET", Path: "/v2/dataframes?filters=project_id:p2"},
		// The whole administrator adds the points to what period A held.
		{Method: "POST", Path: "/v2/dataframes", Body: postFrame},
		{Method: "GET", Path: "/v2/dataframes?filters=project_id:p2"},
		{Method: "GET", Path: "/v2/dataframes?filters=project_id:p4"},
		{Method: "GET", Path: "/v1/report/total?tenant_id=p2"},
		// Posted twice, the points count twice, as upstream.
		{Method: "POST", Path: "/v2/dataframes", Body: postFrame},
		{Method: "GET", Path: "/v1/report/total?tenant_id=p2"},
		{Method: "GET", Path: "/v1/report/summary?groupby=tenant_id&begin=2024-01-02T10:00:00&end=2024-01-02T11:00:00"},
	})
}
