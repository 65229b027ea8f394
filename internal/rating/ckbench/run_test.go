package ckbench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fakeSide answers the two report endpoints with fixed bodies, as a
// server under measurement would; it counts the requests.
func fakeSide(t *testing.T, total, summary string, status int) (*httptest.Server, *int) {
	n := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*n++
		if r.URL.Query().Get("all_tenants") != "True" || r.URL.Query().Get("begin") != "2024-06-01T00:00:00" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		w.WriteHeader(status)
		switch r.URL.Path {
		case "/v1/report/total":
			fmt.Fprint(w, total)
		case "/v1/report/summary":
			fmt.Fprint(w, summary)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, n
}

func TestRunReadsBothSides(t *testing.T) {
	s := Spec{Tenants: 2, Hours: 3}
	exact, err := s.Totals()
	if err != nil {
		t.Fatal(err)
	}
	a, b := Tenant(0), Tenant(1)
	row := func(tn, typ, rate string) string {
		return fmt.Sprintf(`{"begin": "2024-06-01T00:00:00", "end": "2024-06-01T03:00:00", "tenant_id": %q, "res_type": %q, "rate": %q}`, tn, typ, rate)
	}
	exactRows := []string{
		row(a, "instance", exact.ByTenantType[a+"/instance"].String()),
		row(a, "volume.size", exact.ByTenantType[a+"/volume.size"].String()),
		row(b, "instance", exact.ByTenantType[b+"/instance"].String()),
		row(b, "volume.size", exact.ByTenantType[b+"/volume.size"].String()),
	}
	// The "float" side is off by a float's last digits on the total and
	// on one summary row.
	floatRows := append([]string{row(a, "instance", exact.ByTenantType[a+"/instance"].String()+"00000001")}, exactRows[1:]...)
	ck, ckN := fakeSide(t, `"`+exact.All.String()+`0000000004"`, `{"summary": [`+strings.Join(floatRows, ", ")+`]}`, 200)
	tally, _ := fakeSide(t, `"`+exact.All.String()+`"`, `{"summary": [`+strings.Join(exactRows, ", ")+`]}`, 200)
	missing, _ := fakeSide(t, `{"faultstring": "no"}`, `{}`, 404)
	sides := []Side{{"CloudKitty 17", ck.URL}, {"Tally", tally.URL}, {"missing", missing.URL}}
	ms := Run(context.Background(), http.DefaultClient, sides, s, 3, exact)
	if len(ms) != 6 {
		t.Fatalf("%d measurements, want 6", len(ms))
	}
	if *ckN != 8 {
		t.Fatalf("CloudKitty side asked %d times, want 2 endpoints × (1 warm-up + 3 runs)", *ckN)
	}
	byKey := map[string]Measurement{}
	for _, m := range ms {
		byKey[m.Endpoint+" "+m.Side] = m
	}
	if m := byKey["report/total CloudKitty 17"]; m.Err != nil || m.Answer != exact.All.String()+"0000000004" || len(m.Times) != 3 {
		t.Fatalf("CloudKitty total %+v", m)
	}
	if m := byKey["report/total Tally"]; m.Err != nil || m.Answer != exact.All.String() {
		t.Fatalf("Tally total %+v", m)
	}
	if m := byKey["report/summary CloudKitty 17"]; m.Err != nil || m.Rows != 4 || m.Off != 1 {
		t.Fatalf("CloudKitty summary %+v", m)
	}
	if m := byKey["report/summary Tally"]; m.Err != nil || m.Rows != 4 || m.Off != 0 || m.Answer != exact.All.String() {
		t.Fatalf("Tally summary %+v (exact %s)", m, exact.All)
	}
	if m := byKey["report/total missing"]; m.Err == nil || !strings.Contains(m.Err.Error(), "404") {
		t.Fatalf("a 404 side: %+v", m)
	}
	var out bytes.Buffer
	Report(&out, s, 3, ms, exact)
	// Tally's rows carry their speed-up over the first side.
	if !regexp.MustCompile(`report/total\s+Tally\s+[0-9.]+ ms\s+[0-9.]+ ms\s+[0-9.]+×`).MatchString(out.String()) {
		t.Errorf("no speed-up on Tally's total:\n%s", out.String())
	}
	for _, want := range []string{"exact total (generator): " + exact.All.String(), "speed-up", "error: GET", "4 (1)", "4 (0)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRank(t *testing.T) {
	ms := Measurement{}
	for _, d := range []int{5, 1, 4, 2, 3, 9, 8, 7, 6, 10} {
		ms.Times = append(ms.Times, msd(d))
	}
	if ms.Median() != msd(5) || ms.P95() != msd(10) {
		t.Fatalf("median %s p95 %s", ms.Median(), ms.P95())
	}
	if (Measurement{}).Median() != 0 {
		t.Fatal("no times: median not 0")
	}
}

func msd(n int) time.Duration { return time.Duration(n) * time.Millisecond }
