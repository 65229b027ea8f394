package script

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/hashmap"
)

var period = Period{
	Begin: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
	End:   time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC),
}

func point(service, qty, price string, desc map[string]string) hashmap.Point {
	return hashmap.Point{
		Service: service,
		Qty:     decimal.RequireFromString(qty),
		Price:   decimal.RequireFromString(price),
		Desc:    desc,
	}
}

func alphabet() map[string]string {
	m := map[string]string{}
	for c := 'z'; c >= 'a'; c-- {
		m[string(c)] = "v"
	}
	return m
}

func TestEval(t *testing.T) {
	gpu := map[string]string{"flavor": "gpu.large", "project_id": "p1"}
	small := map[string]string{"flavor": "m1.small", "project_id": "p1"}
	tests := []struct {
		name, src string
		p         hashmap.Point
		want      string
	}{
		{"flat fee per point", `price + dec("0.05")`, point("instance", "7", "1", nil), "1.05"},
		{"qty times exact decimal", `dec("0.1") * qty`, point("instance", "3", "0", nil), "0.3"},
		{"tiny amounts stay exact", `price + dec("0.000000000000000000000001") * qty`, point("instance", "3", "0.1", nil), "0.100000000000000000000003"},
		{"desc branch gpu", `desc["flavor"].startsWith("gpu") ? price + dec(2) * qty : price + qty`, point("instance", "1.5", "0", gpu), "3"},
		{"desc branch other", `desc["flavor"].startsWith("gpu") ? price + dec(2) * qty : price + qty`, point("instance", "1.5", "0", small), "1.5"},
		{"missing key guarded by has", `has(desc.flavor) ? dec(1) : dec(0)`, point("instance", "1", "0", nil), "0"},
		{"price unchanged", `price`, point("instance", "3", "4.2", small), "4.2"},
		{"service selects", `service == "image.size" ? price + dec("0.01") * qty : price`, point("image.size", "100", "0", nil), "1"},
		{"period visible", `period["begin"] == "2026-12-01T10:00:00Z" && period.end == "2026-12-01T11:00:00Z" ? dec(1) : dec(0)`, point("x", "1", "0", nil), "1"},
		{"bind multi-line", "cel.bind(base,\n  dec(\"0.05\") + dec(\"0.1\") * qty,\n  price + base)", point("x", "2", "1", nil), "1.25"},
		{"comparison and negation", `qty > dec(10) ? -price : price`, point("x", "11", "2", nil), "-2"},
		{"equality is numeric", `dec("1.50") == dec("1.5") && qty != dec(2) ? dec(1) : dec(0)`, point("x", "3", "0", nil), "1"},
		{"round half to even", `round(dec("0.125"), 2) + round(dec("0.135"), 2)`, point("x", "1", "0", nil), "0.26"},
		{"string of decimal", `string(qty) == "2.5" ? dec(1) : dec(0)`, point("x", "2.50", "0", nil), "1"},
		// Map comprehensions visit keys in ascending order, whatever Go's
		// map order (random: 26! orders, so this cannot pass by luck).
		{"deterministic map order", `desc.map(k, k) == ["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u","v","w","x","y","z"] ? dec(1) : dec(0)`, point("x", "1", "0", alphabet()), "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Compile(tc.name, tc.src)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := s.Eval(context.Background(), tc.p, period)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if !got.Equal(decimal.RequireFromString(tc.want)) {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, src    string
		line, column int
		msg          string
	}{
		{"syntax line 1", `price +* dec(1)`, 1, 8, "Syntax error"},
		{"undeclared line 3", "cel.bind(base,\n  dec(\"1\"),\n  base + nope)", 3, 10, "undeclared reference to 'nope'"},
		{"float mixed with decimal on line 2", "price +\n  qty * 0.1", 2, 7, "found no matching overload for '_*_'"},
		{"not a decimal", `"1.5"`, 1, 1, "must evaluate to the new price"},
		{"bool result", `qty > dec(1)`, 1, 1, "must evaluate to the new price"},
		{"empty", ``, 1, 1, "Syntax error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile("s1", tc.src)
			if err == nil {
				t.Fatal("compiled, want an error")
			}
			if !errors.Is(err, cost.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %T %v, want *CompileError", err, err)
			}
			if ce.Line != tc.line || ce.Column != tc.column || ce.Script != "s1" {
				t.Fatalf("at %s:%d:%d, want s1:%d:%d (%v)", ce.Script, ce.Line, ce.Column, tc.line, tc.column, err)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), `script "s1": line `) {
				t.Fatalf("err = %q, want it to name the script, the line and %q", err, tc.msg)
			}
		})
	}
}

// TestNoEscape: nothing outside the declared inputs is reachable; every
// attempt is a compile error, so such a script is never stored.
func TestNoEscape(t *testing.T) {
	for _, src := range []string{
		`os.Getenv("HOME")`,
		`env("HOME")`,
		`file("/etc/passwd")`,
		`__import__("os").system("id")`,
		`exec("id")`,
		`now()`,
		`http.get("http://127.0.0.1/")`,
		`dec(readFile("/etc/passwd"))`,
		`data.usage`,
		`qty.d`,
	} {
		if _, err := Compile("escape", src); !errors.Is(err, cost.ErrInvalid) {
			t.Errorf("%s: err = %v, want a compile error", src, err)
		}
	}
}

// 100^4 = 10^8 iterations: far beyond any budget.
const endless = `[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99]`

func expensive() string {
	l := endless
	return `cel.bind(l, ` + l + `, l.all(a, l.all(b, l.all(c, l.all(d, a + b + c + d >= 0)))) ? price : price)`
}

func TestLimits(t *testing.T) {
	p := point("x", "1", "0", nil)
	t.Run("cost", func(t *testing.T) {
		// A generous clock: only the cost budget can stop it.
		s, err := CompileWithLimits("expensive", expensive(), Limits{Time: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Eval(context.Background(), p, period)
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "cost limit") {
			t.Fatalf("err = %v, want ErrLimit for the cost limit", err)
		}
	})
	t.Run("time", func(t *testing.T) {
		// A huge cost budget: only the clock can stop it.
		s, err := CompileWithLimits("slow", expensive(), Limits{Cost: 1 << 62, Time: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Eval(context.Background(), p, period)
		if !errors.Is(err, ErrLimit) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrLimit with the deadline", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		s, err := CompileWithLimits("slow", expensive(), Limits{Cost: 1 << 62, Time: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Eval(ctx, p, period); !errors.Is(err, ErrLimit) {
			t.Fatalf("err = %v, want ErrLimit", err)
		}
	})
	t.Run("digits", func(t *testing.T) {
		// Each bind squares: 38 digits → 2^k·38, past 200 at the third.
		src := `cel.bind(a, qty*qty, cel.bind(b, a*a, cel.bind(c, b*b, cel.bind(d, c*c, d*d))))`
		s, err := Compile("digits", src)
		if err != nil {
			t.Fatal(err)
		}
		q := point("x", "12345678901234.123456789012345678901234", "0", nil)
		if _, err := s.Eval(context.Background(), q, period); err == nil || !strings.Contains(err.Error(), "more than the 200 allowed") {
			t.Fatalf("err = %v, want the digit limit", err)
		}
	})
	t.Run("memory", func(t *testing.T) {
		// 30 string doublings would build 10 GiB; the cost of a string
		// concatenation grows with its length, so the budget stops it
		// after about a megabyte.
		src, closing := `cel.bind(s0, "xxxxxxxxxx", `, `)`
		for i := 1; i <= 30; i++ {
			src += fmt.Sprintf("cel.bind(s%d, s%d + s%d, ", i, i-1, i-1)
			closing += ")"
		}
		src += `size(s30) > 0 ? price : price` + closing
		s, err := CompileWithLimits("memory", src, Limits{Time: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Eval(context.Background(), p, period); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "cost limit") {
			t.Fatalf("err = %v, want ErrLimit for the cost limit", err)
		}
	})
	t.Run("aligned digits", func(t *testing.T) {
		// 1e-24^9 = 1e-216: adding 1 needs 217 digits.
		src := `cel.bind(a, qty*qty*qty, a*a*a + dec(1))`
		s, err := Compile("aligned", src)
		if err != nil {
			t.Fatal(err)
		}
		q := point("x", "0.000000000000000000000001", "0", nil)
		if _, err := s.Eval(context.Background(), q, period); err == nil || !strings.Contains(err.Error(), "more than the 200 allowed") {
			t.Fatalf("err = %v, want the digit limit", err)
		}
	})
	t.Run("source size", func(t *testing.T) {
		src := "price" + strings.Repeat(" ", MaxSourceBytes)
		if _, err := Compile("big", src); !errors.Is(err, cost.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
}

func TestEvalErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, msg string }{
		{"bad decimal literal", `dec("abc")`, "not a decimal number"},
		{"too large for the store", `dec("10000000000000") * dec("10000000000000")`, "too large"},
		{"round places", `round(qty, 30)`, "between 0 and 24"},
		{"missing desc key", `desc["nope"] == "x" ? dec(1) : price`, "no such key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Compile("e", tc.src)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Eval(context.Background(), point("x", "1", "0", nil), period)
			if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), `script "e"`) {
				t.Fatalf("err = %v, want an error naming the script and %q", err, tc.msg)
			}
			if errors.Is(err, ErrLimit) || !errors.Is(err, cost.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid and not ErrLimit", err)
			}
		})
	}
}

func TestChecksum(t *testing.T) {
	// sha512("abc"), FIPS 180-2 appendix C.1.
	const want = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
	if got := Checksum("abc"); got != want {
		t.Fatalf("Checksum(abc) = %s", got)
	}
	s, err := Compile("c", "price")
	if err != nil {
		t.Fatal(err)
	}
	if s.Checksum != Checksum("price") || s.Name != "c" || s.Source != "price" {
		t.Fatalf("script = %+v", s)
	}
}

// TestConcurrentEval: one compiled script serves every point of a
// period, from as many goroutines as the processor runs.
func TestConcurrentEval(t *testing.T) {
	s, err := Compile("c", `price + dec("0.1") * qty`)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			for j := range 100 {
				q := decimal.NewFromInt(int64(i*100 + j))
				got, err := s.Eval(context.Background(), hashmap.Point{Qty: q}, period)
				if err == nil && !got.Equal(q.Mul(decimal.RequireFromString("0.1"))) {
					err = errors.New("wrong price " + got.String())
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
