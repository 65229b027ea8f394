package collect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/rating/metrics"
)

// fakeYAML is the configuration of the unit tests: one metric with
// groupby, metadata, a factor and CEIL.
const fakeYAML = `
metrics:
  cpu_cores:
    unit: core
    alt_name: cpu
    description: Cores
    factor: 10
    mutate: CEIL
    groupby: [id]
    metadata: [flavor]
  instance_up:
    unit: instance
`

func fakeConfig(t *testing.T) *metrics.Config {
	t.Helper()
	cfg, err := metrics.Parse("metrics.yml", []byte(fakeYAML), metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var fakePeriod = cost.Window{
	Start: time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC),
	End:   time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC),
}

// fake serves the Prometheus query API with handler h, recording the
// last query and evaluation time.
type fake struct {
	srv         *httptest.Server
	query, time string
	auth        string
}

func newFake(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *fake {
	t.Helper()
	f := &fake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if r.URL.Path != "/api/v1/query" {
			http.NotFound(w, r)
			return
		}
		f.query, f.time, f.auth = r.Form.Get("query"), r.Form.Get("time"), r.Header.Get("Authorization")
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func vectorJSON(samples ...string) string {
	return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(samples, ",") + `]}}`
}

func reply(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

func collector(t *testing.T, o PrometheusOptions) *Prometheus {
	t.Helper()
	p, err := NewPrometheus(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrometheusCollect(t *testing.T) {
	cfg := fakeConfig(t)
	f := newFake(t, reply(vectorJSON(
		// Sorted out of the server's order; the label project_id is
		// wrong on purpose (a query_suffix could do that): the point
		// still belongs to the scope asked for.
		`{"metric":{"id":"vm-2","project_id":"other"},"value":[1709258400,"2.675"]}`,
		`{"metric":{"id":"vm-1","flavor":"m1.small","project_id":"p1"},"value":[1709258400,"0.30000000000000004"]}`,
	)))
	p := collector(t, PrometheusOptions{URL: f.srv.URL})
	pts, err := p.Collect(context.Background(), &cfg.Metrics[0], "project_id", "p1", fakePeriod)
	if err != nil {
		t.Fatal(err)
	}
	wantQuery := `max(max_over_time(cpu_cores{project_id="p1"}[3600s])) by (id, project_id, flavor)`
	if f.query != wantQuery {
		t.Errorf("query %s, want %s", f.query, wantQuery)
	}
	if f.time != "1709258400" { // 2024-03-01T02:00:00Z
		t.Errorf("evaluated at %s, want the period's end", f.time)
	}
	got := make([]string, len(pts))
	for i, pt := range pts {
		got[i] = fmt.Sprintf("%s %s %s groupby=%v metadata=%v %q", pt.Qty, pt.Price, pt.Unit, pt.Groupby, pt.Metadata, pt.Description)
	}
	want := []string{
		// 0.30000000000000004 reads as 0.3: × 10 is 3, CEIL 3 (not 4).
		`3 0 core groupby=map[id:vm-1 project_id:p1] metadata=map[flavor:m1.small] "Cores"`,
		// 2.675 × 10 = 26.75, CEIL 27; the missing flavor is "".
		`27 0 core groupby=map[id:vm-2 project_id:p1] metadata=map[flavor:] "Cores"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("points:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// An empty vector is no points and no error.
	f2 := newFake(t, reply(vectorJSON()))
	pts, err = collector(t, PrometheusOptions{URL: f2.srv.URL}).Collect(context.Background(), &cfg.Metrics[1], "project_id", "p1", fakePeriod)
	if err != nil || len(pts) != 0 {
		t.Errorf("empty answer: %v, %v", pts, err)
	}
}

func TestPrometheusScopes(t *testing.T) {
	cfg := fakeConfig(t)
	f := newFake(t, reply(vectorJSON(
		`{"metric":{"project_id":"p2"},"value":[1709258400,"1"]}`,
		`{"metric":{"project_id":"p1"},"value":[1709258400,"1"]}`,
		`{"metric":{"project_id":"p2"},"value":[1709258400,"1"]}`,
		`{"metric":{},"value":[1709258400,"1"]}`,
	)))
	p := collector(t, PrometheusOptions{URL: f.srv.URL})
	got, err := p.Scopes(context.Background(), cfg, "project_id", fakePeriod)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "p1,p2" {
		t.Errorf("scopes %v, want [p1 p2]", got)
	}
	want := `group by (project_id) (count_over_time(cpu_cores{project_id!=""}[3600s])) or ` +
		`group by (project_id) (count_over_time(instance_up{project_id!=""}[3600s]))`
	if f.query != want {
		t.Errorf("query %s\nwant %s", f.query, want)
	}
	if f.time != "1709258400" { // 2024-03-01T02:00:00Z
		t.Errorf("evaluated at %s, want the period's end", f.time)
	}
	if _, err := p.Scopes(context.Background(), cfg, "project-id", fakePeriod); !errors.Is(err, metrics.ErrInvalid) {
		t.Errorf("bad scope key: %v", err)
	}
}

// TestPrometheusErrors: every way a server can fail is an error naming
// the server and the query, marked ErrPrometheus and not of kind
// Invalid (it is not the caller's bad input).
func TestPrometheusErrors(t *testing.T) {
	cfg := fakeConfig(t)
	sample := func(v string) string {
		return vectorJSON(`{"metric":{"id":"vm-1","project_id":"p1"},"value":[1709258400,"` + v + `"]}`)
	}
	tests := []struct {
		name    string
		handler func(http.ResponseWriter, *http.Request)
		want    string
	}{
		{"bad gateway", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html>upstream down</html>")
		}, "server error: 502: <html>upstream down</html>"},
		{"API error", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \"}\""}`)
		}, `bad_data: 1:5: parse error: unexpected "}"`},
		{"bad JSON", reply(`{"status":"success","data":`), "bad_response"},
		{"not JSON", reply(`<html>hello</html>`), "bad_response"},
		{"NaN", reply(sample("NaN")), `series {id="vm-1", project_id="p1"}: sample "NaN": no finite value`},
		{"+Inf", reply(sample("+Inf")), `sample "+Inf": no finite value`},
		{"-Inf", reply(sample("-Inf")), `sample "-Inf": no finite value`},
		{"scalar", reply(`{"status":"success","data":{"resultType":"scalar","result":[1709258400,"1"]}}`),
			"answered a scalar, not an instant vector"},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, "no answer within 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			p := collector(t, PrometheusOptions{URL: f.srv.URL, Timeout: 200 * time.Millisecond})
			start := time.Now()
			_, err := p.Collect(context.Background(), &cfg.Metrics[0], "project_id", "p1", fakePeriod)
			if err == nil {
				t.Fatal("no error")
			}
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %s: the timeout did not hold", time.Since(start))
			}
			msg := err.Error()
			for _, part := range []string{tt.want, "prometheus " + f.srv.URL, `max_over_time(cpu_cores{project_id="p1"}[3600s])`, "2024-03-01T02:00:00Z"} {
				if !strings.Contains(msg, part) {
					t.Errorf("error %q does not contain %q", msg, part)
				}
			}
			if !errors.Is(err, ErrPrometheus) || errors.Is(err, errkind.Invalid) {
				t.Errorf("error %v: want ErrPrometheus and not kind Invalid", err)
			}
		})
	}

	// An unreachable server.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err := collector(t, PrometheusOptions{URL: dead.URL}).Scopes(context.Background(), cfg, "project_id", fakePeriod)
	if err == nil || !errors.Is(err, ErrPrometheus) || !strings.Contains(err.Error(), "prometheus "+dead.URL) {
		t.Errorf("unreachable server: %v", err)
	}

	// The caller's own cancellation is not a timeout.
	f := newFake(t, reply(vectorJSON()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = collector(t, PrometheusOptions{URL: f.srv.URL}).Collect(ctx, &cfg.Metrics[0], "project_id", "p1", fakePeriod)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "no answer within") {
		t.Errorf("cancelled: %v", err)
	}
}

func TestPrometheusAuth(t *testing.T) {
	cfg := fakeConfig(t)
	for _, tt := range []struct {
		o    PrometheusOptions
		want string
	}{
		{PrometheusOptions{Username: "ck", Password: "s3cret"}, "Basic Y2s6czNjcmV0"},
		// Upstream sends basic auth only with both set.
		{PrometheusOptions{Username: "ck"}, ""},
		{PrometheusOptions{BearerToken: "tok"}, "Bearer tok"},
		{PrometheusOptions{}, ""},
	} {
		f := newFake(t, reply(vectorJSON()))
		tt.o.URL = f.srv.URL
		if _, err := collector(t, tt.o).Collect(context.Background(), &cfg.Metrics[0], "project_id", "p1", fakePeriod); err != nil {
			t.Fatal(err)
		}
		if f.auth != tt.want {
			t.Errorf("%+v: Authorization %q, want %q", tt.o, f.auth, tt.want)
		}
	}

	// TLS: a self-signed server fails verification unless Insecure.
	srv := httptest.NewTLSServer(http.HandlerFunc(reply(vectorJSON())))
	defer srv.Close()
	_, err := collector(t, PrometheusOptions{URL: srv.URL}).Collect(context.Background(), &cfg.Metrics[0], "project_id", "p1", fakePeriod)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unverified TLS: %v", err)
	}
	_, err = collector(t, PrometheusOptions{URL: srv.URL, Insecure: true}).Collect(context.Background(), &cfg.Metrics[0], "project_id", "p1", fakePeriod)
	if err != nil {
		t.Errorf("insecure TLS: %v", err)
	}
}

func TestPrometheusOptionsAndPeriods(t *testing.T) {
	for _, o := range []PrometheusOptions{
		{URL: ""}, {URL: "localhost:9090"}, {URL: "ftp://host"}, {URL: "http://"},
		{URL: "http://host", Timeout: -time.Second},
		{URL: "http://host", Username: "u", Password: "p", BearerToken: "t"},
	} {
		if _, err := NewPrometheus(o); !errors.Is(err, metrics.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", o, err)
		}
	}
	// Credentials never reach messages.
	p := collector(t, PrometheusOptions{URL: "http://user:pw@127.0.0.1:1/prom"})
	if p.server != "http://127.0.0.1:1/prom" {
		t.Errorf("server %q", p.server)
	}

	cfg := fakeConfig(t)
	for _, w := range []cost.Window{
		{Start: fakePeriod.End, End: fakePeriod.Start},
		{Start: fakePeriod.Start, End: fakePeriod.Start},
		{Start: fakePeriod.Start, End: fakePeriod.End.Add(time.Millisecond)},
	} {
		if _, err := p.Collect(context.Background(), &cfg.Metrics[0], "project_id", "p1", w); !errors.Is(err, metrics.ErrInvalid) {
			t.Errorf("period %v: %v, want ErrInvalid", w, err)
		}
		if _, err := p.Scopes(context.Background(), cfg, "project_id", w); !errors.Is(err, metrics.ErrInvalid) {
			t.Errorf("scopes, period %v: %v, want ErrInvalid", w, err)
		}
	}
}
