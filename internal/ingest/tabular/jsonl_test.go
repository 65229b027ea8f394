package tabular

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readAllJSONL reads every row of text and returns their lines and values.
func readAllJSONL(t *testing.T, text string, header []string) (*JSONLReader, []int64, [][]string, error) {
	t.Helper()
	j, err := NewJSONL("test.jsonl", io.NopCloser(strings.NewReader(text)), header)
	if err != nil {
		return nil, nil, nil, err
	}
	var lines []int64
	var rows [][]string
	for {
		r, err := j.Next()
		if errors.Is(err, io.EOF) {
			return j, lines, rows, nil
		}
		if err != nil {
			return j, lines, rows, err
		}
		if r.File != "test.jsonl" {
			t.Fatalf("row file = %q", r.File)
		}
		lines = append(lines, r.Line)
		rows = append(rows, append([]string(nil), r.Values...))
	}
}

func TestJSONLFlattensIntoGivenHeader(t *testing.T) {
	header := []string{"cost", "service.description", "location.region", "project.labels",
		"credits", "usage.amount", "flag", "adjustment_info", "adjustment_info.id", "missing", "invoice.month"}
	text := "\ufeff" + `{"cost": 0.1000000000000000055511151231257827, "service": {"id": "6F81", "description": "Compute \"Engine\" é"}, "location": {"region": "us-central1", "zone": null}, "project": {"labels": [ {"key": "env", "value": "prod"} ]}, "credits": [], "usage": {"amount": 1e-05}, "flag": true, "adjustment_info": {"id": "a1", "mode": "x"}, "Invoice": {"Month": "202208"}}` + "\r\n" +
		"\n" +
		"   \n" +
		`{"cost": 12345678901234567890, "service": null, "credits": [{"amount": -5e-06, "type": "PROMOTION"}], "new_key": "kept for Unknown", "flag": false}` // no final newline
	j, lines, rows, err := readAllJSONL(t, text, header)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(j.Header(), header) {
		t.Fatalf("header = %q", j.Header())
	}
	want := [][]string{
		{"0.1000000000000000055511151231257827", `Compute "Engine" é`, "us-central1", `[{"key":"env","value":"prod"}]`,
			"[]", "1e-05", "true", `{"id":"a1","mode":"x"}`, "a1", "", "202208"},
		{"12345678901234567890", "", "", "", `[{"amount":-5e-06,"type":"PROMOTION"}]`, "", "false", "", "", "", ""},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows\n got %q\nwant %q", rows, want)
	}
	if !reflect.DeepEqual(lines, []int64{1, 4}) {
		t.Fatalf("lines = %v, want [1 4]", lines)
	}
	// service.id and location.zone (null) of line 1 are not "unknown":
	// service.id is a value the header does not name, location.zone is null.
	if got := j.Unknown(); !reflect.DeepEqual(got, []string{"new_key", "service.id"}) {
		t.Fatalf("Unknown() = %q", got)
	}
}

func TestJSONLDerivedHeader(t *testing.T) {
	text := `{"b": 1, "a": {"y": "Y", "x": {"deep": 2}}, "labels": [], "empty": {}, "adj": null}
{"a": {"x": {"deep": 3}}, "adj": {"id": "z"}, "b": null, "labels": [1, 2]}
{"unused": null, "a": null}
`
	j, lines, rows, err := readAllJSONL(t, text, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"b", "a.y", "a.x.deep", "labels", "empty", "adj"}
	if !reflect.DeepEqual(j.Header(), wantHeader) {
		t.Fatalf("header = %q, want %q", j.Header(), wantHeader)
	}
	want := [][]string{
		{"1", "Y", "2", "[]", "{}", ""},
		{"", "", "3", "[1,2]", "", `{"id":"z"}`},
		{"", "", "", "", "", ""},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows\n got %q\nwant %q", rows, want)
	}
	if !reflect.DeepEqual(lines, []int64{1, 2, 3}) {
		t.Fatalf("lines = %v", lines)
	}
}

func TestJSONLErrors(t *testing.T) {
	f := func(text string, header []string, wantLine int64, wantMsg string) {
		t.Helper()
		_, _, _, err := readAllJSONL(t, text, header)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: err = %v, want *ParseError", text, err)
		}
		if pe.File != "test.jsonl" || pe.Line != wantLine || !strings.Contains(pe.Error(), wantMsg) {
			t.Fatalf("%q: err = %v, want line %d and %q", text, err, wantLine, wantMsg)
		}
	}
	h := []string{"a"}
	f(`{"a": 1}`+"\n\n"+`{"a": 1,}`+"\n", h, 3, "invalid JSON object")
	f(`{"a": 1}`+"\n"+`[1, 2]`+"\n", h, 2, "not a JSON object")
	f(`{"a": 1} {"a": 2}`, h, 1, "text after the JSON object")
	f(`{"a": 1}}`, h, 1, "invalid JSON object")
	f(`{"a": "unterminated`, h, 1, "invalid JSON object")
	f(`"a"`, nil, 1, "not a JSON object")
	f("", nil, 1, "empty file")
	f("\n\n", nil, 3, "empty file")
	f(`{}`, nil, 1, "no keys")
	// A derived header never drops a later key silently.
	f(`{"a": 1}`+"\n"+`{"a": 2, "b": "x"}`, nil, 2, `key "b" is not in the header`)
	f(`{"a": {"x": 1}}`+"\n"+`{"a": 5}`, nil, 2, `key "a" is not in the header`)
}

func TestJSONLEmptyWithHeader(t *testing.T) {
	_, _, rows, err := readAllJSONL(t, "\n \n", []string{"a"})
	if err != nil || len(rows) != 0 {
		t.Fatalf("rows = %q, err = %v; want none", rows, err)
	}
}

func TestJSONLLineTooLong(t *testing.T) {
	text := `{"a": "short"}` + "\n" + `{"a": "` + strings.Repeat("x", 200) + `"}` + "\n" + `{"a": "after"}` + "\n"
	j, err := NewJSONL("test.jsonl", io.NopCloser(strings.NewReader(text)), []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	j.maxLine = 100
	r, err := j.Next()
	if err != nil || r.Values[0] != "short" {
		t.Fatalf("first row = %v, %v", r, err)
	}
	_, err = j.Next()
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(err.Error(), "longer than 100 bytes") {
		t.Fatalf("err = %v, want line 2 too long", err)
	}
	// The reader skipped the long line and goes on.
	r, err = j.Next()
	if err != nil || r.Line != 3 || r.Values[0] != "after" {
		t.Fatalf("row after the long line = %+v, %v", r, err)
	}
	if _, err := j.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("err = %v, want EOF", err)
	}
}

func TestJSONLLongLineWithinLimit(t *testing.T) {
	// Lines longer than the bufio buffer (64 KiB) are assembled whole.
	long := strings.Repeat("y", 200_000)
	_, _, rows, err := readAllJSONL(t, `{"a": "`+long+`"}`, []string{"a"})
	if err != nil || len(rows) != 1 || rows[0][0] != long {
		t.Fatalf("err = %v, rows %d", err, len(rows))
	}
}

func FuzzJSONL(f *testing.F) {
	f.Add(`{"cost": 5e-06, "service": {"id": "FBF2-FC68-171A", "description": "Security Command Center"}, "credits": [{"name": "FreeTrial", "amount": -5e-06, "full_name": null, "type": "PROMOTION"}], "invoice": {"month": "202011"}}`)
	f.Add("{\"a\": 1}\n\n{\"a\": {\"b\": [1, {\"c\": null}]}}\r\n")
	f.Add(`{"labels": [{"key": "goog-k8s-cluster-name", "value": "c1"}], "location": {"region": "us"}}`)
	f.Add("\ufeff{\"x\": true}")
	f.Add(`{"a": 1} x`)
	f.Fuzz(func(t *testing.T, text string) {
		for _, header := range [][]string{nil, {"cost", "service.description", "credits", "a", "a.b", "labels"}} {
			j, err := NewJSONL("f.jsonl", io.NopCloser(strings.NewReader(text)), header)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("NewJSONL error %v is not a *ParseError", err)
				}
				continue
			}
			last := int64(0)
			for range 10_000 {
				r, err := j.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					var pe *ParseError
					if !errors.As(err, &pe) || pe.Line <= last {
						t.Fatalf("error %v: want a *ParseError past line %d", err, last)
					}
					last = pe.Line
					continue
				}
				if len(r.Values) != len(j.Header()) || r.Line <= last {
					t.Fatalf("row line %d (after %d) has %d values for %d columns", r.Line, last, len(r.Values), len(j.Header()))
				}
				last = r.Line
			}
		}
	})
}
