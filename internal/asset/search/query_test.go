package search

import (
	"errors"
	"reflect"
	"testing"

	"github.com/tally-cost/tally/internal/errkind"
)

func q(path []string, op Op, text string, quoted bool) Clause {
	return Clause{Path: path, Op: op, Value: Value{Text: text, Quoted: quoted}}
}

func p(s ...string) []string { return s }

// TestParse covers every query form of the digest (§6, §12) and the
// vendor text, and the spellings clients produce.
func TestParse(t *testing.T) {
	f := func(in string, version int, want ...Clause) {
		t.Helper()
		got, err := Parse(in, version)
		if err != nil {
			t.Fatalf("Parse(%q, %d): %v", in, version, err)
		}
		if !reflect.DeepEqual(got.Clauses, want) {
			t.Fatalf("Parse(%q, %d)\n got %#v\nwant %#v", in, version, got.Clauses, want)
		}
	}
	myAccount := q(p("name"), Equal, "MyAccount", true)
	notPrivate := q(p("is_private"), Equal, "0", false)
	// The guide's example, as decoded from the URL and as sent with the
	// '+' percent-encoded.
	f("name='MyAccount' and is_private=0", 1, myAccount, notPrivate)
	f("name='MyAccount'+and+is_private=0", 1, myAccount, notPrivate)
	f("name='MyAccount' AND is_private=0", 1, myAccount, notPrivate)
	f("name='MyAccount'and is_private=0", 1, myAccount, notPrivate)
	f("  name = 'MyAccount'\tand\n is_private = 0 ", 1, myAccount, notPrivate)
	// An empty query matches every asset, in version 1 too (cloudify's
	// name-only searches).
	f("", 1)
	f(" + ", 1)
	// The openops client joins clauses with '&' inside the value.
	f("name='MyAccount'&is_private=0", 2, myAccount, notPrivate)
	f("name='MyAccount' & is_private=0", 2, myAccount, notPrivate)
	// Vendor examples.
	f("is_active=1", 2, q(p("is_active"), Equal, "1", false))
	f("name='a45075XXXXXXYYYYYYZZZZZ96f99'", 1, q(p("name"), Equal, "a45075XXXXXXYYYYYYZZZZZ96f99", true))
	// Booleans in quotes (the guide) and bare in any case.
	f("is_private='True'", 1, q(p("is_private"), Equal, "True", true))
	f("is_private=FALSE", 1, q(p("is_private"), Equal, "FALSE", false))
	// Dotted relation attributes, perspective attributes.
	f("account.name='Primary Account'", 2, q(p("account", "name"), Equal, "Primary Account", true))
	f("instance.account.owner_id='1234'", 2, q(p("instance", "account", "owner_id"), Equal, "1234", true))
	f("attr_group__33XXSSDDYYYY='Other'", 2, q(p("attr_group__33XXSSDDYYYY"), Equal, "Other", true))
	// Comparisons.
	f("size>100", 2, q(p("size"), Greater, "100", false))
	f("size >= 10.5", 2, q(p("size"), GreaterEqual, "10.5", false))
	f("size<-1", 2, q(p("size"), Less, "-1", false))
	f("size<=0", 2, q(p("size"), LessEqual, "0", false))
	f("state!='running'", 2, q(p("state"), NotEqual, "running", true))
	f("state<>'running'", 2, q(p("state"), NotEqual, "running", true))
	f("launch_date>'2016-01-04T23:19:34+00:00'", 2, q(p("launch_date"), Greater, "2016-01-04T23:19:34+00:00", true))
	// Quotes, separators and backslashes inside values stay data.
	f("name='O''Brien'", 1, q(p("name"), Equal, "O'Brien", true))
	f("name=''''", 1, q(p("name"), Equal, "'", true))
	f("name=''", 1, q(p("name"), Equal, "", true))
	f(`name='C:\dir\'`, 1, q(p("name"), Equal, `C:\dir\`, true))
	f("name='a and b' and x=1", 1, q(p("name"), Equal, "a and b", true), q(p("x"), Equal, "1", false))
	f("name='a & b+c'", 1, q(p("name"), Equal, "a & b+c", true))
	f("name='é'", 1, q(p("name"), Equal, "é", true))
	// An empty query is everything in v2.
	f("", 2)
	f(" + ", 2)
}

// TestParseErrors checks the message and the 1-based character position
// of each error, and that every error is a *SyntaxError of kind Invalid.
func TestParseErrors(t *testing.T) {
	f := func(in string, version int, want string, pos int) {
		t.Helper()
		e, err := Parse(in, version)
		if err == nil {
			t.Fatalf("Parse(%q) = %v, want error %q", in, e, want)
		}
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrInvalid) || !errors.Is(err, errkind.Invalid) {
			t.Fatalf("Parse(%q): %v is not a SyntaxError of kind Invalid", in, err)
		}
		if err.Error() != want || se.Pos != pos {
			t.Fatalf("Parse(%q)\n got %q (pos %d)\nwant %q (pos %d)", in, err, se.Pos, want, pos)
		}
	}
	f("name=MyAccount", 1, "expected a value in single quotes at position 6", 6)
	f("name='MyAccount' and is_private=no", 1, "expected a value in single quotes at position 33", 33)
	f("a=1.", 2, "expected a value in single quotes at position 3", 3)
	f("a==1", 2, "expected a value in single quotes at position 3", 3)
	f("a=", 2, "expected a value in single quotes at position 3", 3)
	f("name='MyAccount", 1, "expected a closing single quote for the value that opens at position 6", 6)
	f("name='O'Brien'", 1, "expected 'and' or the end of the query at position 9", 9)
	f("='x'", 1, "expected an attribute name at position 1", 1)
	f("name 'x'", 1, "expected an operator (=, !=, >, >=, <, <=) at position 6", 6)
	f("name", 1, "expected an operator (=, !=, >, >=, <, <=) at position 5", 5)
	f("name=>'x'", 1, "expected a value in single quotes at position 6", 6)
	f("account.='x'", 2, "expected an attribute name after '.' at position 9", 9)
	f("account..name='x'", 2, "expected an attribute name after '.' at position 9", 9)
	f("a='x' or b='y'", 2, "expected 'and' or the end of the query at position 7", 7)
	f("a='x' and", 2, "expected an attribute name at position 10", 10)
	f("a='x' and ", 2, "expected an attribute name at position 11", 11)
	f("a='x' & & b='y'", 2, "expected an attribute name at position 9", 9)
	f("a='x'&", 2, "expected an attribute name at position 7", 7)
	f("a=1andb=2", 2, "expected a value in single quotes at position 3", 3)
	f("1a='x'", 2, "expected an attribute name at position 1", 1)
	// Positions count characters, not bytes: 'o' is the 10th character
	// and the 11th byte.
	f("name='é' or x=1", 2, "expected 'and' or the end of the query at position 10", 10)
	f("nàme='x'", 2, "expected an operator (=, !=, >, >=, <, <=) at position 2", 2)
	// The query is required in v1.
}

// TestString prints queries in canonical form.
func TestString(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		e, err := Parse(in, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.String(); got != want {
			t.Fatalf("Parse(%q).String() = %q, want %q", in, got, want)
		}
	}
	f("name='MyAccount'+AND+is_private=0", "name='MyAccount' and is_private=0")
	f("a <> 'O''Brien' & b >= -1.5", "a!='O''Brien' and b>=-1.5")
	f("account.name='x'", "account.name='x'")
	f("", "")
}
