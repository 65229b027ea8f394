// DOM building for the pages. One el() for every page, so that an
// attribute means the same thing everywhere.

// el builds an element: el("td", { class: "num", testid: "x" }, child, "text").
// Attributes, by name:
//   - undefined, null and false leave the attribute out, true sets it
//     empty (required: true, hidden: cond, selected: v === cur);
//   - testid is data-testid; dataset is an object of data-* values;
//   - text is the element's text;
//   - on is an object of event listeners ({ click: fn }), and any
//     other name starting with "on" is one listener (onclick: fn);
//   - anything else is set as written with setAttribute (value too: it
//     is the default that form.reset() restores).
// Children may be nodes, strings or arrays of them; null and undefined
// are skipped, so that a child can be written as cond ? el(...) : null.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "testid") e.dataset.testid = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k === "text") e.textContent = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return e;
}
