package search

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/tally-cost/tally/internal/errkind"
)

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("url.ParseQuery(%q): %v", raw, err)
	}
	return v
}

// TestParseRequest reads the guide's and the clients' search URLs (§6,
// §12) into a Request.
func TestParseRequest(t *testing.T) {
	f := func(raw string, want Request) {
		t.Helper()
		got, err := ParseRequest(mustQuery(t, raw))
		if err != nil {
			t.Fatalf("ParseRequest(%q): %v", raw, err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("ParseRequest(%q)\n got %+v\nwant %+v", raw, *got, want)
		}
	}
	byName := Expr{Clauses: []Clause{q(p("name"), Equal, "a45075XXXXXXYYYYYYZZZZZ96f99", true)}}
	// Guide: filter load balancers by name (v1, the default).
	f("&api_key=k&name=AwsLoadBalancer&query=name='a45075XXXXXXYYYYYYZZZZZ96f99'",
		Request{Name: "AwsLoadBalancer", Version: 1, Query: byName, Page: 1, PerPage: 100})
	// cloudify: a name-only version 1 search (active assets of the type).
	f("name=AzureVm", Request{Name: "AzureVm", Version: 1, Page: 1, PerPage: 100})
	// Guide: the documented query, '+' as sent raw and percent-encoded.
	both := Expr{Clauses: []Clause{q(p("name"), Equal, "MyAccount", true), q(p("is_private"), Equal, "0", false)}}
	f("name=AwsAccount&query=name='MyAccount'+and+is_private=0", Request{Name: "AwsAccount", Version: 1, Query: both, Page: 1, PerPage: 100})
	f("name=AwsAccount&query=name%3D%27MyAccount%27%2Band%2Bis_private%3D0", Request{Name: "AwsAccount", Version: 1, Query: both, Page: 1, PerPage: 100})
	// Guide: RDS instances by instance id, only instance_id shown.
	f("&api_key=k&name=AwsRdsInstance&api_version=2&fields=instance_id&instance_id=db-1",
		Request{Name: "AwsRdsInstance", Version: 2, Fields: [][]string{p("instance_id")}, Page: 1, PerPage: 100,
			Filters: []Clause{q(p("instance_id"), Equal, "db-1", true)}})
	// Guide: active volumes, perspective group and account name, paged.
	f("&api_version=2&page=1&per_page=5&query=is_active=1&name=AwsVolume&fields=in_use,attr_group__33XXSSDDYYYY,account.name",
		Request{Name: "AwsVolume", Version: 2, Query: Expr{Clauses: []Clause{q(p("is_active"), Equal, "1", false)}},
			Fields: [][]string{p("in_use"), p("attr_group__33XXSSDDYYYY"), p("account", "name")}, Paged: true, Page: 1, PerPage: 5})
	// Guide: include the instance of each volume.
	f("&api_version=2&page=1&per_page=5&name=AwsVolume&include=instance",
		Request{Name: "AwsVolume", Version: 2, Include: "instance", Paged: true, Page: 1, PerPage: 5})
	// Partner form and the cloudify client's v2 listing: no query in v2.
	f("api_version=2&client_api_id=42&name=AwsAccount&org_id=7", Request{Name: "AwsAccount", Version: 2, Page: 1, PerPage: 100})
	// albertonarro sends page=1&per_page=50; page=0 is page 1 (§3); without
	// page every result comes back, per_page or not.
	f("name=AwsInstance&api_version=2&page=0&per_page=50", Request{Name: "AwsInstance", Version: 2, Paged: true, Page: 1, PerPage: 50})
	f("name=AwsInstance&api_version=2&per_page=5", Request{Name: "AwsInstance", Version: 2, Page: 1, PerPage: 5})
	f("name=AwsInstance&api_version=2&page=3&per_page=1000", Request{Name: "AwsInstance", Version: 2, Paged: true, Page: 3, PerPage: 1000})
	// The Perl client sends is_active as a parameter; openops's '&'
	// reaching the URL unencoded leaves a quoted field filter.
	f("name=AwsInstance&api_version=2&is_active=1&query=a='1'&b='x''y'",
		Request{Name: "AwsInstance", Version: 2, Query: Expr{Clauses: []Clause{q(p("a"), Equal, "1", true)}}, Page: 1, PerPage: 100,
			Filters: []Clause{q(p("b"), Equal, "x'y", true), q(p("is_active"), Equal, "1", true)}})
	// Fields: spaces, empty entries and duplicates are dropped.
	f("name=AwsVolume&api_version=2&fields=+in_use+,,account.name,in_use,account.id",
		Request{Name: "AwsVolume", Version: 2, Fields: [][]string{p("in_use"), p("account", "name"), p("account", "id")}, Page: 1, PerPage: 100})
	// v1 ignores parameters that are not its own.
	f("name=AwsInstance&query=a=1&instance_id=i-1&_=123", Request{Name: "AwsInstance", Version: 1, Query: Expr{Clauses: []Clause{q(p("a"), Equal, "1", false)}}, Page: 1, PerPage: 100})
}

// TestParseRequestErrors checks each refused request's message, its kind
// (Invalid, a 4xx) and the parameter it names.
func TestParseRequestErrors(t *testing.T) {
	f := func(raw, param, want string) {
		t.Helper()
		r, err := ParseRequest(mustQuery(t, raw))
		if err == nil {
			t.Fatalf("ParseRequest(%q) = %+v, want error %q", raw, r, want)
		}
		var pe *ParamError
		if !errors.As(err, &pe) || !errors.Is(err, errkind.Invalid) {
			t.Fatalf("ParseRequest(%q): %v is not a ParamError of kind Invalid", raw, err)
		}
		if pe.Param != param || err.Error() != want {
			t.Fatalf("ParseRequest(%q)\n got %s: %q\nwant %s: %q", raw, pe.Param, err, param, want)
		}
	}
	f("query=a=1", "name", "param is missing or the value is empty: name")
	f("name=+&query=a=1", "name", "param is missing or the value is empty: name")
	f("name=AwsInstance&api_version=3&query=a=1", "api_version", `api_version must be 1 or 2, not "3"`)
	f("name=AwsInstance&query=a=1&fields=name", "fields", "fields is only available when api_version=2")
	f("name=AwsInstance&query=a=1&page=1", "page", "page is only available when api_version=2")
	f("name=AwsInstance&query=a=1&per_page=5", "per_page", "per_page is only available when api_version=2")
	f("name=AwsInstance&api_version=2&query=name=web", "query", "query: expected a value in single quotes at position 6")
	f("name=AwsVolume&api_version=2&fields=in_use&include=instance", "include", "You cannot use both the include parameter and the fields parameter")
	f("name=AwsVolume&api_version=2&include=instance.account", "include", `include must name a relation, not "instance.account"`)
	f("name=AwsVolume&api_version=2&fields=account..name", "fields", `fields: "account..name" is not a field name`)
	f("name=AwsVolume&api_version=2&per_page=1001", "per_page", "Exceeded maximum 1000 per page")
	f("name=AwsVolume&api_version=2&per_page=0", "per_page", `Page parameters must be greater than zero (per_page="0")`)
	f("name=AwsVolume&api_version=2&page=-1", "page", `Page parameters must be greater than zero (page="-1")`)
	f("name=AwsVolume&api_version=2&page=x", "page", `Page parameters must be greater than zero (page="x")`)
	f("name=AwsVolume&api_version=2&dimensions[]=x", "dimensions[]", `"dimensions[]" is not a search parameter or a field name`)

	// The query's SyntaxError stays reachable for its position.
	_, err := ParseRequest(mustQuery(t, "name=AwsInstance&query=a='x"))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Pos != 3 {
		t.Fatalf("ParseRequest: %v does not carry the query's SyntaxError at position 3", err)
	}
}

// TestRequestMatch: version 1 answers active assets only, version 2 all;
// field filters and the query both apply.
func TestRequestMatch(t *testing.T) {
	inactive := asset{attrs: map[string]any{"id": int64(8), "name": "old", "is_active": false}}
	unknown := asset{attrs: map[string]any{"id": int64(9), "name": "old"}}
	f := func(raw string, a asset, want bool) {
		t.Helper()
		r, err := ParseRequest(mustQuery(t, raw))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Match(a); got != want {
			t.Fatalf("%q matches %v = %v, want %v", raw, a.attrs["id"], got, want)
		}
	}
	f("name=AwsInstance&query=name='old'", inactive, false)
	f("name=AwsInstance&query=name='old'", unknown, true)
	f("name=AwsInstance&query=name='web'", instance, true)
	f("name=AwsInstance&api_version=2&query=name='old'", inactive, true)
	f("name=AwsInstance&api_version=2&query=is_active=1", inactive, false)
	f("name=AwsInstance&api_version=2&instance_id=i-1", instance, true)
	f("name=AwsInstance&api_version=2&instance_id=i-2", instance, false)
	f("name=AwsInstance&api_version=2&is_active=1&size=100", instance, true)
	f("name=AwsInstance&api_version=2&account.name=Primary+Account", instance, true)
	f("name=AwsInstance&api_version=2&instance_id=i-1&query=name='db'", instance, false)
}

// TestWindow pages results: all of them without page, an empty page past
// the end, and no overflow for absurd pages.
func TestWindow(t *testing.T) {
	f := func(raw string, n, lo, hi int) {
		t.Helper()
		r, err := ParseRequest(mustQuery(t, "name=AwsInstance&api_version=2&"+raw))
		if err != nil {
			t.Fatal(err)
		}
		if l, h := r.Window(n); l != lo || h != hi {
			t.Fatalf("%q Window(%d) = [%d, %d), want [%d, %d)", raw, n, l, h, lo, hi)
		}
	}
	f("per_page=5", 12, 0, 12)
	f("page=1&per_page=5", 12, 0, 5)
	f("page=0&per_page=5", 12, 0, 5)
	f("page=3&per_page=5", 12, 10, 12)
	f("page=4&per_page=5", 12, 12, 12)
	f("page=3&per_page=6", 12, 12, 12)
	f("page=2", 250, 100, 200)
	f("page=9223372036854775807&per_page=1000", 12, 12, 12)
	f("page=1", 0, 0, 0)
}

// TestProject renders the guide's fields example: own attributes at the
// top, relation fields nested with the related object's id.
func TestProject(t *testing.T) {
	volume := asset{
		attrs: map[string]any{"id": int64(555), "in_use": true, "attr_group__33XXSSDDYYYY": "Other"},
		rels: map[string]Relation{
			"account":   one(primary),
			"snapshots": many(asset{attrs: map[string]any{"id": int64(1), "name": "s1"}}, asset{attrs: map[string]any{"id": int64(2)}}),
			"instance":  {},
			"tags":      {Many: true},
		},
	}
	f := func(fields, want string) {
		t.Helper()
		r, err := ParseRequest(mustQuery(t, "name=AwsVolume&api_version=2&fields="+url.QueryEscape(fields)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(r.Project(volume))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Fatalf("fields=%s\n got %s\nwant %s", fields, got, want)
		}
	}
	f("in_use,attr_group__33XXSSDDYYYY,account.name",
		`{"account":{"id":90,"name":"Primary Account"},"attr_group__33XXSSDDYYYY":"Other","id":555,"in_use":true}`)
	f("account.name,account.is_private", `{"account":{"id":90,"is_private":false,"name":"Primary Account"},"id":555}`)
	f("snapshots.name", `{"id":555,"snapshots":[{"id":1,"name":"s1"},{"id":2,"name":null}]}`)
	f("instance.name,tags.key,nosuch.name,nosuch_attr", `{"id":555,"instance":null,"nosuch":null,"nosuch_attr":null,"tags":[]}`)
	f("", `{"id":555}`)
}
