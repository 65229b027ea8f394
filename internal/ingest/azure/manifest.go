package azure

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
)

// manifest is the part of an export run's manifest.json we need
// (billing-formats.md §6.12). manifestVersion 2024-04-01 has runInfo;
// 2021-01-01 has only blobs[] and the run is known by its folder.
type manifest struct {
	ManifestVersion string `json:"manifestVersion"`
	RunInfo         *struct {
		SubmittedTime string `json:"submittedTime"`
		RunID         string `json:"runId"`
		EndDate       string `json:"endDate"`
	} `json:"runInfo"`
	Blobs []struct {
		BlobName string `json:"blobName"`
	} `json:"blobs"`
}

// run is one manifest found on disk.
type run struct {
	file      string    // the manifest's path in the file system
	period    string    // the billing period folder, the group key
	name      string    // the run folder(s) below the period folder
	submitted time.Time // runInfo.submittedTime, zero when absent
	m         manifest
}

// isPeriodFolder reports the <YYYYMMDD-YYYYMMDD> folder of an export.
func isPeriodFolder(name string) bool {
	if len(name) != 17 || name[8] != '-' {
		return false
	}
	for i, c := range name {
		if i != 8 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ResolveFiles finds the files to import from a partitioned Azure export
// under dir: every blob of the newest run of each billing period. Exports
// are laid out as <root>/<export>/<YYYYMMDD-YYYYMMDD>/<run>/ with a
// manifest.json (or _manifest.json) per run (§6.12); a daily
// month-to-date export adds a run per day, each superseding the previous
// one, so importing them all would count the month many times over.
//
// The newest run of a period is the one with the latest
// runInfo.submittedTime (manifestVersion 2024-04-01); runs without
// runInfo (2021-01-01) are ordered by their run folder name
// ("202301041442/<guid>" starts with a timestamp), and rank below runs
// that have one. A manifest outside a period folder is its own group.
//
// Blob names are container paths; each is looked up below the manifest's
// run folder, then relative to dir (dropping leading folders of the blob
// name until the file is found, since dir may be anywhere inside the
// container). A listed blob that cannot be found is an error: a run must
// be imported whole. The result holds paths in fsys, grouped by period in
// lexical order and in manifest order within a run. It is nil, nil when
// there is no manifest under dir.
func ResolveFiles(fsys fs.FS, dir string) ([]string, error) {
	newest, periods, err := newestRuns(fsys, dir)
	if err != nil || len(periods) == 0 {
		return nil, err
	}
	var files []string
	for _, p := range periods {
		got, err := newest[p].files(fsys, dir)
		if err != nil {
			return nil, err
		}
		files = append(files, got...)
	}
	return files, nil
}

// files are the paths of r's blobs, in manifest order.
func (r *run) files(fsys fs.FS, dir string) ([]string, error) {
	var out []string
	for i, b := range r.m.Blobs {
		f, err := findBlob(fsys, dir, r, b.BlobName)
		if err != nil {
			return nil, fmt.Errorf("%s: blob %d: %w", r.file, i+1, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// Run describes an export run (History lists them): what the Azure billing API shows as a snapshot's run_id and
// report_date.
type Run struct {
	PeriodStart time.Time // from the <YYYYMMDD-YYYYMMDD> folder
	ID          string    // runInfo.runId; the run folder for manifests without runInfo
	End         time.Time // runInfo.endDate, zero when absent
}

// newestRuns finds every manifest under dir and keeps the newest run of
// each billing period; periods are returned in lexical order.
func newestRuns(fsys fs.FS, dir string) (map[string]*run, []string, error) {
	runs, err := allRuns(fsys, dir)
	if err != nil {
		return nil, nil, err
	}
	newest := map[string]*run{}
	for _, r := range runs {
		if cur, ok := newest[r.period]; !ok || newer(r, cur) {
			newest[r.period] = r
		}
	}
	periods := make([]string, 0, len(newest))
	for p := range newest {
		periods = append(periods, p)
	}
	sort.Strings(periods)
	return newest, periods, nil
}

// allRuns reads every manifest under dir, in walk order.
func allRuns(fsys fs.FS, dir string) ([]*run, error) {
	var runs []*run
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isManifestName(d.Name()) {
			return nil
		}
		r, err := readRun(fsys, p)
		if err != nil {
			return err
		}
		runs = append(runs, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("azure export manifests under %s: %w", dir, err)
	}
	return runs, nil
}

func isManifestName(name string) bool {
	n := strings.ToLower(name)
	return n == "manifest.json" || n == "_manifest.json"
}

// readRun reads the manifest at p and places it in its period folder.
func readRun(fsys fs.FS, p string) (*run, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	r := &run{file: p}
	if err := json.Unmarshal(data, &r.m); err != nil {
		return nil, fmt.Errorf("%s: not an Azure export manifest: %w", p, err)
	}
	if r.m.RunInfo != nil && r.m.RunInfo.SubmittedTime != "" {
		if t, err := cost.ParseTime(r.m.RunInfo.SubmittedTime); err == nil {
			r.submitted = t
		}
	}
	runDir := path.Dir(p)
	r.period, r.name = runDir, ""
	for d := runDir; d != "." && d != "/" && d != ""; d = path.Dir(d) {
		if isPeriodFolder(path.Base(d)) {
			r.period = d
			r.name = strings.TrimPrefix(runDir, d+"/")
			break
		}
	}
	return r, nil
}

// newer reports whether run a supersedes run b of the same period.
func newer(a, b *run) bool {
	switch {
	case !a.submitted.IsZero() && !b.submitted.IsZero():
		if !a.submitted.Equal(b.submitted) {
			return a.submitted.After(b.submitted)
		}
	case !a.submitted.IsZero():
		return true
	case !b.submitted.IsZero():
		return false
	}
	if a.name != b.name {
		return a.name > b.name
	}
	return a.file > b.file
}

// findBlob returns the path in fsys of a blob listed by run r.
func findBlob(fsys fs.FS, dir string, r *run, blobName string) (string, error) {
	name := strings.Trim(blobName, "/")
	if name == "" || !fs.ValidPath(name) {
		return "", fmt.Errorf("invalid blob name %q", blobName)
	}
	var candidates []string
	// Below the run folder: the part of the blob name after the run
	// folder's own name ("…/20240101-20240131/<run>/part_1.csv").
	runDir := path.Dir(r.file)
	if i := strings.LastIndex("/"+name, "/"+path.Base(runDir)+"/"); i >= 0 && runDir != "." {
		candidates = append(candidates, path.Join(runDir, name[i+len(path.Base(runDir))+1:]))
	}
	// Relative to dir, from the whole container path down to the file name.
	segs := strings.Split(name, "/")
	for k := range segs {
		candidates = append(candidates, path.Join(dir, strings.Join(segs[k:], "/")))
	}
	for _, c := range candidates {
		if fi, err := fs.Stat(fsys, c); err == nil && fi.Mode().IsRegular() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%q not found under %s", blobName, dir)
}
