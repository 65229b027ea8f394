// Package customtag holds the CloudHealth custom tags (POST
// /v1/custom_tags): the request's parsing and limits, the per-item
// outcome the dialect renders with 200, and the Book that keeps the tags
// in the state store. Custom tags live only in Tally, beside the
// provider's tags; aggregations read them through Book.Tags and Book.All.
package customtag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tally-cost/tally/internal/jsondoc"

	"github.com/tally-cost/tally/internal/errkind"
)

// The documented limits (the guide's "Limitations").
const (
	MaxAssets       = 100 // assets per request
	MaxTagsPerAsset = 100
	MaxKeyLen       = 127 // characters, at least 1
	MaxValueLen     = 255 // characters, after trimming
)

// Errors that refuse the whole request. Both are invalid input; the
// dialect answers 422, the guide's status for input format errors.
var (
	// ErrMalformed: the body is not a tag_groups document.
	ErrMalformed = errkind.Invalid.New("malformed custom tags document")
	// ErrTooManyAssets: more than MaxAssets distinct assets.
	ErrTooManyAssets = errkind.Invalid.New("No more than 100 instances per request")
)

// Per-item messages. The limit texts are the guide's own wording; the
// access text is the one its example response shows.
const (
	MsgNoAccess    = "Asset does not exist or user does not have access"
	MsgKeyLength   = "Tag keys must be between 1 and 127 characters long"
	MsgValueLength = "Tag values must be no longer than 255 characters long"
	MsgValueScalar = "Tag values must be scalar. Lists and objects are not allowed."
	MsgTooManyTags = "No more than 100 tags per instance"
)

// Request is a parsed POST /v1/custom_tags body.
type Request struct {
	TagGroups []TagGroup
}

// TagGroup sets Tags on every asset of AssetType named in IDs.
type TagGroup struct {
	AssetType string
	IDs       []int64
	Tags      []Tag
}

// Tag is one key and its value as the request gave it. Value nil removes
// the tag. problem is the per-item message of a value that is not
// usable (a list or an object); it is reported for each asset.
type Tag struct {
	Key     string
	Value   *string
	problem string
}

// wire is the JSON shape. ids are raw so that a 64-bit id is never
// routed through a float, and an id some clients quote ("7") reads as
// the integer it holds; values are raw so that null, numbers
// (kept as written) and non-scalars can be told apart.
type wire struct {
	TagGroups *[]struct {
		AssetType string            `json:"asset_type"`
		IDs       []json.RawMessage `json:"ids"`
		Tags      []struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		} `json:"tags"`
	} `json:"tag_groups"`
}

// Parse reads a request body. A body that is not JSON, or has no
// tag_groups, or an id that is not an integer, is ErrMalformed with the
// line and column of the fault where JSON names one; more than MaxAssets
// distinct assets is ErrTooManyAssets. Limits on keys and values are not
// errors here: they fail per item in Book.Apply.
func Parse(r io.Reader) (Request, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return Request{}, fmt.Errorf("%w: reading body: %w", ErrMalformed, err)
	}
	var w wire
	if err := jsondoc.Decode(body, &w); err != nil {
		return Request{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if w.TagGroups == nil {
		return Request{}, fmt.Errorf("%w: tag_groups is required", ErrMalformed)
	}
	var req Request
	seen := map[Asset]bool{}
	for gi, g := range *w.TagGroups {
		tg := TagGroup{AssetType: g.AssetType}
		for ii, n := range g.IDs {
			id, err := strconv.ParseInt(strings.Trim(string(n), `"`), 10, 64)
			if err != nil {
				return Request{}, fmt.Errorf("%w: tag_groups[%d].ids[%d]: %s is not an integer id", ErrMalformed, gi, ii, n)
			}
			tg.IDs = append(tg.IDs, id)
			seen[Asset{Type: g.AssetType, ID: id}] = true
		}
		for _, t := range g.Tags {
			tg.Tags = append(tg.Tags, parseTag(t.Key, t.Value))
		}
		req.TagGroups = append(req.TagGroups, tg)
	}
	if len(seen) > MaxAssets {
		return Request{}, fmt.Errorf("%w (%d assets)", ErrTooManyAssets, len(seen))
	}
	return req, nil
}

// parseTag reads a value: null removes; a string is trimmed; a number
// becomes the string it was written as (1.50 stays "1.50"); a boolean its
// literal. Lists and objects are kept as a problem for the per-item
// report.
func parseTag(key string, raw json.RawMessage) Tag {
	t := Tag{Key: key}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return t
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			t.problem = MsgValueScalar
			return t
		}
		s = strings.TrimSpace(s)
		t.Value = &s
	case raw[0] == '[' || raw[0] == '{':
		t.problem = MsgValueScalar
	default: // number, true, false: the decoder has checked the literal
		s := string(raw)
		t.Value = &s
	}
	return t
}
