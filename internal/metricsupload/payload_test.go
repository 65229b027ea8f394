package metricsupload

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/errkind"
)

// vNow is the validation clock: 8 days after the guide's example hours,
// so that they are just within reach.
var vNow = time.Date(2015, 6, 11, 1, 30, 0, 0, time.UTC)

func TestParseErrors(t *testing.T) {
	row := func(n int) string { // a row of n metric values
		return `["us-east-1:12345678:i-99999999","2015-06-03T01:00:00+00:00"` + strings.Repeat(",1", n) + `]`
	}
	rows := func(count, n int) string {
		r := make([]string, count)
		for i := range r {
			r[i] = row(n)
		}
		return strings.Join(r, ",")
	}
	ds := func(values string) string {
		return `{"metadata": {"assetType": "aws:ec2:instance", "granularity": "hour", "keys": []}, "values": [` + values + `]}`
	}
	doc := func(datasets ...string) string {
		return `{"metrics": {"datasets": [` + strings.Join(datasets, ",") + `]}}`
	}
	for _, tc := range []struct {
		name, body string
		want       error
		text       string
	}{
		{"not JSON", "{\"metrics\":\n {\"datasets\": [}}", ErrMalformed, "line 2, column 16"},
		{"no metrics", `{"datasets": []}`, ErrMalformed, "metrics.datasets is required"},
		{"no datasets", `{"metrics": {}}`, ErrMalformed, "metrics.datasets is required"},
		{"no metadata", `{"metrics": {"datasets": [{"values": []}]}}`, ErrMalformed, "metrics.datasets[0].metadata is required"},
		{"values not a list", `{"metrics": {"datasets": [{"metadata": {}, "values": 3}]}}`, ErrMalformed, "line 1, column"},
		{"keys not strings", `{"metrics": {"datasets": [{"metadata": {"keys": [1]}}]}}`, ErrMalformed, "line 1, column"},
		{"trailing data", `{"metrics": {"datasets": []}} x`, ErrMalformed, "data after the JSON document"},
		{"1001 points in one dataset", doc(ds(rows(91, 11))), ErrTooManyPoints, "1001 data points, the most is 1000"},
		{"1001 points over two datasets", doc(ds(rows(100, 5)), ds(rows(1, 501))), ErrTooManyPoints, "1001 data points"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.body))
			if !errors.Is(err, tc.want) || !errors.Is(err, errkind.Invalid) {
				t.Fatalf("err = %v, want %v (invalid)", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %q, want it to contain %q", err, tc.text)
			}
		})
	}
	// 1000 points exactly pass: 100 rows of 10 metrics.
	if _, err := Parse(strings.NewReader(doc(ds(rows(100, 10))))); err != nil {
		t.Errorf("1000 points: %v", err)
	}
}

// instanceKeys is the guide's first example: three memory metrics.
const instanceKeys = `["assetId","timestamp","memory:used:percent.avg","memory:used:percent.max","memory:used:percent.min"]`

func TestValidateRows(t *testing.T) {
	for _, tc := range []struct {
		name, keys, assetType, row string
		msg                        string // "" accepts the row
	}{
		{"good", instanceKeys, "", `["us-east-1:12345678:i-99999999","2015-06-03T02:00:00+00:00",16.67,33.33,8.33]`, ""},
		{"Z and nulls", instanceKeys, "", `["us-gov-west-1:123456789012:i-0abc123def4567890","2015-06-10T05:00:00Z",null,null,0]`, ""},
		{"too many values", instanceKeys, "", `["us-east-1:12345678:i-99999999","2015-06-03T02:00:00+00:00",100,75,50,111]`, "Number of values (6) must equal number of keys (5)."},
		{"too few values", instanceKeys, "", `["us-east-1:12345678:i-99999999"]`, "Number of values (1) must equal number of keys (5)."},
		{"over 100 percent", instanceKeys, "", `["us-east-1:12345678:i-88888888","2015-06-03T03:00:00+00:00",101,75,50]`, "Percentage value (101) is greater than 100."},
		{"percent as written", instanceKeys, "", `["us-east-1:12345678:i-88888888","2015-06-03T03:00:00+00:00",1,100.50,50]`, "Percentage value (100.50) is greater than 100."},
		{"negative percent", instanceKeys, "", `["us-east-1:12345678:i-88888888","2015-06-03T03:00:00+00:00",1,2,-1]`, "Percentage value (-1) is less than 0."},
		{"negative bytes", `["assetId","timestamp","memory:free:bytes.avg"]`, "", `["us-east-1:12345678:i-88888888","2015-06-03T03:00:00+00:00",-5]`, "Value (-5) for key (memory:free:bytes.avg) is negative."},
		{"string value", instanceKeys, "", `["us-east-1:12345678:i-88888888","2015-06-03T03:00:00+00:00","5",1,1]`, `Value ("5") for key (memory:used:percent.avg) is not a number.`},
		{"bool value", instanceKeys, "", `["us-east-1:12345678:i-88888888","2015-06-03T03:00:00+00:00",true,1,1]`, `Value (true) for key (memory:used:percent.avg) is not a number.`},
		{"row not a list", instanceKeys, "", `{"assetId": "x"}`, "Row must be a list of values."},
		{"arn instead of compact id", instanceKeys, "", `["arn:aws:ec2:us-east-1:12345678:instance/i-9","2015-06-03T03:00:00+00:00",1,1,1]`, "Invalid assetId (arn:aws:ec2:us-east-1:12345678:instance/i-9); expected <region>:<account>:<instance>."},
		{"id with a mount point on an instance", instanceKeys, "", `["us-east-1:12345678:i-9:/opt","2015-06-03T03:00:00+00:00",1,1,1]`, "Invalid assetId (us-east-1:12345678:i-9:/opt); expected <region>:<account>:<instance>."},
		{"bad region", instanceKeys, "", `["useast1:12345678:i-9","2015-06-03T03:00:00+00:00",1,1,1]`, "Invalid assetId (useast1:12345678:i-9); expected <region>:<account>:<instance>."},
		{"bad account", instanceKeys, "", `["us-east-1:acct:i-9","2015-06-03T03:00:00+00:00",1,1,1]`, "Invalid assetId (us-east-1:acct:i-9); expected <region>:<account>:<instance>."},
		{"numeric id", instanceKeys, "", `[12345678,"2015-06-03T03:00:00+00:00",1,1,1]`, "Invalid assetId (12345678); expected <region>:<account>:<instance>."},
		{"file system", `["assetId","timestamp","fs:size:bytes.avg","fs:used:bytes.max"]`, AssetFileSystem, `["us-east-1:12345678:i-a99a99a9:/opt","2015-06-03T02:00:00+00:00",322122547200,53687391300]`, ""},
		{"windows mount point", `["assetId","timestamp","fs:size:bytes.avg"]`, AssetFileSystem, `["us-east-1:12345678:i-a99a99a9:C:\\","2015-06-03T02:00:00+00:00",1]`, ""},
		{"file system without mount point", `["assetId","timestamp","fs:size:bytes.avg"]`, AssetFileSystem, `["us-east-1:12345678:i-a99a99a9","2015-06-03T01:00:00+00:00",1]`, "Invalid assetId (us-east-1:12345678:i-a99a99a9); expected <region>:<account>:<instance>:<mount point>."},
		{"timestamp off the hour", instanceKeys, "", `["us-east-1:12345678:i-9","2015-06-03T00:01:00+00:00",1,1,1]`, "Timestamp (2015-06-03T00:01:00+00:00) is not on the hour."},
		{"timestamp not UTC", instanceKeys, "", `["us-east-1:12345678:i-9","2015-06-03T03:00:00+02:00",1,1,1]`, "Timestamp (2015-06-03T03:00:00+02:00) is not in UTC."},
		{"timestamp not ISO", instanceKeys, "", `["us-east-1:12345678:i-9","2015-06-03 03:00",1,1,1]`, "Invalid timestamp (2015-06-03 03:00); expected ISO 8601 UTC such as 2015-06-03T01:00:00+00:00."},
		{"timestamp a number", instanceKeys, "", `["us-east-1:12345678:i-9",1433300400,1,1,1]`, "Invalid timestamp (1433300400); expected ISO 8601 UTC such as 2015-06-03T01:00:00+00:00."},
		{"8 days back exactly", instanceKeys, "", `["us-east-1:12345678:i-9","2015-06-03T02:00:00+00:00",1,1,1]`, ""},
		{"older than 8 days", instanceKeys, "", `["us-east-1:12345678:i-9","2015-06-03T01:00:00+00:00",1,1,1]`, "Timestamp (2015-06-03T01:00:00+00:00) is more than 8 days old."},
		{"the current hour", instanceKeys, "", `["us-east-1:12345678:i-9","2015-06-11T01:00:00Z",1,1,1]`, ""},
		{"the future", instanceKeys, "", `["us-east-1:12345678:i-9","2015-06-11T02:00:00Z",1,1,1]`, "Timestamp (2015-06-11T02:00:00Z) is in the future."},
		{"first failure wins", instanceKeys, "", `["bad","bad",101,1,1]`, "Invalid assetId (bad); expected <region>:<account>:<instance>."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.assetType
			if at == "" {
				at = AssetInstance
			}
			var keys []string
			if err := json.Unmarshal([]byte(tc.keys), &keys); err != nil {
				t.Fatal(err)
			}
			d := Dataset{AssetType: at, Granularity: "hour", Keys: keys, Rows: []json.RawMessage{json.RawMessage(tc.row)}}
			r := Validate(Payload{Datasets: []Dataset{d}}, vNow)
			resp := r.Response
			if tc.msg == "" {
				if resp.Succeeded != 1 || resp.Failed != 0 || len(r.Samples) != 1 {
					t.Fatalf("want accepted, got %+v", resp)
				}
				return
			}
			if resp.Succeeded != 0 || resp.Failed != 1 || len(resp.Datasets[0].Failures) != 1 {
				t.Fatalf("want one failure, got %+v", resp)
			}
			f := resp.Datasets[0].Failures[0]
			if f.Error != tc.msg {
				t.Errorf("error = %q, want %q", f.Error, tc.msg)
			}
			if string(f.Row) != tc.row {
				t.Errorf("row = %s, want it as sent: %s", f.Row, tc.row)
			}
		})
	}
}

func TestValidateMetadata(t *testing.T) {
	for _, tc := range []struct {
		name        string
		assetType   string
		granularity string
		keys        []string
		errs        string
	}{
		{"unknown type", "aws:rds:instance", "hour", []string{"assetId", "timestamp"}, `["Unsupported assetType (aws:rds:instance); supported are aws:ec2:instance and aws:ec2:instance:fs."]`},
		{"daily", AssetInstance, "day", []string{"assetId", "timestamp"}, `["Unsupported granularity (day); only hour is supported."]`},
		{"no assetId", AssetInstance, "hour", []string{"timestamp", "cpu:used:percent.avg"}, `["Missing key (assetId)."]`},
		{"no timestamp", AssetInstance, "hour", []string{"assetId"}, `["Missing key (timestamp)."]`},
		{"fs key on an instance", AssetInstance, "hour", []string{"assetId", "timestamp", "fs:size:bytes.avg"}, `["Unsupported key (fs:size:bytes.avg) for assetType (aws:ec2:instance)."]`},
		{"the guide's curl key", AssetInstance, "hour", []string{"assetId", "timestamp", "memory:usedPercent.avg"}, `["Unsupported key (memory:usedPercent.avg) for assetType (aws:ec2:instance)."]`},
		{"duplicate key", AssetFileSystem, "hour", []string{"assetId", "timestamp", "fs:used:bytes.min", "fs:used:bytes.min"}, `["Duplicate key (fs:used:bytes.min)."]`},
		{"several at once", "", "", nil, `["Unsupported assetType (); supported are aws:ec2:instance and aws:ec2:instance:fs.","Unsupported granularity (); only hour is supported.","Missing key (assetId).","Missing key (timestamp)."]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := Dataset{AssetType: tc.assetType, Granularity: tc.granularity, Keys: tc.keys,
				Rows: []json.RawMessage{json.RawMessage(`[]`), json.RawMessage(`[]`)}}
			r := Validate(Payload{Datasets: []Dataset{bad}}, vNow)
			got, _ := json.Marshal(r.Response.Datasets[0].Errors)
			if string(got) != tc.errs {
				t.Errorf("errors = %s, want %s", got, tc.errs)
			}
			if r.Response.Failed != 2 || r.Response.Succeeded != 0 || len(r.Samples) != 0 {
				t.Errorf("a refused dataset's rows must count as failed: %+v", r.Response)
			}
		})
	}
}

// TestValidateResponse checks the whole response shape on the guide's
// example: two datasets, the second with the two documented failures.
func TestValidateResponse(t *testing.T) {
	body := `{"metrics": {"datasets": [
	{"metadata": {"assetType": "aws:ec2:instance", "granularity": "hour", "keys": ` + instanceKeys + `},
	 "values": [["us-east-1:12345678:i-99999999", "2015-06-03T02:00:00+00:00", 16.67, 33.33, 8.33]]},
	{"metadata": {"assetType": "aws:ec2:instance", "granularity": "hour", "keys": ` + instanceKeys + `},
	 "values": [
		["us-east-1:12345678:i-88888888", "2015-06-04T02:00:00+00:00", 25.5, 45.2, 15.0],
		["us-east-1:12345678:i-99999999", "2015-06-03T02:00:00+00:00", 100, 75, 50, 111],
		["us-east-1:12345678:i-88888888", "2015-06-03T03:00:00+00:00", 101, 75, 50]]}]}}`
	p, err := Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r := Validate(p, vNow)
	got, _ := json.Marshal(r.Response)
	want := `{"succeeded":2,"failed":2,"errors":[],"datasets":[` +
		`{"succeeded":1,"errors":[],"failures":[]},` +
		`{"succeeded":1,"errors":[],"failures":[` +
		`{"error":"Number of values (6) must equal number of keys (5).","row":["us-east-1:12345678:i-99999999","2015-06-03T02:00:00+00:00",100,75,50,111]},` +
		`{"error":"Percentage value (101) is greater than 100.","row":["us-east-1:12345678:i-88888888","2015-06-03T03:00:00+00:00",101,75,50]}]}]}`
	if string(got) != want {
		t.Errorf("response:\n got %s\nwant %s", got, want)
	}
	if len(r.Samples) != 2 {
		t.Fatalf("samples = %d, want 2", len(r.Samples))
	}
	s := r.Samples[1]
	wantAsset := AssetID{Region: "us-east-1", Account: "12345678", Instance: "i-88888888"}
	if s.Asset != wantAsset || s.Asset.String() != "us-east-1:12345678:i-88888888" || !s.Time.Equal(time.Date(2015, 6, 4, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("sample = %+v", s)
	}
	// Exact values: 15.0 and 45.2 are decimals, not floats.
	for k, v := range map[string]string{"memory:used:percent.avg": "25.5", "memory:used:percent.max": "45.2", "memory:used:percent.min": "15"} {
		if !s.Values[k].Equal(decimal.RequireFromString(v)) {
			t.Errorf("%s = %s, want %s", k, s.Values[k], v)
		}
	}
}

func TestValidateNullsAreAbsent(t *testing.T) {
	d := Dataset{AssetType: AssetInstance, Granularity: "hour", Keys: []string{"assetId", "timestamp", "cpu:used:percent.avg", "memory:free:bytes.avg"},
		Rows: []json.RawMessage{json.RawMessage(`["us-east-1:12345678:i-9","2015-06-10T00:00:00Z",null,1e3]`)}}
	r := Validate(Payload{Datasets: []Dataset{d}}, vNow)
	if len(r.Samples) != 1 {
		t.Fatalf("%+v", r.Response)
	}
	got := fmt.Sprint(r.Samples[0].Values)
	if got != "map[memory:free:bytes.avg:1000]" {
		t.Errorf("values = %s", got)
	}
}
