package azure

import (
	"io/fs"
	"path"
	"sort"
	"time"

	"github.com/tally-cost/tally/internal/cost"
)

// RunFiles is one export run found under a folder, with the files it
// delivered.
type RunFiles struct {
	Run
	// Group is the run's billing period folder (its path in the file
	// system); runs of one group supersede one another. A manifest
	// outside a period folder is a group of its own and has a zero
	// PeriodStart.
	Group string
	Files []string // paths in fsys, in manifest order
}

// History lists every export run under dir, grouped by billing period
// folder (groups in lexical order) and, within a group, oldest first by
// the order ResolveFiles uses to pick the newest. A daily month-to-date
// export keeps a run per day; the Azure billing API's dated rule ("for
// each subscription, the newest run that holds the day") needs each of
// them as a snapshot of its own, so an importer reads them in this order
// and every commit supersedes the one before. It is nil, nil when there
// is no manifest under dir.
func History(fsys fs.FS, dir string) ([]RunFiles, error) {
	runs, err := allRuns(fsys, dir)
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	sort.SliceStable(runs, func(i, j int) bool {
		if runs[i].period != runs[j].period {
			return runs[i].period < runs[j].period
		}
		return newer(runs[j], runs[i])
	})
	out := make([]RunFiles, 0, len(runs))
	for _, r := range runs {
		files, err := r.files(fsys, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, RunFiles{Run: runOf(r), Group: r.period, Files: files})
	}
	return out, nil
}

// runOf names r as the snapshots record it: the run id of its manifest
// (its folder when the manifest has none) and its end date. PeriodStart
// is zero outside a period folder.
func runOf(r *run) Run {
	out := Run{ID: r.name}
	if base := path.Base(r.period); isPeriodFolder(base) {
		if start, err := time.Parse("20060102", base[:8]); err == nil {
			out.PeriodStart = start
		}
	}
	if ri := r.m.RunInfo; ri != nil {
		if ri.RunID != "" {
			out.ID = ri.RunID
		}
		if t, err := cost.ParseTime(ri.EndDate); err == nil {
			out.End = t
		}
	}
	return out
}
