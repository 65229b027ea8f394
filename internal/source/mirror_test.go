package source

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// faulty wraps a source and damages the stream of one key, the way a
// dropped connection or an object rewritten during the download would.
type faulty struct {
	Source
	key  string
	mode string // "error" or "short"
}

func (f faulty) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := f.Source.Open(ctx, key)
	if err != nil || key != f.key {
		return rc, err
	}
	return &faultyReader{rc: rc, mode: f.mode}, nil
}

type faultyReader struct {
	rc   io.ReadCloser
	mode string
	n    int
}

func (r *faultyReader) Read(p []byte) (int, error) {
	const limit = 100 << 10
	if r.n >= limit {
		if r.mode == "short" {
			return 0, io.EOF
		}
		return 0, errors.New("connection reset by peer")
	}
	if len(p) > limit-r.n {
		p = p[:limit-r.n]
	}
	n, err := r.rc.Read(p)
	r.n += n
	return n, err
}

func (r *faultyReader) Close() error { return r.rc.Close() }

func TestMirrorFailedDownloadKeepsPreviousCopy(t *testing.T) {
	for _, mode := range []string{"error", "short"} {
		t.Run(mode, func(t *testing.T) {
			f := newLocalFixture(t)
			data := seed(t, f)
			src := openSource(t, f.config())
			dir := t.TempDir()
			mirrorOK(t, src, dir)

			newBig := randomBytes(3, len(data[bigKey]))
			f.put(t, bigKey, newBig)
			f.put(t, "a.csv", []byte("id,cost\n1,1.00\n"))
			_, err := Mirror(context.Background(), faulty{src, bigKey, mode}, dir, nil)
			if err == nil || !strings.Contains(err.Error(), bigKey) {
				t.Fatalf("Mirror with a broken stream = %v, want an error naming %s", err, bigKey)
			}
			// The other change may or may not have landed (downloads run
			// in parallel); the broken one must not have.
			got := dirFiles(t, dir)
			if string(got[bigKey]) != string(data[bigKey]) {
				t.Fatal("the previous copy of the failed object was replaced")
			}
			for k := range got {
				if strings.HasPrefix(k, tempPrefix) {
					t.Fatalf("temporary file %s left behind", k)
				}
			}
			// Healed by the next run.
			stats, _ := mirrorOK(t, src, dir)
			if stats.Downloaded < 1 || stats.Downloaded > 2 {
				t.Fatalf("Mirror after failure = %+v, want 1 or 2 downloads", stats)
			}
			data[bigKey] = newBig
			data["a.csv"] = []byte("id,cost\n1,1.00\n")
			assertFiles(t, dir, data)
		})
	}
}

func TestMirrorRefusesForeignDirectory(t *testing.T) {
	f := newLocalFixture(t)
	seed(t, f)
	dir := t.TempDir()
	mine := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(mine, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Mirror(context.Background(), openSource(t, f.config()), dir, nil)
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Mirror into a non-empty foreign directory = %v, want ErrInvalidConfig", err)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "keep me" {
		t.Fatalf("foreign file touched: %q, %v", b, err)
	}
}

func TestMirrorRecoversFromDamagedState(t *testing.T) {
	f := newLocalFixture(t)
	data := seed(t, f)
	src := openSource(t, f.config())
	dir := t.TempDir()
	mirrorOK(t, src, dir)
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	stats, _ := mirrorOK(t, src, dir)
	if stats.Downloaded != len(data) || stats.Unchanged != 0 {
		t.Fatalf("Mirror with damaged state = %+v, want every object downloaded again", stats)
	}
	assertFiles(t, dir, data)
	if stats, _ = mirrorOK(t, src, dir); stats.Unchanged != len(data) {
		t.Fatalf("state was not rewritten: %+v", stats)
	}
}

func TestMirrorOfEmptySourceEmptiesDirectory(t *testing.T) {
	f := newLocalFixture(t)
	data := seed(t, f)
	src := openSource(t, f.config())
	dir := t.TempDir()
	mirrorOK(t, src, dir)
	for k := range data {
		f.remove(t, k)
	}
	stats, _ := mirrorOK(t, src, dir)
	if want := (MirrorStats{Removed: len(data)}); stats != want {
		t.Fatalf("Mirror of an emptied source = %+v, want %+v", stats, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != stateFile {
		t.Fatalf("mirror dir holds %v, want only %s", entries, stateFile)
	}
}

// A file replaced by a directory of the same name ("x" then "x/y") and
// back again.
func TestMirrorFileBecomesDirectory(t *testing.T) {
	f := newLocalFixture(t)
	src := openSource(t, f.config())
	dir := t.TempDir()
	f.put(t, "x", []byte("file"))
	mirrorOK(t, src, dir)
	f.remove(t, "x")
	f.put(t, "x/y", []byte("nested"))
	stats, _ := mirrorOK(t, src, dir)
	if want := (MirrorStats{Downloaded: 1, Removed: 1, Bytes: 6}); stats != want {
		t.Fatalf("file to directory: %+v, want %+v", stats, want)
	}
	assertFiles(t, dir, map[string][]byte{"x/y": []byte("nested")})
	if err := os.RemoveAll(filepath.Join(f.(*localFixture).dir, testPrefix, "x")); err != nil {
		t.Fatal(err)
	}
	f.put(t, "x", []byte("file again"))
	if _, err := Mirror(context.Background(), src, dir, nil); err != nil {
		t.Fatalf("directory to file: %v", err)
	}
	assertFiles(t, dir, map[string][]byte{"x": []byte("file again")})
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a.csv", true},
		{"dir/sub/file name ü.csv", true},
		{"..a/b..", true},
		{"", false},
		{"/abs", false},
		{"../x", false},
		{"a/../../x", false},
		{"a/..", false},
		{"a//b", false},
		{"a/./b", false},
		{"a/", false},
		{`a\..\b`, false},
		{"a\x00b", false},
	}
	for _, tt := range tests {
		err := checkKey(tt.key)
		if tt.ok != (err == nil) {
			t.Errorf("checkKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrUnsafeKey) {
			t.Errorf("checkKey(%q) = %v, want ErrUnsafeKey", tt.key, err)
		}
	}
}

// A local source must not follow symlinks out of its directory, nor
// list them.
func TestLocalSymlinkEscape(t *testing.T) {
	f := newLocalFixture(t)
	f.put(t, "in.csv", []byte("in"))
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(f.(*localFixture).dir, testPrefix)
	if err := os.Symlink(outside, filepath.Join(base, "link.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("in.csv", filepath.Join(base, "inside-link.csv")); err != nil {
		t.Fatal(err)
	}
	src := openSource(t, f.config())
	objs, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "in.csv,inside-link.csv" {
		t.Fatalf("List = %q, want the file and the link inside the directory", keys)
	}
	rc, err := src.Open(context.Background(), "link.csv")
	if err == nil {
		rc.Close()
		t.Fatal("Open followed a symlink out of the source directory")
	}
}

// A first run that fails midway has already claimed the directory: the
// next run finishes the job instead of calling the directory foreign.
func TestMirrorFirstRunFailureIsResumable(t *testing.T) {
	f := newLocalFixture(t)
	data := seed(t, f)
	src := openSource(t, f.config())
	dir := t.TempDir()
	if _, err := Mirror(context.Background(), faulty{src, bigKey, "error"}, dir, nil); err == nil {
		t.Fatal("Mirror with a broken stream succeeded")
	}
	stats, _ := mirrorOK(t, src, dir)
	if stats.Downloaded < 1 || stats.Downloaded+stats.Unchanged != len(data) {
		t.Fatalf("resumed Mirror = %+v, want the rest of %d objects", stats, len(data))
	}
	assertFiles(t, dir, data)
}

// TestMirrored: a mirror lists what it holds as the source listed it, so
// that a caller can tell changed files from unchanged ones; a folder that
// is no mirror is ErrNotFound.
func TestMirrored(t *testing.T) {
	f := newLocalFixture(t)
	data := seed(t, f)
	src := openSource(t, f.config())
	dir := t.TempDir()
	mirrorOK(t, src, dir)
	listed, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Mirrored(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(data) || len(got) != len(listed) {
		t.Fatalf("Mirrored lists %d objects, the source %d, the data set %d", len(got), len(listed), len(data))
	}
	for i := range got {
		if got[i].Key != listed[i].Key || got[i].Size != listed[i].Size || !got[i].Modified.Equal(listed[i].Modified) || got[i].ETag != listed[i].ETag {
			t.Errorf("Mirrored[%d] = %+v, the source lists %+v", i, got[i], listed[i])
		}
	}
	if _, err := Mirrored(t.TempDir()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Mirrored of an empty folder: %v, want ErrNotFound", err)
	}
}
