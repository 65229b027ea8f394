package azurebilling

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// kv is one member of an obj.
type kv struct {
	key string
	val any
}

// obj is a JSON object whose members keep their order: upstream's key
// order is part of the wire format (§9 #12), and aggregate rows have keys
// chosen by the request.
type obj []kv

// MarshalJSON writes the members in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(m.key)
		if err != nil {
			return nil, err
		}
		v, err := marshal(m.val)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", m.key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping: DRF writes "&" in a page
// link as "&", not "\u0026".
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// number is a sum rendered as a JSON number, as the aggregate and summary
// endpoints do (§4): written from the exact decimal text, never through a
// float; null when nothing was summed.
type number decimal.NullDecimal

// MarshalJSON writes the exact value. A whole number gets ".0", as
// upstream's Python floats render (5.0), so that clients that tell
// integers from floats see the same type.
func (n number) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	s := n.Decimal.String()
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return []byte(s), nil
}

// someNumber is a valid number.
func someNumber(d decimal.Decimal) number { return number(decimal.NewNullDecimal(d)) }

// fixed renders a model field's decimal as a string with a fixed number
// of places (§4: 4 for costs and quantities, 6 for prices), rounded half
// to even as Django's DecimalField quantizes; null stays null. Only the
// rendering rounds: the stored value keeps every digit.
func fixed(d decimal.NullDecimal, places int32) any {
	if !d.Valid {
		return nil
	}
	return d.Decimal.RoundBank(places).StringFixed(places)
}

// text renders a text field that upstream leaves NULL when it has no
// value: a customer's name (its importer never sets one), a resource's
// group and resource_name (NULL for an empty group or resource id), a
// snapshot's file name. Fields upstream copies from an export cell
// (meter, subscription and entry texts, a resource's name and location)
// hold "" for an empty cell and are rendered as they are (§6).
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// dateText renders a date as upstream does ("2024-01-31"); null when zero.
func dateText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.DateOnly)
}

// datetimeText renders a datetime as DRF does: UTC with microseconds and Z.
func datetimeText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// maxID keeps ids within 2^53, the integers a JavaScript client reads
// exactly.
const maxID = 1<<53 - 1

// stableID is the integer id of a derived object (a source, customer,
// subscription, resource or meter): FNV-1a 64 of its kind and natural key,
// truncated to 53 bits. Upstream's ids are database sequence numbers;
// these depend on nothing but the key, so they survive restarts and
// re-imports and {id}/ finds the object again without a table of ids.
// Zero is never returned (upstream ids start at 1).
func stableID(kind, key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(key))
	id := int64(h.Sum64() & maxID)
	if id == 0 {
		id = 1
	}
	return id
}

// sourceID is the integer id of a billing source, from its name.
func sourceID(name string) int64 { return stableID("source", name) }
