package assetindex

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/testfiles"
)

// TestCovers: over the samples, the line items Covers selects for each
// asset are exactly the ones it was derived from: their billed sum is
// its cost to date, for every asset of every type. The store applies
// the filter, so the bills' own spellings (ARNs, mixed-case ARM ids)
// are what is tested.
func TestCovers(t *testing.T) {
	files := []struct{ provider, dir, file string }{
		{"aws", "aws", "cur-legacy-slash-columns.csv"},
		{"aws", "aws", "cur-legacy-not-final.csv"},
		{"aws", "aws", "cur-snake-case-columns.csv"},
		{"azure", "azure", "EA_AmortizedCost_Small.csv"},
		{"azure", "azure", "legacy-pretax-cost.csv"},
		{"gcp", "gcp", "bigquery-export-flat.csv"},
		{"focus", "focus", "focus_sample.csv"},
	}
	st := openStore(t)
	for _, f := range files {
		if _, err := ingest.Run(ctx, st, []string{testfiles.Shared(t, f.dir, f.file)}, ingest.Options{Source: f.file, Provider: f.provider, Logger: quiet}); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := Open(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	types := map[asset.Type]int{}
	for _, a := range ix.Set().All() {
		expr, ok := ix.Covers(string(a.Type), a.ID)
		if !ok {
			t.Fatalf("no cover for %s %s", a.Type, a.Key)
		}
		sum := decimal.Zero
		if _, err := st.Entries(ctx, store.EntryQuery{Filter: expr, Scope: scope.All()}, func(e *store.Entry) error {
			sum = sum.Add(e.Item.Cost[asset.CostMetric])
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !sum.Equal(a.CostToDate[asset.CostMetric]) {
			t.Errorf("%s %s: covered items sum to %s, cost to date %s (filter %s)", a.Type, a.Key, sum, a.CostToDate[asset.CostMetric], expr)
		}
		types[a.Type]++
	}
	for _, typ := range []asset.Type{asset.AwsAccount, asset.AwsInstance, asset.AzureSubscription, asset.AzureResourceGroup, asset.AzureVm, asset.AzureManagedDisk, asset.GcpComputeProject} {
		if types[typ] == 0 {
			t.Errorf("the samples gave no %s: the test does not cover it", typ)
		}
	}
	t.Logf("assets checked by type: %v", types)
	if _, ok := ix.Covers("AwsVolume", ix.Set().OfType(asset.AwsInstance)[0].ID); ok {
		t.Error("Covers answered for an id of another type")
	}
	if _, ok := ix.Covers("AwsInstance", 1); ok {
		t.Error("Covers answered for an unknown id")
	}
}

// TestViewer: a limited scope sees the assets of its accounts, through
// their relations, with Azure subscriptions in any case; All sees
// everything; None nothing.
func TestViewer(t *testing.T) {
	st := openStore(t)
	if _, err := ingest.Run(ctx, st, []string{testfiles.Shared(t, "azure", "legacy-pretax-cost.csv")}, ingest.Options{Source: "az", Provider: "azure", Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, st, []string{testfiles.Shared(t, "aws", "cur-legacy-not-final.csv")}, ingest.Options{Source: "cur", Provider: "aws", Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	count := func(sc scope.Scope) map[asset.Type]int {
		v := NewViewer(sc)
		out := map[asset.Type]int{}
		for _, a := range ix.Set().All() {
			if v.Sees(a) {
				out[a.Type]++
			}
		}
		return out
	}
	cases := []struct {
		name string
		sc   scope.Scope
		want map[asset.Type]int
	}{
		{"all", scope.All(), map[asset.Type]int{asset.AzureSubscription: 1, asset.AzureResourceGroup: 1, asset.AzureVm: 1, asset.AwsAccount: 1, asset.AwsInstance: 1}},
		{"none", scope.None(), map[asset.Type]int{}},
		{"the AWS account", scope.Accounts("9999999999999"), map[asset.Type]int{asset.AwsAccount: 1, asset.AwsInstance: 1}},
		{"the subscription in upper case", scope.Accounts("0039DE71-CA37-4A17-A104-17665A50E7FC"), map[asset.Type]int{asset.AzureSubscription: 1, asset.AzureResourceGroup: 1, asset.AzureVm: 1}},
		{"another account", scope.Accounts("123"), map[asset.Type]int{}},
	}
	for _, c := range cases {
		got := count(c.sc)
		if len(got) != len(c.want) {
			t.Errorf("%s: sees %v, want %v", c.name, got, c.want)
			continue
		}
		for typ, n := range c.want {
			if got[typ] != n {
				t.Errorf("%s: sees %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}

// TestCoversSpellings: the AWS and GCP spellings the samples lack, with
// decoys (another service's ARN ending in the same name, a bare name
// billed by another service, a child id).
func TestCoversSpellings(t *testing.T) {
	item := func(account, service, id, billed string) *cost.LineItem {
		li := res(account, id, jan, billed)
		li.ServiceName = service
		return li
	}
	gcp := func(project, id, billed string) *cost.LineItem {
		li := storetest.Item(project, "Compute Engine", jan, billed)
		li.ProviderName, li.ResourceID = "Google Cloud", id
		return li
	}
	const vm = "//compute.googleapis.com/projects/p/zones/z/instances/web"
	st := openStore(t)
	storetest.Load(t, st, "cur",
		item("111", "AmazonEC2", "vol-1", "1"),
		item("111", "AmazonEC2", "arn:aws:ec2:us-east-1:111:volume/vol-1", "2"),
		item("111", "AmazonEBS", "arn:aws:backup:us-east-1:111:recovery-point/vol-1", "4"), // decoy: not EC2
		item("111", "AmazonS3", "logs", "16"),
		item("111", "AmazonS3", "arn:aws:s3:::logs", "32"),
		item("111", "AWSDataTransfer", "logs", "64"), // decoy: a bare name of another service
		item("111", "AmazonRDS", "arn:aws:rds:us-east-1:111:db:orders", "128"),
		item("111", "AmazonRDS", "orders", "256"),
		item("111", "AmazonRDS", "arn:aws:rds:us-east-1:111:cluster:orders", "512"), // decoy: a cluster
		item("111", "AWSELB", "arn:aws:elasticloadbalancing:us-east-1:111:loadbalancer/app/web/50dc", "1024"),
		item("111", "AWSELB", "arn:aws:elasticloadbalancing:us-east-1:111:targetgroup/app/web/50dc", "2048"), // decoy
		gcp("p", vm, "4096"),
		gcp("p", vm+"/extra", "8192"), // decoy: not the instance's id
	)
	ix, err := Open(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		typ  asset.Type
		key  string
		want string
	}{
		{asset.AwsVolume, "vol-1", "3"},
		{asset.AwsS3Bucket, "logs", "48"},
		{asset.AwsRdsInstance, "orders", "384"},
		{asset.AwsLoadBalancer, "app/web/50dc", "1024"},
		{asset.GcpComputeInstance, vm, "4096"},
	}
	for _, c := range cases {
		a := ix.Set().Get(asset.ID(c.typ, c.key))
		if a == nil {
			t.Errorf("%s %s: not derived", c.typ, c.key)
			continue
		}
		sum := decimal.Zero
		if _, err := st.Entries(ctx, store.EntryQuery{Filter: Covers(a), Scope: scope.All()}, func(e *store.Entry) error {
			sum = sum.Add(e.Item.Cost[asset.CostMetric])
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if sum.String() != c.want || !a.CostToDate[asset.CostMetric].Equal(sum) {
			t.Errorf("%s %s: covers %s, cost to date %s, want both %s", c.typ, c.key, sum, a.CostToDate[asset.CostMetric], c.want)
		}
	}
}
