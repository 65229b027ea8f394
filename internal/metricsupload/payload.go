// Package metricsupload reads and validates the CloudHealth metrics
// upload (POST /metrics/v1, alias /v1/metrics): hourly CPU, memory and
// file-system datasets, with the guide's row-level failures and limits,
// and the response counts as Go types. Validation is pure: dryrun, the
// asset index check and storage are the caller's. It also reads the GET's
// time_range, from/to and granularity into windows and buckets.
package metricsupload

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/tally-cost/tally/internal/jsondoc"

	"github.com/tally-cost/tally/internal/errkind"
)

// MaxPoints is the most data points one payload may carry; more refuses
// the whole request. A data point is one metric value: a row of five
// keys (assetId, timestamp and three metrics) carries three. The guide
// says "data points", and calls a row a "set of metric points", so rows
// are not the unit.
const MaxPoints = 1000

// Errors that refuse the whole request, both invalid input. The guide
// answers a malformed document with 400 and an over-limit payload with
// 422; the dialect tells them apart with errors.Is.
var (
	ErrMalformed     = errkind.Invalid.New("malformed metrics document")
	ErrTooManyPoints = errkind.Invalid.New("too many data points")
)

// Payload is a parsed upload: its datasets in order.
type Payload struct {
	Datasets []Dataset
}

// Dataset is one dataset as sent. Rows are kept raw so that a failure
// echoes the row exactly as the client wrote it.
type Dataset struct {
	AssetType   string
	Granularity string
	Keys        []string
	Rows        []json.RawMessage
}

type wire struct {
	Metrics *struct {
		Datasets *[]struct {
			Metadata *struct {
				AssetType   string   `json:"assetType"`
				Granularity string   `json:"granularity"`
				Keys        []string `json:"keys"`
			} `json:"metadata"`
			Values []json.RawMessage `json:"values"`
		} `json:"datasets"`
	} `json:"metrics"`
}

// Parse reads an upload body. A body that is not the documented shape
// (metrics.datasets[], each with metadata) is ErrMalformed, with the line
// and column where JSON names one; more than MaxPoints data points is
// ErrTooManyPoints.
func Parse(r io.Reader) (Payload, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return Payload{}, fmt.Errorf("%w: reading body: %w", ErrMalformed, err)
	}
	var w wire
	if err := jsondoc.Decode(body, &w); err != nil {
		return Payload{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if w.Metrics == nil || w.Metrics.Datasets == nil {
		return Payload{}, fmt.Errorf("%w: metrics.datasets is required", ErrMalformed)
	}
	var p Payload
	points := 0
	for i, d := range *w.Metrics.Datasets {
		if d.Metadata == nil {
			return Payload{}, fmt.Errorf("%w: metrics.datasets[%d].metadata is required", ErrMalformed, i)
		}
		p.Datasets = append(p.Datasets, Dataset{
			AssetType:   d.Metadata.AssetType,
			Granularity: d.Metadata.Granularity,
			Keys:        d.Metadata.Keys,
			Rows:        d.Values,
		})
		for _, row := range d.Values {
			points += pointsIn(row)
		}
	}
	if points > MaxPoints {
		return Payload{}, fmt.Errorf("%w: the payload has %d data points, the most is %d", ErrTooManyPoints, points, MaxPoints)
	}
	return p, nil
}

// pointsIn counts the metric values of a row: its cells but assetId and
// timestamp. A row that is not a list counts for nothing (it fails alone).
func pointsIn(row json.RawMessage) int {
	var cells []json.RawMessage
	if json.Unmarshal(row, &cells) != nil {
		return 0
	}
	return max(len(cells)-2, 0)
}
