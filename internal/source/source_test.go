package source

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// dataset is what every scenario starts from: nested prefixes, a name
// with spaces, one with non-ASCII characters and an object of a few MB
// (larger than the mirror's copy buffer, so downloads take many reads).
func dataset() map[string][]byte {
	return map[string][]byte{
		"a.csv":                      []byte("id,cost\n1,2.50\n"),
		"nested/dir/b.csv":           []byte("id,cost\n2,3.75\n3,0.01\n"),
		"with space/c d.csv":         []byte("name with space\n"),
		"unicode/Größe-日本-€.csv":     []byte("unicode,ok\n"),
		"big/2024-01/cur-00001.parq": randomBytes(1, 3<<20+12345),
	}
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewChaCha8([32]byte{byte(seed)}))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

const bigKey = "big/2024-01/cur-00001.parq"

// seed writes the dataset plus objects just outside the prefix
// ("tally/exports2/...", "tally/exportsfile.csv"), which List must not
// return, and a directory marker inside it, which List must skip.
func seed(t *testing.T, f fixture) map[string][]byte {
	t.Helper()
	data := dataset()
	for k, v := range data {
		f.put(t, k, v)
	}
	f.putRaw(t, "tally/exports2/outside.csv", []byte("outside\n"))
	f.putRaw(t, "tally/exportsfile.csv", []byte("outside\n"))
	f.putRaw(t, "root.csv", []byte("outside\n"))
	f.putRaw(t, testPrefix+"/emptydir/", nil)
	return data
}

func openSource(t *testing.T, c Config) Source {
	t.Helper()
	src, err := Open(context.Background(), c)
	if err != nil {
		t.Fatalf("Open(%s): %v", c.Sanitized()["url"], err)
	}
	t.Cleanup(func() { Close(src) })
	return src
}

// dirFiles reads every file of a mirror except its state file.
func dirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == stateFile {
			return nil
		}
		b, err := os.ReadFile(p)
		got[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func assertFiles(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	got := dirFiles(t, dir)
	if !reflect.DeepEqual(sortedKeys(got), sortedKeys(want)) {
		t.Fatalf("mirror files = %q, want %q", sortedKeys(got), sortedKeys(want))
	}
	for k, w := range want {
		if !bytes.Equal(got[k], w) {
			t.Errorf("mirror %s: %d bytes differ from the source's %d", k, len(got[k]), len(w))
		}
	}
}

func totalSize(m map[string][]byte, keys ...string) int64 {
	var n int64
	for _, k := range keys {
		n += int64(len(m[k]))
	}
	return n
}

func mirrorOK(t *testing.T, src Source, dir string) (MirrorStats, [][2]int64) {
	t.Helper()
	var calls [][2]int64
	stats, err := Mirror(context.Background(), src, dir, func(done, total int64) {
		calls = append(calls, [2]int64{done, total})
	})
	if err != nil {
		t.Fatalf("Mirror: %v", err)
	}
	return stats, calls
}

// withExtra lists the wrapped source's objects plus extra ones, to feed
// Mirror keys that a bucket could hold but a file system must not get.
type withExtra struct {
	Source
	extra []Object
}

func (w withExtra) List(ctx context.Context) ([]Object, error) {
	objs, err := w.Source.List(ctx)
	return append(objs, w.extra...), err
}

type scenario struct {
	name string
	run  func(t *testing.T, f fixture)
}

var scenarios = []scenario{
	{"check succeeds", func(t *testing.T, f fixture) {
		seed(t, f)
		if err := Check(context.Background(), f.config()); err != nil {
			t.Fatalf("Check: %v", err)
		}
	}},
	{"list is recursive, sorted, relative and bounded by the prefix", func(t *testing.T, f fixture) {
		data := seed(t, f)
		objs, err := openSource(t, f.config()).List(context.Background())
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		var keys []string
		for _, o := range objs {
			keys = append(keys, o.Key)
			if o.Size != int64(len(data[o.Key])) {
				t.Errorf("%s: size %d, want %d", o.Key, o.Size, len(data[o.Key]))
			}
			if d := time.Since(o.Modified); o.Modified.IsZero() || d > 24*time.Hour || d < -24*time.Hour {
				t.Errorf("%s: implausible modified time %v", o.Key, o.Modified)
			}
			if _, local := f.(*localFixture); !local && o.ETag == "" {
				t.Errorf("%s: no ETag", o.Key)
			}
		}
		if want := sortedKeys(data); !reflect.DeepEqual(keys, want) {
			t.Fatalf("List keys = %q\nwant %q", keys, want)
		}
	}},
	{"list follows pagination", func(t *testing.T, f fixture) {
		data := seed(t, f)
		src := openSource(t, f.config())
		switch s := src.(type) {
		case *s3Source:
			s.pageSize = 2
		case *azureSource:
			s.pageSize = 2
		case *gcsSource:
			s.pageSize = 2
		case *localSource:
			t.Skip("local directories are not paged")
		}
		objs, err := src.List(context.Background())
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		var keys []string
		for _, o := range objs {
			keys = append(keys, o.Key)
		}
		if want := sortedKeys(data); !reflect.DeepEqual(keys, want) {
			t.Fatalf("List keys with 2 per page = %q\nwant %q", keys, want)
		}
	}},
	{"open streams the contents", func(t *testing.T, f fixture) {
		data := seed(t, f)
		src := openSource(t, f.config())
		for _, k := range sortedKeys(data) {
			rc, err := src.Open(context.Background(), k)
			if err != nil {
				t.Fatalf("Open(%q): %v", k, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("read %q: %v", k, err)
			}
			if !bytes.Equal(got, data[k]) {
				t.Errorf("Open(%q): %d bytes differ from the %d written", k, len(got), len(data[k]))
			}
		}
	}},
	{"open of a missing key is ErrNotFound", func(t *testing.T, f fixture) {
		seed(t, f)
		_, err := openSource(t, f.config()).Open(context.Background(), "nested/none.csv")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open(missing) = %v, want ErrNotFound", err)
		}
	}},
	{"open refuses keys that leave the prefix", func(t *testing.T, f fixture) {
		seed(t, f)
		src := openSource(t, f.config())
		// "../exports2/outside.csv" exists in every fixture: only the
		// check stands between the caller and it.
		for _, k := range []string{"../exports2/outside.csv", "/a.csv", "nested/../../root.csv", "", "nested//dir/b.csv", "./a.csv"} {
			rc, err := src.Open(context.Background(), k)
			if err == nil {
				rc.Close()
			}
			if !errors.Is(err, ErrUnsafeKey) {
				t.Errorf("Open(%q) = %v, want ErrUnsafeKey", k, err)
			}
		}
	}},
	{"mirror downloads, updates and removes exactly what changed", testMirrorCycle},
	{"a cancelled mirror leaves the previous copy intact", testMirrorCancel},
	{"mirror refuses unsafe keys before writing", func(t *testing.T, f fixture) {
		data := seed(t, f)
		src := openSource(t, f.config())
		dir := t.TempDir()
		mirrorOK(t, src, dir)
		for _, k := range []string{"../escape.csv", "/abs.csv", "x/../../escape.csv", stateFile, "a.csv/child.csv", "dot/./x.csv"} {
			_, err := Mirror(context.Background(), withExtra{src, []Object{{Key: k, Size: 1}}}, dir, nil)
			if !errors.Is(err, ErrUnsafeKey) {
				t.Errorf("Mirror with key %q = %v, want ErrUnsafeKey", k, err)
			}
			assertFiles(t, dir, data)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.csv")); err == nil {
			t.Fatal("a file escaped the mirror directory")
		}
	}},
	{"a missing bucket is ErrNotFound", func(t *testing.T, f fixture) {
		c := f.missing()
		if err := Check(context.Background(), c); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Check(missing) = %v, want ErrNotFound", err)
		}
		if _, err := openSource(t, c).List(context.Background()); !errors.Is(err, ErrNotFound) {
			t.Fatalf("List(missing) = %v, want ErrNotFound", err)
		}
	}},
	{"wrong credentials are ErrConnection", func(t *testing.T, f fixture) {
		seed(t, f)
		c, skip := f.wrongCredentials(t)
		if skip != "" {
			t.Skip(skip)
		}
		err := Check(context.Background(), c)
		if !errors.Is(err, ErrConnection) || errors.Is(err, ErrNotFound) {
			t.Fatalf("Check(wrong credentials) = %v, want ErrConnection only", err)
		}
		for _, s := range []string{c.SecretAccessKey, c.AccountKey} {
			if s != "" && strings.Contains(err.Error(), s) {
				t.Fatalf("error message contains the secret: %v", err)
			}
		}
	}},
	{"an unreachable endpoint is ErrConnection", func(t *testing.T, f fixture) {
		c, skip := f.unreachable(t)
		if skip != "" {
			t.Skip(skip)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := Check(ctx, c); !errors.Is(err, ErrConnection) {
			t.Fatalf("Check(unreachable) = %v, want ErrConnection", err)
		}
	}},
	{"sanitized config and String hold no secret", func(t *testing.T, f fixture) {
		c := f.config()
		src := openSource(t, c)
		for _, s := range f.secrets() {
			for k, v := range c.Sanitized() {
				if strings.Contains(v, s) {
					t.Errorf("Sanitized()[%q] contains a secret", k)
				}
			}
			if strings.Contains(src.String(), s) {
				t.Errorf("String() = %q contains a secret", src.String())
			}
		}
		if c.Sanitized()["url"] == "" || src.String() == "" {
			t.Fatalf("Sanitized/String lost the location: %v %q", c.Sanitized(), src.String())
		}
	}},
}

func testMirrorCycle(t *testing.T, f fixture) {
	data := seed(t, f)
	src := openSource(t, f.config())
	dir := filepath.Join(t.TempDir(), "mirror") // Mirror creates it

	all := sortedKeys(data)
	stats, calls := mirrorOK(t, src, dir)
	want := MirrorStats{Downloaded: len(all), Bytes: totalSize(data, all...)}
	if stats != want {
		t.Fatalf("first Mirror = %+v, want %+v", stats, want)
	}
	assertFiles(t, dir, data)
	last := calls[len(calls)-1]
	if last != [2]int64{want.Bytes, want.Bytes} {
		t.Errorf("last progress = %v, want done = total = %d", last, want.Bytes)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] {
			t.Fatalf("progress went backwards: %v", calls)
		}
	}

	// Same size, different bytes: only the ETag (or mtime) tells.
	changed := []byte("id,cost\n2,9.99\n3,0.02\n")
	if len(changed) != len(data["nested/dir/b.csv"]) {
		t.Fatal("test bug: changed object must keep its size")
	}
	data["nested/dir/b.csv"] = changed
	f.put(t, "nested/dir/b.csv", changed)
	f.remove(t, "with space/c d.csv")
	delete(data, "with space/c d.csv")
	data["new/added file.csv"] = []byte("added\n")
	f.put(t, "new/added file.csv", data["new/added file.csv"])

	stats, _ = mirrorOK(t, src, dir)
	want = MirrorStats{Downloaded: 2, Removed: 1, Unchanged: 3, Bytes: totalSize(data, "nested/dir/b.csv", "new/added file.csv")}
	if stats != want {
		t.Fatalf("second Mirror = %+v, want %+v", stats, want)
	}
	assertFiles(t, dir, data)
	if _, err := os.Stat(filepath.Join(dir, "with space")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("emptied directory was kept: %v", err)
	}

	stats, _ = mirrorOK(t, src, dir)
	if want := (MirrorStats{Unchanged: len(data)}); stats != want {
		t.Fatalf("third Mirror = %+v, want %+v", stats, want)
	}

	// Local damage: a deleted copy comes back, a stray file goes.
	if err := os.Remove(filepath.Join(dir, "a.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nested", "stray.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	stats, _ = mirrorOK(t, src, dir)
	want = MirrorStats{Downloaded: 1, Removed: 1, Unchanged: len(data) - 1, Bytes: totalSize(data, "a.csv")}
	if stats != want {
		t.Fatalf("fourth Mirror = %+v, want %+v", stats, want)
	}
	assertFiles(t, dir, data)
}

func testMirrorCancel(t *testing.T, f fixture) {
	data := seed(t, f)
	src := openSource(t, f.config())
	dir := t.TempDir()
	mirrorOK(t, src, dir)

	newBig := randomBytes(2, len(data[bigKey]))
	f.put(t, bigKey, newBig)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sawPartial bool
	_, err := Mirror(ctx, src, dir, func(done, total int64) {
		if done > 0 && done < total && !sawPartial {
			sawPartial = true
			cancel()
		}
	})
	if !sawPartial {
		t.Fatal("test bug: never saw a partial download")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Mirror = %v, want context.Canceled", err)
	}
	assertFiles(t, dir, data) // old big file, no temporary files

	stats, _ := mirrorOK(t, src, dir)
	if want := (MirrorStats{Downloaded: 1, Unchanged: len(data) - 1, Bytes: int64(len(newBig))}); stats != want {
		t.Fatalf("Mirror after cancel = %+v, want %+v", stats, want)
	}
	data[bigKey] = newBig
	assertFiles(t, dir, data)
}

// TestBackends runs every scenario against every backend: a local
// directory and the S3, Azure Blob and GCS emulators.
func TestBackends(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					sc.run(t, b.setup(t))
				})
			}
		})
	}
}
