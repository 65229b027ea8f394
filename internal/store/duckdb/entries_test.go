package duckdb

import "testing"

// TestEveryColumnReadsBack: a column added to lineItemColumns without a
// setter would read back as nothing in Entries.
func TestEveryColumnReadsBack(t *testing.T) {
	for _, c := range lineItemColumns {
		var ok bool
		switch {
		case c.text != nil:
			_, ok = textSetters[c.name]
		case c.time != nil:
			_, ok = timeSetters[c.name]
		case c.qty != nil:
			_, ok = qtySetters[c.name]
		default:
			_, ok = flagSetters[c.name]
		}
		if !ok {
			t.Errorf("column %s has no setter in entries.go", c.name)
		}
	}
}
