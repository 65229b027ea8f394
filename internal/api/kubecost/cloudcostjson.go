package kubecost

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tally-cost/tally/internal/cost"
)

// The cloudCost answer is written by hand into one buffer, byte for byte
// what encoding/json wrote for the structures it replaced (kept in
// cloudcostjson_test.go, which compares the two): reflection, a map per
// set whose keys encoding/json sorts, and a string per number were about
// a tenth of the CPU of an uncached 30-day answer by service (issue 23).

// jsonData is a handler result that is already the JSON of the
// envelope's data. handle writes it as it is: returned as a
// json.RawMessage it would be checked and compacted again by
// encoding/json, a second pass over the whole answer.
type jsonData []byte

// propertyFields are the properties written under an item's
// "properties", in OpenCost's field order; a label goes under "labels",
// after them.
var propertyFields = [...]string{
	"providerID", "provider", "accountID", "accountName", "invoiceEntityID",
	"invoiceEntityName", "regionID", "availabilityZone", "service", "category",
}

// propertyAt is a property written under name and the index of its value
// in an item's values.
type propertyAt struct {
	name  string
	index int
}

// cloudCostWriter writes the cloudCost answer of one request.
type cloudCostWriter struct {
	// fields are the aggregated properties among propertyFields, in
	// their order: the last of props with that name, as the fields of a
	// struct were set.
	fields []propertyAt
	// labels are the label properties sorted by label name, as
	// encoding/json sorts a map's keys. Properties sharing a label name
	// (label:perspective:x and perspective:x) are adjacent, in props'
	// order.
	labels []propertyAt
	// names is the JSON of aggregationProperties, the same for each set.
	names []byte
	// items is a scratch copy of a set's items, sorted by key.
	items []*item
}

// newCloudCostWriter prepares what every item of an answer aggregated by
// props shares.
func newCloudCostWriter(props []Property) *cloudCostWriter {
	w := &cloudCostWriter{names: []byte{'['}}
	for _, f := range propertyFields {
		index := -1
		for i, p := range props {
			if p.Name == f {
				index = i
			}
		}
		if index >= 0 {
			w.fields = append(w.fields, propertyAt{f, index})
		}
	}
	for i, p := range props {
		if p.Label != "" {
			w.labels = append(w.labels, propertyAt{p.Label, i})
		}
		if i > 0 {
			w.names = append(w.names, ',')
		}
		w.names = appendString(w.names, p.Name)
	}
	slices.SortStableFunc(w.labels, func(a, b propertyAt) int { return strings.Compare(a.name, b.name) })
	w.names = append(w.names, ']')
	return w
}

// appendRange appends the answer's data: the sets, and the range's
// window, always {"start":"null","end":"null"}: OpenCost never sets it
// and Kubecost documents these bytes.
func (w *cloudCostWriter) appendRange(buf []byte, sets []set) []byte {
	buf = append(buf, `{"sets":[`...)
	for i, s := range sets {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = w.appendSet(buf, s)
	}
	return append(buf, `],"window":{"start":"null","end":"null"}}`...)
}

// appendSet appends a set: its items by key, as encoding/json ordered the
// keys of a map (byte-wise), or null when it has none, as Kubecost
// documents. Its keys are distinct: fetch merged items sharing one.
func (w *cloudCostWriter) appendSet(buf []byte, s set) []byte {
	buf = append(buf, `{"cloudCosts":`...)
	if len(s.items) == 0 {
		buf = append(buf, "null"...)
	} else {
		w.items = append(w.items[:0], s.items...)
		slices.SortFunc(w.items, func(a, b *item) int { return strings.Compare(a.key, b.key) })
		buf = append(buf, '{')
		for i, it := range w.items {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, it.key)
			buf = append(buf, ':')
			buf = w.appendItem(buf, it)
		}
		buf = append(buf, '}')
	}
	buf = append(buf, `,"window":`...)
	buf = appendWindow(buf, s.window)
	buf = append(buf, `,"aggregationProperties":`...)
	buf = append(buf, w.names...)
	return append(buf, '}')
}

// appendItem appends one cloud cost: its aggregated properties, its
// window and the five metrics in wire order.
func (w *cloudCostWriter) appendItem(buf []byte, it *item) []byte {
	buf = append(buf, `{"properties":`...)
	buf = w.appendProperties(buf, it)
	buf = append(buf, `,"window":`...)
	buf = appendWindow(buf, it.window)
	for m, mt := range metrics {
		buf = append(buf, ',', '"')
		buf = append(buf, mt.name...)
		buf = append(buf, `":{"cost":`...)
		buf = cost.AppendText(buf, it.cost[m])
		buf = append(buf, `,"kubernetesPercent":`...)
		buf = appendPercent(buf, it.cost[m], it.k8s[m])
		buf = append(buf, '}')
	}
	return append(buf, '}')
}

// appendProperties appends the item's aggregated properties only, as
// Kubecost's documented output shows (OpenCost would keep every property
// its members share), each omitted when empty, and its labels with a
// value, omitted when none has one.
func (w *cloudCostWriter) appendProperties(buf []byte, it *item) []byte {
	buf = append(buf, '{')
	first := true
	for _, f := range w.fields {
		if v := propertyValue(it.values[f.index]); v != "" {
			buf = appendMember(buf, first, f.name, v)
			first = false
		}
	}
	// The labels object is written, then taken back if no label has a
	// value: encoding/json omitted the nil map.
	mark := len(buf)
	if !first {
		buf = append(buf, ',')
	}
	buf = append(buf, `"labels":{`...)
	empty := true
	for i := 0; i < len(w.labels); {
		// Of the properties sharing a label name, the last with a value
		// is the one the map kept (item.labels stores only values).
		name, v := w.labels[i].name, ""
		for ; i < len(w.labels) && w.labels[i].name == name; i++ {
			if s := propertyValue(it.values[w.labels[i].index]); s != "" {
				v = s
			}
		}
		if v != "" {
			buf = appendMember(buf, empty, name, v)
			empty = false
		}
	}
	if empty {
		buf = buf[:mark]
	} else {
		buf = append(buf, '}')
	}
	return append(buf, '}')
}

// appendMember appends "name":"v" to an object, after a comma unless it
// is the object's first member.
func appendMember(buf []byte, first bool, name, v string) []byte {
	if !first {
		buf = append(buf, ',')
	}
	buf = appendString(buf, name)
	buf = append(buf, ':')
	return appendString(buf, v)
}

// appendWindow appends {"start":…,"end":…} as windowOf gives them: RFC
// 3339 text needs no escaping.
func appendWindow(buf []byte, w cost.Window) []byte {
	buf = append(buf, `{"start":"`...)
	buf = w.Start.UTC().AppendFormat(buf, time.RFC3339)
	buf = append(buf, `","end":"`...)
	buf = w.End.UTC().AppendFormat(buf, time.RFC3339)
	return append(buf, `"}`...)
}

// appendString appends s as a JSON string escaped as encoding/json
// escapes it (its appendString with escapeHTML): ", \ and control
// characters; <, > and & as \u003c, \u003e and \u0026; U+2028 and
// U+2029; each byte of invalid UTF-8 as \ufffd.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[c&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
