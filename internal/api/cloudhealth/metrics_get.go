package cloudhealth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/metricsupload"
	"github.com/tally-cost/tally/internal/tenant"
)

// Paging of the metrics GET (§3, §8): 100 value sets a page unless
// per_page says otherwise, up to the guide's maximum of 1,000.
const (
	metricsPerPage    = 100
	metricsMaxPerPage = 1000
)

// metricsPage is the GET's answer, not wrapped in "metrics" (§8).
type metricsPage struct {
	Datasets []metricsDataset `json:"datasets"`
	Next     *string          `json:"next"`
}

type metricsDataset struct {
	Metadata metricsMetadata `json:"metadata"`
	Values   [][]any         `json:"values"`
}

type metricsMetadata struct {
	AssetType   string   `json:"assetType"`
	Granularity string   `json:"granularity"`
	Keys        []string `json:"keys"`
}

// getMetrics answers one instance's metrics, its file systems' after
// its own, rolled up to the granularity's whole buckets within the
// window (metricsupload.Rollup: today only hourly, a range shorter than
// the granularity has no rows). An instance without points in the
// window, unknown, or of an account outside the caller's scope answers
// the same: no datasets.
func (a *API) getMetrics(r *http.Request) (any, error) {
	p, ok := tenant.FromContext(r.Context())
	if !ok {
		return nil, engine.ErrNoPrincipal
	}
	if err := p.Require(tenant.Read); err != nil {
		return nil, err
	}
	if a.metrics == nil {
		return nil, errNoMetrics
	}
	v := r.URL.Query()
	inst, err := parseInstanceARN(v.Get("asset"))
	if err != nil {
		return nil, err
	}
	now := a.now().UTC()
	w, err := metricsupload.Window(v.Get("from"), v.Get("to"), v.Get("time_range"), now)
	if err != nil {
		return nil, metricsInvalid(err)
	}
	gran := v.Get("granularity")
	step, err := metricsupload.Granularity(gran)
	if err != nil {
		return nil, metricsInvalid(err)
	}
	if gran == "" {
		gran = "hour"
	}
	buckets, err := metricsupload.Rollup(w, step, now)
	if err != nil {
		return nil, metricsInvalid(err)
	}
	page, perPage, err := metricsPaging(v)
	if err != nil {
		return nil, err
	}
	var rows []metricstore.Row
	if len(buckets) > 0 {
		pts, err := a.metrics.MetricPoints(r.Context(), metricstore.Query{
			InstanceID: asset.ID(asset.AwsInstance, inst.Instance), Region: inst.Region, Account: inst.Account,
			Window: cost.Window{Start: buckets[0].Start, End: buckets[len(buckets)-1].End}, Scope: p.Scope,
		})
		if err != nil {
			return nil, err
		}
		rows = metricstore.Rollup(pts, buckets)
	}
	out := metricsPage{Datasets: []metricsDataset{}}
	from := min((page-1)*perPage, len(rows))
	to := min(from+perPage, len(rows))
	for _, row := range rows[from:to] {
		if n := len(out.Datasets); n == 0 || out.Datasets[n-1].Metadata.AssetType != row.Series.AssetType {
			out.Datasets = append(out.Datasets, metricsDataset{
				Metadata: metricsMetadata{AssetType: row.Series.AssetType, Granularity: gran, Keys: metricsGetKeys(row.Series.AssetType)},
				Values:   [][]any{},
			})
		}
		d := &out.Datasets[len(out.Datasets)-1]
		d.Values = append(d.Values, metricsValues(row, d.Metadata.Keys))
	}
	if to < len(rows) {
		next := nextMetricsURL(r, v, page+1)
		out.Next = &next
	}
	return out, nil
}

// metricsInvalid makes a parameter error the guide's input format error.
func metricsInvalid(err error) error {
	return apierr.New(http.StatusUnprocessableEntity, apierr.Message(err))
}

// parseInstanceARN reads arn:aws:ec2:<region>:<owner-id>:instance/<id>
// (also in the aws-cn and aws-us-gov partitions).
func parseInstanceARN(s string) (metricsupload.AssetID, error) {
	const want = "asset must be arn:aws:ec2:<region>:<owner-id>:instance/<instance-id>"
	if s == "" {
		return metricsupload.AssetID{}, apierr.New(http.StatusUnprocessableEntity, want)
	}
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || !strings.HasPrefix(f[1], "aws") || f[2] != "ec2" || f[3] == "" || f[4] == "" {
		return metricsupload.AssetID{}, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("%s, not %q", want, s))
	}
	id, ok := strings.CutPrefix(f[5], "instance/")
	if !ok || id == "" || strings.ContainsAny(id, "/:") {
		return metricsupload.AssetID{}, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("%s, not %q", want, s))
	}
	return metricsupload.AssetID{Region: f[3], Account: f[4], Instance: id}, nil
}

// metricsPaging reads page (1-based, 0 the same as 1, §3) and per_page.
func metricsPaging(v url.Values) (page, perPage int, err error) {
	page, perPage = 1, metricsPerPage
	if s := v.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, 0, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("page must be a positive integer, not %q", s))
		}
		page = max(n, 1)
	}
	if s := v.Get("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > metricsMaxPerPage {
			return 0, 0, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("per_page must be an integer from 1 to %d, not %q", metricsMaxPerPage, s))
		}
		perPage = n
	}
	return page, perPage, nil
}

// metricsGetKeys are the keys of a GET dataset: assetId, timestamp and
// every metric the asset type accepts, each as avg, max, min, the
// order of the guide's example.
func metricsGetKeys(assetType string) []string {
	keys := []string{metricsupload.KeyAssetID, metricsupload.KeyTimestamp}
	for _, k := range metricsupload.MetricKeys(assetType) {
		if base, ok := strings.CutSuffix(k, ".avg"); ok {
			keys = append(keys, base+".avg", base+".max", base+".min")
		}
	}
	return keys
}

// metricsValues renders a row in the order of keys: numbers exact, null
// for a key without a value.
func metricsValues(row metricstore.Row, keys []string) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		switch k {
		case metricsupload.KeyAssetID:
			out[i] = row.Series.AssetID()
		case metricsupload.KeyTimestamp:
			out[i] = row.Start.UTC().Format(time.RFC3339)
		default:
			if v, ok := row.Values[k]; ok {
				out[i] = json.Number(v.String())
			}
		}
	}
	return out
}

// nextMetricsURL is the absolute URL of the next page: the request's own
// parameters with page moved on. Behind a proxy, X-Forwarded-Proto and
// X-Forwarded-Host name the address the client used; they only shape
// the caller's own link.
func nextMetricsURL(r *http.Request, v url.Values, page int) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if s := r.Header.Get("X-Forwarded-Proto"); s == "http" || s == "https" {
		scheme = s
	}
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		host = h
	}
	q := url.Values{}
	for k, vs := range v {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("page", strconv.Itoa(page))
	u := url.URL{Scheme: scheme, Host: host, Path: strings.TrimSuffix(Prefix, "/") + r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}
