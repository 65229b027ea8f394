package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// answerKey is what a cached answer is filed under: a SHA-256 of the
// canonical encoding of everything that determines it (see cacheKey).
// A digest rather than the encoding keeps a key 32 bytes whatever the
// question's mappings weigh; two different questions sharing a digest
// would need a SHA-256 collision.
type answerKey [sha256.Size]byte

// errNoKey marks a value the canonical encoding cannot express (a func,
// a channel, a time in an unexported field): its question is answered
// uncached rather than filed under a key that might not tell it apart.
var errNoKey = errors.New("engine: value without a canonical encoding")

var (
	timeType    = reflect.TypeFor[time.Time]()
	decimalType = reflect.TypeFor[decimal.Decimal]()
)

// keyEncoder writes a canonical encoding of Go values: every value is
// its kind, its type where an interface hides it, and its contents,
// length-prefixed, so that no two different values encode alike. It
// walks the values by reflection instead of naming query.Query's fields
// one by one, so that a field added to a question tomorrow is part of
// the key without anyone remembering to add it (TestCacheKeyCoversEveryField).
type keyEncoder struct {
	buf   []byte
	depth int
}

// cacheKey files the answer of kind (a method of the engine) to the
// values that determine it.
func cacheKey(kind string, vs ...any) (answerKey, error) {
	e := keyEncoder{buf: make([]byte, 0, 512)}
	e.str(kind)
	for _, v := range vs {
		if err := e.value(reflect.ValueOf(v)); err != nil {
			return answerKey{}, err
		}
	}
	return sha256.Sum256(e.buf), nil
}

func (e *keyEncoder) tag(b byte) { e.buf = append(e.buf, b) }

func (e *keyEncoder) uint(n uint64) { e.buf = binary.BigEndian.AppendUint64(e.buf, n) }

func (e *keyEncoder) str(s string) {
	e.uint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *keyEncoder) value(v reflect.Value) error {
	if !v.IsValid() {
		e.tag('0') // a nil interface
		return nil
	}
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > 64 {
		return errNoKey // a cycle, or a question no dialect builds
	}
	switch v.Type() {
	case timeType, decimalType:
		if !v.CanInterface() {
			// Only their methods encode them exactly (a time's location
			// pointer, a decimal's big.Int), and an unexported field's
			// value cannot call them.
			return errNoKey
		}
		if t, ok := v.Interface().(time.Time); ok {
			// The instant and the zone's name: two times of one instant
			// in different zones may render differently.
			e.tag('t')
			e.str(t.Location().String())
			e.uint(uint64(t.UnixNano()))
			e.uint(uint64(t.Unix()))
			return nil
		}
		d := v.Interface().(decimal.Decimal)
		e.tag('d')
		e.str(d.Coefficient().String())
		e.uint(uint64(d.Exponent()))
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		e.tag('b')
		if v.Bool() {
			e.tag(1)
		} else {
			e.tag(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.tag('i')
		e.uint(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.tag('u')
		e.uint(v.Uint())
	case reflect.Float32, reflect.Float64:
		e.tag('f')
		e.str(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.String:
		e.tag('s')
		e.str(v.String())
	case reflect.Pointer:
		if v.IsNil() {
			e.tag('0')
			return nil
		}
		e.tag('p')
		return e.value(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			e.tag('0')
			return nil
		}
		// The dynamic type, so that two node types with the same fields
		// (filter.And and filter.Or) never encode alike.
		e.tag('I')
		e.str(v.Elem().Type().PkgPath() + "." + v.Elem().Type().String())
		return e.value(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			e.tag('0')
			return nil
		}
		fallthrough
	case reflect.Array:
		e.tag('a')
		e.uint(uint64(v.Len()))
		for i := range v.Len() {
			if err := e.value(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.IsNil() {
			e.tag('0')
			return nil
		}
		return e.mapping(v)
	case reflect.Struct:
		e.tag('S')
		e.str(v.Type().PkgPath() + "." + v.Type().String())
		for i := range v.NumField() {
			e.str(v.Type().Field(i).Name)
			if err := e.value(v.Field(i)); err != nil {
				return err
			}
		}
	default: // funcs, channels, unsafe pointers, complex numbers
		return errNoKey
	}
	return nil
}

// mapping encodes a map's entries in the order of their keys' encodings:
// Go's iteration order is random, the key must not be.
func (e *keyEncoder) mapping(v reflect.Value) error {
	type entry struct{ k, v []byte }
	entries := make([]entry, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		var ke, ve keyEncoder
		ke.depth, ve.depth = e.depth, e.depth
		if err := ke.value(it.Key()); err != nil {
			return err
		}
		if err := ve.value(it.Value()); err != nil {
			return err
		}
		entries = append(entries, entry{ke.buf, ve.buf})
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.k, b.k) })
	e.tag('m')
	e.uint(uint64(len(entries)))
	for _, en := range entries {
		e.str(string(en.k))
		e.str(string(en.v))
	}
	return nil
}
