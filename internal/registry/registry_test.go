package registry

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/textcheck"
)

func name(s string) *string { return &s }

// fixed returns a registry over repo whose clock reads t.
func fixed(repo Repo, t time.Time) *Registry {
	r := New(repo)
	r.now = func() time.Time { return t }
	return r
}

func TestValidate(t *testing.T) {
	f := func(e Entry, want ...error) {
		t.Helper()
		err := validate(e)
		if len(want) == 0 {
			if err != nil {
				t.Errorf("validate(%+v) = %v, want nil", e, err)
			}
			return
		}
		for _, w := range want {
			if !errors.Is(err, w) {
				t.Errorf("validate(%+v) = %v, want %v", e, err, w)
			}
		}
	}
	f(Entry{Kind: Customer, Key: "tenant-1"})
	f(Entry{Kind: Customer, Key: "tenant-1", Name: name("Contoso")})
	f(Entry{Kind: SubAccount, Key: "sub-1", Parent: "tenant-1", Provider: "Microsoft"})
	f(Entry{Kind: Customer, Key: strings.Repeat("é", textcheck.MaxName)}) // characters, not bytes
	f(Entry{Kind: "resource", Key: "r"}, ErrInvalid)
	f(Entry{Kind: Customer}, ErrInvalid, textcheck.ErrBlank)
	f(Entry{Kind: Customer, Key: strings.Repeat("x", textcheck.MaxName+1)}, ErrInvalid, textcheck.ErrTooLong)
	f(Entry{Kind: Customer, Key: " "}, ErrInvalid, textcheck.ErrBlank)
	f(Entry{Kind: Customer, Key: "a\nb"}, ErrInvalid, textcheck.ErrControl)
	f(Entry{Kind: Customer, Key: "a\x00"}, ErrInvalid, textcheck.ErrControl)
	f(Entry{Kind: Customer, Key: "\xff"}, ErrInvalid, textcheck.ErrNotUTF8)
	f(Entry{Kind: Customer, Key: "t", Name: name("")}, ErrInvalid, textcheck.ErrBlank)
	f(Entry{Kind: Customer, Key: "t", Name: name("a\tb")}, ErrInvalid, textcheck.ErrControl)
	f(Entry{Kind: Customer, Key: "t", Name: name(strings.Repeat("n", textcheck.MaxName+1))}, ErrInvalid, textcheck.ErrTooLong)
	f(Entry{Kind: Customer, Key: "t", Parent: "x"}, ErrInvalid)
	f(Entry{Kind: SubAccount, Key: "s", Parent: "\x7f"}, ErrInvalid, textcheck.ErrControl)
	f(Entry{Kind: SubAccount, Key: "s", Provider: "\x1b"}, ErrInvalid, textcheck.ErrControl)
	// The error names the field.
	err := validate(Entry{Kind: Customer, Key: "t", Name: name(strings.Repeat("n", 10<<20))})
	if want := "customer t: invalid registry entry: name is longer than 255 characters"; err == nil || err.Error() != want {
		t.Errorf("a 10 MiB name: %v, want %q", err, want)
	}
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	repo := &MemRepo{}
	r := fixed(repo, t0)
	must := func(e Entry, err error) Entry {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	c := must(r.Register(ctx, Entry{Kind: Customer, Key: "tenant-1", Name: name("Contoso")}))
	if !c.CreatedAt.Equal(t0) || !c.UpdatedAt.Equal(t0) || c.NameOr("") != "Contoso" {
		t.Fatalf("registered %+v", c)
	}
	if _, err := r.Register(ctx, Entry{Kind: Customer, Key: "tenant-1"}); !errors.Is(err, ErrExists) {
		t.Fatalf("registering twice: %v, want ErrExists", err)
	}
	if _, err := r.Register(ctx, Entry{Kind: SubAccount, Key: "sub-1", Parent: "nobody"}); !errors.Is(err, ErrNoParent) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("an unknown parent: %v, want ErrNoParent", err)
	}
	must(r.Register(ctx, Entry{Kind: SubAccount, Key: "sub-1", Parent: "tenant-1"}))
	// The same key in another kind is another entry.
	must(r.Register(ctx, Entry{Kind: SubAccount, Key: "tenant-1"}))

	r.now = func() time.Time { return t0.Add(time.Hour) }
	u := must(r.Update(ctx, Entry{Kind: Customer, Key: "tenant-1"}))
	if u.Name != nil || !u.CreatedAt.Equal(t0) || !u.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("updated %+v: want no name, created %s, updated an hour later", u, t0)
	}
	if _, err := r.Update(ctx, Entry{Kind: Customer, Key: "tenant-2"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("updating an unknown entry: %v, want ErrNotFound", err)
	}
	if _, err := r.Update(ctx, Entry{Kind: SubAccount, Key: "sub-1", Parent: "tenant-2"}); !errors.Is(err, ErrNoParent) {
		t.Fatalf("moving to an unknown parent: %v, want ErrNoParent", err)
	}

	if _, err := r.Unregister(ctx, Customer, "tenant-1"); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "sub-1") {
		t.Fatalf("removing a parent: %v, want ErrInUse naming sub-1", err)
	}
	must(r.Unregister(ctx, SubAccount, "sub-1"))
	must(r.Unregister(ctx, Customer, "tenant-1"))
	if _, err := r.Unregister(ctx, Customer, "tenant-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removing twice: %v, want ErrNotFound", err)
	}
	if _, err := r.Get(ctx, Customer, "tenant-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after removal: %v", err)
	}
	left, err := r.List(ctx, SubAccount)
	if err != nil || len(left) != 1 || left[0].Key != "tenant-1" {
		t.Fatalf("sub accounts left: %+v, %v", left, err)
	}
	// The repo holds what the registry holds.
	stored, _ := repo.LoadEntries(ctx)
	if !reflect.DeepEqual(stored, left) {
		t.Fatalf("repo holds %+v, registry %+v", stored, left)
	}
}

// TestFailedWrite: a write the repo refuses changes nothing.
func TestFailedWrite(t *testing.T) {
	ctx := context.Background()
	repo := &MemRepo{}
	r := New(repo)
	if _, err := r.Register(ctx, Entry{Kind: Customer, Key: "t", Name: name("A")}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	repo.FailNext = boom
	if _, err := r.Update(ctx, Entry{Kind: Customer, Key: "t", Name: name("B")}); !errors.Is(err, boom) {
		t.Fatalf("update: %v, want the repo's error", err)
	}
	repo.FailNext = boom
	if _, err := r.Unregister(ctx, Customer, "t"); !errors.Is(err, boom) {
		t.Fatalf("unregister: %v, want the repo's error", err)
	}
	e, err := r.Get(ctx, Customer, "t")
	if err != nil || e.NameOr("") != "A" {
		t.Fatalf("after failed writes: %+v, %v; want the name A", e, err)
	}
	// Entries handed out are copies.
	*e.Name = "changed"
	if again, _ := r.Get(ctx, Customer, "t"); again.NameOr("") != "A" {
		t.Fatalf("a caller changed a stored name: %+v", again)
	}
}

// flaky fails its first load.
type flaky struct {
	MemRepo
	loads int
}

func (f *flaky) LoadEntries(ctx context.Context) ([]Entry, error) {
	f.loads++
	if f.loads == 1 {
		return nil, errors.New("store not ready")
	}
	return f.MemRepo.LoadEntries(ctx)
}

// TestLazyLoad: a failed first read is retried on the next use.
func TestLazyLoad(t *testing.T) {
	repo := &flaky{}
	repo.entries = []Entry{{Kind: Customer, Key: "t"}}
	r := New(repo)
	if _, err := r.List(context.Background(), Customer); err == nil {
		t.Fatal("the first list succeeded over a failing repo")
	}
	got, err := r.List(context.Background(), Customer)
	if err != nil || len(got) != 1 || repo.loads != 2 {
		t.Fatalf("second list: %+v, %v after %d loads", got, err, repo.loads)
	}
}

// TestDocRepo: entries survive closing and reopening a DuckDB store.
func TestDocRepo(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tally.duckdb")
	st, err := duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	r := fixed(DocRepo(st), t0)
	want := []Entry{
		{Kind: Customer, Key: "tenant-1", Name: name("Contoso \"Ltd\" / ü"), Provider: "Microsoft"},
		{Kind: Customer, Key: "tenant-2"},
		{Kind: SubAccount, Key: "sub-1", Name: name("Prod"), Parent: "tenant-1", Provider: "Microsoft"},
	}
	for _, e := range append(want, Entry{Kind: SubAccount, Key: "gone"}) {
		if _, err := r.Register(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Unregister(ctx, SubAccount, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	again := New(DocRepo(st))
	var got []Entry
	for _, k := range Kinds {
		list, err := again.List(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, list...)
	}
	for i := range want {
		want[i].CreatedAt, want[i].UpdatedAt = t0, t0
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopening:\n got %+v\nwant %+v", got, want)
	}

	// A document whose body names another key is refused, not guessed at.
	if err := st.PutDocument(ctx, "registry.customer", "tenant-3", []byte(`{"kind":"customer","key":"tenant-4"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := DocRepo(st).LoadEntries(ctx); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a mismatched document: %v, want ErrInvalid", err)
	}
}
