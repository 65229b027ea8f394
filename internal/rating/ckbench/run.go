package ckbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
)

// Side is one server under measurement: Base is the URL its v1 API hangs
// under ("http://127.0.0.1:8889" for CloudKitty,
// "http://127.0.0.1:8080/cloudkitty" for Tally).
type Side struct {
	Name string
	Base string
}

// Endpoint is one measured request.
type Endpoint struct {
	Name string
	Path string // with its query, appended to a Side's Base
}

// Endpoints are the two questions over the data set's month,
// every tenant: the total, and the summary grouped by tenant and type
// (python-cloudkittyclient's "summary get -g tenant_id res_type -a").
func (s Spec) Endpoints() []Endpoint {
	q := s.Query()
	return []Endpoint{
		{Name: "report/total", Path: "/v1/report/total?" + q + "&all_tenants=True"},
		{Name: "report/summary", Path: "/v1/report/summary?" + q + "&groupby=tenant_id,res_type&all_tenants=True"},
	}
}

// Measurement is one side's answers to one endpoint.
type Measurement struct {
	Side, Endpoint string
	Times          []time.Duration
	// Answer is the total as the side printed it: report/total's string;
	// for report/summary the exact sum of its rows' rates.
	Answer string
	// Rows is the number of summary rows; Off how many of them differ
	// from the exact per tenant and type sum.
	Rows, Off int
	Err       error
}

// Median and P95 of the measured times (nearest rank).
func (m Measurement) Median() time.Duration { return rank(m.Times, 0.5) }
func (m Measurement) P95() time.Duration    { return rank(m.Times, 0.95) }

func rank(ts []time.Duration, q float64) time.Duration {
	if len(ts) == 0 {
		return 0
	}
	s := slices.Clone(ts)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Run asks every side every endpoint, one warm-up request and then runs
// timed ones each, the sides taking turns request by request so that
// both see the same machine load. A side that fails an endpoint is
// recorded with its error and the rest goes on.
func Run(ctx context.Context, c *http.Client, sides []Side, spec Spec, runs int, exact Totals) []Measurement {
	var out []Measurement
	for _, ep := range spec.Endpoints() {
		ms := make([]Measurement, len(sides))
		bodies := make([][]byte, len(sides))
		for i, sd := range sides {
			ms[i] = Measurement{Side: sd.Name, Endpoint: ep.Name}
		}
		for r := 0; r <= runs; r++ {
			for i, sd := range sides {
				if ms[i].Err != nil {
					continue
				}
				start := time.Now()
				body, err := get(ctx, c, sd.Base+ep.Path)
				d := time.Since(start)
				if err != nil {
					ms[i].Err = err
					continue
				}
				if r > 0 { // the first is the warm-up
					ms[i].Times = append(ms[i].Times, d)
				}
				bodies[i] = body
			}
		}
		for i := range ms {
			if ms[i].Err == nil {
				ms[i].Err = ms[i].read(ep.Name, bodies[i], exact)
			}
		}
		out = append(out, ms...)
	}
	return out
}

func get(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, body)
	}
	return body, nil
}

// read parses an answer: report/total is a JSON string decimal;
// report/summary {"summary": [{"tenant_id", "res_type", "rate"}]}.
func (m *Measurement) read(endpoint string, body []byte, exact Totals) error {
	switch endpoint {
	case "report/total":
		if err := json.Unmarshal(body, &m.Answer); err != nil {
			return fmt.Errorf("report/total: not a JSON string: %.100s: %w", body, err)
		}
		return nil
	}
	var sum struct {
		Summary []struct {
			Tenant  string `json:"tenant_id"`
			ResType string `json:"res_type"`
			Rate    string `json:"rate"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(body, &sum); err != nil {
		return fmt.Errorf("report/summary: %.100s: %w", body, err)
	}
	total := decimal.Zero
	for _, r := range sum.Summary {
		v, err := decimal.NewFromString(r.Rate)
		if err != nil {
			return fmt.Errorf("report/summary: rate %q of %s/%s: %w", r.Rate, r.Tenant, r.ResType, err)
		}
		total = total.Add(v)
		if want, ok := exact.ByTenantType[r.Tenant+"/"+r.ResType]; !ok || !want.Equal(v) {
			m.Off++
		}
	}
	m.Rows = len(sum.Summary)
	m.Answer = total.String()
	return nil
}

// Report prints the measurements as a table, the ratio of the first
// side's median to each other side's, and the exact total.
func Report(w io.Writer, spec Spec, runs int, ms []Measurement, exact Totals) {
	fmt.Fprintf(w, "data: %d tenants × %d hours × %d types = %d rated points; %d timed runs per side and endpoint after one warm-up\n",
		spec.Tenants, spec.Hours, len(Types), spec.Points(), runs)
	fmt.Fprintf(w, "exact total (generator): %s\n", exact.All)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "endpoint\tside\tmedian\tp95\tspeed-up\tanswered total\trows (off)\t")
	base := map[string]time.Duration{}
	for _, m := range ms {
		if _, ok := base[m.Endpoint]; !ok && m.Err == nil {
			base[m.Endpoint] = m.Median()
		}
	}
	for _, m := range ms {
		if m.Err != nil {
			fmt.Fprintf(tw, "%s\t%s\terror: %s\t\t\t\t\t\n", m.Endpoint, m.Side, oneLine(m.Err.Error()))
			continue
		}
		ratio := "1×"
		if b := base[m.Endpoint]; m.Median() > 0 && b != m.Median() {
			ratio = fmt.Sprintf("%.1f×", float64(b)/float64(m.Median()))
		}
		rows := ""
		if m.Endpoint == "report/summary" {
			rows = fmt.Sprintf("%d (%d)", m.Rows, m.Off)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", m.Endpoint, m.Side, ms3(m.Median()), ms3(m.P95()), ratio, m.Answer, rows)
	}
	tw.Flush()
}

func ms3(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
