package browsertest

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestCompileFilters: the explorer's filters, as the URL keeps them,
// compile to the native filter language, and the API accepts each.
func TestCompileFilters(t *testing.T) {
	env := StartWith(t, Options{NoData: true})
	b := env.Browser(t)
	b.SignIn(t)
	for _, c := range []struct {
		name    string
		filters string // JSON of the explorer's filters
		want    string
		apiErr  string // the API's refusal, past the syntax; "" for 200
	}{
		{"one", `[{"dim":"service","op":"is","value":"AmazonEC2"}]`, `service:"AmazonEC2"`, ""},
		{"is not", `[{"dim":"region","op":"not","value":"us-east-1"}]`, `region!:"us-east-1"`, ""},
		{"two values of one dimension are either", `[{"dim":"service","op":"is","value":"A"},{"dim":"service","op":"is","value":"B"}]`, `service:"A","B"`, ""},
		{"two exclusions stay two", `[{"dim":"service","op":"not","value":"A"},{"dim":"service","op":"not","value":"B"}]`, `service!:"A"+service!:"B"`, ""},
		{"and across dimensions", `[{"dim":"provider","op":"is","value":"AWS"},{"dim":"region","op":"not","value":"x"}]`, `provider:"AWS"+region!:"x"`, ""},
		{"tag", `[{"dim":"tag:user:team","op":"is","value":"web"}]`, `tag[user:team]:"web"`, ""},
		{"perspective", `[{"dim":"perspective:7","op":"is","value":"Prod"}]`, `perspective[7]:"Prod"`, `unknown perspective`},
		{"empty value", `[{"dim":"service","op":"is","value":""}]`, `service:""`, ""},
		{"spaces and commas", `[{"dim":"subAccountName","op":"is","value":"a, b c"}]`, `subAccountName:"a, b c"`, ""},
		{"none", `[]`, ``, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Eval[string](t, b, `import('/pages/explorer.js').then(m => m.compileFilters(`+c.filters+`))`)
			if got != c.want {
				t.Fatalf("compileFilters(%s) = %q, want %q", c.filters, got, c.want)
			}
			code, body := env.Get(t, "/api/v1/costs?window=7d&filter="+url.QueryEscape(got))
			if c.apiErr == "" && code != 200 || c.apiErr != "" && !strings.Contains(body, c.apiErr) {
				t.Fatalf("the API answers %s with %d %s", got, code, body)
			}
		})
	}
	// A double quote cannot be written in the language: refused, not mangled.
	msg := Eval[string](t, b, `import('/pages/explorer.js').then(m => { try { m.compileFilters([{dim:"service",op:"is",value:'a"b'}]); return "" } catch (e) { return e.message } })`)
	if msg == "" {
		t.Fatal("a value with a double quote was compiled")
	}
}

// TestURLState: the view written to the URL reads back the same.
func TestURLState(t *testing.T) {
	env := StartWith(t, Options{NoData: true})
	b := env.Browser(t)
	b.SignIn(t)
	for _, qs := range []string{
		"", "window=7d", "window=2026-01-01,2026-02-01&group=tag:user:team&metric=amortizedNet&step=month",
		"f=service%3DAmazonEC2&f=region!%3Dus-east-1&f=subAccountName%3Da%3Db&sort=share&dir=asc",
	} {
		got := Eval[string](t, b, `import('/pages/explorer.js').then(m => JSON.stringify(m.readState(new URLSearchParams(`+quote(qs)+`))))`)
		var st struct {
			Window, Step, Group, Metric, Sort, Dir string
			Filters                                []struct{ Dim, Op, Value string }
		}
		if err := json.Unmarshal([]byte(got), &st); err != nil {
			t.Fatal(err)
		}
		v, _ := url.ParseQuery(qs)
		want := func(k, def string) string {
			if v.Get(k) != "" {
				return v.Get(k)
			}
			return def
		}
		if st.Window != want("window", "30d") || st.Group != want("group", "service") || st.Metric != want("metric", "billed") ||
			st.Step != want("step", "day") || st.Sort != want("sort", "cost") || st.Dir != want("dir", "desc") || len(st.Filters) != len(v["f"]) {
			t.Errorf("readState(%q) = %s", qs, got)
		}
		if qs == "" {
			continue
		}
		if len(v["f"]) == 3 && (st.Filters[1].Op != "not" || st.Filters[1].Value != "us-east-1" || st.Filters[2].Value != "a=b") {
			t.Errorf("filters of %q = %+v", qs, st.Filters)
		}
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
