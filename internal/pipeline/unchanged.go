package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/source"
	"github.com/tally-cost/tally/internal/store"
)

// A scheduled refresh re-reads the previous and the current month, as
// providers restate both; most refreshes find the files as they were.
// Each billing period's files get a fingerprint (their keys, sizes,
// modification times and ETags as the source listed them), recorded
// with the snapshot the import left visible; a period whose fingerprint
// and visible snapshot are both still the same is unchanged and is not
// read again. Checking the snapshot as well means that a replaced or
// restored database, or a snapshot deleted meanwhile, is never taken for
// unchanged.

// stateDir holds the fingerprints, one file per source, in the cache;
// source names start with a letter or digit, so it is no source's mirror.
const stateDir = ".ingested"

// ingestState is what the last successful imports of one source read.
type ingestState struct {
	Version int                    `json:"version"`
	Periods map[string]periodState `json:"periods"` // by "2006-01"
}

type periodState struct {
	Fingerprint string `json:"fingerprint"`
	// Snapshot is the visible snapshot of the period after the import;
	// 0 when the period had none.
	Snapshot int64 `json:"snapshot"`
}

func periodKey(t time.Time) string { return t.UTC().Format("2006-01") }

func (r *Runner) statePath(name string) string { return filepath.Join(r.cache, stateDir, name+".json") }

// loadState reads a source's fingerprints; a missing or damaged file is
// an empty state (the next refresh reads every period, as before).
func (r *Runner) loadState(name string) ingestState {
	st := ingestState{Version: 1, Periods: map[string]periodState{}}
	data, err := os.ReadFile(r.statePath(name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.log.Warn("cannot read what the source's last imports read; reading every period", "source", name, "err", err)
		}
		return st
	}
	if err := json.Unmarshal(data, &st); err != nil || st.Periods == nil {
		r.log.Warn("cannot read what the source's last imports read; reading every period", "source", name, "err", err)
		return ingestState{Version: 1, Periods: map[string]periodState{}}
	}
	return st
}

// saveState writes a source's fingerprints, privately (keys name
// accounts), replacing the file whole.
func (r *Runner) saveState(name string, st ingestState) error {
	p := r.statePath(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// visibleSnapshots maps each billing period of the source to its visible
// snapshot.
func (r *Runner) visibleSnapshots(ctx context.Context, name string) (map[string]int64, error) {
	snaps, err := r.store.Snapshots(ctx, store.SnapshotFilter{Source: name, Status: store.StatusComplete, Scope: scope.All()})
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, s := range snaps {
		if !s.BillingPeriodStart.IsZero() {
			out[periodKey(s.BillingPeriodStart)] = s.ID
		}
	}
	return out, nil
}

// fingerprint is the fingerprint of the files of the period starting at
// month: those in a folder naming that period, and those whose path names
// none (which may hold any period). objs are sorted by key.
func fingerprint(objs []source.Object, month time.Time) string {
	h := sha256.New()
	for _, o := range objs {
		if p, ok := periodOfKey(o.Key); ok && !p.Equal(month) {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s\n", o.Key, o.Size, o.ETag, o.Modified.UTC().Format(time.RFC3339Nano))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// periodOfKey reads the billing period (its first day) from the folders
// of a key, as the providers lay out exports: Azure's and the legacy
// CUR's <YYYYMMDD-YYYYMMDD>, CUR 2.0's BILLING_PERIOD=YYYY-MM, and the
// Athena partitions year=YYYY/month=M.
func periodOfKey(key string) (time.Time, bool) {
	segs := strings.Split(key, "/")
	for i, s := range segs[:len(segs)-1] {
		ls := strings.ToLower(s)
		switch {
		case len(s) == 17 && s[8] == '-':
			if t, err := time.Parse("20060102", s[:8]); err == nil {
				if _, err := time.Parse("20060102", s[9:]); err == nil {
					return cost.MonthStart(t), true
				}
			}
		case strings.HasPrefix(ls, "billing_period="):
			if t, err := time.Parse("2006-01", s[len("billing_period="):]); err == nil {
				return t, true
			}
		case strings.HasPrefix(ls, "year=") && i+1 < len(segs)-1 && strings.HasPrefix(strings.ToLower(segs[i+1]), "month="):
			y, err1 := strconv.Atoi(s[len("year="):])
			m, err2 := strconv.Atoi(segs[i+1][len("month="):])
			if err1 == nil && err2 == nil && m >= 1 && m <= 12 && y > 1900 && y < 3000 {
				return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), true
			}
		}
	}
	return time.Time{}, false
}
