package aws

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// A CUR bucket copied to disk (billing-formats.md §3.4, §4) holds, for the
// legacy CUR,
//
//	<prefix>/<report>/<yyyymmdd-yyyymmdd>/<report>-Manifest.json
//	<prefix>/<report>/<yyyymmdd-yyyymmdd>/<assemblyId>/<report>-<n>.csv.gz
//
// where every update of the month writes a new assembly folder (each one
// cumulative for the month) plus a copy of its manifest inside it, and the
// manifest of the billing period names the current assembly's files in
// reportKeys. With "overwrite existing report" the files sit directly in
// the period folder. For CUR 2.0 (Data Exports) it holds
//
//	<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-<n>.csv.gz
//	<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json
//
// with the current files in the manifest's dataFiles.

// periodDirRE matches a legacy billing period folder: 20180801-20180901.
var periodDirRE = regexp.MustCompile(`^[0-9]{8}-[0-9]{8}$`)

// partitionPrefix starts a CUR 2.0 partition folder.
const partitionPrefix = "billing_period="

// ResolveFiles returns the data files of the current delivery of every
// billing period found under dir in fsys, as fsys paths, sorted:
//
//   - a legacy period folder with its `<report>-Manifest.json` → the files
//     of that manifest's reportKeys; other (stale) assemblies are ignored.
//     When dir lies inside one assembly folder, that assembly's own copy of
//     the manifest is used;
//   - a CUR 2.0 partition with a manifest under metadata/ → its dataFiles
//     (with several manifests for one partition, the last by path);
//   - a period folder or partition without a manifest, when other periods
//     have one → every data file under it. A legacy period folder without a
//     manifest but with several assembly folders is an error: taking them
//     all would count the month several times.
//
// It returns nil, nil when dir holds no manifest at all: the caller then
// reads every file itself. A key a manifest names that is not in fsys is an
// error wrapping fs.ErrNotExist: an incomplete copy of the bucket must not
// import as a smaller bill.
func ResolveFiles(fsys fs.FS, dir string) ([]string, error) {
	dir = path.Clean(dir)
	if !fs.ValidPath(dir) {
		return nil, fmt.Errorf("resolving CUR files: invalid path %q", dir)
	}
	sc, err := scan(fsys, dir)
	if err != nil {
		return nil, err
	}
	if len(sc.manifests) == 0 {
		return nil, nil
	}
	out := map[string]bool{}
	covered := map[string]bool{} // period folders and partitions with a manifest
	for unit, ms := range sc.manifests {
		m, err := current(unit, ms)
		if err != nil {
			return nil, err
		}
		files, err := readManifest(fsys, dir, m.path)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			out[f] = true
		}
		covered[unit] = true
	}
	for unit, files := range sc.unitFiles {
		if covered[unit] {
			continue
		}
		if sc.isLegacy[unit] && len(sc.assemblies[unit]) > 1 {
			return nil, fmt.Errorf("resolving CUR files: %s has %d assembly folders and no %s: cannot tell the current one",
				unit, len(sc.assemblies[unit]), "<report>-Manifest.json")
		}
		for _, f := range files {
			out[f] = true
		}
	}
	paths := make([]string, 0, len(out))
	for p := range out {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, nil
}

// manifestRef is one manifest found by scan.
type manifestRef struct {
	path string
	// level ranks the copies of one period: the period's own manifest (1)
	// beats an assembly's copy (0).
	level int
}

// scanResult is what one walk of dir finds, grouped by billing period
// unit: a legacy period folder or a CUR 2.0 partition ("<export>|<partition>").
type scanResult struct {
	manifests  map[string][]manifestRef
	unitFiles  map[string][]string
	isLegacy   map[string]bool
	assemblies map[string]map[string]bool // legacy period → assembly folders holding data
}

func scan(fsys fs.FS, dir string) (*scanResult, error) {
	sc := &scanResult{
		manifests:  map[string][]manifestRef{},
		unitFiles:  map[string][]string{},
		isLegacy:   map[string]bool{},
		assemblies: map[string]map[string]bool{},
	}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if isManifest(p) {
			if unit, level, ok := manifestUnit(p); ok {
				sc.manifests[unit] = append(sc.manifests[unit], manifestRef{path: p, level: level})
				sc.isLegacy[unit] = !strings.Contains(unit, "|")
			}
			return nil
		}
		if !isDataFile(p) {
			return nil
		}
		if unit, asm, ok := dataUnit(p); ok {
			sc.unitFiles[unit] = append(sc.unitFiles[unit], p)
			if !strings.Contains(unit, "|") {
				sc.isLegacy[unit] = true
				if sc.assemblies[unit] == nil {
					sc.assemblies[unit] = map[string]bool{}
				}
				if asm != "" {
					sc.assemblies[unit][asm] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resolving CUR files: %w", err)
	}
	return sc, nil
}

// current picks the manifest of a period: the period's own manifest over an
// assembly's copy, then the last path (CUR 2.0 execution folders and
// timestamps sort by time). Copies in several assembly folders without the
// period's manifest cannot be ordered (assembly ids are random): an error.
func current(unit string, ms []manifestRef) (manifestRef, error) {
	best, n := ms[0], 1
	for _, m := range ms[1:] {
		switch {
		case m.level > best.level:
			best, n = m, 1
		case m.level == best.level:
			n++
			if m.path > best.path {
				best = m
			}
		}
	}
	if best.level == 0 && n > 1 {
		return manifestRef{}, fmt.Errorf("resolving CUR files: %s has %d assembly manifests and no manifest of its own: cannot tell the current one", unit, n)
	}
	return best, nil
}

// isManifest matches `<report>-Manifest.json` and `Manifest.json`, not
// the Redshift and QuickSight manifests of the legacy CUR integrations.
func isManifest(p string) bool {
	b := strings.ToLower(path.Base(p))
	return b == "manifest.json" || strings.HasSuffix(b, "-manifest.json")
}

// isDataFile matches the files a CUR delivers its rows in.
func isDataFile(p string) bool {
	b := strings.ToLower(path.Base(p))
	if strings.HasPrefix(b, ".") {
		return false
	}
	for _, ext := range []string{".csv", ".csv.gz", ".csv.zip", ".parquet", ".gz"} {
		if strings.HasSuffix(b, ext) {
			return true
		}
	}
	return false
}

// manifestUnit returns the billing period unit of a manifest path and its
// level, or false for a manifest that is in neither layout.
func manifestUnit(p string) (unit string, level int, ok bool) {
	parent := path.Dir(p)
	if periodDirRE.MatchString(path.Base(parent)) {
		return parent, 1, true
	}
	if grand := path.Dir(parent); periodDirRE.MatchString(path.Base(grand)) {
		return grand, 0, true
	}
	segs := strings.Split(p, "/")
	for i := 0; i+1 < len(segs)-1; i++ {
		if strings.EqualFold(segs[i], "metadata") && strings.HasPrefix(strings.ToLower(segs[i+1]), partitionPrefix) {
			return cur2Unit(strings.Join(segs[:i], "/"), segs[i+1]), 1, true
		}
	}
	return "", 0, false
}

// dataUnit returns the billing period unit of a data file and, for a
// legacy file in an assembly folder, that folder.
func dataUnit(p string) (unit, assembly string, ok bool) {
	segs := strings.Split(p, "/")
	for i := len(segs) - 2; i >= 0; i-- {
		if periodDirRE.MatchString(segs[i]) {
			unit = strings.Join(segs[:i+1], "/")
			if i+2 < len(segs) {
				assembly = strings.Join(segs[:i+2], "/")
			}
			return unit, assembly, true
		}
		if i >= 1 && strings.EqualFold(segs[i-1], "data") && strings.HasPrefix(strings.ToLower(segs[i]), partitionPrefix) {
			return cur2Unit(strings.Join(segs[:i-1], "/"), segs[i]), "", true
		}
	}
	return "", "", false
}

// cur2Unit names a CUR 2.0 partition: the export folder and the partition,
// whose case is not significant.
func cur2Unit(exportDir, partition string) string {
	if exportDir == "" {
		exportDir = "."
	}
	return exportDir + "|" + strings.ToLower(partition)
}

// manifestFile holds the fields ResolveFiles reads: reportKeys (legacy)
// and dataFiles (CUR 2.0, strings or objects naming a key).
type manifestFile struct {
	ReportKeys []string          `json:"reportKeys"`
	DataFiles  []json.RawMessage `json:"dataFiles"`
}

// readManifest returns the fsys paths of the files a manifest names.
func readManifest(fsys fs.FS, root, p string) ([]string, error) {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("reading CUR manifest: %w", err)
	}
	var mf manifestFile
	if err := json.Unmarshal(b, &mf); err != nil {
		return nil, fmt.Errorf("reading CUR manifest %s: %w", p, err)
	}
	keys := append([]string(nil), mf.ReportKeys...)
	for _, raw := range mf.DataFiles {
		k, err := dataFileKey(raw)
		if err != nil {
			return nil, fmt.Errorf("reading CUR manifest %s: dataFiles: %w", p, err)
		}
		keys = append(keys, k)
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		f, err := locate(fsys, root, path.Dir(p), k)
		if err != nil {
			return nil, fmt.Errorf("CUR manifest %s: %w", p, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// dataFileKey reads one dataFiles entry: a string, or an object with the
// key in "key", "s3Key", "url" or "path".
func dataFileKey(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("entry %s is neither a string nor an object", raw)
	}
	for _, f := range []string{"key", "s3Key", "url", "path"} {
		if s, ok := obj[f].(string); ok && s != "" {
			return s, nil
		}
	}
	return "", fmt.Errorf("entry %s names no file", raw)
}

// locate maps an S3 key (or s3:// URL) of a manifest to the file in fsys
// that holds it. The bucket was copied to some folder of fsys whose path
// AWS does not know, so the key's longest suffix that exists below the
// manifest's folder or one of its ancestors is taken. The suffix keeps at
// least the file's folder, so that a stale file of the same name elsewhere
// is never taken for it.
func locate(fsys fs.FS, root, manifestDir, key string) (string, error) {
	k := key
	if rest, ok := strings.CutPrefix(k, "s3://"); ok {
		_, k, _ = strings.Cut(rest, "/") // drop the bucket
	}
	var segs []string
	for s := range strings.SplitSeq(k, "/") {
		if s != "" && s != "." {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return "", fmt.Errorf("empty key %q", key)
	}
	for _, s := range segs {
		if s == ".." {
			return "", fmt.Errorf("key %q leaves the bucket", key)
		}
	}
	minLen := min(2, len(segs))
	var bases []string
	for d := manifestDir; ; d = path.Dir(d) {
		bases = append(bases, d)
		if d == "." || d == "/" {
			break
		}
	}
	for n := len(segs); n >= minLen; n-- {
		suffix := strings.Join(segs[len(segs)-n:], "/")
		for _, b := range bases {
			cand := path.Join(b, suffix)
			// Any error means "not here": a path through a file fails
			// with ENOTDIR rather than ErrNotExist.
			if fi, err := fs.Stat(fsys, cand); err == nil && fi.Mode().IsRegular() {
				return cand, nil
			}
		}
	}
	return "", fmt.Errorf("%q is not under %s: %w", key, root, fs.ErrNotExist)
}
