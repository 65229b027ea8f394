package cloudkitty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
)

// maxBody bounds a request body; rule and scope bodies are small, and a
// posted dataframes file is read by its own handler.
const maxBody = 8 << 20

// args are the arguments of a v1 request, which upstream (WSME) binds
// from the path, the query string or a JSON body alike, on every verb:
// python-cloudkittyclient sends DELETE .../services/ with the id in the
// body and GET requests with JSON bodies (§3.1). Path values win over
// the query string, which wins over the body.
type args struct {
	r    *http.Request
	body map[string]json.RawMessage
}

// readArgs reads r's query string and JSON body (when it has one). A
// body that is not a JSON object is upstream's 400.
func readArgs(r *http.Request) (*args, error) {
	a := &args{r: r}
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return a, nil
	}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		return nil, apierr.New(http.StatusBadRequest, "Request is not in valid JSON format")
	}
	return a, nil
}

// raw returns the argument's text from the path, the query or the body,
// and whether it was given at all. A JSON null in the body counts as not
// given; a JSON string is unquoted; a number or boolean is its literal.
func (a *args) raw(name string) (string, bool) {
	if v := a.r.PathValue(name); v != "" {
		return v, true
	}
	if vs, ok := a.r.URL.Query()[name]; ok && len(vs) > 0 {
		return vs[len(vs)-1], true
	}
	b, ok := a.body[name]
	if !ok || string(b) == "null" {
		return "", false
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return s, true
	}
	return string(b), true
}

// str returns a string argument, "" when absent.
func (a *args) str(name string) string {
	v, _ := a.raw(name)
	return v
}

// required returns a mandatory argument or upstream's 400.
func (a *args) required(name string) (string, error) {
	v, ok := a.raw(name)
	if !ok {
		return "", missingField(name, "None")
	}
	return v, nil
}

// missingField is WSME's message for a mandatory attribute left out.
func missingField(name, value string) error {
	return apierr.New(http.StatusBadRequest, fmt.Sprintf("Invalid input for field/attribute %s. Value: '%s'. Mandatory field missing.", name, value))
}

// missingArgument is WSME's message for a function argument given
// nowhere (path, query or body).
func missingArgument(name string) error {
	return apierr.New(http.StatusBadRequest, fmt.Sprintf("Missing argument: \"%s\"", name))
}

// invalidField is WSME's message for a value of the wrong type.
func invalidField(name, value, why string) error {
	return apierr.New(http.StatusBadRequest, fmt.Sprintf("Invalid input for field/attribute %s. Value: '%s'. %s", name, value, why))
}

// boolean returns a boolean argument: true, True, 1 (and yes/on) are
// true; absent is def.
func (a *args) boolean(name string, def bool) (bool, error) {
	v, ok := a.raw(name)
	if !ok {
		return def, nil
	}
	b, err := parseBool(v)
	if err != nil {
		return false, invalidField(name, v, "Wrong type. Expected 'bool', got 'str'")
	}
	return b, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on", "y", "t":
		return true, nil
	case "false", "0", "no", "off", "n", "f", "":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// integer returns an integer argument, def when absent.
func (a *args) integer(name string, def int) (int, error) {
	v, ok := a.raw(name)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, invalidField(name, v, "Wrong type. Expected 'int', got 'str'")
	}
	return n, nil
}

// datetime returns a datetime argument (lenient, §3.1), zero when absent.
func (a *args) datetime(name string) (time.Time, error) {
	v, ok := a.raw(name)
	if !ok || strings.TrimSpace(v) == "" {
		return time.Time{}, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, invalidField(name, v, "Unable to parse datetime")
	}
	return t, nil
}

// rejectUnknown answers upstream's 400 for a body key no argument of
// the endpoint names ("Unknown attribute for argument <arg>: <key>").
func (a *args) rejectUnknown(arg string, allowed ...string) error {
	ok := make(map[string]bool, len(allowed))
	for _, k := range allowed {
		ok[k] = true
	}
	for k := range a.body {
		if !ok[k] {
			return apierr.New(http.StatusBadRequest, fmt.Sprintf("Unknown attribute for argument %s: %s", arg, k))
		}
	}
	return nil
}
