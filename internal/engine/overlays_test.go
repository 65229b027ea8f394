package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/customtag"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// fixedTags is a custom tag book that answers a fixed set.
type fixedTags map[customtag.Asset]map[string]string

func (f fixedTags) All() map[customtag.Asset]map[string]string { return f }

// TestOverlays: a perspective is a dimension and a filter of every
// question, read from the book at question time (a changed perspective
// changes the next answer), and custom tags set on assets read as tags of
// the line items the asset covers, a resource's before its account's,
// also inside a perspective that categorizes by the tag.
func TestOverlays(t *testing.T) {
	ctx := tenant.WithPrincipal(context.Background(), tenant.NoAuth)
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	march := storetest.Day(3, 5)
	item := func(account, resource, team, billed string) *cost.LineItem {
		li := storetest.Item(account, "EC2", march, billed)
		li.ResourceID = resource
		if team != "" {
			li.Tags = map[string]string{"team": team}
		}
		return li
	}
	storetest.Load(t, st, "s",
		item("a1", "r1", "web", "1"), item("a1", "r2", "", "2"), item("a1", "r3", "db", "4"),
		item("a2", "r4", "", "8"), item("a2", "r5", "web", "16"))

	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var schema perspective.Schema
	if err := json.Unmarshal([]byte(`{"name": "Teams", "include_in_reports": "true",
		"rules": [{"type": "categorize", "asset": "AwsAsset", "tag_field": ["team"], "ref_id": "1", "name": "Team"}]}`), &schema); err != nil {
		t.Fatal(err)
	}
	id, _, err := book.Create(ctx, perspective.Everyone.Owner, schema)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(st)
	e.SetPerspectives(book)
	pd := cost.PerspectiveDimension(id)

	ask := func(q query.Query) string {
		t.Helper()
		q.Window = cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}
		q.Metrics = []cost.Metric{cost.Billed}
		if len(q.GroupBy) > 0 {
			q.Sort = []query.Order{query.Key(0, false)}
		}
		res, err := e.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range res.Rows {
			out = append(out, fmt.Sprintf("%s=%s", r.Keys, r.Values[0]))
		}
		return fmt.Sprint(out)
	}
	team := cost.TagDimension("team")
	in := func(d cost.Dimension, v string) filter.Expr { return filter.Cond{Dim: d, Values: []string{v}} }
	check := func(name, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %s\nwant %s", name, got, want)
		}
	}

	check("perspective groups", ask(query.Query{GroupBy: []cost.Dimension{pd}}), "[[Other]=10 [db]=4 [web]=17]")
	check("perspective filters", ask(query.Query{GroupBy: []cost.Dimension{cost.DimSubAccountID}, Filter: in(pd, "web")}), "[[a1]=1 [a2]=16]")
	if _, err := e.Query(ctx, query.Query{Window: cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)},
		GroupBy: []cost.Dimension{cost.PerspectiveDimension("999")}}); !errors.Is(err, engine.ErrUnknownPerspective) || !errors.Is(err, errkind.Invalid) {
		t.Errorf("unknown perspective: %v, want ErrUnknownPerspective (invalid)", err)
	}

	// The book changes: the next question groups by the new rules.
	schema.Rules[0].TagField = nil
	schema.Rules[0].Field = []string{"subAccountId"}
	if _, err := book.Update(ctx, perspective.Everyone, id, schema, nil, false); err != nil {
		t.Fatal(err)
	}
	check("changed perspective", ask(query.Query{GroupBy: []cost.Dimension{pd}}), "[[a1]=7 [a2]=24]")
	schema.Rules[0].Field, schema.Rules[0].TagField = nil, []string{"team"}
	if _, err := book.Update(ctx, perspective.Everyone, id, schema, nil, false); err != nil {
		t.Fatal(err)
	}

	// Custom tags: r2 (untagged) and r1 (tagged web by the bill) get a
	// resource tag; account a2 gets one, which covers r4 and r5 over
	// their bill's values, except that r4's own custom tag wins over its
	// account's. An asset no longer known (99) tags nothing.
	covers := func(assetType string, id int64) (filter.Expr, bool) {
		switch {
		case assetType == "AwsInstance" && id == 1:
			return in(cost.DimResourceID, "r1"), true
		case assetType == "AwsInstance" && id == 2:
			return in(cost.DimResourceID, "r2"), true
		case assetType == "AwsInstance" && id == 4:
			return in(cost.DimResourceID, "r4"), true
		case assetType == "AwsAccount" && id == 20:
			return in(cost.DimSubAccountID, "a2"), true
		}
		return nil, false // id 99: an asset no longer known
	}
	e.SetCustomTags(fixedTags{
		{Type: "AwsInstance", ID: 1}:  {"team": "api"},
		{Type: "AwsInstance", ID: 2}:  {"team": "api", "owner": "x"},
		{Type: "AwsInstance", ID: 4}:  {"team": "batch"},
		{Type: "AwsAccount", ID: 20}:  {"team": "data"},
		{Type: "AwsInstance", ID: 99}: {"team": "ghost"},
	}, covers)
	check("custom tags group", ask(query.Query{GroupBy: []cost.Dimension{team}}), "[[api]=3 [batch]=8 [data]=16 [db]=4]")
	check("custom tags filter", ask(query.Query{GroupBy: []cost.Dimension{cost.DimResourceID}, Filter: in(team, "api")}), "[[r1]=1 [r2]=2]")
	check("the bill's value of a custom-tagged item matches nothing", ask(query.Query{Filter: in(team, "web")}), "[]")
	check("another key is untouched", ask(query.Query{GroupBy: []cost.Dimension{cost.TagDimension("owner")}}), "[[]=29 [x]=2]")
	check("a perspective reads custom tags", ask(query.Query{GroupBy: []cost.Dimension{pd}}), "[[api]=3 [batch]=8 [data]=16 [db]=4]")
}

// TestPerspectiveOverlayIsOwned: a question naming a perspective reads it
// as the caller sees it. Another owner's perspective is refused exactly as
// an unknown one, grouped or filtered; its owner and the default
// organization's unscoped keys group by it.
func TestPerspectiveOverlayIsOwned(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storetest.Load(t, st, "s", storetest.Item("a1", "EC2", storetest.Day(3, 5), "1"), storetest.Item("b1", "EC2", storetest.Day(3, 5), "2"))
	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var schema perspective.Schema
	if err := json.Unmarshal([]byte(`{"name": "Accounts", "rules": [{"type": "categorize", "asset": "AwsAsset", "field": ["subAccountId"], "ref_id": "1", "name": "Account"}]}`), &schema); err != nil {
		t.Fatal(err)
	}
	orgA, orgB := &tenant.Principal{Role: tenant.RoleViewer, OrgID: 10, Scope: scope.Accounts("a1")}, &tenant.Principal{Role: tenant.RoleViewer, OrgID: 20, Scope: scope.Accounts("b1")}
	id, _, err := book.Create(ctx, perspective.OwnerOf(orgB), schema)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(st)
	e.SetPerspectives(book)
	ask := func(p *tenant.Principal, q query.Query) (string, error) {
		q.Window = cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}
		q.Metrics = []cost.Metric{cost.Billed}
		res, err := e.Query(tenant.WithPrincipal(ctx, p), q)
		if err != nil {
			return "", err
		}
		var out []string
		for _, r := range res.Rows {
			out = append(out, fmt.Sprintf("%s=%s", r.Keys, r.Values[0]))
		}
		return fmt.Sprint(out), nil
	}
	pd := cost.PerspectiveDimension(id)
	byIt := query.Query{GroupBy: []cost.Dimension{pd}, Sort: []query.Order{query.Key(0, false)}}
	filtered := query.Query{Filter: filter.Cond{Dim: pd, Values: []string{"b1"}}}
	for _, c := range []struct {
		name string
		p    *tenant.Principal
		q    query.Query
		want string
	}{
		{"its owner groups", orgB, byIt, "[[b1]=2]"},
		{"the default organization groups", tenant.NoAuth, byIt, "[[a1]=1 [b1]=2]"},
		{"its owner filters", orgB, filtered, "[[]=2]"},
	} {
		if got, err := ask(c.p, c.q); err != nil || got != c.want {
			t.Errorf("%s: %s, %v; want %s", c.name, got, err, c.want)
		}
	}
	_, unknown := ask(orgA, query.Query{GroupBy: []cost.Dimension{cost.PerspectiveDimension("999")}})
	for name, q := range map[string]query.Query{"grouped": byIt, "filtered": filtered} {
		_, err := ask(orgA, q)
		if !errors.Is(err, engine.ErrUnknownPerspective) || !errors.Is(err, errkind.Invalid) {
			t.Errorf("another organization's perspective, %s: %v, want ErrUnknownPerspective", name, err)
		} else if strings.Replace(err.Error(), id, "999", 1) != unknown.Error() {
			t.Errorf("another organization's perspective, %s: %q, not worded as an unknown one: %q", name, err, unknown)
		}
	}
}
