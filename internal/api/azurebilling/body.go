package azurebilling

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/textcheck"
)

// The media types write bodies may have: DRF's JSON and form parsers.
const (
	mediaJSON = "application/json"
	mediaForm = "application/x-www-form-urlencoded"
)

// maxBody bounds a write's body: a customer or subscription is a few
// short fields.
const maxBody = 64 << 10

// DRF's field error texts.
const (
	msgRequired  = "This field is required."
	msgNull      = "This field may not be null."
	msgBlank     = "This field may not be blank."
	msgNotString = "Not a valid string."
	// msgControl is ours: DRF refuses only NUL (msgNullCharacters), the
	// registry every control character.
	msgControl = "Control characters are not allowed."
	// msgNotUTF8 and msgFieldNameNotUTF8 are ours too: Django replaces
	// what it cannot decode.
	msgNotUTF8          = "Not valid UTF-8 text."
	msgFieldNameNotUTF8 = "A field name is not valid UTF-8 text."
)

// msgTooLong is DRF's max_length error at the registry's limit.
var msgTooLong = fmt.Sprintf("Ensure this field has no more than %d characters.", textcheck.MaxName)

// input is a write's body: JSON values (strings, json.Number, bool, nil,
// maps, slices), or the last value of each form field, as Django's
// QueryDict.get reads it.
type input map[string]any

// readInput reads a write's body as DRF's parsers do: JSON or a form by
// Content-Type, an empty body as no fields whatever its type, anything
// else 415.
func readInput(r *http.Request) (input, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	if len(body) == 0 {
		return input{}, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err == nil && mt == mediaJSON:
		return readJSON(body)
	case err == nil && mt == mediaForm:
		return readForm(body)
	}
	return nil, &detailError{status: http.StatusUnsupportedMediaType,
		detail: fmt.Sprintf("Unsupported media type %q in request.", ct)}
}

// readForm reads form data. Django's QueryDict reads any form data,
// dropping what it cannot decode, and url.ParseQuery keeps the pairs it
// can read too; but a value that is not UTF-8, which Django would store
// with U+FFFD in place of its bytes, is refused as the field's error.
func readForm(body []byte) (input, error) {
	v, _ := url.ParseQuery(string(body))
	in := input{}
	var errs fieldErrors
	for _, k := range slices.Sorted(maps.Keys(v)) {
		val := v[k][len(v[k])-1]
		switch {
		case !utf8.ValidString(k):
			errs.add("non_field_errors", msgFieldNameNotUTF8)
		case !utf8.ValidString(val):
			errs.add(k, msgNotUTF8)
		}
		in[k] = val
	}
	return in, errs.err()
}

// readJSON decodes one JSON object. Its bytes must be UTF-8, as DRF's
// JSON parser decodes them strictly; encoding/json alone would read
// U+FFFD in place of the bytes it cannot decode.
func readJSON(body []byte) (input, error) {
	if i := textcheck.InvalidUTF8(body); i >= 0 {
		return nil, badRequest(fmt.Sprintf("JSON parse error - 'utf-8' codec can't decode byte 0x%02x in position %d", body[i], i))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // ids compare as written, never through a float
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, extra := dec.Token(); !errors.Is(extra, io.EOF) {
			err = errors.New("extra data after the JSON value")
		}
	}
	if err != nil {
		return nil, badRequest("JSON parse error - " + err.Error())
	}
	switch m := v.(type) {
	case map[string]any:
		return m, nil
	case nil:
		return nil, &validationError{obj{{"non_field_errors", []string{"No data provided"}}}}
	}
	return nil, &validationError{obj{{"non_field_errors",
		[]string{fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pyType(v))}}}}
}

// pyType names a JSON value's type as Python does in DRF's messages.
func pyType(v any) string {
	switch x := v.(type) {
	case string:
		return "str"
	case bool:
		return "bool"
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return "float"
		}
		return "int"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return "NoneType"
}

// fieldErrors collects DRF's field errors in field order.
type fieldErrors struct{ o obj }

func (f *fieldErrors) add(field, msg string) {
	for i := range f.o {
		if f.o[i].key == field {
			f.o[i].val = append(f.o[i].val.([]string), msg)
			return
		}
	}
	f.o = append(f.o, kv{field, []string{msg}})
}

func (f *fieldErrors) has(field string) bool {
	for _, m := range f.o {
		if m.key == field {
			return true
		}
	}
	return false
}

// err is the validation error, nil when there is none.
func (f *fieldErrors) err() error {
	if len(f.o) == 0 {
		return nil
	}
	return &validationError{f.o}
}

// str reads a DRF CharField: a string, or a number as its text; trimmed
// of surrounding white space as DRF's trim_whitespace does. given is
// false when the field is absent; val is nil for null.
func (in input) str(field string, errs *fieldErrors) (val *string, given bool) {
	v, ok := in[field]
	if !ok {
		return nil, false
	}
	var s string
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		s = x
	case json.Number:
		s = x.String()
	default:
		errs.add(field, msgNotString)
		return nil, true
	}
	s = strings.TrimSpace(s)
	return &s, true
}

// key reads a required natural key (tenant_id, subscription_id) and
// checks it as the registry will; required says whether an absent field
// is an error (a PATCH may leave it out).
func (in input) key(field string, required bool, errs *fieldErrors) (string, bool) {
	v, given := in.str(field, errs)
	switch {
	case errs.has(field):
		return "", false
	case !given:
		if required {
			errs.add(field, msgRequired)
		}
		return "", false
	case v == nil:
		errs.add(field, msgNull)
		return "", false
	}
	if err := registry.CheckText(field, *v); err != nil {
		errs.add(field, textMessage(*v, err))
		return "", false
	}
	return *v, true
}

// name reads an optional, nullable name. An empty one is null: the
// registry then holds no name, and the bill's shows.
func (in input) name(field string, errs *fieldErrors) (val *string, given bool) {
	v, given := in.str(field, errs)
	if !given || errs.has(field) || v == nil || *v == "" {
		return nil, given && !errs.has(field)
	}
	if err := registry.CheckText(field, *v); err != nil {
		errs.add(field, textMessage(*v, err))
		return nil, false
	}
	return v, true
}

// textMessage words a registry.CheckText error as DRF would.
func textMessage(s string, err error) string {
	switch {
	case errors.Is(err, textcheck.ErrBlank):
		return msgBlank
	case errors.Is(err, textcheck.ErrTooLong):
		return msgTooLong
	case errors.Is(err, textcheck.ErrNotUTF8):
		return msgNotUTF8
	case strings.ContainsRune(s, 0):
		return msgNullCharacters
	}
	return msgControl
}

// pk reads a DRF PrimaryKeyRelatedField: an integer, or a string of one.
// It returns the id and its text for messages; given is false when the
// field is absent.
func (in input) pk(field string, errs *fieldErrors) (id int64, text string, given bool) {
	v, ok := in[field]
	if !ok {
		return 0, "", false
	}
	switch x := v.(type) {
	case nil:
		errs.add(field, msgNull)
		return 0, "", true
	case json.Number:
		text = x.String()
	case string:
		text = x
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if text == "" || err != nil {
		errs.add(field, fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyType(v)))
		return 0, "", true
	}
	return n, text, true
}
