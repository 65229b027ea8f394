package assetindex

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
)

var (
	ctx   = context.Background()
	jan   = time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	feb   = time.Date(2024, 2, 10, 0, 0, 0, 0, time.UTC)
	quiet = slog.New(slog.DiscardHandler)
)

func openStore(t *testing.T) *duckdb.Store {
	t.Helper()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// res is an AWS line item of account naming resource id.
func res(account, id string, at time.Time, billed string) *cost.LineItem {
	li := storetest.Item(account, "AmazonEC2", at, billed)
	li.ResourceID = id
	return li
}

// billed returns the cost to date (billed) of the asset of type t and
// key, "" when absent.
func billed(ix *Index, t asset.Type, key string) string {
	a := ix.Set().Get(asset.ID(t, key))
	if a == nil {
		return ""
	}
	return a.CostToDate[asset.CostMetric].String()
}

// step is one change to the store followed by a Sync, and what the
// index must then say.
type step struct {
	name   string
	change func(t *testing.T, st *duckdb.Store)
	want   map[string]string // "<type> <key>" → billed cost to date; "" = absent
	stats  Stats
}

func TestSync(t *testing.T) {
	var first []store.Snapshot
	steps := []step{
		{
			name: "first import",
			change: func(t *testing.T, st *duckdb.Store) {
				first = storetest.Load(t, st, "cur", res("111", "i-1", jan, "10"), res("111", "i-1", jan.Add(time.Hour), "5"), res("222", "vol-9", feb, "2"))
			},
			want:  map[string]string{"AwsInstance i-1": "15", "AwsAccount 111": "15", "AwsVolume vol-9": "2", "AwsAccount 222": "2"},
			stats: Stats{Read: 2, Items: 3},
		},
		{
			// January restated: i-1 cheaper, i-2 new. Replaced, not added.
			name: "re-import restated",
			change: func(t *testing.T, st *duckdb.Store) {
				storetest.Load(t, st, "cur", res("111", "i-1", jan, "7"), res("111", "arn:aws:ec2:us-east-1:111:instance/i-2", jan, "3"))
			},
			want:  map[string]string{"AwsInstance i-1": "7", "AwsInstance i-2": "3", "AwsAccount 111": "10", "AwsVolume vol-9": "2"},
			stats: Stats{Read: 1, Replaced: 1, Items: 2},
		},
		{
			name: "another source, same period",
			change: func(t *testing.T, st *duckdb.Store) {
				storetest.Load(t, st, "cur-b", res("111", "i-1", jan, "1"))
			},
			want:  map[string]string{"AwsInstance i-1": "8", "AwsAccount 111": "11"},
			stats: Stats{Read: 1, Items: 1},
		},
		{
			name:  "nothing changed",
			want:  map[string]string{"AwsInstance i-1": "8"},
			stats: Stats{},
		},
		{
			// Deleting February's only snapshot leaves nothing of it.
			name: "delete snapshot",
			change: func(t *testing.T, st *duckdb.Store) {
				for _, sn := range first {
					if sn.BillingPeriodStart.Month() == time.February {
						if _, err := st.DeleteSnapshot(ctx, sn.ID); err != nil {
							t.Fatal(err)
						}
					}
				}
			},
			want:  map[string]string{"AwsVolume vol-9": "", "AwsAccount 222": "", "AwsInstance i-1": "8"},
			stats: Stats{Replaced: 1},
		},
	}
	st := openStore(t)
	ix, err := Open(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.change != nil {
			s.change(t, st)
		}
		if err := ix.Sync(ctx); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := ix.LastStats(); got != s.stats {
			t.Errorf("%s: stats %+v, want %+v", s.name, got, s.stats)
		}
		for k, want := range s.want {
			var typ, key string
			for i := range k {
				if k[i] == ' ' {
					typ, key = k[:i], k[i+1:]
					break
				}
			}
			if got := billed(ix, asset.Type(typ), key); got != want {
				t.Errorf("%s: %s costs %q, want %q", s.name, k, got, want)
			}
		}
	}
}

// TestDeleteRestoresPrevious: deleting the visible snapshot makes the
// superseded one visible again, and the index follows it.
func TestDeleteRestoresPrevious(t *testing.T) {
	st := openStore(t)
	storetest.Load(t, st, "cur", res("111", "i-1", jan, "10"))
	second := storetest.Load(t, st, "cur", res("111", "i-1", jan, "4"))
	ix, err := Open(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if got := billed(ix, asset.AwsInstance, "i-1"); got != "4" {
		t.Fatalf("after the re-import: %q, want 4", got)
	}
	if _, err := st.DeleteSnapshot(ctx, second[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := ix.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := billed(ix, asset.AwsInstance, "i-1"); got != "10" {
		t.Errorf("after deleting the re-import: %q, want 10 (the first import again)", got)
	}
}

// noEntries is a store that refuses to read line items.
type noEntries struct {
	*duckdb.Store
	calls int
}

func (s *noEntries) Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error) {
	s.calls++
	return 0, errors.New("line items read")
}

// TestReloadWithoutLineItems: a second Index over the same documents has
// the same assets without reading one line item.
func TestReloadWithoutLineItems(t *testing.T) {
	st := openStore(t)
	storetest.Load(t, st, "cur", res("111", "i-1", jan, "10"), res("111", "i-1", feb, "2.50"), res("222", "vol-9", feb, "2"))
	ix, err := Open(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	guard := &noEntries{Store: st}
	again, err := Open(ctx, guard, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if guard.calls != 0 {
		t.Errorf("reopening read line items %d times", guard.calls)
	}
	if got := again.LastStats(); got.Restored != 2 || got.Read != 0 {
		t.Errorf("reopen stats %+v, want 2 restored, 0 read", got)
	}
	assertSameSets(t, ix.Set(), again.Set())
}

func assertSameSets(t *testing.T, want, got *asset.Set) {
	t.Helper()
	if len(want.All()) != len(got.All()) {
		t.Fatalf("%d assets, want %d", len(got.All()), len(want.All()))
	}
	for i, w := range want.All() {
		g := got.All()[i]
		if g.ID != w.ID || g.Type != w.Type || g.Key != w.Key || g.Name != w.Name || g.Active != w.Active ||
			!g.FirstSeen.Equal(w.FirstSeen) || !g.LastSeen.Equal(w.LastSeen) || g.Region != w.Region || len(g.Relations) != len(w.Relations) {
			t.Errorf("asset %d: got %+v, want %+v", w.ID, g, w)
		}
		for m := range w.CostToDate {
			if !g.CostToDate[m].Equal(w.CostToDate[m]) {
				t.Errorf("asset %d metric %d: %s, want %s", w.ID, m, g.CostToDate[m], w.CostToDate[m])
			}
		}
		if (g.Tags == nil) != (w.Tags == nil) || len(g.Tags) != len(w.Tags) {
			t.Errorf("asset %d tags %v, want %v", w.ID, g.Tags, w.Tags)
		}
		for r, b := range w.Relations {
			if g.Relations[r] == nil || g.Relations[r].ID != b.ID {
				t.Errorf("asset %d relation %s differs", w.ID, r)
			}
		}
	}
}

// TestLoadThenRefresh: a server loads the documents at start and the
// first Refresh catches up, also when every snapshot went while it was
// down (no snapshot listed at all is still a change).
func TestLoadThenRefresh(t *testing.T) {
	st := openStore(t)
	snaps := storetest.Load(t, st, "cur", res("111", "i-1", jan, "10"))
	if _, err := Open(ctx, st, st, quiet); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteSnapshot(ctx, snaps[0].ID); err != nil {
		t.Fatal(err)
	}
	ix, err := Load(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if got := billed(ix, asset.AwsInstance, "i-1"); got != "10" {
		t.Fatalf("loaded %q, want the persisted 10", got)
	}
	if err := ix.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := billed(ix, asset.AwsInstance, "i-1"); got != "" {
		t.Errorf("after Refresh: %q, want the deleted snapshot's asset gone", got)
	}
}

// TestConcurrentReaders: readers take Sets and Refresh while imports
// land and Syncs run (go test -race); every Set they see is whole: the
// account's cost to date is the sum of its instances'.
func TestConcurrentReaders(t *testing.T) {
	st := openStore(t)
	ix, err := Open(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if err := ix.Refresh(ctx); err != nil {
					errs <- err
					return
				}
				set := ix.Set()
				acct := set.Get(asset.ID(asset.AwsAccount, "111"))
				if acct == nil {
					continue
				}
				sum := acct.CostToDate[asset.CostMetric].Sub(acct.CostToDate[asset.CostMetric])
				for _, a := range set.OfType(asset.AwsInstance) {
					sum = sum.Add(a.CostToDate[asset.CostMetric])
				}
				if !sum.Equal(acct.CostToDate[asset.CostMetric]) {
					errs <- errors.New("a reader saw a half-made Set: " + sum.String() + " != " + acct.CostToDate[asset.CostMetric].String())
					return
				}
			}
		}()
	}
	for i := range 5 {
		storetest.Load(t, st, "cur", res("111", "i-1", jan, "1"), res("111", fmt.Sprintf("i-%d", i+2), jan, "2"))
		if err := ix.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := billed(ix, asset.AwsAccount, "111"); got != "3" {
		t.Errorf("after five re-imports: %s, want 3", got)
	}
}
