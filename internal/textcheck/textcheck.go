// Package textcheck checks the names and free text that clients store:
// names of organizations, customers, keys and registered entities,
// descriptions, account ids. Everything stored is listed back, logged in the audit and
// shown in the UI, so each field is bounded and must be valid UTF-8: a
// request can neither fill the disk with one huge name nor store bytes
// that every later reader has to repair.
//
// The domain packages (tenant, registry, pipeline) call these checks and
// wrap the *Error in their own ErrInvalid, so that every dialect answers
// 400 naming the field.
package textcheck

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxName bounds a name or an id, in characters. 255 is the longest name
// the upstream APIs Tally speaks store (Django's CharField max_length
// behind the Azure billing API), so a name that one dialect accepts every
// other can show; cloud account ids are far shorter (an Azure
// subscription id is 36).
const MaxName = 255

// MaxDescription bounds free text, in characters: a few paragraphs. At
// four bytes a character that is 16 KiB a row at most, so that a list of
// a thousand organizations stays a few megabytes.
const MaxDescription = 4096

// The reasons a field is refused; an *Error wraps one of them.
var (
	ErrBlank   = errors.New("can't be blank")
	ErrTooLong = errors.New("too long")
	ErrNotUTF8 = errors.New("is not valid UTF-8")
	ErrControl = errors.New("holds a control character")
)

// Error is a refused field: which one, and why.
type Error struct {
	Field  string
	Reason error // ErrBlank, ErrTooLong, ErrNotUTF8 or ErrControl
	Max    int   // the limit, for ErrTooLong
}

func (e *Error) Error() string {
	if errors.Is(e.Reason, ErrTooLong) {
		return fmt.Sprintf("%s is longer than %d characters", e.Field, e.Max)
	}
	return e.Field + " " + e.Reason.Error()
}

// Unwrap makes the reason visible to errors.Is.
func (e *Error) Unwrap() error { return e.Reason }

// Name checks a required name and returns it trimmed of surrounding white
// space: not blank, at most MaxName characters, valid UTF-8 without
// control characters (no NUL, no line breaks).
func Name(field, s string) (string, error) {
	s, err := OptionalName(field, s)
	if err == nil && s == "" {
		err = &Error{Field: field, Reason: ErrBlank}
	}
	return s, err
}

// OptionalName is Name for a name that may be left empty (a default
// applies then).
func OptionalName(field, s string) (string, error) {
	return check(field, s, MaxName, func(r rune) bool { return unicode.IsControl(r) })
}

// Description checks free text and returns it trimmed: it may be empty,
// holds at most MaxDescription characters, and is valid UTF-8 whose only
// control characters are tabs and line breaks.
func Description(field, s string) (string, error) {
	return check(field, s, MaxDescription, func(r rune) bool {
		return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
	})
}

// ID checks an id that bills carry (an account id): at most MaxName
// characters of valid UTF-8. It is neither trimmed nor checked for other
// characters, as it is compared byte for byte with what bills say.
func ID(field, s string) error {
	_, err := check(field, s, MaxName, nil)
	return err
}

// check is every rule in one place: UTF-8 first (counting characters of
// anything else means nothing), then the length, then the characters
// that refused reports.
func check(field, s string, max int, refused func(rune) bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", &Error{Field: field, Reason: ErrNotUTF8}
	}
	if refused != nil {
		s = strings.TrimSpace(s)
	}
	if utf8.RuneCountInString(s) > max {
		return "", &Error{Field: field, Reason: ErrTooLong, Max: max}
	}
	if refused != nil && strings.IndexFunc(s, refused) >= 0 {
		return "", &Error{Field: field, Reason: ErrControl}
	}
	return s, nil
}

// InvalidUTF8 returns the offset of the first byte of b that is not valid
// UTF-8, or -1 when b is valid: where a request body or parameter stops
// being text, for the error that refuses it.
func InvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
