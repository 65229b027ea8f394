package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// delivery is what one import reads: its files and, for a run of an
// export's history, that run (which its snapshot records).
type delivery struct {
	files []File
	runs  []store.Run
	// group is the folder of the runs a run supersedes (its billing
	// period); "" outside a history.
	group string
}

// plan turns the paths into the imports of one Run, in the order they
// must commit.
//
// Without an export history (every provider but Azure, and folders
// without manifests) one import reads every file Expand lists.
//
// A folder holding an Azure export's history, or a tar archive of one,
// yields one import per run that is not yet imported, oldest first
// within a billing period, so that every commit supersedes the run before it and snapshot ids follow
// the runs' order, which the Azure billing API's dated rule ("for each
// subscription, the newest run that holds the day") relies on. A run is
// imported when a snapshot of its source and period records its id and
// is complete, superseded or deleted: a run an administrator deleted, or
// the retention policy pruned, is not brought back. When a run older
// than an imported one is missing (a history imported by a version that
// read only the newest run), the runs after it are imported again, so
// that the order still holds; their older copies become superseded
// duplicates, which pruning removes. With Options.Reimport the newest run
// of each period is imported even when it already is (a rebuild or
// repair re-reads the files). Manifests outside a billing period folder
// have no history: the newest run of each is read, as before.
//
// A run that fails stops the imports of its billing period (a later run
// must not be committed before it, or snapshot ids would leave the runs'
// order) but not those of other periods; see Run.
//
// known counts the runs left alone because they are imported.
func plan(ctx context.Context, st store.Store, p provider, paths []string, opt Options, scratch *Scratch) (out []delivery, known int, err error) {
	if len(paths) == 0 {
		return nil, 0, fmt.Errorf("%w: no paths given", ErrNoFiles)
	}
	var rest []string
	var hist []delivery
	var imported map[time.Time]map[string]bool
	var unpacked []File // archives without a history, read whole
	for _, arg := range paths {
		fi, statErr := os.Stat(arg)
		archive := p.history != nil && statErr == nil && fi.Mode().IsRegular() && isTar(arg)
		if !archive && (p.history == nil || strings.ContainsAny(arg, "*?[") || statErr != nil || !fi.IsDir()) {
			rest = append(rest, arg)
			continue
		}
		dir := arg
		if archive {
			// An archive of an export folder holds its history as the
			// folder does: unpack it once and read its runs.
			if dir, err = unpack(arg, scratch); err != nil {
				return nil, 0, err
			}
		}
		runs, err := p.history(os.DirFS(dir), ".")
		if err != nil {
			return nil, 0, fmt.Errorf("%s: reading export manifests: %w", arg, err)
		}
		if len(runs) == 0 {
			if !archive {
				rest = append(rest, arg)
				continue
			}
			files, err := tarFiles(arg, dir, p.resolve)
			if err != nil {
				return nil, 0, err
			}
			unpacked = append(unpacked, files...)
			continue
		}
		if imported == nil {
			if imported, err = importedRuns(ctx, st, opt.Source); err != nil {
				return nil, 0, err
			}
		}
		for i := 0; i < len(runs); {
			j := i + 1
			for j < len(runs) && runs[j].group == runs[i].group {
				j++
			}
			group := runs[i:j]
			i = j
			todo, skipped := pending(group, imported, opt)
			known += skipped
			for _, r := range todo {
				d, err := runDelivery(dir, r)
				if err != nil {
					return nil, 0, err
				}
				if archive {
					if d.files, err = memberNames(arg, dir, d.files); err != nil {
						return nil, 0, err
					}
					// The group names the archive, not its scratch copy.
					d.group = arg + "\x00" + r.group
				}
				hist = append(hist, d)
			}
		}
	}
	if len(rest) > 0 || len(unpacked) > 0 {
		var files []File
		if len(rest) > 0 {
			if files, err = Expand(rest, p.resolve, scratch); err != nil {
				return nil, 0, err
			}
		}
		out = append(out, delivery{files: append(files, unpacked...)})
	}
	return append(out, hist...), known, nil
}

// pending chooses the runs of one group (one billing period folder,
// oldest first) to import, and counts those left alone.
func pending(group []exportRun, imported map[time.Time]map[string]bool, opt Options) (todo []exportRun, known int) {
	newest := group[len(group)-1]
	start := newest.run.PeriodStart
	if start.IsZero() {
		// No period, no history: the newest run, recorded as no run.
		newest.run = store.Run{}
		return []exportRun{newest}, 0
	}
	if !inPeriods(opt.Periods, start, start.AddDate(0, 1, 0)) {
		return nil, 0
	}
	done := imported[start.UTC()]
	k := 0
	for k < len(group) && done[group[k].run.ID] {
		k++
	}
	if k == len(group) && opt.Reimport {
		k = len(group) - 1
	}
	return group[k:], k
}

// runDelivery is the import of run r found under dir.
func runDelivery(dir string, r exportRun) (delivery, error) {
	d := delivery{files: make([]File, 0, len(r.files)), group: dir + "\x00" + r.group}
	if !r.run.PeriodStart.IsZero() {
		d.runs = []store.Run{r.run}
	}
	for _, f := range r.files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		fi, err := os.Stat(p)
		if err != nil {
			return delivery{}, fmt.Errorf("file named by the export manifest: %w", err)
		}
		d.files = append(d.files, File{Path: p, Size: fi.Size()})
	}
	return d, nil
}

// importedRuns lists, by billing period start, the run ids the source's
// snapshots record, except those of failed imports (which are retried).
func importedRuns(ctx context.Context, st store.Store, source string) (map[time.Time]map[string]bool, error) {
	snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Source: source, Scope: scope.All()})
	if err != nil {
		return nil, fmt.Errorf("listing the imported runs of %s: %w", source, err)
	}
	out := map[time.Time]map[string]bool{}
	for _, s := range snaps {
		switch s.Status {
		case store.StatusComplete, store.StatusSuperseded, store.StatusDeleted:
		default:
			continue
		}
		if s.RunID == "" || s.BillingPeriodStart.IsZero() {
			continue
		}
		k := s.BillingPeriodStart.UTC()
		if out[k] == nil {
			out[k] = map[string]bool{}
		}
		out[k][s.RunID] = true
	}
	return out, nil
}
