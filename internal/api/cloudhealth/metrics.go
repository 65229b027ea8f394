package cloudhealth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/metricsupload"
	"github.com/tally-cost/tally/internal/tenant"
)

// Instances tells whether an EC2 instance exists and is active: the
// guide accepts metrics only for "an active AWS Instance ... already
// present". The asset index implements it; assetID is the instance's
// asset id (asset.ID), which links its metrics to the asset.
type Instances interface {
	Instance(ctx context.Context, region, account, instanceID string) (assetID int64, active bool, found bool, err error)
}

// SetMetrics makes the metrics endpoints store and read points in st;
// without it they answer 501.
func (a *API) SetMetrics(st metricstore.Store) { a.metrics = st }

// SetInstances sets the index that uploads are checked against. Without
// one every uploaded row fails as an unknown instance: accepting metrics
// of instances nobody has seen would let a key write series for any
// account id it is given.
func (a *API) SetInstances(in Instances) { a.instances = in }

// metricsRoutes registers /metrics/v1 and its alias /v1/metrics (§8);
// serve strips a trailing slash.
func (a *API) metricsRoutes() {
	for _, p := range []string{"/metrics/v1", "/v1/metrics"} {
		a.mux.HandleFunc("POST "+p, a.handle(a.postMetrics))
		a.mux.HandleFunc("GET "+p, a.handle(a.getMetrics))
	}
}

// maxMetricsBytes bounds an upload: 1,000 points with their asset ids
// and timestamps are some 100 kB; a body far larger cannot be valid.
const maxMetricsBytes = 8 << 20

var errNoMetrics = apierr.New(http.StatusNotImplemented, "this server keeps no metrics")

// postMetrics stores an upload (§8): 200 with per-row failures, 400 for
// a body that is not JSON of the documented shape, 422 over 1,000 points
// or for a content type other than JSON (§1.2), 429 past 60 POSTs a
// minute of the key.
// dryrun=true validates, instance checks included, and writes nothing.
func (a *API) postMetrics(r *http.Request) (any, error) {
	p, ok := tenant.FromContext(r.Context())
	if !ok {
		return nil, engine.ErrNoPrincipal
	}
	if err := a.limitMetricPosts(p); err != nil {
		return nil, err
	}
	// Uploading writes data that rightsizing reads, as tags do: editors
	// and administrators, within their accounts.
	if err := p.Require(tenant.EditContent); err != nil {
		return nil, fmt.Errorf("uploading metrics: %w", err)
	}
	if a.metrics == nil {
		return nil, errNoMetrics
	}
	dryrun, err := flag(r, "dryrun")
	if err != nil {
		return nil, err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("Content-Type must be application/json, not %q", ct))
		}
	}
	payload, err := metricsupload.Parse(http.MaxBytesReader(nil, r.Body, maxMetricsBytes))
	switch {
	case errors.Is(err, metricsupload.ErrTooManyPoints):
		return nil, apierr.New(http.StatusUnprocessableEntity, apierr.Message(err))
	case errors.As(err, new(*http.MaxBytesError)):
		return nil, err
	case err != nil:
		return nil, apierr.New(http.StatusBadRequest, apierr.Message(err))
	}
	res, points, err := a.checkUpload(r.Context(), p, payload)
	if err != nil {
		return nil, err
	}
	if !dryrun {
		if err := a.metrics.PutMetricPoints(r.Context(), points); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// checkUpload validates every row (metricsupload.Validate, one row at a
// time so that a row that passes it can still fail here with its own
// text) and then checks what validation cannot: the instance is the
// caller's, exists and is active, and the values fit the store. A row of
// an account outside the caller's scope fails exactly as an unknown
// instance does.
func (a *API) checkUpload(ctx context.Context, p *tenant.Principal, payload metricsupload.Payload) (metricsupload.Response, []metricstore.Point, error) {
	now := a.now().UTC()
	res := metricsupload.Response{Errors: []string{}, Datasets: []metricsupload.DatasetResult{}}
	var points []metricstore.Point
	known := map[metricsupload.AssetID]instanceState{}
	for _, d := range payload.Datasets {
		head := d
		head.Rows = nil
		dr := metricsupload.Validate(metricsupload.Payload{Datasets: []metricsupload.Dataset{head}}, now).Response.Datasets[0]
		if len(dr.Errors) > 0 {
			res.Failed += len(d.Rows)
			res.Datasets = append(res.Datasets, dr)
			continue
		}
		for _, row := range d.Rows {
			one := d
			one.Rows = []json.RawMessage{row}
			v := metricsupload.Validate(metricsupload.Payload{Datasets: []metricsupload.Dataset{one}}, now)
			if f := v.Response.Datasets[0].Failures; len(f) > 0 {
				dr.Failures = append(dr.Failures, f...)
				continue
			}
			s := v.Samples[0]
			inst := metricsupload.AssetID{Region: s.Asset.Region, Account: s.Asset.Account, Instance: s.Asset.Instance}
			st, ok := known[inst]
			if !ok {
				var err error
				if st, err = a.instanceState(ctx, p, inst); err != nil {
					return res, nil, err
				}
				known[inst] = st
			}
			if !st.ok {
				dr.Failures = append(dr.Failures, metricsupload.Failure{
					Error: fmt.Sprintf("Instance (%s) is not present and active.", inst), Row: row})
				continue
			}
			if msg := checkValues(s); msg != "" {
				dr.Failures = append(dr.Failures, metricsupload.Failure{Error: msg, Row: row})
				continue
			}
			dr.Succeeded++
			points = append(points, metricstore.PointsOf(s, st.assetID)...)
		}
		res.Succeeded += dr.Succeeded
		res.Failed += len(dr.Failures)
		res.Datasets = append(res.Datasets, dr)
	}
	return res, points, nil
}

type instanceState struct {
	assetID int64
	ok      bool
}

func (a *API) instanceState(ctx context.Context, p *tenant.Principal, inst metricsupload.AssetID) (instanceState, error) {
	if !p.Sees(inst.Account) || a.instances == nil {
		return instanceState{}, nil
	}
	id, active, found, err := a.instances.Instance(ctx, inst.Region, inst.Account, inst.Instance)
	if err != nil {
		return instanceState{}, fmt.Errorf("looking up instance %s: %w", inst, err)
	}
	return instanceState{assetID: id, ok: found && active}, nil
}

// checkValues refuses a row with a value the store cannot hold (27
// integer digits and more), in the words of the guide's row failures.
func checkValues(s metricsupload.Sample) string {
	for _, k := range metricsupload.MetricKeys(s.AssetType) {
		if v, ok := s.Values[k]; ok && metricstore.CheckValue(v) != nil {
			return fmt.Sprintf("Value (%s) for key (%s) is too large.", v, k)
		}
	}
	return ""
}
