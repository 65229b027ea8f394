package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// worldNow is the server's clock in the world: CloudHealth's report
// members are relative to now, and a June 2024 now puts the world's
// March bills in the last twelve months.
var worldNow = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

// chReport is a CloudHealth cost history report of March 2024 (the
// selected month) with further parameters.
func chReport(params string) string {
	return "/cloudhealth/olap_reports/cost/history?filters[]=time:select:2024-03&" + params
}

// chTotal reads the Total cell of the first measure: data[0]...[0][0]
// whatever the number of dimensions.
func chTotal(body string) (int, error) {
	var out struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return 0, err
	}
	var v any
	d := json.NewDecoder(strings.NewReader(string(out.Data)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return 0, err
	}
	for {
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				return 0, fmt.Errorf("empty data array in %s", out.Data)
			}
			v = x[0]
			continue
		case nil:
			return 0, nil // no data in the caller's scope
		case json.Number:
			n, err := x.Int64()
			return int(n), err
		}
		return 0, fmt.Errorf("unexpected data %s", out.Data)
	}
}

// cloudhealthReportProbes are TestIsolation's probes of the CloudHealth
// reports: every caller's Total is the sum of its own March rows, and no
// member names another's account, whatever the filters ask for.
var cloudhealthReportProbes = []isolationProbe{
	{"cloudhealth report by account", chReport("dimensions[]=AWS-Account"), chTotal},
	{"cloudhealth report by time and account, monthly", chReport("dimensions[]=time&dimensions[]=AWS-Account&interval=monthly"), chTotal},
	{"cloudhealth report selecting every account", chReport("dimensions[]=AWS-Account&filters[]=AWS-Account:select:acct-a1,acct-a2,acct-b1,acct-shared,acct-c1,acct-c2"), chTotal},
	{"cloudhealth report rejecting nothing", chReport("dimensions[]=AWS-Region&filters[]=AWS-Account:reject:nobody"), chTotal},
	{"cloudhealth report catalogue", "/cloudhealth/olap_reports/cost/history/new", nil},
}

// withoutEcho is body without the CloudHealth filters the request sent,
// which a report echoes as sent: naming the accounts the caller asked
// for is not showing them.
func withoutEcho(t *testing.T, body, path string) string {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range u.Query()["filters[]"] {
		body = strings.ReplaceAll(body, `"`+f+`"`, "")
	}
	return body
}
