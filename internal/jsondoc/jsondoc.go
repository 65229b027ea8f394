// Package jsondoc decodes one JSON document from a request body with
// errors that name where it went wrong ("line 3, column 14"), for the
// domain packages that parse bodies themselves (custom tags, metric
// uploads).
package jsondoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Decode decodes body, which must hold exactly one JSON document, into
// v. Its errors name the line and column of the fault.
func Decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return located(body, err)
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON document at %s", Position(body, dec.InputOffset()))
	}
	return nil
}

// located names where the document went wrong.
func located(body []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		// Offset counts the offending byte; name its own column.
		return fmt.Errorf("%s: %w", Position(body, syn.Offset-1), err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("%s: %s must be %s, not %s", Position(body, typ.Offset), typ.Field, typ.Type, typ.Value)
	}
	return err
}

// Position renders a byte offset of body as "line L, column C" (1-based).
func Position(body []byte, off int64) string {
	off = min(max(off, 0), int64(len(body)))
	before := body[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}
