package azurebilling

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/testfiles"
)

// loadTestFiles imports every Azure export of ../shared/testdata and the
// FOCUS sample (whose Microsoft rows the dialect shows), one source each,
// but the files named in except, and returns the snapshots by file name.
func loadTestFiles(t *testing.T, st store.Store, except ...string) map[string]store.Snapshot {
	t.Helper()
	dir := testfiles.Shared(t, "azure")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{testfiles.Shared(t, "focus", "focus_sample.csv")}
	for _, e := range ents {
		if !slices.Contains(except, e.Name()) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	out := map[string]store.Snapshot{}
	for _, p := range paths {
		prov := "azure"
		if strings.Contains(p, "focus") {
			prov = "focus"
		}
		sum, err := ingest.Run(context.Background(), st, []string{p}, ingest.Options{Source: filepath.Base(p), Provider: prov})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(sum.Snapshots) > 0 {
			out[filepath.Base(p)] = sum.Snapshots[0]
		}
	}
	return out
}

// checkFindEqualsList GETs every object a collection lists by its id and
// checks the answer is the listed object, byte for byte; and that an id
// no object has is 404. It returns how many objects it checked.
func checkFindEqualsList(t *testing.T, do func(path string) response, collection string) int {
	t.Helper()
	list := do(Prefix + collection + "/")
	if list.status != 200 {
		t.Fatalf("GET %s/: %d %s", collection, list.status, list.body)
	}
	var objs []json.RawMessage
	if err := json.Unmarshal(list.body, &objs); err != nil {
		t.Fatalf("%s/: %v: %s", collection, err, list.body)
	}
	for _, raw := range objs {
		var o struct {
			ID json.Number `json:"id"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		got := do(Prefix + collection + "/" + o.ID.String() + "/")
		if got.status != 200 {
			t.Errorf("GET %s/%s/: %d %s", collection, o.ID, got.status, got.body)
			continue
		}
		if !jsonEqual(t, got.body, raw) {
			t.Errorf("GET %s/%s/ = %s\nlisted as %s", collection, o.ID, got.body, raw)
		}
	}
	if r := do(Prefix + collection + "/12345/"); r.status != 404 {
		t.Errorf("GET %s/12345/: %d %s, want 404", collection, r.status, r.body)
	}
	return len(objs)
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// TestFindEqualsList: finding one customer, subscription, resource or
// meter by id (which reads only the line items of its key, through the
// id index) answers exactly the object the list shows, for every object
// of the real test exports: as the administrator, as a caller scoped to
// one subscription (who must not find the others), for registered
// objects without bills, after another import (the index is rebuilt,
// so its objects are found) and after a snapshot is deleted (objects only
// that snapshot held are gone).
func TestFindEqualsList(t *testing.T) {
	st := openStore(t)
	const later = "legacy-camel-case.csv"
	snaps := loadTestFiles(t, st, later)
	srv := serve(t, st)
	admin := func(path string) response { return do(t, srv, "GET", path) }
	collections := []string{"customers", "subscriptions", "resources", "meters"}
	for _, c := range collections {
		checkFindEqualsList(t, admin, c)
	}
	p := testfiles.Shared(t, "azure", later)
	if _, err := ingest.Run(context.Background(), st, []string{p}, ingest.Options{Source: later, Provider: "azure"}); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, c := range collections {
		counts[c] = checkFindEqualsList(t, admin, c)
	}
	// Every kind has objects, so the checks above compared something.
	for _, c := range collections {
		if counts[c] < 2 {
			t.Errorf("%s: %d objects in the test files, want several", c, counts[c])
		}
	}

	// A caller scoped to one subscription finds what it lists, and not
	// an object of another subscription.
	const sub = "1caaa5a3-2b66-438e-8ab4-bce37d518c5d" // EA_ActualCost_Small.csv
	scoped := func(path string) response { return do(t, srv, "GET", path, "X-Test-Accounts", sub) }
	for _, c := range collections {
		if n := checkFindEqualsList(t, scoped, c); n == 0 || n >= counts[c] && c != "customers" {
			t.Errorf("%s as a caller of %s: %d objects of %d", c, sub, n, counts[c])
		}
	}
	other := stableID(subscriptions.kind, "2639de71-ca37-4a17-a104-17665a50e7fc")
	if r := admin(Prefix + "subscriptions/" + itoa(other) + "/"); r.status != 200 {
		t.Fatalf("the administrator finding subscription 2639de71: %d %s", r.status, r.body)
	}
	if r := scoped(Prefix + "subscriptions/" + itoa(other) + "/"); r.status != 404 {
		t.Errorf("a caller of %s finding subscription 2639de71: %d %s, want 404", sub, r.status, r.body)
	}

	// Registered objects without bills.
	for _, w := range [][2]string{
		{"customers/", `{"tenant_id": "tenant-9", "name": "Nine"}`},
		{"subscriptions/", `{"subscription_id": "sub-9", "customer_id": ` + itoa(stableID(customers.kind, "tenant-9")) + `}`},
	} {
		if r := send(t, srv, "POST", Prefix+w[0], w[1], "Content-Type", jsonCT); r.status != 201 {
			t.Fatalf("POST %s: %d %s", w[0], r.status, r.body)
		}
	}
	for _, c := range []string{"customers", "subscriptions"} {
		if n := checkFindEqualsList(t, admin, c); n != counts[c]+1 {
			t.Errorf("%s after registering one: %d objects, want %d", c, n, counts[c]+1)
		}
	}

	// Deleting the legacy export's snapshot removes its subscription
	// (no other file has it): the index does not keep it.
	legacy := snaps["legacy-pretax-cost.csv"].ID
	gone := stableID(subscriptions.kind, "0039de71-ca37-4a17-a104-17665a50e7fc")
	if r := admin(Prefix + "subscriptions/" + itoa(gone) + "/"); r.status != 200 {
		t.Fatalf("before deleting: %d %s", r.status, r.body)
	}
	if r := do(t, srv, "DELETE", Prefix+"snapshots/"+itoa(legacy)+"/"); r.status != 204 {
		t.Fatalf("deleting the legacy snapshot: %d %s", r.status, r.body)
	}
	if r := admin(Prefix + "subscriptions/" + itoa(gone) + "/"); r.status != 404 {
		t.Errorf("a subscription only a deleted snapshot held: %d %s, want 404", r.status, r.body)
	}
	// The scoped caller first: its index must not serve the administrator.
	for _, c := range collections {
		checkFindEqualsList(t, scoped, c)
		checkFindEqualsList(t, admin, c)
	}
}

// TestFindIndexPerScope: a caller scoped to one subscription of a run
// sees the same snapshot as the administrator, but fewer objects; the id
// index it builds must not serve the administrator, nor the
// administrator's it.
func TestFindIndexPerScope(t *testing.T) {
	st := openStore(t)
	loadRun(t, st, "mca", "run-1", day(1), item("sub-1", 1, "1"), item("sub-2", 1, "2"))
	srv := serve(t, st)
	path := func(sub string) string {
		return Prefix + "subscriptions/" + itoa(stableID(subscriptions.kind, sub)) + "/"
	}
	for _, step := range []struct {
		who, sub string
		want     int
	}{
		{"sub-1", "sub-1", 200}, // the scoped caller's index first
		{"", "sub-2", 200},
		{"sub-1", "sub-2", 404},
		{"", "sub-1", 200},
	} {
		var r response
		if step.who == "" {
			r = do(t, srv, "GET", path(step.sub))
		} else {
			r = do(t, srv, "GET", path(step.sub), "X-Test-Accounts", step.who)
		}
		if r.status != step.want {
			t.Errorf("caller %q finding %s: %d %s, want %d", step.who, step.sub, r.status, r.body, step.want)
		}
	}
}
