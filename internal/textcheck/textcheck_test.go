package textcheck

import (
	"errors"
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	f := func(in, want string, reason error) {
		t.Helper()
		got, err := Name("name", in)
		if reason == nil {
			if err != nil || got != want {
				t.Fatalf("Name(%q) = %q, %v; want %q", in, got, err, want)
			}
			return
		}
		var te *Error
		if !errors.Is(err, reason) || !errors.As(err, &te) || te.Field != "name" {
			t.Fatalf("Name(%q) error %v, want %v naming the field", in, err, reason)
		}
	}
	f("Acme", "Acme", nil)
	f("  Acme Corp\t", "Acme Corp", nil)
	f("Zürich — 東京", "Zürich — 東京", nil)
	f(strings.Repeat("é", MaxName), strings.Repeat("é", MaxName), nil) // characters, not bytes
	f(" "+strings.Repeat("x", MaxName)+" ", strings.Repeat("x", MaxName), nil)
	f("", "", ErrBlank)
	f(" \t\n", "", ErrBlank)
	f(strings.Repeat("x", MaxName+1), "", ErrTooLong)
	f(strings.Repeat("x", 10<<20), "", ErrTooLong)
	f("a\x00b", "", ErrControl)
	f("a\nb", "", ErrControl)
	f("a\x1bb", "", ErrControl)
	f("a\u0085b", "", ErrControl) // C1 control
	f("a\xffb", "", ErrNotUTF8)
	f("\xed\xa0\x80", "", ErrNotUTF8) // a UTF-16 surrogate
	f(strings.Repeat("x", 300)+"\xff", "", ErrNotUTF8)
}

func TestOptionalDescriptionID(t *testing.T) {
	if s, err := OptionalName("name", "  "); s != "" || err != nil {
		t.Fatalf("OptionalName blank = %q, %v", s, err)
	}
	if _, err := OptionalName("name", "a\x00"); !errors.Is(err, ErrControl) {
		t.Fatalf("OptionalName NUL: %v", err)
	}
	d := "First line.\r\n\tSecond line."
	if s, err := Description("description", " "+d+"\n"); s != d || err != nil {
		t.Fatalf("Description = %q, %v", s, err)
	}
	if s, err := Description("description", ""); s != "" || err != nil {
		t.Fatalf("empty Description = %q, %v", s, err)
	}
	for in, reason := range map[string]error{
		"a\x00b":                              ErrControl,
		"a\x7fb":                              ErrControl,
		"\xc3":                                ErrNotUTF8,
		strings.Repeat("ü", MaxDescription+1): ErrTooLong,
		strings.Repeat("x\n", MaxDescription/2+1): ErrTooLong,
	} {
		if _, err := Description("description", in); !errors.Is(err, reason) {
			t.Errorf("Description(%.20q): %v, want %v", in, err, reason)
		}
	}
	if _, err := Description("description", strings.Repeat("ü", MaxDescription)); err != nil {
		t.Errorf("Description at the limit: %v", err)
	}
	// Ids are only bounded and UTF-8: they must match what bills carry.
	for _, ok := range []string{"123456789012", " padded ", "a\tb", strings.Repeat("7", MaxName)} {
		if err := ID("account id", ok); err != nil {
			t.Errorf("ID(%q): %v", ok, err)
		}
	}
	if err := ID("account id", strings.Repeat("7", MaxName+1)); !errors.Is(err, ErrTooLong) {
		t.Errorf("long ID: %v", err)
	}
	if err := ID("account id", "12\xff"); !errors.Is(err, ErrNotUTF8) {
		t.Errorf("ID not UTF-8: %v", err)
	}
}

func TestErrorMessages(t *testing.T) {
	f := func(err error, want string) {
		t.Helper()
		if err == nil || err.Error() != want {
			t.Fatalf("error %v, want %q", err, want)
		}
	}
	_, err := Name("name", "")
	f(err, "name can't be blank")
	_, err = Name("name", strings.Repeat("x", 256))
	f(err, "name is longer than 255 characters")
	_, err = Description("description", "\xff")
	f(err, "description is not valid UTF-8")
	_, err = Name("name", "a\x00")
	f(err, "name holds a control character")
}

func TestInvalidUTF8(t *testing.T) {
	f := func(in string, want int) {
		t.Helper()
		if got := InvalidUTF8([]byte(in)); got != want {
			t.Fatalf("InvalidUTF8(%q) = %d, want %d", in, got, want)
		}
	}
	f("", -1)
	f(`{"name":"Zürich"}`, -1)
	f("\uFFFD", -1) // the replacement character itself is valid
	f(`{"name":"`+"\xff"+`"}`, 9)
	f("ab\xc3", 2) // cut in the middle of a character
	f("\xc3\x28", 0)
}
