// Perspectives: the list (GET /api/v1/perspectives) and an editor for
// the rules of one (filter rules with clauses to a static group,
// categorize rules by a field or a tag, the static groups), which shows
// the groups the rules produce with their exact costs over the last 30
// days before saving: POST /api/v1/perspectives/preview, called a moment
// after each change. Saving is POST or PUT /api/v1/perspectives[/{id}];
// a saved perspective opens in the explorer grouped by perspective:<id>.
// The perspective being edited is in the URL (?edit=<id> or ?edit=new).

import { moneyCell, integer } from "../format.js";
import { el } from "../dom.js";

// FIELDS are the line item dimensions a rule reads (the native API's
// names); a tag is read by its key instead.
const FIELDS = [["service", "Service"], ["provider", "Provider"], ["subAccountId", "Account id"], ["subAccountName", "Account name"],
  ["region", "Region"], ["serviceCategory", "Service category"], ["chargeCategory", "Charge category"], ["resourceGroup", "Resource group"]];
const OPS = [["=", "is"], ["!=", "is not"], ["Contains", "contains"]];
const PREVIEW_WINDOW = "30d";
const PREVIEW_METRIC = "billed";
const DEBOUNCE_MS = 350;

function options(list, selected) {
  return list.map(([v, label]) => {
    const o = el("option", { value: v }, label);
    if (v === selected) o.selected = true;
    return o;
  });
}

// A unique id per control, so that every label points at its input.
let seq = 0;
const uid = (p) => `${p}-${++seq}`;

function labelled(label, input) {
  if (!input.id) input.id = uid("p");
  return el("span", { class: "field" }, el("label", { for: input.id, text: label }), input);
}

const mayEdit = (ctx) => ["editor", "admin"].includes(ctx.me?.role);

export async function render(root, ctx) {
  const list = el("section", { class: "card", "aria-labelledby": "persp-list-h" },
    el("h2", { id: "persp-list-h", text: "Saved perspectives" }),
    el("p", { class: "muted", text: "A perspective puts every cost in one group by its rules; the explorer, budgets and reports group and filter by it." }));
  const listBody = el("div", { class: "table-wrap", testid: "persp-list" }, "Loading…");
  list.append(listBody);
  if (mayEdit(ctx)) {
    list.append(el("div", { class: "actions" },
      el("a", { href: "#/perspectives?edit=new", testid: "persp-new", class: "button" }, "New perspective")));
  }
  root.replaceChildren(el("h1", { text: "Perspectives" }), list);

  const edit = ctx.params.get("edit");
  const refresh = async () => {
    try {
      listBody.replaceChildren(listTable((await ctx.api("/api/v1/perspectives")).data, ctx, edit, refresh));
      return true;
    } catch (e) {
      listBody.replaceChildren(el("p", { class: "error", text: `Perspectives: ${e.message}` }));
      return false;
    }
  };
  if (!(await refresh())) return;
  // The router clears messages when it renders: a save's notice comes
  // through the URL.
  if (ctx.params.get("saved")) ctx.showMessage(`Perspective ${edit} saved: version ${ctx.params.get("saved")}.`, "info");
  if (!edit) return;
  let model = emptyModel();
  let version = null;
  if (edit !== "new") {
    try {
      const p = await ctx.api(`/api/v1/perspectives/${encodeURIComponent(edit)}`);
      model = fromSchema(p);
      version = p.version;
    } catch (e) {
      ctx.showMessage(`Perspective ${edit}: ${e.message}`);
      return;
    }
  }
  root.append(editor(ctx, edit === "new" ? null : edit, version, model));
}

function listTable(perspectives, ctx, editing, refresh) {
  if (!perspectives.length) return el("p", { class: "muted", testid: "persp-none", text: "No perspectives yet." });
  return el("table", { testid: "persp-table" },
    el("thead", {}, el("tr", {}, ["Id", "Name", "State", "Version", ""].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, perspectives.map((p) => el("tr", { testid: `persp-${p.id}`, "data-name": p.name },
      el("th", { scope: "row", text: p.id }),
      el("td", { text: p.name }),
      el("td", { text: p.active ? "active" : "archived" }),
      el("td", { class: "num", text: String(p.version) }),
      el("td", {}, el("div", { class: "actions" },
        el("a", { href: `#/explorer?group=perspective:${encodeURIComponent(p.id)}`, testid: `persp-explore-${p.id}` }, `Open ${p.name} in explorer`),
        el("a", { href: `#/perspectives?edit=${encodeURIComponent(p.id)}`, testid: `persp-edit-${p.id}` }, mayEdit(ctx) ? `Edit ${p.name}` : `Rules of ${p.name}`),
        mayEdit(ctx) ? deleteButton(`Delete ${p.name}`, `persp-delete-${p.id}`, async () => {
          try {
            await ctx.api(`/api/v1/perspectives/${encodeURIComponent(p.id)}?hard=true`, { method: "DELETE" });
            if (editing === p.id) ctx.navigate(new URLSearchParams());
            else await refresh();
            ctx.showMessage(`Perspective ${p.name} deleted (its name stays taken).`, "info");
          } catch (e) {
            ctx.showMessage(`Deleting ${p.name}: ${e.message}`);
          }
        }) : null))))));
}

// deleteButton asks for a second click rather than a dialog: the first
// turns it into "Confirm", which a click elsewhere does not undo but
// which says what the next click does.
export function deleteButton(label, testid, action) {
  const b = el("button", { type: "button", testid, "aria-label": label }, "Delete");
  let armed = false;
  b.addEventListener("click", () => {
    if (!armed) {
      armed = true;
      b.textContent = "Confirm delete";
      b.setAttribute("aria-label", `${label}: click again to confirm`);
      return;
    }
    b.disabled = true;
    action();
  });
  return b;
}

// The editor's model: static groups {ref, name} (ref is what rules'
// "to" names), rules in order, and what the editor shows but does not
// change (merges, dynamic groups, the Other entry), sent back as read.
function emptyModel() {
  return { name: "", groups: [], rules: [], keep: { merges: [], dynamic: [], other: null } };
}

function fromSchema(s) {
  const m = emptyModel();
  m.name = s.name;
  m.keep.merges = s.merges || [];
  for (const c of s.constants || []) {
    if (c.type === "Static Group") {
      for (const g of c.list) {
        if (g.is_other === "true") m.keep.other = g;
        else m.groups.push({ ref: g.ref_id, name: g.name });
      }
    } else if (c.type === "Dynamic Group Block" || c.type === "Dynamic Group") {
      // GET adds the Remaining entry (blk_id ""), which PUT refuses.
      const list = c.list.filter((g) => c.type !== "Dynamic Group" || g.blk_id);
      if (list.length) m.keep.dynamic.push({ type: c.type, list });
    }
  }
  for (const r of s.rules || []) {
    const src = r.tag_field?.length ? "tag" : "field";
    if (r.type === "categorize") {
      m.rules.push({ kind: "categorize", src, key: (r.tag_field || r.field || []).join("."), name: r.name || "", ref: r.ref_id, asset: r.asset });
    } else {
      m.rules.push({
        kind: "filter", to: r.to, from: r.from, asset: r.asset, combine: r.condition?.combine_with || "AND",
        clauses: (r.condition?.clauses || []).map((c) => ({ src: c.tag_field?.length ? "tag" : "field", key: (c.tag_field || c.field || []).join("."), op: c.op, val: c.val })),
      });
    }
  }
  return m;
}

const path = (key) => key.split(".").map((s) => s.trim());
const reads = (src, key) => (src === "tag" ? { tag_field: path(key) } : { field: path(key) });

// toSchema is the model as the API reads it (cloudhealth.md §5.2).
export function toSchema(m) {
  const statics = m.groups.map((g) => ({ ref_id: g.ref, name: g.name }));
  if (m.keep.other) statics.push(m.keep.other);
  return {
    name: m.name.trim(),
    include_in_reports: "true",
    rules: m.rules.map((r) => r.kind === "categorize"
      ? { type: "categorize", asset: r.asset || "AwsAsset", ...reads(r.src, r.key), ...(r.ref ? { ref_id: r.ref } : {}), name: r.name.trim() }
      : {
        type: "filter", asset: r.asset || "AwsAsset", to: r.to, ...(r.from ? { from: r.from } : {}),
        condition: { combine_with: r.combine, clauses: r.clauses.map((c) => ({ ...reads(c.src, c.key), op: c.op, val: c.val })) },
      }),
    merges: m.keep.merges,
    constants: [{ type: "Static Group", list: statics }, ...m.keep.dynamic],
  };
}

// problems lists what the server would refuse, so that the preview asks
// only about a complete schema (the name aside: a preview needs none).
export function problems(m) {
  const out = [];
  m.rules.forEach((r, i) => {
    const n = `Rule ${i + 1}`;
    if (r.kind === "categorize") {
      if (!r.key.trim()) out.push(`${n}: name the ${r.src === "tag" ? "tag key" : "field"} to categorize by.`);
      if (!r.name.trim()) out.push(`${n}: give the dynamic groups' block a name.`);
    } else {
      if (!r.to) out.push(`${n}: choose the group it puts costs in (add one under Groups).`);
      if (!r.clauses.length) out.push(`${n}: add a condition.`);
      r.clauses.forEach((c, j) => { if (!c.key.trim()) out.push(`${n}, condition ${j + 1}: name the ${c.src === "tag" ? "tag key" : "field"}.`); });
    }
  });
  return out;
}

function editor(ctx, id, version, m) {
  const canSave = mayEdit(ctx);
  const card = el("section", { class: "card", "aria-labelledby": "persp-edit-h", testid: "persp-editor" });
  const name = el("input", { id: "persp-name", required: true, value: m.name, testid: "persp-name", autocomplete: "off" });
  const groupsEl = el("div", { testid: "persp-groups" });
  const rulesEl = el("div", { testid: "persp-rules" });
  const previewStatus = el("p", { class: "status muted", role: "status", "aria-live": "polite", testid: "persp-preview-status" });
  const previewEl = el("div", { class: "table-wrap", testid: "persp-preview" });
  const save = el("button", { type: "submit", class: "primary", testid: "persp-save", disabled: !canSave }, id ? "Save changes" : "Save perspective");

  const changed = () => { drawGroups(); drawRules(); schedulePreview(); };
  name.addEventListener("input", () => { m.name = name.value; });

  const newGroup = el("input", { id: "persp-new-group", testid: "persp-new-group", autocomplete: "off" });
  const addGroup = () => {
    const g = newGroup.value.trim();
    if (!g) return;
    if (m.groups.some((x) => x.name === g)) {
      ctx.showMessage(`There is a group ${g} already.`);
      return;
    }
    let ref = g;
    for (let k = 2; m.groups.some((x) => x.ref === ref); k++) ref = `${g} ${k}`;
    m.groups.push({ ref, name: g });
    newGroup.value = "";
    for (const r of m.rules) if (r.kind === "filter" && !r.to) r.to = ref;
    changed();
  };
  newGroup.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); addGroup(); } });

  function drawGroups() {
    groupsEl.replaceChildren(
      m.groups.length ? el("ul", { class: "filters", "aria-label": "Static groups" }, m.groups.map((g, i) => el("li", { class: "chip", testid: `persp-group-${i}` }, g.name,
        el("button", {
          type: "button", "aria-label": `Remove group ${g.name}`, testid: `persp-group-remove-${i}`,
          onclick: () => {
            m.groups.splice(i, 1);
            for (const r of m.rules) if (r.kind === "filter" && r.to === g.ref) r.to = "";
            changed();
          },
        }, "×")))) : el("p", { class: "muted", text: "No static groups yet: filter rules put costs in one." }));
  }

  function drawRules() {
    rulesEl.replaceChildren(...(m.rules.length ? m.rules.map((r, i) => ruleCard(r, i)) : [el("p", { class: "muted", text: "No rules: everything is in Other." })]));
  }

  function ruleCard(r, i) {
    const box = el("fieldset", { class: "rule", testid: `persp-rule-${i}` },
      el("legend", { text: `Rule ${i + 1}: ${r.kind === "filter" ? "filter to a group" : "categorize"}` }));
    const set = (k) => (ev) => { r[k] = ev.target.value; schedulePreview(); };
    if (r.kind === "categorize") {
      box.append(el("div", { class: "controls" },
        labelled("By", el("select", { testid: `persp-rule-${i}-src`, onchange: (ev) => { r.src = ev.target.value; changed(); } }, options([["field", "a field"], ["tag", "a tag"]], r.src))),
        r.src === "tag"
          ? labelled("Tag key", el("input", { value: r.key, testid: `persp-rule-${i}-key`, oninput: set("key"), autocomplete: "off" }))
          : labelled("Field", el("select", { testid: `persp-rule-${i}-key`, onchange: set("key") }, options(withCurrent(FIELDS, r.key), r.key))),
        labelled("Block name", el("input", { value: r.name, testid: `persp-rule-${i}-name`, oninput: set("name"), autocomplete: "off" }))));
    } else {
      const to = el("select", { testid: `persp-rule-${i}-to`, onchange: set("to") },
        el("option", { value: "" }, "choose a group"), options(m.groups.map((g) => [g.ref, g.name]), r.to));
      box.append(...[el("div", { class: "controls" },
        labelled("Put in group", to),
        labelled("Costs matching", el("select", { testid: `persp-rule-${i}-combine`, onchange: set("combine") }, options([["AND", "all conditions"], ["OR", "any condition"]], r.combine)))),
        r.from ? el("p", { class: "muted", text: `Moves costs on from group ${m.groups.find((g) => g.ref === r.from)?.name || r.from}.` }) : null,
        ...r.clauses.map((c, j) => clauseRow(r, c, i, j)),
        el("button", { type: "button", testid: `persp-rule-${i}-add-clause`, onclick: () => { r.clauses.push({ src: "field", key: "service", op: "=", val: "" }); changed(); } }, "Add condition")].filter(Boolean));
    }
    box.append(el("div", { class: "actions" },
      i > 0 ? el("button", { type: "button", "aria-label": `Move rule ${i + 1} up`, testid: `persp-rule-${i}-up`, onclick: () => { m.rules.splice(i - 1, 0, ...m.rules.splice(i, 1)); changed(); } }, "↑") : null,
      el("button", { type: "button", "aria-label": `Remove rule ${i + 1}`, testid: `persp-rule-${i}-remove`, onclick: () => { m.rules.splice(i, 1); changed(); } }, "Remove rule")));
    return box;
  }

  function clauseRow(r, c, i, j) {
    const p = `persp-rule-${i}-clause-${j}`;
    const set = (k) => (ev) => { c[k] = ev.target.value; schedulePreview(); };
    return el("div", { class: "controls clause", testid: p },
      labelled(`Condition ${j + 1} reads`, el("select", { testid: `${p}-src`, onchange: (ev) => { c.src = ev.target.value; c.key = c.src === "tag" ? "" : "service"; changed(); } }, options([["field", "a field"], ["tag", "a tag"]], c.src))),
      c.src === "tag"
        ? labelled("Tag key", el("input", { value: c.key, testid: `${p}-key`, oninput: set("key"), autocomplete: "off" }))
        : labelled("Field", el("select", { testid: `${p}-key`, onchange: set("key") }, options(withCurrent(FIELDS, c.key), c.key))),
      labelled("Comparison", el("select", { testid: `${p}-op`, onchange: set("op") }, options(withCurrent(OPS, c.op), c.op))),
      labelled("Value", el("input", { value: c.val, testid: `${p}-value`, oninput: set("val"), autocomplete: "off" })),
      el("div", { class: "actions" }, el("button", { type: "button", "aria-label": `Remove condition ${j + 1} of rule ${i + 1}`, testid: `${p}-remove`, onclick: () => { r.clauses.splice(j, 1); changed(); } }, "Remove condition")));
  }

  // The preview: the latest request wins; an answer to a request made
  // before the last change is dropped, even while the next one waits.
  let timer = null;
  let asked = 0;
  function schedulePreview() {
    asked++;
    clearTimeout(timer);
    previewStatus.textContent = "Updating…";
    timer = setTimeout(runPreview, DEBOUNCE_MS);
  }
  async function runPreview() {
    const n = ++asked;
    const missing = problems(m);
    if (missing.length) {
      previewStatus.textContent = missing.join(" ");
      previewEl.dataset.state = "incomplete";
      return;
    }
    const schema = toSchema(m);
    schema.name = schema.name || "Preview";
    try {
      const res = await ctx.api("/api/v1/perspectives/preview", { method: "POST", body: { schema, window: PREVIEW_WINDOW, metric: PREVIEW_METRIC } });
      if (n !== asked) return;
      previewStatus.textContent = `Billed cost by group, ${day(res.window.start)} to ${day(res.window.end)} (exclusive), within what your key may see.`;
      previewEl.replaceChildren(previewTable(res));
      previewEl.dataset.state = "ready";
      previewEl.dataset.seq = String(n);
    } catch (e) {
      if (n !== asked) return;
      previewStatus.textContent = `The rules are refused: ${e.message}`;
      previewEl.dataset.state = "error";
    }
  }

  const addRule = (kind) => () => {
    m.rules.push(kind === "filter"
      ? { kind, to: m.groups[0]?.ref || "", combine: "AND", clauses: [{ src: "field", key: "service", op: "=", val: "" }] }
      : { kind, src: "tag", key: "", name: "" });
    changed();
  };

  const form = el("form", { testid: "persp-form" },
    el("div", { class: "controls" }, labelled("Name", name)),
    el("h3", { text: "Groups" }), groupsEl,
    el("div", { class: "controls" }, labelled("New group", newGroup),
      el("button", { type: "button", testid: "persp-add-group", onclick: addGroup }, "Add group")),
    el("h3", { text: "Rules, first match wins" }), rulesEl,
    el("div", { class: "actions" },
      el("button", { type: "button", testid: "persp-add-filter", onclick: addRule("filter") }, "Add filter rule"),
      el("button", { type: "button", testid: "persp-add-categorize", onclick: addRule("categorize") }, "Add categorize rule")),
    el("h3", { text: "Preview: the last 30 days" }), previewStatus, previewEl,
    el("div", { class: "actions" }, save,
      el("a", { href: "#/perspectives", testid: "persp-cancel" }, "Close the editor")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!canSave) return;
    const missing = problems(m);
    if (!m.name.trim()) missing.unshift("Name the perspective.");
    if (missing.length) {
      ctx.showMessage(missing.join(" "));
      return;
    }
    const body = toSchema(m);
    if (id) body.version = version;
    try {
      const p = await ctx.api(id ? `/api/v1/perspectives/${encodeURIComponent(id)}` : "/api/v1/perspectives", { method: id ? "PUT" : "POST", body });
      ctx.navigate(new URLSearchParams({ edit: p.id, saved: String(p.version) }));
    } catch (e) {
      ctx.showMessage(`Saving ${m.name}: ${e.message}`);
    }
  });

  card.append(el("h2", { id: "persp-edit-h", text: id ? `Perspective ${m.name} (${id})` : "New perspective" }),
    ...(canSave ? [] : [el("p", { class: "muted", text: "Your key may read perspectives, not change them; the preview works all the same." })]),
    form);
  drawGroups();
  drawRules();
  schedulePreview();
  return card;
}

function withCurrent(list, v) {
  return v && !list.some(([x]) => x === v) ? [...list, [v, v]] : list;
}

const day = (t) => String(t).slice(0, 10);

function previewTable(res) {
  if (!res.groups.length) return el("p", { class: "muted", testid: "persp-preview-empty", text: "No costs in this window." });
  const metric = res.metrics[0];
  return el("table", { testid: "persp-preview-table" },
    el("thead", {}, el("tr", {}, ["Group", "Cost", "Items"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, res.groups.map((g) => el("tr", { testid: "persp-preview-row", "data-group": g.name, "data-currency": g.currency },
      el("th", { scope: "row", text: g.name || "(none)" }),
      moneyCell(el("td", { class: "num", testid: "persp-preview-cost" }), g.costs[metric], g.currency),
      el("td", { class: "num", text: integer(g.items) })))),
    el("tfoot", {}, res.totals.map((t) => el("tr", { testid: "persp-preview-total", "data-currency": t.currency },
      el("th", { scope: "row", text: `Total ${t.currency}` }),
      moneyCell(el("td", { class: "num", testid: "persp-preview-total-cost" }), t.costs[metric], t.currency),
      el("td", { class: "num", text: integer(t.items) })))));
}
