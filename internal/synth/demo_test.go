package synth

import (
	"crypto/sha256"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("writes about 180,000 rows")
	}
	dir := t.TempDir()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	files, err := Demo(dir, start, 90)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 9 { // three providers × January, February, March
		t.Fatalf("%d files: %v", len(files), files)
	}
	periodCol := map[string]string{"aws": "bill/BillingPeriodStartDate", "azure": "BillingPeriodStartDate", "gcp": "invoice.month"}
	var rows int
	sources := map[string]string{}
	awsDaily := map[time.Time]*big.Rat{}
	for _, f := range files {
		if !strings.HasPrefix(f.Path, dir) {
			t.Errorf("%s is outside %s", f.Path, dir)
		}
		if s, ok := sources[f.Provider]; ok && s != f.Source || f.Source == "" {
			t.Errorf("%s: source %q (other files %q)", f.Path, f.Source, s)
		}
		sources[f.Provider] = f.Source
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		tb := readTable(t, data)
		if strings.Join(tb.header, ",") != strings.Join(goldenHeaders[f.Provider], ",") {
			t.Errorf("%s: header %q", f.Path, tb.header)
		}
		rows += len(tb.rows)
		periods := map[string]bool{}
		for _, row := range tb.rows {
			periods[tb.get(row, periodCol[f.Provider])] = true
		}
		if len(periods) != 1 {
			t.Errorf("%s holds billing periods %v, want one", f.Path, periods)
		}
		if f.Provider == "aws" {
			addAWSDaily(t, tb, awsDaily)
		}
	}
	if len(sources) != 3 {
		t.Errorf("providers %v", sources)
	}
	if rows < 100_000 || rows > 300_000 {
		t.Errorf("%d rows, want 100,000–300,000", rows)
	}
	// The AWS bill has a weekly pattern and grows month to month.
	var weekday, weekend, jan, mar [2]*big.Rat // sum, count
	for _, a := range []*[2]*big.Rat{&weekday, &weekend, &jan, &mar} {
		a[0], a[1] = new(big.Rat), new(big.Rat)
	}
	add := func(a *[2]*big.Rat, v *big.Rat) { a[0].Add(a[0], v); a[1].Add(a[1], big.NewRat(1, 1)) }
	for d, v := range awsDaily {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			add(&weekend, v)
		} else {
			add(&weekday, v)
		}
		switch d.Month() {
		case time.January:
			add(&jan, v)
		case time.March:
			add(&mar, v)
		}
	}
	avg := func(a [2]*big.Rat) *big.Rat { return new(big.Rat).Quo(a[0], a[1]) }
	if r := new(big.Rat).Quo(avg(weekend), avg(weekday)); r.Cmp(big.NewRat(95, 100)) > 0 || r.Cmp(big.NewRat(6, 10)) < 0 {
		t.Errorf("weekend days cost %s of weekdays, want 60–95 %%", r.FloatString(2))
	}
	if r := new(big.Rat).Quo(avg(mar), avg(jan)); r.Cmp(big.NewRat(103, 100)) < 0 || r.Cmp(big.NewRat(13, 10)) > 0 {
		t.Errorf("March days cost %s × January's, want 1.03–1.3", r.FloatString(2))
	}
	// Same arguments, same files.
	again, err := Demo(t.TempDir(), start, 90)
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		a, _ := os.ReadFile(files[i].Path)
		b, _ := os.ReadFile(again[i].Path)
		if sha256.Sum256(a) != sha256.Sum256(b) || filepath.Base(files[i].Path) != filepath.Base(again[i].Path) {
			t.Errorf("%s differs between two runs", files[i].Path)
		}
	}
}

// addAWSDaily adds the amortized cost of the usage rows of a CUR to the
// day they start on, checking that instance rates look like EC2 prices.
func addAWSDaily(t *testing.T, tb *table, daily map[time.Time]*big.Rat) {
	t.Helper()
	for _, row := range tb.rows {
		typ := tb.get(row, "lineItem/LineItemType")
		var amortized string
		switch typ {
		case "Usage":
			amortized = tb.get(row, "lineItem/UnblendedCost")
		case "SavingsPlanCoveredUsage":
			amortized = tb.get(row, "savingsPlan/SavingsPlanEffectiveCost")
		case "DiscountedUsage":
			amortized = tb.get(row, "reservation/EffectiveCost")
		default:
			continue
		}
		if strings.HasPrefix(tb.get(row, "lineItem/UsageType"), "BoxUsage:") {
			rate := ratOf(t, tb.get(row, "pricing/publicOnDemandRate"))
			if rate.Cmp(big.NewRat(1, 100)) < 0 || rate.Cmp(big.NewRat(10, 1)) > 0 {
				t.Fatalf("instance rate %s per hour", rate.FloatString(4))
			}
		}
		start, err := time.Parse(time.RFC3339, tb.get(row, "lineItem/UsageStartDate"))
		if err != nil {
			t.Fatal(err)
		}
		day := start.Truncate(24 * time.Hour)
		if daily[day] == nil {
			daily[day] = new(big.Rat)
		}
		daily[day].Add(daily[day], ratOf(t, amortized))
	}
}

func TestDemoErrors(t *testing.T) {
	if _, err := Demo(t.TempDir(), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 0); !errors.Is(err, ErrOptions) {
		t.Errorf("0 days: %v", err)
	}
	if _, err := Demo(t.TempDir(), time.Time{}, 90); !errors.Is(err, ErrOptions) {
		t.Errorf("no start: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Demo(file, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 90); err == nil {
		t.Error("a file as the directory: no error")
	}
}
