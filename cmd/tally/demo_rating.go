package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/collect"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/metrics"
	"github.com/tally-cost/tally/internal/rating/modules"
	"github.com/tally-cost/tally/internal/rating/processor"
	"github.com/tally-cost/tally/internal/store"
)

// The demo re-rates part of its own usage with private prices, as an
// operator of a CloudKitty-style rating service would, so that the
// /cloudkitty dialect (and provider "rating" in every other one) has
// something to show.

//go:embed demo-metrics.yml
var demoMetricsYAML []byte

// demoRatingPeriod is daily, not upstream's hour: 120 days of a handful
// of scopes rate in seconds instead of minutes.
const demoRatingPeriod = 24 * time.Hour

// demoRatingConfig is the rating configuration the demo rates and serves
// with.
func demoRatingConfig() (rating.Config, error) {
	m, err := metrics.Parse("demo-metrics.yml", demoMetricsYAML, metrics.Options{Collector: metrics.CollectorOther})
	if err != nil {
		return rating.Config{}, err
	}
	return rating.Config{Metrics: m, Period: demoRatingPeriod, Collector: rating.CollectorTally}.WithDefaults(), nil
}

// demoTenant is the AWS account of the demo data with the most EC2
// hours: it gets a negotiated price that replaces the global one.
const demoTenant = "210987654321"

// demoPrices enables the hashmap module and writes the demo's price
// list, each rule starting at from (in the past, hence Force) so that it
// applies to the whole demo window.
func demoPrices(ctx context.Context, svc *rating.Service, from time.Time) error {
	on := true
	if err := svc.Modules.Set(ctx, modules.Hashmap, &on, nil); err != nil {
		return err
	}
	b := svc.Book
	opt := hashmap.WriteOptions{Force: true, By: "tally demo"}
	field := func(service, name string) (hashmap.Field, error) {
		s, err := b.CreateService(ctx, service)
		if err != nil {
			return hashmap.Field{}, err
		}
		return b.CreateField(ctx, s.ID, name)
	}
	compute, err := field("compute", "pricing_unit")
	if err != nil {
		return err
	}
	region, err := b.CreateField(ctx, compute.ServiceID, "region")
	if err != nil {
		return err
	}
	storage, err := field("storage", "pricing_unit")
	if err != nil {
		return err
	}
	gcs, err := field("gcs", "pricing_unit")
	if err != nil {
		return err
	}
	d := decimal.RequireFromString
	for _, m := range []hashmap.Mapping{
		{Name: "instance-hour", Description: "EC2 instance hour", FieldID: compute.ID, Value: "Hrs", Type: hashmap.Flat, Cost: d("0.045")},
		{Name: "ebs-gb-month", Description: "EBS volume GB-month", FieldID: compute.ID, Value: "GB-Mo", Type: hashmap.Flat, Cost: d("0.08")},
		{Name: "us-west-2", Description: "10% more in us-west-2", FieldID: region.ID, Value: "us-west-2", Type: hashmap.Rate, Cost: d("1.1")},
		{Name: "negotiated-instance-hour", Description: "Negotiated EC2 instance hour of account " + demoTenant,
			FieldID: compute.ID, Value: "Hrs", Type: hashmap.Flat, Cost: d("0.035"), TenantID: demoTenant},
		{Name: "s3-gb-month", Description: "S3 storage GB-month", FieldID: storage.ID, Value: "GB-Mo", Type: hashmap.Flat, Cost: d("0.021")},
		{Name: "gcs-gib-month", Description: "Cloud Storage GiB-month", FieldID: gcs.ID, Value: "gibibyte month", Type: hashmap.Flat, Cost: d("0.018")},
	} {
		m.Start = from
		if _, err := b.CreateMapping(ctx, m, opt); err != nil {
			return fmt.Errorf("demo price %s: %w", m.Name, err)
		}
	}
	// A volume discount: a scope's day of S3 storage at or above the
	// level costs 10% less.
	_, err = b.CreateThreshold(ctx, hashmap.Threshold{ServiceID: storage.ServiceID, Level: d("100"), Type: hashmap.Rate, Cost: d("0.9")})
	return err
}

// rateDemo writes the demo's price list and rates window (the demo
// data's days) with the processor over the line items just ingested.
func rateDemo(ctx context.Context, st store.Store, docs store.DocStore, window cost.Window, stdout io.Writer) error {
	began := time.Now()
	rc, err := demoRatingConfig()
	if err != nil {
		return err
	}
	svc, err := rating.Open(ctx, docs, rc)
	if err != nil {
		return err
	}
	if err := demoPrices(ctx, svc, window.Start); err != nil {
		return fmt.Errorf("writing the demo price list: %w", err)
	}
	// A new scope starts at the first of the current month (upstream);
	// the demo's scopes start with its data instead.
	ids, err := collect.LineItems{Store: st}.Scopes(ctx, rc.Metrics, rc.ScopeKey, window)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := svc.Scopes.SetLastProcessed(ctx, id, window.Start.Add(-rc.Period)); err != nil {
			return err
		}
	}
	// The data ends with the window and nothing more will come: rate as
	// if the wait periods after its last day had passed (a period is due
	// once start + wait periods ≤ now).
	now := window.End.Add(time.Duration(rc.WaitPeriods-1) * rc.Period)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := newProcessor(svc, st, processor.Config{Now: func() time.Time { return now }, Batch: demoDays, Log: quiet})
	if err != nil {
		return err
	}
	n, err := p.Sweep(ctx)
	if err != nil {
		return fmt.Errorf("rating the demo data: %w", err)
	}
	fmt.Fprintf(stdout, "  rated %d daily periods of %d scopes with the hashmap module (provider %q) in %s\n",
		n, len(ids), rating.Provider, time.Since(began).Round(time.Millisecond))
	return nil
}
