package synth

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DemoFile is one file of the demo data set.
type DemoFile struct {
	Provider string // aws, azure or gcp
	Source   string // the ingest source it belongs to
	Path     string
}

// demoSpec sizes one provider of the demo: rows a day (weekdays more,
// weekends fewer, growing month to month) and where its files go. About
// 2,000 rows a day in all: 90 days are about 180,000 rows.
type demoSpec struct {
	provider, source, dir, prefix string
	perDay                        int64
	daily                         bool
}

var demoSpecs = []demoSpec{
	{"aws", "demo-aws-cur", "aws", "acme-cur-", 1300, false},
	{"azure", "demo-azure-ea", "azure", "contoso-actualcost-", 45, true},
	{"gcp", "demo-gcp-billing", "gcp", "gcp-billing-export-", 650, false},
}

// demoSeed fixes the demo company.
const demoSeed = 20240101

// Demo writes the demo data set into dir: the AWS CUR of four usage
// accounts (EC2, RDS, S3, EKS, Savings Plan and reservation coverage,
// credits, discounts and tax), the Azure EA actual cost of three
// subscriptions and the GCP billing export of one billing account, over
// the days days from start (UTC day). Each provider gets one file per
// calendar month, as the clouds deliver them, so that every file is one
// billing period. The same arguments always give the same files.
func Demo(dir string, start time.Time, days int) ([]DemoFile, error) {
	if days < 1 {
		return nil, fmt.Errorf("%w: the demo needs at least one day, got %d", ErrOptions, days)
	}
	if start.IsZero() {
		return nil, fmt.Errorf("%w: the demo needs a start day", ErrOptions)
	}
	var files []DemoFile
	for _, spec := range demoSpecs {
		opt := Options{Provider: spec.provider, Rows: spec.perDay * int64(days), Days: days, Start: start,
			Seed: demoSeed, Daily: spec.daily}
		g, err := newGenerator(&opt)
		if err != nil {
			return nil, err
		}
		sub := filepath.Join(dir, spec.dir)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		for _, seg := range g.plan().monthSegments() {
			month := g.plan().day(seg[0])
			path := filepath.Join(sub, fmt.Sprintf("%s%04d-%02d.csv", spec.prefix, month.Year(), int(month.Month())))
			if err := writeDemoFile(path, g, seg[0], seg[1]); err != nil {
				return nil, err
			}
			files = append(files, DemoFile{Provider: spec.provider, Source: spec.source, Path: path})
		}
	}
	return files, nil
}

func writeDemoFile(path string, g generator, from, to int) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("demo: %w", cerr)
		}
		if err != nil {
			err = errors.Join(err, os.Remove(path))
		}
	}()
	if _, err := writeDays(f, g, from, to); err != nil {
		return fmt.Errorf("demo %s: %w", path, err)
	}
	return nil
}
