package assetindex

import (
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestInstance: the metrics upload's instance check, keyed by region,
// account and instance id, sees an import committed after the index
// was loaded.
func TestInstance(t *testing.T) {
	st := openStore(t)
	storetest.Load(t, st, "cur", res("111", "i-old", jan, "1"), res("111", "i-new", feb, "1"))
	ix, err := Load(ctx, st, st, quiet) // nothing indexed yet: the first call catches up
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		region, account, id string
		found, active       bool
	}{
		{"us-east-1", "111", "i-new", true, true},
		{"us-east-1", "111", "i-old", true, false}, // last billed a month before the data's end
		{"", "111", "i-new", true, true},
		{"eu-west-1", "111", "i-new", false, false},
		{"us-east-1", "222", "i-new", false, false},
		{"us-east-1", "111", "i-none", false, false},
	}
	for _, c := range cases {
		id, active, found, err := ix.Instance(ctx, c.region, c.account, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if found != c.found || active != c.active || found && id != asset.ID(asset.AwsInstance, c.id) {
			t.Errorf("Instance(%q, %q, %q) = %d, active %v, found %v; want active %v, found %v", c.region, c.account, c.id, id, active, found, c.active, c.found)
		}
	}
	ix.instanceClock.last.Store(time.Now().Add(-2 * instanceRefresh).UnixNano())
	storetest.Load(t, st, "cur-b", res("111", "i-late", feb, "1"))
	if _, _, found, err := ix.Instance(ctx, "us-east-1", "111", "i-late"); err != nil || !found {
		t.Errorf("an instance imported after the last refresh: found %v, err %v", found, err)
	}
}
