package source

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

const (
	// stateFile records, per key, the version of the object that the
	// local file holds, so unchanged objects are not downloaded again.
	stateFile = ".tally-mirror.json"
	// tempPrefix names downloads in progress (top level of the mirror).
	tempPrefix = ".tally-tmp-"
	// mirrorWorkers downloads run at once: enough to hide request latency
	// for many small files, few enough for a 2-core machine.
	mirrorWorkers = 4
	// copyBufSize bounds the memory of one download.
	copyBufSize = 256 << 10
	// stateSaveEvery bounds how much work a crash can make Mirror redo.
	stateSaveEvery = 2 * time.Second
)

// MirrorStats counts what one Mirror call did.
type MirrorStats struct {
	Downloaded int   `json:"downloaded"`
	Removed    int   `json:"removed"`
	Unchanged  int   `json:"unchanged"`
	Bytes      int64 `json:"bytes"`
}

type mirrorState struct {
	Version int                   `json:"version"`
	Source  string                `json:"source"`
	Objects map[string]stateEntry `json:"objects"`
}

type stateEntry struct {
	Size     int64     `json:"size"`
	ETag     string    `json:"etag,omitempty"`
	Modified time.Time `json:"modified"`
}

// Mirror makes dir an exact copy of src: it downloads new and changed
// objects, leaves unchanged ones alone (by size and ETag, or size and
// modification time when the source has no ETags) and deletes every other
// file in dir, except its own state file.
//
// Each download goes to a temporary file in dir and is renamed into place
// only once complete and of the listed size, so a failed or cancelled run
// leaves the previous copy of every file intact. Memory use does not
// depend on object sizes. Keys that could escape dir (absolute, "..")
// make Mirror fail with ErrUnsafeKey before any file is changed. What it
// creates is private to the user (folders 0700, files 0600): bills name
// accounts, resources and prices.
//
// dir must be empty, missing or a previous mirror: Mirror refuses to
// delete files from a directory it does not own. progress, if not nil,
// is called with bytes downloaded so far and bytes to download in all,
// from one goroutine at a time.
func Mirror(ctx context.Context, src Source, dir string, progress func(done, total int64)) (stats MirrorStats, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return stats, fmt.Errorf("mirror: create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return stats, fmt.Errorf("mirror: open %s: %w", dir, err)
	}
	defer root.Close()

	st, isNew, err := loadState(root, dir)
	if err != nil {
		return stats, err
	}
	m := &mirrorRun{root: root, src: src, st: st, lastSave: time.Now()}
	if isNew {
		// Claim the directory before the first file lands, so that a run
		// that dies midway is not taken for a foreign directory next time.
		if err := m.save(); err != nil {
			return stats, err
		}
	}
	objs, err := src.List(ctx)
	if err != nil {
		return stats, fmt.Errorf("mirror %s: %w", src, err)
	}
	if err := checkKeys(objs); err != nil {
		return stats, fmt.Errorf("mirror %s: %w", src, err)
	}

	wanted := make(map[string]bool, len(objs))
	for _, o := range objs {
		wanted[o.Key] = true
	}
	defer func() {
		if serr := m.save(); serr != nil && err == nil {
			err = serr
		}
	}()

	// Deletions first: a file "a" that is gone may stand where the new
	// object "a/b" needs a directory.
	removed, err := m.removeUnwanted(wanted)
	stats.Removed = removed
	if err != nil {
		return stats, fmt.Errorf("mirror %s: %w", dir, err)
	}

	var todo []Object
	var total int64
	dirs := map[string]bool{}
	for _, o := range objs {
		if m.upToDate(o) {
			stats.Unchanged++
			continue
		}
		todo = append(todo, o)
		total += o.Size
		// Directories are made here, one goroutine, rather than racing
		// in parallel downloads.
		if d := path.Dir(o.Key); d != "." && !dirs[d] {
			dirs[d] = true
			if err := root.MkdirAll(d, 0o700); err != nil {
				return stats, fmt.Errorf("mirror %s: create directory %s: %w", dir, d, err)
			}
		}
	}
	m.progress = progress
	m.total = total
	m.report(0)

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(mirrorWorkers)
	for _, o := range todo {
		g.Go(func() error {
			if err := m.download(gctx, o); err != nil {
				return fmt.Errorf("download %s: %w", o.Key, err)
			}
			return nil
		})
	}
	err = g.Wait()
	stats.Downloaded = m.downloaded
	stats.Bytes = m.bytes
	if err != nil {
		if ctx.Err() != nil {
			return stats, fmt.Errorf("mirror %s: %w", src, ctx.Err())
		}
		return stats, fmt.Errorf("mirror %s: %w", src, err)
	}
	slog.Debug("mirror done", "source", src.String(), "dir", dir, "downloaded", stats.Downloaded,
		"removed", stats.Removed, "unchanged", stats.Unchanged, "bytes", stats.Bytes)
	return stats, nil
}

// checkKeys refuses the listing if any key is unsafe, reserved for the
// mirror's own files, or both a file and a directory ("a" and "a/b").
func checkKeys(objs []Object) error {
	keys := make(map[string]bool, len(objs))
	for _, o := range objs {
		if err := checkKey(o.Key); err != nil {
			return err
		}
		if isMirrorFile(o.Key) {
			return fmt.Errorf("%w: %q is reserved for the mirror's state", ErrUnsafeKey, o.Key)
		}
		keys[o.Key] = true
	}
	for _, o := range objs {
		for d := path.Dir(o.Key); d != "."; d = path.Dir(d) {
			if keys[d] {
				return fmt.Errorf("%w: %q is both a file and a directory (%q)", ErrUnsafeKey, d, o.Key)
			}
		}
	}
	return nil
}

// loadState reads the state file; isNew reports an empty directory that
// is about to become a mirror.
func loadState(root *os.Root, dir string) (st mirrorState, isNew bool, err error) {
	st = mirrorState{Version: 1, Objects: map[string]stateEntry{}}
	data, err := root.ReadFile(stateFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Not a mirror yet: only an empty directory may become one.
		entries, err := fs.ReadDir(root.FS(), ".")
		if err != nil {
			return st, false, fmt.Errorf("mirror: read %s: %w", dir, err)
		}
		if len(entries) > 0 {
			return st, false, fmt.Errorf("%w: mirror directory %s is not empty and holds no %s; refusing to delete its files",
				ErrInvalidConfig, dir, stateFile)
		}
		return st, true, nil
	case err != nil:
		return st, false, fmt.Errorf("mirror: read state: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil || st.Objects == nil {
		// A damaged state costs a full download, not a failure.
		slog.Warn("mirror state unreadable; downloading everything again", "dir", dir, "err", err)
		st.Objects = map[string]stateEntry{}
	}
	return st, false, nil
}

// mirrorRun is the shared state of one Mirror call.
type mirrorRun struct {
	root *os.Root
	src  Source

	mu         sync.Mutex // guards everything below
	st         mirrorState
	lastSave   time.Time
	progress   func(done, total int64)
	done       int64
	total      int64
	downloaded int
	bytes      int64
}

func (m *mirrorRun) save() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saveLocked()
}

func (m *mirrorRun) saveLocked() error {
	m.st.Version = 1
	m.st.Source = m.src.String()
	data, err := json.MarshalIndent(m.st, "", " ")
	if err != nil {
		return fmt.Errorf("mirror: encode state: %w", err)
	}
	tmp := tempPrefix + "state-" + randomHex()
	if err := m.root.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("mirror: write state: %w", err)
	}
	if err := m.root.Rename(tmp, stateFile); err != nil {
		_ = m.root.Remove(tmp)
		return fmt.Errorf("mirror: write state: %w", err)
	}
	m.lastSave = time.Now()
	return nil
}

// upToDate reports whether the local file already holds this version.
func (m *mirrorRun) upToDate(o Object) bool {
	e, ok := m.st.Objects[o.Key]
	if !ok || e.Size != o.Size {
		return false
	}
	if e.ETag != "" || o.ETag != "" {
		if e.ETag != o.ETag {
			return false
		}
	} else if !e.Modified.Equal(o.Modified) {
		return false
	}
	// Catch local edits and deletions that the state cannot know about.
	info, err := m.root.Lstat(o.Key)
	return err == nil && info.Mode().IsRegular() && info.Size() == o.Size
}

// removeUnwanted deletes every file that is not a wanted key (leftover
// temporary files included), then the directories this leaves empty.
func (m *mirrorRun) removeUnwanted(wanted map[string]bool) (int, error) {
	var files, dirs []string
	err := fs.WalkDir(m.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p == ".", p == stateFile:
			return nil
		case d.IsDir():
			dirs = append(dirs, p)
		case !wanted[p]:
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("scan: %w", err)
	}
	removed := 0
	for _, p := range files {
		if err := m.root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("remove %s: %w", p, err)
		}
		m.mu.Lock()
		delete(m.st.Objects, p)
		m.mu.Unlock()
		if !strings.HasPrefix(p, tempPrefix) {
			removed++
		}
	}
	// Deepest first, so parents empty out before they are tried.
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	for _, d := range dirs {
		// Fails, harmlessly, for directories that still hold files.
		_ = m.root.Remove(d)
	}
	m.mu.Lock()
	for k := range m.st.Objects {
		if !wanted[k] {
			delete(m.st.Objects, k)
		}
	}
	m.mu.Unlock()
	return removed, nil
}

func (m *mirrorRun) report(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done += n
	if m.progress != nil {
		m.progress(m.done, m.total)
	}
}

// progressWriter reports bytes as they land in the temporary file.
type progressWriter struct {
	w io.Writer
	m *mirrorRun
}

func (p progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.m.report(int64(n))
	return n, err
}

// download fetches one object into a temporary file and renames it over
// the key; its directory already exists.
func (m *mirrorRun) download(ctx context.Context, o Object) (err error) {
	tmp := tempPrefix + randomHex()
	f, err := m.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = m.root.Remove(tmp)
		}
	}()
	rc, err := m.src.Open(ctx, o.Key)
	if err != nil {
		return err
	}
	defer rc.Close()
	n, err := io.CopyBuffer(progressWriter{w: f, m: m}, rc, make([]byte, copyBufSize))
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if n != o.Size {
		// A truncated stream, or the object changed since List: keep the
		// old copy; the next run sees the new version.
		return fmt.Errorf("got %d bytes, listed size %d", n, o.Size)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	if !o.Modified.IsZero() {
		// Best effort: local tools then show the source's dates.
		_ = m.root.Chtimes(tmp, time.Now(), o.Modified)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.root.Rename(tmp, o.Key); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// The entry changes only after the rename: the state never claims a
	// version that is not on disk.
	m.st.Objects[o.Key] = stateEntry{Size: o.Size, ETag: o.ETag, Modified: o.Modified}
	m.downloaded++
	m.bytes += n
	if time.Since(m.lastSave) >= stateSaveEvery {
		if err := m.saveLocked(); err != nil {
			slog.Warn("mirror: saving state", "err", err)
		}
	}
	return nil
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Mirrored lists the objects a mirror in dir holds, as the source listed
// them when they were downloaded (size, modification time, ETag), sorted
// by key: what a caller compares to tell whether files changed since it
// last read them, without reading them again. A directory that is not a
// mirror is ErrNotFound.
func Mirrored(dir string) ([]Object, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s is not a mirror", ErrNotFound, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("mirror: read state: %w", err)
	}
	var st mirrorState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("mirror: read state of %s: %w", dir, err)
	}
	out := make([]Object, 0, len(st.Objects))
	for k, e := range st.Objects {
		out = append(out, Object{Key: k, Size: e.Size, Modified: e.Modified, ETag: e.ETag})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
