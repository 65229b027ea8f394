package aws

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// TestTestdataCSV maps every row of each AWS sample and checks the billed
// totals per (account, product code, usage day) against an independent
// big.Rat sum of the raw column.
func TestTestdataCSV(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdataDir(t), "aws", "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d AWS sample files, want at least 4", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			want, wantRows := rawBilledTotals(t, raw)

			rd := openSample(t, file)
			defer rd.Close()
			if !Detect(rd.Header()) {
				t.Fatal("Detect = false for a CUR header")
			}
			got, rows, sums, items := mapAll(t, rd)
			if rows != wantRows {
				t.Fatalf("mapped %d rows, file has %d", rows, wantRows)
			}
			compareTotals(t, got, want)
			for _, li := range items {
				if li.ProviderName != "AWS" || li.SubAccountID == "" || li.ChargeType == "" {
					t.Fatalf("incomplete item: %+v", li)
				}
				if li.BillingPeriodEnd.Sub(li.BillingPeriodStart) < 28*24*time.Hour {
					t.Fatalf("billing period %s – %s is not a month", li.BillingPeriodStart, li.BillingPeriodEnd)
				}
			}
			checkSample(t, filepath.Base(file), sums, items)
		})
	}
}

// checkSample asserts what is known about each sample beyond its billed
// totals, from the raw values printed in the files.
func checkSample(t *testing.T, name string, sums [cost.NumMetrics]*big.Rat, items []cost.LineItem) {
	t.Helper()
	rat := func(s string) *big.Rat {
		r, _ := new(big.Rat).SetString(s)
		return r
	}
	first := items[0]
	switch name {
	case "cur-legacy-cost-categories.csv", "cur-legacy-not-final.csv":
		// Three SavingsPlanCoveredUsage hours at 10 NOK on demand, each
		// with savingsPlan/SavingsPlanEffectiveCost 0.1.
		if sums[cost.Amortized].Cmp(rat("0.3")) != 0 || sums[cost.List].Cmp(rat("30")) != 0 {
			t.Errorf("amortized = %s, list = %s; want 0.3 and 30", sums[cost.Amortized].FloatString(6), sums[cost.List].FloatString(6))
		}
		if first.BillingCurrency != "NOK" || first.USD[cost.Billed].Valid {
			t.Errorf("currency %q, USD valid %v: a NOK bill has no USD values", first.BillingCurrency, first.USD[cost.Billed].Valid)
		}
		if first.Tags["costCategory/cost_env"] != "prod" || first.Tags["costCategory/name"] != "compute" {
			t.Errorf("cost category tags = %v", first.Tags)
		}
		for k := range first.Tags {
			if strings.HasPrefix(strings.ToLower(k), "notags") || strings.Contains(k, "user:app") {
				t.Errorf("noTags/ column taken as a tag: %q", k)
			}
		}
		if first.ChargeCategory != "Usage" || first.PricingCategory != "Committed" || first.Category != "Compute" || first.ProviderID != "i-99995555" {
			t.Errorf("classification: %q %q %q %q", first.ChargeCategory, first.PricingCategory, first.Category, first.ProviderID)
		}
		if first.RegionID != "us-west-1" || first.ChargePeriodEnd.Sub(first.ChargePeriodStart) != time.Hour {
			t.Errorf("region %q, charge period %s – %s", first.RegionID, first.ChargePeriodStart, first.ChargePeriodEnd)
		}
		if name == "cur-legacy-not-final.csv" && first.InvoiceID != "" {
			t.Errorf("InvoiceID = %q for a bill that is not final", first.InvoiceID)
		}
	case "cur-legacy-slash-columns.csv":
		// Data transfer usage: list = billed (publicOnDemandCost equals
		// the unblended cost on every row), category Network.
		if sums[cost.List].Cmp(sums[cost.Billed]) != 0 || sums[cost.Amortized].Cmp(sums[cost.Billed]) != 0 {
			t.Errorf("list %s / amortized %s differ from billed %s", sums[cost.List].FloatString(30), sums[cost.Amortized].FloatString(30), sums[cost.Billed].FloatString(30))
		}
		if first.Category != "Network" || !first.USD[cost.Net].Valid || !first.USD[cost.Net].Decimal.Equal(first.Cost[cost.Net]) {
			t.Errorf("category %q, USD %v", first.Category, first.USD[cost.Net])
		}
	case "cur-snake-case-columns.csv":
		if first.ServiceName != "mra" || first.RegionID != "us-east-1" || first.Tags["aws_created_by"] != "IAMUser:fake:and" {
			t.Errorf("service %q region %q tags %v", first.ServiceName, first.RegionID, first.Tags)
		}
		if first.ResourceType != "instance" || first.ResourceName != "i-055386473d0b3fc65" {
			t.Errorf("resource type %q name %q", first.ResourceType, first.ResourceName)
		}
		if first.InvoiceIssuerName != "Amazon Web Services, Inc." || first.PublisherName != "Red Hat, Inc." || first.SkuPriceID != "52KUDV3HNNAWJGTF.4799GE89SK.6YS6EN2CT7" {
			t.Errorf("issuer %q publisher %q sku price %q", first.InvoiceIssuerName, first.PublisherName, first.SkuPriceID)
		}
	default:
		t.Errorf("no sample checks for %s: add them", name)
	}
}

// extractTarGz unpacks a .tar.gz into dir, refusing paths that leave it.
func extractTarGz(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := path.Clean(h.Name)
		if !fs.ValidPath(name) {
			t.Fatalf("archive entry %q leaves the directory", h.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			out, err := os.Create(dst)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(out, tr); err != nil {
				t.Fatal(err)
			}
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestBucketWithManifest extracts the CUR bucket sample, adds a stale
// assembly that must be ignored, resolves the current files from the
// manifest and checks their billed totals against the raw gzipped CSV.
func TestBucketWithManifest(t *testing.T) {
	dir := t.TempDir()
	extractTarGz(t, filepath.Join(testdataDir(t), "aws", "cur-bucket-with-manifest.tar.gz"), dir)

	// An older assembly of the same month: cumulative, so reading it as
	// well would count the month twice.
	period := filepath.Join(dir, "koku-local", "20180801-20180901")
	stale := filepath.Join(period, "00000000-0000-0000-0000-000000000000")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "koku-local-1.csv.gz"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}

	fsys := os.DirFS(dir)
	files, err := ResolveFiles(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	want := "koku-local/20180801-20180901/16e57707-f9e3-49be-8be6-b84e684b5194/koku-local-1.csv.gz"
	if len(files) != 1 || files[0] != want {
		t.Fatalf("ResolveFiles = %q, want [%q]", files, want)
	}

	// The same answer when pointed at the period or the bucket folder.
	for _, sub := range []string{"koku-local", "koku-local/20180801-20180901"} {
		got, err := ResolveFiles(fsys, sub)
		if err != nil || len(got) != 1 || got[0] != want {
			t.Fatalf("ResolveFiles(%q) = %q, %v; want [%q]", sub, got, err, want)
		}
	}

	// Expected totals straight from the gzipped bytes.
	rf, err := fsys.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	zr, err := gzip.NewReader(rf)
	if err != nil {
		t.Fatal(err)
	}
	wantTotals, wantRows := rawBilledTotals(t, zr)
	if wantRows != 13380 {
		t.Fatalf("raw file has %d rows, the README says 13,380", wantRows)
	}

	f, err := fsys.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	rc, err := tabular.Decompress(files[0], f, nil)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := tabular.NewCSV(files[0], rc)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	got, rows, _, items := mapAll(t, rd)
	if rows != wantRows {
		t.Fatalf("mapped %d rows, want %d", rows, wantRows)
	}
	compareTotals(t, got, wantTotals)
	if bp := items[0].BillingPeriodStart; !bp.Equal(time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("BillingPeriodStart = %s, want the file's bill/BillingPeriodStartDate 2018-06-01", bp)
	}
}
