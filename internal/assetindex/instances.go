package assetindex

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tally-cost/tally/internal/asset"
)

// instanceRefresh is how often Instance looks for new snapshots: an
// upload checks up to 1,000 rows, each an Instance call, and one listing
// a second is enough to see an import committed just before it.
const instanceRefresh = time.Second

// refreshClock holds when Instance last called Refresh (Unix nanos).
type refreshClock struct{ last atomic.Int64 }

// Instance tells the CloudHealth metrics upload whether an EC2 instance
// is known: derived from a bill of account, in region when the bill
// names one, and active. assetID is the instance's asset id, which its
// metrics are kept under.
func (ix *Index) Instance(ctx context.Context, region, account, instanceID string) (assetID int64, active, found bool, err error) {
	now := time.Now().UnixNano()
	if last := ix.instanceClock.last.Load(); now-last >= int64(instanceRefresh) && ix.instanceClock.last.CompareAndSwap(last, now) {
		if err := ix.Refresh(ctx); err != nil {
			return 0, false, false, err
		}
	}
	a := ix.Set().Get(asset.ID(asset.AwsInstance, instanceID))
	if a == nil || a.Type != asset.AwsInstance || AccountOf(a) != account || (a.Region != "" && region != "" && a.Region != region) {
		return 0, false, false, nil
	}
	return a.ID, a.Active, true, nil
}
