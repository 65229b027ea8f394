package browsertest

import "testing"

// TestEl: the pages' one el() (static/dom.js) does what each page's own
// copy did for it: attributes as written, true as an empty attribute,
// false, null and undefined left out; testid, dataset and text; event
// listeners under on: {...} and under on<event>; children flattened
// with null and undefined skipped.
func TestEl(t *testing.T) {
	env := StartWith(t, Options{NoData: true})
	b := env.Browser(t)
	b.SignIn(t)
	f := func(name, expr, want string) {
		t.Helper()
		if got := Eval[string](t, b, `import('/dom.js').then(({ el }) => { `+expr+` })`); got != want {
			t.Errorf("%s: %s\ngot  %s\nwant %s", name, expr, got, want)
		}
	}
	f("attributes", `return el("input", { id: "a", maxlength: 3, required: true, hidden: false, title: null, placeholder: undefined, class: "" }).outerHTML`,
		`<input id="a" maxlength="3" required="" class="">`)
	f("value is the default form.reset() restores", `const f = el("form", {}, el("input", { value: "uploads" })); f.elements[0].value = "x"; f.reset(); return f.elements[0].value + " " + f.innerHTML`,
		`uploads <input value="uploads">`)
	f("selected option", `const s = el("select", {}, ["a", "b", "c"].map((v) => el("option", { value: v, selected: v === "b" }, v))); return s.value + " " + s.innerHTML`,
		`b <option value="a">a</option><option value="b" selected="">b</option><option value="c">c</option>`)
	f("testid, dataset and text", `return el("td", { testid: "x", dataset: { id: "7", group: "A · B" }, text: "<b>" }).outerHTML`,
		`<td data-testid="x" data-id="7" data-group="A · B">&lt;b&gt;</td>`)
	f("listeners", `let n = ""; const e = el("button", { onclick: () => { n += "c" }, on: { focus: () => { n += "f" }, click: () => { n += "C" } } }); e.click(); e.dispatchEvent(new Event("focus")); return n + " " + e.outerHTML`,
		`cCf <button></button>`)
	f("children", `return el("p", {}, "a", null, [el("b", {}, "b"), undefined, ["c"]], 0).outerHTML`,
		`<p>a<b>b</b>c0</p>`)
}
