package asset

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"io"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/aws"
	"github.com/tally-cost/tally/internal/ingest/azure"
	"github.com/tally-cost/tally/internal/ingest/gcp"
	"github.com/tally-cost/tally/internal/ingest/tabular"
	"github.com/tally-cost/tally/internal/testfiles"
)

// sample is a real export read into memory: its CSV text and the mapper
// its provider's reader uses.
type sample struct {
	name   string
	data   []byte
	mapper func(header []string) (tabular.Mapper, error)
}

func readSample(t *testing.T, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(testfiles.Shared(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// curFromBucket returns the gzipped CSV inside the CUR bucket sample.
func curFromBucket(t *testing.T) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(readSample(t, "aws", "cur-bucket-with-manifest.tar.gz")))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no .csv.gz in the bucket sample: %v", err)
		}
		if !strings.HasSuffix(h.Name, ".csv.gz") {
			continue
		}
		inner, err := gzip.NewReader(tr)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(inner)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// derive feeds every row of s, mapped by the provider's reader, to d.
func derive(t *testing.T, d *Deriver, s sample) int {
	t.Helper()
	return deriveSome(t, d, s, func(*cost.LineItem) bool { return true })
}

// deriveSome feeds the rows keep accepts and returns how many it fed.
func deriveSome(t *testing.T, d *Deriver, s sample, keep func(*cost.LineItem) bool) int {
	t.Helper()
	rd, err := tabular.NewCSV(s.name, io.NopCloser(bytes.NewReader(s.data)))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	m, err := s.mapper(rd.Header())
	if err != nil {
		t.Fatal(err)
	}
	var li cost.LineItem
	n := 0
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		li.Reset()
		if err := m.Map(r, &li); err != nil {
			t.Fatal(err)
		}
		if !keep(&li) {
			continue
		}
		if err := d.Add(s.name, &li); err != nil {
			t.Fatal(err)
		}
		n++
	}
}

// rawSums is the independent expectation: Σ of the raw cost column per
// key, read with encoding/csv and math/big from the cell text. key maps a
// row to its asset key ("" for none) with string tests written for the
// file, not with the code under test.
func rawSums(t *testing.T, data []byte, costCol string, key func(col func(string) string) string) map[string]*big.Rat {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	out := map[string]*big.Rat{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		col := func(name string) string {
			i, ok := idx[strings.ToLower(name)]
			if !ok || i >= len(rec) {
				return ""
			}
			return rec[i]
		}
		k := key(col)
		if k == "" {
			continue
		}
		v, ok := new(big.Rat).SetString(col(costCol))
		if !ok {
			t.Fatalf("cost %q", col(costCol))
		}
		if out[k] == nil {
			out[k] = new(big.Rat)
		}
		out[k].Add(out[k], v)
	}
}

// checkCosts compares the cost to date of the assets of type typ with
// want, keyed by asset key: the same set of keys and equal sums.
func checkCosts(t *testing.T, set *Set, typ Type, want map[string]*big.Rat) {
	t.Helper()
	got := set.OfType(typ)
	if len(got) != len(want) {
		t.Errorf("%s: %d assets, the file names %d", typ, len(got), len(want))
	}
	for _, a := range got {
		w := want[a.Key]
		if w == nil {
			t.Errorf("%s %q is not in the file", typ, a.Key)
			continue
		}
		if a.CostToDate[cost.Billed].Rat().Cmp(w) != 0 {
			t.Errorf("%s %q: cost to date %s, file sums %s", typ, a.Key, a.CostToDate[cost.Billed], w.FloatString(12))
		}
	}
}

// TestDeriveCURBucket derives the assets of the 13,380-row CUR in the
// bucket sample: instances (bare i- ids), volumes (bare vol- ids),
// snapshots (EC2 ARNs) and the usage accounts, each with the cost to date
// of an independent sum over lineItem/UnblendedCost; every resource
// relates to its account. Deriving the file again as a restatement of the
// same snapshot changes nothing.
func TestDeriveCURBucket(t *testing.T) {
	data := curFromBucket(t)
	s := sample{name: "cur", data: data, mapper: aws.NewMapper}
	d := NewDeriver(Options{})
	rows := derive(t, d, s)
	if rows != 13380 {
		t.Fatalf("%d rows, want 13380", rows)
	}
	set := d.Set()
	last := func(col func(string) string) string {
		id := col("lineItem/ResourceId")
		return id[strings.LastIndexAny(id, "/:")+1:]
	}
	byPrefix := func(p string) func(col func(string) string) string {
		return func(col func(string) string) string {
			if k := last(col); strings.HasPrefix(k, p) {
				return k
			}
			return ""
		}
	}
	const unblended = "lineItem/UnblendedCost"
	checkCosts(t, set, AwsInstance, rawSums(t, data, unblended, byPrefix("i-")))
	checkCosts(t, set, AwsVolume, rawSums(t, data, unblended, byPrefix("vol-")))
	checkCosts(t, set, AwsSnapshot, rawSums(t, data, unblended, byPrefix("snap-")))
	accounts := rawSums(t, data, unblended, func(col func(string) string) string { return col("lineItem/UsageAccountId") })
	checkCosts(t, set, AwsAccount, accounts)
	if n := len(set.OfType(AwsInstance)); n == 0 {
		t.Fatal("no instances: the test would prove nothing")
	}
	for _, a := range set.All() {
		if a.Type == AwsAccount {
			continue
		}
		acct := a.Relations["account"]
		if acct == nil || acct.Type != AwsAccount || accounts[acct.Key] == nil {
			t.Fatalf("%s %s: account relation %+v", a.Type, a.Key, acct)
		}
		if a.FirstSeen.IsZero() || !a.LastSeen.After(a.FirstSeen) {
			t.Fatalf("%s %s: seen %s – %s", a.Type, a.Key, a.FirstSeen, a.LastSeen)
		}
	}

	// The file holds three billing periods (June to August 2018).
	// Re-ingest August alone: Replace it, then feed its rows again. The
	// set must come back exactly as it was; feeding them without Replace
	// would double August's costs.
	before := set
	aug := time.Date(2018, 8, 1, 0, 0, 0, 0, time.UTC)
	d.Replace(Snapshot{Source: "cur", Period: aug})
	if d.Len() >= len(before.All()) {
		t.Fatalf("replacing August removed nothing (%d assets)", d.Len())
	}
	if n := deriveSome(t, d, s, func(li *cost.LineItem) bool { return li.BillingPeriodStart.Equal(aug) }); n == 0 {
		t.Fatal("no August rows")
	}
	after := d.Set()
	if len(after.All()) != len(before.All()) {
		t.Fatalf("%d assets after re-ingest, %d before", len(after.All()), len(before.All()))
	}
	for _, a := range before.All() {
		b := after.Get(a.ID)
		if b == nil || !b.CostToDate[cost.Billed].Equal(a.CostToDate[cost.Billed]) ||
			!b.FirstSeen.Equal(a.FirstSeen) || !b.LastSeen.Equal(a.LastSeen) || b.Active != a.Active {
			t.Fatalf("asset %d after re-ingest: %+v, before %+v", a.ID, b, a)
		}
	}
}

// TestDeriveCURSnakeCase: the Athena-named CUR writes instance ids as
// EC2 ARNs (a Marketplace product's rows among them); the instance key is
// the bare id and its cost the raw line_item_unblended_cost sum.
func TestDeriveCURSnakeCase(t *testing.T) {
	data := readSample(t, "aws", "cur-snake-case-columns.csv")
	d := NewDeriver(Options{})
	derive(t, d, sample{name: "cur2", data: data, mapper: aws.NewMapper})
	set := d.Set()
	want := rawSums(t, data, "line_item_unblended_cost", func(col func(string) string) string {
		id := col("line_item_resource_id")
		if i := strings.Index(id, ":instance/"); i >= 0 {
			return id[i+len(":instance/"):]
		}
		return ""
	})
	if len(want) == 0 {
		t.Fatal("the sample names no instance: the test would prove nothing")
	}
	checkCosts(t, set, AwsInstance, want)
	checkCosts(t, set, AwsAccount, rawSums(t, data, "line_item_unblended_cost", func(col func(string) string) string {
		return col("line_item_usage_account_id")
	}))
}

// TestDeriveAzureLegacy: the legacy export's one VM and its resource
// group, written COSTMGMT on one row and costmgmt on another, are one
// asset each; the VM's and the subscription's cost equal the raw
// PreTaxCost sums.
func TestDeriveAzureLegacy(t *testing.T) {
	for _, name := range []string{"legacy-pretax-cost.csv", "legacy-camel-case.csv"} {
		t.Run(name, func(t *testing.T) {
			data := readSample(t, "azure", name)
			d := NewDeriver(Options{})
			derive(t, d, sample{name: name, data: data, mapper: func(h []string) (tabular.Mapper, error) {
				return azure.NewMapper(h, azure.KindActual)
			}})
			set := d.Set()
			vm := func(col func(string) string) string {
				// The pretax file writes InstanceId, the camelCase one resourceId.
				id := strings.ToLower(col("InstanceId") + col("resourceId"))
				if strings.Contains(id, "/providers/microsoft.compute/virtualmachines/") {
					return id
				}
				return ""
			}
			checkCosts(t, set, AzureVm, rawSums(t, data, "PreTaxCost", vm))
			subs := rawSums(t, data, "PreTaxCost", func(col func(string) string) string { return strings.ToLower(col("SubscriptionGuid")) })
			checkCosts(t, set, AzureSubscription, subs)
			vms := set.OfType(AzureVm)
			if len(vms) != 1 || vms[0].Name != "test-vm-1" {
				t.Fatalf("VMs: %+v", vms)
			}
			rg := vms[0].Relations["resource_group"]
			if rg == nil || rg.Relations["subscription"] != vms[0].Relations["subscription"] {
				t.Fatalf("VM relations: %+v", vms[0].Relations)
			}
			groups := rawSums(t, data, "PreTaxCost", func(col func(string) string) string {
				return strings.ToLower(col("SubscriptionGuid") + "/" + col("ResourceGroup"))
			})
			checkCosts(t, set, AzureResourceGroup, groups)
		})
	}
}

// TestDeriveAzureEA: the EA actual-cost sample names one managed disk
// (an OS disk, in an upper-case ARM id) among SQL servers, storage
// accounts and a reservation purchase; only the disk is a resource asset
// and its cost is the raw Cost cell. Every row's subscription is one.
func TestDeriveAzureEA(t *testing.T) {
	data := readSample(t, "azure", "EA_ActualCost_Small.csv")
	d := NewDeriver(Options{})
	derive(t, d, sample{name: "ea", data: data, mapper: func(h []string) (tabular.Mapper, error) {
		return azure.NewMapper(h, azure.KindActual)
	}})
	set := d.Set()
	checkCosts(t, set, AzureManagedDisk, rawSums(t, data, "Cost", func(col func(string) string) string {
		id := strings.ToLower(col("ResourceId"))
		if strings.Contains(id, "/providers/microsoft.compute/disks/") {
			return id
		}
		return ""
	}))
	if len(set.OfType(AzureManagedDisk)) != 1 || len(set.OfType(AzureVm)) != 0 {
		t.Fatalf("disks %v, VMs %v", set.OfType(AzureManagedDisk), set.OfType(AzureVm))
	}
	checkCosts(t, set, AzureSubscription, rawSums(t, data, "Cost", func(col func(string) string) string {
		return strings.ToLower(col("SubscriptionId"))
	}))
	if got := d.Snapshots(); len(got) != 1 || got[0] != (Snapshot{Source: "ea", Period: time.Date(2023, 9, 1, 0, 0, 0, 0, time.UTC)}) {
		t.Fatalf("snapshots %v", got)
	}
}

// TestDeriveGCPProjects: the GCP export names projects but no compute
// global names (resource.global_name is "//example"), so it yields
// projects only, with the raw cost sums.
func TestDeriveGCPProjects(t *testing.T) {
	data := readSample(t, "gcp", "bigquery-export-flat.csv")
	d := NewDeriver(Options{})
	derive(t, d, sample{name: "gcp", data: data, mapper: gcp.NewMapper})
	set := d.Set()
	checkCosts(t, set, GcpComputeProject, rawSums(t, data, "cost", func(col func(string) string) string { return col("project.id") }))
	if len(set.All()) != len(set.OfType(GcpComputeProject)) {
		t.Fatalf("assets other than projects: %+v", set.All())
	}
}
