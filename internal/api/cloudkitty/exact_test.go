package cloudkitty

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/rating"
)

// independentSums adds the fixture's January points (testNow's month)
// with shopspring decimal, apart from any query: the total, and per
// scope, per type and per scope/type, prices and quantities.
func independentSums() (total decimal.Decimal, rate, qty map[string]decimal.Decimal) {
	rate, qty = map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	for scope, fs := range ratedFixture() {
		for _, f := range fs {
			if f.Start.Month() != testNow.Month() {
				continue
			}
			for typ, pts := range f.Usage {
				for _, p := range pts {
					total = total.Add(p.Price)
					for _, k := range []string{"scope:" + scope, "type:" + typ, scope + "/" + typ} {
						rate[k] = rate[k].Add(p.Price)
						qty[k] = qty[k].Add(p.Qty)
					}
				}
			}
		}
	}
	return total, rate, qty
}

// TestTotalsExact: every total of every endpoint equals the independent
// sum of the written points, exactly (0.1 + 0.2 and a 28-digit price,
// which a float sum gets wrong).
func TestTotalsExact(t *testing.T) {
	a, b := 0.1, 0.2
	if a+b == 0.3 || decimal.NewFromFloat(decimal.RequireFromString(bigPrice).InexactFloat64()).String() == bigPrice {
		t.Fatal("test data: the values must be ones floats get wrong")
	}
	s := newTestServer(t, rating.Config{})
	loadRated(t, s)
	total, rate, qty := independentSums()
	if total.String() != "1237.767890123456789012345678" {
		t.Fatalf("test data: total %s", total)
	}
	num := func(path string, v any) {
		t.Helper()
		r := s.call(t, "GET", path, "")
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		dec.UseNumber()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	same := func(what string, got string, want decimal.Decimal) {
		t.Helper()
		d, err := decimal.NewFromString(got)
		if err != nil || !d.Equal(want) {
			t.Errorf("%s = %s, want exactly %s", what, got, want)
		}
	}

	var tot string
	num("/v1/report/total", &tot)
	same("v1 total", tot, total)
	for _, scope := range []string{"p1", "p2", "p3"} {
		num("/v1/report/total?tenant_id="+scope, &tot)
		same("v1 total of "+scope, tot, rate["scope:"+scope])
	}

	var sum struct{ Summary []summaryRow }
	num("/v1/report/summary?groupby=tenant_id,res_type", &sum)
	if len(sum.Summary) != 4 {
		t.Fatalf("v1 summary: %d rows", len(sum.Summary))
	}
	for _, row := range sum.Summary {
		if want := summaryRate(rate[row.TenantID+"/"+row.ResType]); row.Rate != want {
			t.Errorf("v1 summary %s/%s = %s, want %s", row.TenantID, row.ResType, row.Rate, want)
		}
	}

	var v2 struct {
		Total   int
		Results []map[string]any
	}
	num("/v2/summary?groupby=project_id,type&response_format=object", &v2)
	if v2.Total != 4 || len(v2.Results) != 4 {
		t.Fatalf("v2 summary: %d rows", v2.Total)
	}
	for _, row := range v2.Results {
		k := row["project_id"].(string) + "/" + row["type"].(string)
		same("v2 rate of "+k, string(row["rate"].(json.Number)), rate[k])
		same("v2 qty of "+k, string(row["qty"].(json.Number)), qty[k])
	}
	var v2t struct{ Results [][]any }
	num("/v2/summary?groupby=type", &v2t)
	for _, row := range v2t.Results {
		k := "type:" + row[4].(string)
		same("v2 qty of "+k, string(row[2].(json.Number)), qty[k])
	}

	var st struct {
		Dataframes []v1Frame
	}
	num("/v1/storage/dataframes", &st)
	got := decimal.Zero
	for _, f := range st.Dataframes {
		for _, r := range f.Resources {
			got = got.Add(decimal.RequireFromString(r.Rating))
		}
	}
	same("v1 dataframes' ratings", got.String(), total)

	var df struct {
		Total      int
		Dataframes []struct {
			Usage map[string][]struct {
				Rating struct{ Price json.Number }
			}
		}
	}
	num("/v2/dataframes?limit=1000", &df)
	got = decimal.Zero
	for _, f := range df.Dataframes {
		for _, pts := range f.Usage {
			for _, p := range pts {
				got = got.Add(decimal.RequireFromString(string(p.Rating.Price)))
			}
		}
	}
	same("v2 dataframes' prices", got.String(), total)
}

// TestScopedCallers: a key scoped to p2 sees p2 alone in every
// endpoint, whatever it asks for.
func TestScopedCallers(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	loadRated(t, s)
	_, rate, _ := independentSums()
	h := viewerOf("p2")
	for _, path := range []string{
		"/v1/report/summary?groupby=tenant_id&all_tenants=True",
		"/v1/report/total?all_tenants=True",
		"/v1/report/tenants",
		"/v1/storage/dataframes",
		"/v2/dataframes",
		"/v2/summary?groupby=project_id",
	} {
		r := s.call(t, "GET", path, "", h...)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		for _, other := range []string{`"p1"`, `"p3"`, "1234.5", "2.5"} {
			if bytes.Contains(r.Body, []byte(other)) {
				t.Errorf("%s: a key of p2 sees %s: %s", path, other, r.Body)
			}
		}
		if !bytes.Contains(r.Body, []byte("p2")) && !bytes.Contains(r.Body, []byte(rate["scope:p2"].String())) {
			t.Errorf("%s: a key of p2 does not see p2: %s", path, r.Body)
		}
	}
	// Asking for another scope by name finds nothing.
	for _, path := range []string{"/v1/report/total?tenant_id=p1", "/v2/dataframes?filters=project_id:p1", "/v2/summary?filters=project_id:p1"} {
		r := s.call(t, "GET", path, "", h...)
		if bytes.Contains(r.Body, []byte("p1")) || bytes.Contains(r.Body, []byte("1234.5")) {
			t.Errorf("%s: a key of p2 sees p1: %s", path, r.Body)
		}
	}
}
