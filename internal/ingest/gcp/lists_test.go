package gcp

import (
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseCredits(t *testing.T) {
	f := func(cell string, want ...string) {
		t.Helper()
		got, err := parseCredits(cell)
		if err != nil {
			t.Fatalf("parseCredits(%q): %v", cell, err)
		}
		var s []string
		for _, c := range got {
			s = append(s, fmt.Sprintf("%s|%s|%s|%s|%s", c.Name, c.Amount, c.FullName, c.ID, c.Type))
		}
		if strings.Join(s, "; ") != strings.Join(want, "; ") {
			t.Fatalf("parseCredits(%q)\n got %q\nwant %q", cell, s, want)
		}
	}
	// Empty forms.
	f("")
	f("  ")
	f("[]")
	f(" [ ] ")
	f("null")
	f("None")
	// The Python repr of the test exports.
	f(`[{'name': 'FreeTrial:Credit-000000-B0BBA4-940A77', 'amount': -5e-06, 'full_name': None, 'id': 'FreeTrial:Credit-000000-B0BBA4-940A77', 'type': 'PROMOTION'}]`,
		"FreeTrial:Credit-000000-B0BBA4-940A77|-0.000005||FreeTrial:Credit-000000-B0BBA4-940A77|PROMOTION")
	// JSON, two credits, exact amounts a float64 would round.
	f(`[{"name":"CUD","amount":-0.100000000000000005551115,"full_name":"Committed use","id":"c1","type":"COMMITTED_USAGE_DISCOUNT"},{"name":"SUD","amount":-1.5,"type":"SUSTAINED_USAGE_DISCOUNT"}]`,
		"CUD|-0.100000000000000005551115|Committed use|c1|COMMITTED_USAGE_DISCOUNT",
		"SUD|-1.5|||SUSTAINED_USAGE_DISCOUNT")
	// Python escapes, double-quoted Python strings, True/False, Decimal(...).
	f(`[{'name': "Bob's credit", 'amount': Decimal('-0.25'), 'full_name': 'caf\xe9 \u00e9 \'q\'', 'id': 'x', 'type': 'PROMOTION', 'extra': True}]`,
		`Bob's credit|-0.25|café é 'q'|x|PROMOTION`)
	// JSON escapes, a surrogate pair, a string amount (NUMERIC as text), a null amount.
	f(`[{"name":"a\/b \ud83d\ude00","amount":"-3","type":"FREE_TIER"},{"name":"z","amount":null}]`,
		"a/b 😀|-3|||FREE_TIER", "z|0|||")

	bad := func(cell, wantMsg string) {
		t.Helper()
		_, err := parseCredits(cell)
		if err == nil || !strings.Contains(err.Error(), wantMsg) {
			t.Fatalf("parseCredits(%q) err = %v, want %q", cell, err, wantMsg)
		}
	}
	bad(`[{'amount': 'abc'}]`, "credit 1 amount")
	bad(`[{'amount': nan}]`, "credit 1 amount")
	bad(`[{'amount': True}]`, "not a number")
	bad(`[{'amount': [1]}]`, "not a number")
	bad(`[{'amount': -1}, 5]`, "credit 2 is not an object")
	bad(`{'amount': -1}`, "not a list")
	bad(`[{'amount': -1}`, "unexpected end")
	bad(`[{'amount': -1}] x`, "after the value")
	bad(`[{'amount': -1, 'name': ['x']}]`, "name is not text")
	bad(`[{amount: -1}]`, "quoted key")
	bad(`[{'amount': -1e30}]`, "too large")
	bad(`'unterminated`, "unterminated string")
	bad(strings.Repeat("[", 100)+strings.Repeat("]", 100), "nested deeper")
}

func TestParseLabels(t *testing.T) {
	f := func(cell string, want ...string) {
		t.Helper()
		got, err := parseLabels(cell)
		if err != nil {
			t.Fatalf("parseLabels(%q): %v", cell, err)
		}
		var s []string
		for _, l := range got {
			s = append(s, l.Namespace+"|"+l.Key+"="+l.Value)
		}
		if strings.Join(s, "; ") != strings.Join(want, "; ") {
			t.Fatalf("parseLabels(%q)\n got %q\nwant %q", cell, s, want)
		}
	}
	f("")
	f("[]")
	f("{}")
	f("None")
	f(`[{'key': 'goog-resource-type', 'value': 'bigquery_resource'}]`, "|goog-resource-type=bigquery_resource")
	f(`[{"key":"env","value":"prod"},{"key":"goog-k8s-cluster-name","value":"c1"}]`, "|env=prod", "|goog-k8s-cluster-name=c1")
	f(`{"env": "prod", "n": 3, "on": true, "none": null}`, "|env=prod", "|n=3", "|on=true", "|none=")
	f(`[{"key":"cost-center","value":"42","inherited":true,"namespace":"123456"}]`, "123456|cost-center=42")
	f(`[{'key': 'k', 'value': None}]`, "|k=")

	bad := func(cell, wantMsg string) {
		t.Helper()
		_, err := parseLabels(cell)
		if err == nil || !strings.Contains(err.Error(), wantMsg) {
			t.Fatalf("parseLabels(%q) err = %v, want %q", cell, err, wantMsg)
		}
	}
	bad(`[{'value': 'v'}]`, "has no key")
	bad(`['env']`, "not an object")
	bad(`"env=prod"`, "not a list")
	bad(`[{'key': 'k', 'value': {'a': 1}}]`, "not text")
	bad(`{'k': [1]}`, "not text")
	bad(`[{'key': 'k'`, "unexpected end")
}

// FuzzParseCredits checks that the credits parser never panics and that
// what it accepts is exact: the amounts of a JSON or Python list re-read
// by math/big add up to the same sum.
func FuzzParseCredits(f *testing.F) {
	for _, name := range exportFiles {
		path := filepath.Join(testdataDir(f), name)
		for _, rec := range rawRecords(f, path) {
			f.Add(rec["credits"])
			f.Add(rec["labels"])
		}
	}
	f.Add(`[{"name":"x","amount":-0.100000000000000005551115,"type":"COMMITTED_USAGE_DISCOUNT"}]`)
	f.Add(`[{'amount': Decimal('-1.5'), 'name': "a\"b", 'id': '\U0001F600'}]`)
	f.Add(`({'amount': 1e-24,},)`)
	f.Fuzz(func(t *testing.T, cell string) {
		credits, err := parseCredits(cell)
		if err != nil {
			return
		}
		sum := new(big.Rat)
		for _, c := range credits {
			sum.Add(sum, c.Amount.Rat())
		}
		// Re-parse the amounts independently: every credit's amount text
		// must be a number big.Rat reads to the same value.
		v, _ := parseLiteral(strings.TrimSpace(cell))
		want := new(big.Rat)
		for _, item := range v.items {
			text, _ := item.field("amount").scalarText()
			if text == "" {
				continue
			}
			r, ok := new(big.Rat).SetString(strings.TrimPrefix(text, "+"))
			if !ok {
				t.Fatalf("accepted amount %q that big.Rat cannot read", text)
			}
			want.Add(want, r)
		}
		if sum.Cmp(want) != 0 {
			t.Fatalf("Σ amounts %s, want %s", sum.FloatString(30), want.FloatString(30))
		}
	})
}
