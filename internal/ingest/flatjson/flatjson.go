// Package flatjson reads the flat JSON objects of bill cells (tags,
// Azure's AdditionalInfo) without encoding/json's decoder, for the common
// case only; every caller keeps encoding/json for the rest, so that what
// is accepted, and how, does not change.
package flatjson

import "strings"

// Member is one member of an object: its key and the text of its value,
// a string's content or, when Literal, the text of a number, true, false
// or null (which is also its compact JSON text).
type Member struct {
	Key, Value string
	Literal    bool
}

// Object reads s, a JSON object, when it is the kind almost every tags
// cell (Azure Tags and AdditionalInfo, FOCUS Tags) is: string keys, and values that are
// strings of printable ASCII without escapes, numbers, true, false or
// null (AdditionalInfo's "VCPUs":4,"VMName":null). Members are then
// substrings of s (a literal's compact JSON text is itself),
// found in one pass without the JSON decoder, which cost more than any
// other step of mapping an Azure row (BENCHMARKS.md). ok is false for
// anything else (escapes, other bytes, nested values, malformed text),
// which the caller then reads, or refuses, with encoding/json.
func Object(s string) (members []Member, ok bool) {
	if s == "" || s[0] != '{' {
		return nil, false
	}
	i := skipSpace(s, 1) // s[0] is '{'
	if i < len(s) && s[i] == '}' {
		return nil, skipSpace(s, i+1) == len(s)
	}
	for {
		var k, v string
		if k, i, ok = simpleString(s, i); !ok {
			return nil, false
		}
		if i = skipSpace(s, i); i >= len(s) || s[i] != ':' {
			return nil, false
		}
		j := skipSpace(s, i+1)
		if v, i, ok = simpleValue(s, j); !ok {
			return nil, false
		}
		members = append(members, Member{Key: k, Value: v, Literal: s[j] != '"'})
		if i = skipSpace(s, i); i >= len(s) {
			return nil, false
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return members, skipSpace(s, i+1) == len(s)
		default:
			return nil, false
		}
	}
}

// simpleValue reads a string as simpleString does, or a number, true,
// false or null, whose text is what encoding/json's compact form is.
func simpleValue(s string, i int) (text string, next int, ok bool) {
	if i >= len(s) {
		return "", 0, false
	}
	switch c := s[i]; {
	case c == '"':
		return simpleString(s, i)
	case c == '-' || c >= '0' && c <= '9':
		j := number(s, i)
		return s[i:j], j, j > i
	}
	for _, w := range []string{"null", "true", "false"} {
		if strings.HasPrefix(s[i:], w) {
			return w, i + len(w), true
		}
	}
	return "", 0, false
}

// number returns the end of the JSON number at s[i] (-?(0|[1-9]\d*)
// (\.\d+)?([eE][+-]?\d+)?), or i when there is none. A byte that follows
// it other than a separator fails the object, as in encoding/json.
func number(s string, i int) int {
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	switch {
	case j < len(s) && s[j] == '0':
		j++
	case j < len(s) && s[j] >= '1' && s[j] <= '9':
		j = digits(s, j)
	default:
		return i
	}
	if j < len(s) && s[j] == '.' {
		k := digits(s, j+1)
		if k == j+1 {
			return i
		}
		j = k
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		e := digits(s, k)
		if e == k {
			return i
		}
		j = e
	}
	return j
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// simpleString reads a JSON string at s[i] made only of printable ASCII
// other than a backslash, and returns its text and the index after it.
func simpleString(s string, i int) (text string, next int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return s[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c > 0x7e:
			return "", 0, false
		}
	}
	return "", 0, false
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}
