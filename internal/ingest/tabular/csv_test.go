package tabular

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func readCSVText(t *testing.T, text string) ([][]string, error) {
	t.Helper()
	r, err := NewCSV("f.csv", io.NopCloser(strings.NewReader(text)))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out [][]string
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, append([]string{row.File}, row.Values...))
	}
}

func TestCSV(t *testing.T) {
	ok := func(text, want string) {
		t.Helper()
		rows, err := readCSVText(t, text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		var parts []string
		for _, r := range rows {
			parts = append(parts, strings.Join(r[1:], "|"))
		}
		if got := strings.Join(parts, ";"); got != want {
			t.Fatalf("%q: got %q, want %q", text, got, want)
		}
	}
	ok("a,b\n1,2\n3,4\n", "1|2;3|4")
	ok("\ufeffa,b\n1,2\n", "1|2")
	ok("a,b\n\"x,\"\"y\"\"\nz\",2\n", "x,\"y\"\nz|2")
	ok("a,b,c\n1,2\n3,4\n", "1|2;3|4") // header longer than every row (real CUR file)
	ok("a,b\n", "")

	bad := func(text, want string) {
		t.Helper()
		_, err := readCSVText(t, text)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%q: err = %v, want a ParseError containing %q", text, err, want)
		}
	}
	bad("", "f.csv:1: empty file")
	bad("a,b\n1,2\n3\n", "f.csv:3: row has 1 fields")
	bad("a,b\n1,2,3\n", "f.csv:2: row has 3 fields")
	bad("a,b\n1,\"2\n", "f.csv:2:")
}

// TestCSVFieldCount: a row with the wrong number of fields is an
// ErrFieldCount naming its line, and the reader goes on with the next
// row, so that --skip-bad-rows can skip it. The first row that fits
// under the header sets the width.
func TestCSVFieldCount(t *testing.T) {
	f := func(text, want string) {
		t.Helper()
		r, err := NewCSV("f.csv", io.NopCloser(strings.NewReader(text)))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var got []string
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			var pe *ParseError
			switch {
			case errors.Is(err, ErrFieldCount) && errors.As(err, &pe):
				got = append(got, fmt.Sprintf("bad@%d", pe.Line))
			case err != nil:
				t.Fatalf("%q: %v", text, err)
			default:
				got = append(got, fmt.Sprintf("%s@%d", strings.Join(row.Values, "|"), row.Line))
			}
		}
		if s := strings.Join(got, " "); s != want {
			t.Fatalf("%q: got %s, want %s", text, s, want)
		}
	}
	f("a,b\n1,2\n3\n4,5\n", "1|2@2 bad@3 4|5@4")
	f("a,b\n1,2\n3,4,5\n6,7\n", "1|2@2 bad@3 6|7@4")
	f("a,b\n1,2,3\n4,5\n6,7\n", "bad@2 4|5@3 6|7@4")       // an overlong first row does not set the width
	f("a,b,c\n1,2\n3,4,5\n6,7\n", "1|2@2 bad@3 6|7@4")     // the CUR layout: rows one shorter than the header
	f("a,b\n\"x\ny\",2\n3\n4,5\n", "x\ny|2@2 bad@4 4|5@5") // lines, not records, after a quoted newline
}

func TestIndex(t *testing.T) {
	ix := NewIndex([]string{"\ufeffBillingAccountId", " CostInBillingCurrency ", "Name der Abteilung (DepartmentName)", "costinbillingcurrency"})
	f := func(names []string, want int) {
		t.Helper()
		if got := ix.Find(names...); got != want {
			t.Fatalf("Find(%v) = %d, want %d", names, got, want)
		}
	}
	f([]string{"billingaccountid"}, 0)
	f([]string{"Cost", "costInBillingCurrency"}, 1) // first spelling present wins; duplicates keep the first column
	f([]string{"DepartmentName"}, 2)
	f([]string{"nothing"}, -1)
	if n := ix.Name(0); n != "BillingAccountId" {
		t.Fatalf("Name(0) = %q", n)
	}
}
