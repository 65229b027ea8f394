package search

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no query panics; that every error is a
// *SyntaxError of ErrInvalid whose position lies within the query (1 to
// its length in characters plus one, the end); and that a query that
// parses prints (String) to one that parses to the same Expr, in both
// versions.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"name='MyAccount'+and+is_private=0", "name='MyAccount' AND is_private=0", "is_active=1",
		"f1='v1'&f2='v2'", "account.name='Primary Account'", "a.b.c>=-1.5", "a<>'x'", "a!='x'",
		"size>100 and size<200", "name='O''Brien'", `name='C:\dir\'`, "name=''", "is_private='True'",
		"name='é'", "launch_date>'2016-01-04T23:19:34+00:00'", "name='a and b'&x=1",
		"name=MyAccount", "name='x", "='x'", "name 'x'", "a='x' or b='y'", "a='x' and", "a=1.",
		"account..name='x'", "", " + ", "a='x'and b=1", "a==1", "\xff='x'", "a='\xff'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, version := range []int{1, 2} {
			e, err := Parse(in, version)
			if err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("Parse(%q, %d): %v is not a SyntaxError of ErrInvalid", in, version, err)
				}
				if se.Pos < 1 || se.Pos > utf8.RuneCountInString(in)+1 {
					t.Fatalf("Parse(%q, %d): position %d outside 1..%d", in, version, se.Pos, utf8.RuneCountInString(in)+1)
				}
				if !strings.HasPrefix(se.Msg, "expected ") {
					t.Fatalf("Parse(%q, %d): message %q does not say what was expected", in, version, se.Msg)
				}
				if e.Clauses != nil {
					t.Fatalf("Parse(%q, %d) returned %v with an error", in, version, e)
				}
				continue
			}
			printed := e.String()
			back, err := Parse(printed, version)
			if len(e.Clauses) == 0 {
				// An empty query prints as "", which reads as empty.
				if printed != "" || err != nil || len(back.Clauses) != 0 {
					t.Fatalf("Parse(%q, %d) = empty, printed %q, reparsed %v, %v", in, version, printed, back, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Parse(%q, %d) = %#v, printed %q, which fails: %v", in, version, e, printed, err)
			}
			if !reflect.DeepEqual(back, e) {
				t.Fatalf("Parse(%q, %d) = %#v, printed %q, reparsed %#v", in, version, e, printed, back)
			}
		}
	})
}
