package duckdb

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tally-cost/tally/internal/store/storetest"
)

// sweepLog records the store's "removed texts" log lines: one per sweep
// that removed texts, with how many.
type sweepLog struct {
	mu    sync.Mutex
	texts []int64
}

func (l *sweepLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *sweepLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *sweepLog) WithGroup(string) slog.Handler            { return l }
func (l *sweepLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "removed texts no snapshot uses" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "texts" {
			l.mu.Lock()
			l.texts = append(l.texts, a.Value.Int64())
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

// TestDeleteSnapshotsSweepsOnce: deleting three snapshots at once (as
// retention prunes) sweeps the unused texts once, removing the texts of
// all three and no other, where deleting them one by one sweeps three
// times; codes stay put and the file reopens.
func TestDeleteSnapshotsSweepsOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	log := &sweepLog{}
	st, err := Open(ctx, path, Options{Logger: slog.New(log)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { st.Close() }()
	var ids []int64
	for _, svc := range []string{"OnlyA", "OnlyB", "OnlyC"} {
		ids = append(ids, storetest.Load(t, st, "s-"+svc, storetest.Item("acct-x", svc, storetest.Day(3, 1), "1"))[0].ID)
	}
	storetest.Load(t, st, "kept", storetest.Item("acct-x", "Kept", storetest.Day(3, 1), "2"))
	kept, _ := codeOf(t, st, "Kept")

	deleted, err := st.DeleteSnapshots(ctx, ids)
	if err != nil || len(deleted) != 3 {
		t.Fatalf("DeleteSnapshots: %d deleted, %v", len(deleted), err)
	}
	// Each snapshot's own text is its service.
	if len(log.texts) != 1 || log.texts[0] != 3 {
		t.Errorf("sweeps that removed texts: %v, want one removing 3", log.texts)
	}
	for _, v := range []string{"OnlyA", "OnlyB", "OnlyC"} {
		if _, ok := codeOf(t, st, v); ok {
			t.Errorf("%s (used by a deleted snapshot only) is still in text_codes", v)
		}
	}
	if code, ok := codeOf(t, st, "Kept"); !ok || code != kept {
		t.Errorf("Kept: code %d (present %v), want %d", code, ok, kept)
	}
	if got := services(t, st); got != "acct-x/Kept=2" {
		t.Errorf("after deleting: %s", got)
	}

	// One by one, for comparison: a sweep per snapshot.
	log.texts = nil
	ids = ids[:0]
	for _, svc := range []string{"OnlyD", "OnlyE"} {
		ids = append(ids, storetest.Load(t, st, "s-"+svc, storetest.Item("acct-x", svc, storetest.Day(3, 1), "1"))[0].ID)
	}
	for _, id := range ids {
		if _, err := st.DeleteSnapshot(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if len(log.texts) != 2 {
		t.Errorf("deleting one by one swept %v, want two sweeps", log.texts)
	}
	st.Close()
	if st, err = Open(ctx, path, Options{}); err != nil {
		t.Fatalf("reopening after removing texts: %v", err)
	}
	if got := services(t, st); got != "acct-x/Kept=2" {
		t.Errorf("after reopening: %s", got)
	}
}
