// The cost explorer: window, grouping, filters and metric, a stacked
// time series (uPlot) and a sortable table with totals, share of total
// and Kubernetes share, drill-down and CSV export. The whole view lives
// in the URL's parameters (see readState), so a reload or a shared link
// restores it. Everything comes from GET /api/v1/costs.

import uPlot from "../vendor/uplot-1.6.32/uPlot.esm.js";
import { money, moneyCell, percent, ratio, integer, shortMoney } from "../format.js";
import * as anomalies from "./explorer-anomalies.js";
import { el } from "../dom.js";

// GROUPS are the groupings offered. dims are the native groupBy
// dimensions (the first is the one a drill-down filters on); drill is
// the grouping a click on a group switches to. Account groups by id and
// name: subAccountName is the registered name where one is registered
// (the engine overlays it on the bills' names).
const GROUPS = [
  { id: "provider", label: "Provider", dims: ["provider"], drill: "account" },
  { id: "account", label: "Account", dims: ["subAccountId", "subAccountName"], drill: "service" },
  { id: "service", label: "Service", dims: ["service"], drill: "region" },
  { id: "serviceCategory", label: "Service category", dims: ["serviceCategory"], drill: "service" },
  { id: "region", label: "Region", dims: ["region"], drill: "service" },
  { id: "chargeCategory", label: "Charge category", dims: ["chargeCategory"], drill: "service" },
  { id: "tag", label: "Tag…", dims: null, drill: "service" },
  { id: "perspective", label: "Perspective…", dims: null, drill: "service" },
];

// FILTER_DIMS are the dimensions a filter can test; tag and perspective
// take a key or id.
const FILTER_DIMS = [
  ["provider", "Provider"], ["subAccountId", "Account id"], ["subAccountName", "Account name"], ["service", "Service"],
  ["serviceCategory", "Service category"], ["region", "Region"], ["chargeCategory", "Charge category"],
  ["tag", "Tag…"], ["perspective", "Perspective…"],
];

const METRICS = [["billed", "Billed"], ["list", "List"], ["net", "Net"], ["amortized", "Amortized"], ["amortizedNet", "Amortized net"]];
const WINDOWS = [["7d", "Last 7 days"], ["30d", "Last 30 days"], ["90d", "Last 90 days"], ["month", "Month to date"], ["lastmonth", "Last month"], ["custom", "Custom range…"]];
const STEPS = [["day", "Day"], ["week", "Week"], ["month", "Month"]];
const COLORS = ["#1f5fbf", "#e8710a", "#1a9850", "#d62728", "#7b3fbf", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
const CHART_SERIES = 9; // the largest groups drawn; the rest add up to "Other"

const DEFAULTS = { window: "30d", step: "day", group: "service", metric: "billed", sort: "cost", dir: "desc" };

// readState turns the URL's parameters into the view. Filters are
// repeated f parameters: "dim=value" (is) or "dim!=value" (is not).
export function readState(params) {
  const s = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS)) if (params.get(k)) s[k] = params.get(k);
  s.filters = params.getAll("f").map(parseFilter).filter(Boolean);
  return s;
}

function parseFilter(f) {
  const m = /^([^=!]+)(!?=)(.*)$/s.exec(f);
  return m ? { dim: m[1], op: m[2] === "=" ? "is" : "not", value: m[3] } : null;
}

function writeState(s) {
  const p = new URLSearchParams();
  for (const k of Object.keys(DEFAULTS)) if (s[k] !== DEFAULTS[k]) p.set(k, s[k]);
  for (const f of s.filters) p.append("f", `${f.dim}${f.op === "is" ? "=" : "!="}${f.value}`);
  return p;
}

// groupDims gives the native groupBy dimensions of a grouping id, which
// may be "tag:<key>" or "perspective:<id>".
function groupDims(group) {
  if (group.startsWith("tag:") || group.startsWith("perspective:")) return [group];
  return GROUPS.find((g) => g.id === group)?.dims || ["service"];
}

function groupSpec(group) {
  const kind = group.startsWith("tag:") ? "tag" : group.startsWith("perspective:") ? "perspective" : group;
  return GROUPS.find((g) => g.id === kind) || GROUPS[2];
}

// filterField is the native filter language's spelling of a dimension.
function filterField(dim) {
  if (dim.startsWith("tag:")) return `tag[${dim.slice(4)}]`;
  if (dim.startsWith("perspective:")) return `perspective[${dim.slice(12)}]`;
  return dim;
}

// compileFilters writes the native filter: comparisons joined by "+"
// (and); several "is" values of one dimension become one comparison with
// a value list (or), as two "is" of one dimension could never both hold.
export function compileFilters(filters) {
  const parts = new Map();
  for (const f of filters) {
    if (f.value.includes('"')) throw new Error(`a filter value cannot contain a double quote: ${f.value}`);
    const key = `${f.dim}\u0000${f.op}`;
    if (f.op === "is" && parts.has(key)) parts.get(key).values.push(f.value);
    else parts.set(key + (f.op === "is" ? "" : `\u0000${parts.size}`), { f, values: [f.value] });
  }
  return [...parts.values()]
    .map(({ f, values }) => `${filterField(f.dim)}${f.op === "is" ? ":" : "!:"}${values.map((v) => `"${v}"`).join(",")}`)
    .join("+");
}

// costsQuery is the /api/v1/costs query string of the view, with step
// for the chart or without for the table.
export function costsQuery(s, withStep) {
  const p = new URLSearchParams();
  p.set("window", s.window);
  p.set("groupBy", groupDims(s.group).join(","));
  p.set("metric", s.metric);
  const f = compileFilters(s.filters);
  if (f) p.set("filter", f);
  if (withStep) p.set("step", s.step);
  return p.toString();
}

function groupLabel(group, values) {
  const dims = groupDims(group);
  if (dims[0] === "subAccountId") {
    const [id, name] = values;
    return name && name !== id ? `${name} (${id})` : id || "(none)";
  }
  return values.map((v) => v || "(none)").join(" / ");
}

function select(id, label, options, testid) {
  const s = el("select", { id, testid });
  for (const [v, t] of options) s.append(el("option", { value: v }, t));
  return el("div", { class: "field" }, el("label", { for: id }, label), s);
}

let view = null; // the mounted explorer
let resizeBound = false;

export async function render(root, ctx) {
  const t0 = performance.now();
  root.innerHTML = "";
  for (const k of ["renders", "failures", "renderMs", "firstRenderMs", "loading", "anomalies"]) delete root.dataset[k];
  const h = el("h1", {}, "Cost explorer");
  const controls = el("section", { class: "card", "aria-label": "View" });
  const grid = el("div", { class: "controls" },
    select("x-window", "Window", WINDOWS, "window"),
    select("x-group", "Group by", GROUPS.map((g) => [g.id, g.label]), "group"),
    select("x-metric", "Metric", METRICS, "metric"),
    select("x-step", "Chart step", STEPS, "step"));
  const custom = el("form", { class: "custom-range", hidden: true, testid: "custom-range" },
    el("label", { for: "x-from" }, "From"), el("input", { id: "x-from", type: "date", required: true, testid: "from" }),
    el("label", { for: "x-to" }, "To (inclusive)"), el("input", { id: "x-to", type: "date", required: true, testid: "to" }),
    el("button", { type: "submit", testid: "range-apply" }, "Apply range"));
  const groupKey = el("form", { class: "custom-range", hidden: true, testid: "group-key-form" },
    el("label", { for: "x-group-key" }, "Tag key or perspective id"), el("input", { id: "x-group-key", required: true, testid: "group-key" }),
    el("button", { type: "submit", testid: "group-key-apply" }, "Group"));
  const chips = el("div", { class: "filters", "aria-label": "Filters", role: "list", testid: "filters" });
  const fdim = el("select", { id: "x-fdim", testid: "filter-dim" });
  for (const [v, t] of FILTER_DIMS) fdim.append(el("option", { value: v }, t));
  const fkey = el("input", { id: "x-fkey", hidden: true, placeholder: "key or id", "aria-label": "Tag key or perspective id", testid: "filter-key" });
  const fop = el("select", { id: "x-fop", "aria-label": "Comparison", testid: "filter-op" },
    el("option", { value: "is" }, "is"), el("option", { value: "not" }, "is not"));
  const fval = el("input", { id: "x-fval", required: true, list: "x-fvals", testid: "filter-value" });
  const fvals = el("datalist", { id: "x-fvals" });
  const filterForm = el("form", { class: "filter-form", testid: "filter-form" },
    el("div", { class: "field" }, el("label", { for: "x-fdim" }, "Filter on"), fdim), fkey, fop,
    el("div", { class: "field" }, el("label", { for: "x-fval" }, "Value"), fval), fvals,
    el("button", { type: "submit", testid: "filter-add" }, "Add filter"));
  controls.append(grid, custom, groupKey, filterForm, chips);

  const status = el("p", { class: "status muted", role: "status", "aria-live": "polite", testid: "status" });
  const chartCard = el("section", { class: "card", "aria-label": "Cost over time" });
  const chartEl = el("div", { class: "chart", testid: "chart", role: "img", "aria-label": "Stacked cost over time" });
  const chartNote = el("p", { class: "muted", testid: "chart-note" });
  const marks = anomalies.elements();
  chartCard.append(chartEl, marks.anomalyTip, chartNote, marks.anomalyBox);
  const csv = el("button", { type: "button", testid: "csv" }, "Download CSV");
  const csvLink = el("a", { hidden: true, testid: "csv-link" });
  const table = el("table", { testid: "table" });
  const tableCard = el("section", { class: "card", "aria-label": "Costs by group" },
    el("div", { class: "actions" }, csv, csvLink), el("div", { class: "table-wrap" }, table));
  root.append(h, controls, status, chartCard, tableCard);

  view = { root, ctx, t0, first: true, seq: 0, plot: null, data: null, state: null,
    els: { status, chartEl, chartNote, table, chips, custom, groupKey, fkey, fvals, csvLink, ...marks } };

  const go = (patch) => {
    const s = { ...view.state, ...patch };
    ctx.navigate(writeState(s));
  };
  const win = root.querySelector("#x-window");
  win.addEventListener("change", () => {
    if (win.value === "custom") {
      custom.hidden = false;
      root.querySelector("#x-from").focus();
    } else go({ window: win.value });
  });
  custom.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const from = root.querySelector("#x-from").value, to = root.querySelector("#x-to").value;
    // The API's window end is exclusive; the form's "to" day is included.
    const end = new Date(to + "T00:00:00Z");
    end.setUTCDate(end.getUTCDate() + 1);
    go({ window: `${from},${end.toISOString().slice(0, 10)}` });
  });
  const grp = root.querySelector("#x-group");
  grp.addEventListener("change", () => {
    if (grp.value === "tag" || grp.value === "perspective") {
      groupKey.hidden = false;
      root.querySelector("#x-group-key").focus();
    } else go({ group: grp.value });
  });
  groupKey.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go({ group: `${grp.value}:${root.querySelector("#x-group-key").value.trim()}` });
  });
  root.querySelector("#x-metric").addEventListener("change", (ev) => go({ metric: ev.target.value }));
  root.querySelector("#x-step").addEventListener("change", (ev) => go({ step: ev.target.value }));
  fdim.addEventListener("change", () => {
    fkey.hidden = !(fdim.value === "tag" || fdim.value === "perspective");
    fillValues();
  });
  filterForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    let dim = fdim.value;
    if (dim === "tag" || dim === "perspective") {
      if (!fkey.value.trim()) { fkey.focus(); return; }
      dim = `${dim}:${fkey.value.trim()}`;
    }
    const f = { dim, op: fop.value, value: fval.value };
    fval.value = "";
    go({ filters: [...view.state.filters, f] });
  });
  csv.addEventListener("click", downloadCSV);
  if (!resizeBound) window.addEventListener("resize", resizeChart);
  resizeBound = true;
  await update(ctx.params);
}

// fillValues offers the values of the table's rows as suggestions when
// the filter's dimension is the grouping's.
function fillValues() {
  const { fvals } = view.els;
  fvals.replaceChildren();
  const dim = view.root.querySelector("#x-fdim").value;
  const dims = groupDims(view.state.group);
  const i = dims.indexOf(dim);
  if (i < 0 || !view.data) return;
  for (const r of view.data.rows) fvals.append(el("option", { value: r.values[i] }));
}

// update syncs the controls with the URL and loads the data.
export async function update(params) {
  if (!view) return;
  const s = readState(params);
  view.state = s;
  const { root, els } = view;
  const preset = WINDOWS.some(([v]) => v === s.window);
  root.querySelector("#x-window").value = preset ? s.window : "custom";
  els.custom.hidden = preset;
  if (!preset) {
    const [a, b] = s.window.split(",");
    root.querySelector("#x-from").value = (a || "").slice(0, 10);
    const to = new Date((b || "").slice(0, 10) + "T00:00:00Z");
    if (!isNaN(to)) {
      to.setUTCDate(to.getUTCDate() - 1);
      root.querySelector("#x-to").value = to.toISOString().slice(0, 10);
    }
  }
  const spec = groupSpec(s.group);
  root.querySelector("#x-group").value = spec.id;
  els.groupKey.hidden = Boolean(spec.dims);
  if (!spec.dims) root.querySelector("#x-group-key").value = s.group.slice(spec.id.length + 1);
  root.querySelector("#x-metric").value = s.metric;
  root.querySelector("#x-step").value = s.step;
  renderChips();
  await load();
}

function renderChips() {
  const { chips } = view.els;
  chips.replaceChildren();
  view.state.filters.forEach((f, i) => {
    const text = `${f.dim} ${f.op === "is" ? "is" : "is not"} ${f.value || "(none)"}`;
    const rm = el("button", { type: "button", "aria-label": `Remove filter ${text}`, testid: `filter-remove-${i}` }, "×");
    rm.addEventListener("click", () => {
      const filters = view.state.filters.filter((_, j) => j !== i);
      view.ctx.navigate(writeState({ ...view.state, filters }));
    });
    chips.append(el("span", { class: "chip", role: "listitem", testid: `filter-${i}` }, text, rm));
  });
}

async function load() {
  const v = view;
  const seq = ++v.seq;
  const s = v.state;
  // A load is stale when a newer one started or the page was rendered
  // anew meanwhile (a new view, whose seq restarts).
  const stale = () => v !== view || seq !== v.seq;
  const { status } = view.els;
  status.textContent = "Loading…";
  view.root.dataset.loading = "true";
  delete view.root.dataset.anomalies;
  let table, series;
  try {
    [table, series] = await Promise.all([
      view.ctx.api("/api/v1/costs?" + costsQuery(s, false)),
      view.ctx.api("/api/v1/costs?" + costsQuery(s, true)),
    ]);
  } catch (e) {
    if (stale()) return;
    status.textContent = "";
    view.ctx.showMessage(e.message);
    view.root.dataset.loading = "false";
    view.root.dataset.failures = String(Number(view.root.dataset.failures || 0) + 1);
    return;
  }
  if (stale()) return;
  view.ctx.showMessage("");
  const dims = groupDims(s.group);
  view.data = {
    dims, metric: s.metric, window: table.window,
    rows: table.data.map((r) => ({
      values: dims.map((d) => r.group?.[d] ?? ""), currency: r.currency, items: r.items,
      cost: r.costs[s.metric], k8s: r.kubernetes?.[s.metric] ?? "0",
    })),
    totals: table.totals.map((t) => ({ currency: t.currency, items: t.items, cost: t.costs[s.metric], k8s: t.kubernetes?.[s.metric] ?? "0" })),
  };
  // The chart first: it picks the groups' colours the table's swatches show.
  renderChart(series, dims, s);
  renderTable();
  fillValues();
  const w = table.window;
  status.textContent = `${table.data.length} groups, ${w.start.slice(0, 10)} to ${w.end.slice(0, 10)} (end excluded), ${s.metric} cost`;
  view.root.dataset.loading = "false";
  if (view.first) {
    view.first = false;
    // Time from the page's navigation start (module loads, sign-in check,
    // both queries, table and chart): what a person waits for.
    view.root.dataset.firstRenderMs = String(Math.round(performance.now()));
  }
  view.root.dataset.renderMs = String(Math.round(performance.now() - view.t0));
  // A counter the browser tests wait on: one more each finished load.
  view.root.dataset.renders = String(Number(view.root.dataset.renders || 0) + 1);
  // After the render, not awaited: anomalies are marked when they arrive.
  anomalies.mark(v, costsQuery(s, false), dims, s.step, v.chart, stale);
}

const COLUMNS = [
  { id: "group", label: "Group", num: false },
  { id: "cost", label: "Cost", num: true },
  { id: "share", label: "Share of total", num: true },
  { id: "k8s", label: "Kubernetes share", num: true },
  { id: "items", label: "Line items", num: true },
];

function renderTable() {
  const { table } = view.els;
  const s = view.state;
  const d = view.data;
  const totals = new Map(d.totals.map((t) => [t.currency, t]));
  const multi = d.totals.length > 1;
  const rows = d.rows.map((r) => ({
    ...r, label: groupLabel(s.group, r.values),
    share: ratio(r.cost, totals.get(r.currency)?.cost), k8sShare: ratio(r.k8s, r.cost),
  }));
  const key = { group: (r) => r.label, cost: (r) => Number(r.cost), share: (r) => r.share, k8s: (r) => r.k8sShare, items: (r) => r.items }[s.sort] || ((r) => Number(r.cost));
  const sign = s.dir === "asc" ? 1 : -1;
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const c = typeof x === "string" ? x.localeCompare(y) : (Number.isNaN(x) ? -Infinity : x) - (Number.isNaN(y) ? -Infinity : y);
    return sign * c || a.label.localeCompare(b.label);
  });
  const spec = groupSpec(s.group);
  const head = el("tr");
  for (const c of COLUMNS) {
    const label = c.id === "group" ? (spec.dims ? spec.label : s.group) : c.label;
    const th = el("th", { scope: "col", class: c.num ? "num" : "" });
    if (s.sort === c.id) th.setAttribute("aria-sort", s.dir === "asc" ? "ascending" : "descending");
    const b = el("button", { type: "button", testid: `sort-${c.id}` }, label);
    b.addEventListener("click", () => {
      const dir = s.sort === c.id && s.dir === "desc" ? "asc" : "desc";
      view.ctx.navigate(writeState({ ...s, sort: c.id, dir }));
    });
    th.append(b);
    head.append(th);
    if (c.id === "group" && multi) head.append(el("th", { scope: "col" }, "Currency"));
  }
  const body = el("tbody");
  const colors = seriesColors();
  for (const r of rows) {
    const tr = el("tr", { testid: "row" });
    tr.dataset.group = r.values.join("\u001f");
    tr.dataset.currency = r.currency;
    const g = el("td", { class: "group" });
    const sw = el("span", { class: "swatch", "aria-hidden": "true" });
    sw.style.background = colors.get(r.values.join("\u001f")) || "transparent";
    const drill = el("button", { type: "button", testid: "drill", title: `Show ${r.label} by ${GROUPS.find((x) => x.id === spec.drill).label.toLowerCase()}` }, r.label);
    drill.addEventListener("click", () => drillDown(r));
    g.append(sw, drill);
    tr.append(g);
    if (multi) tr.append(el("td", {}, r.currency));
    tr.append(moneyCell(el("td", { class: "num", testid: "cost" }), r.cost, r.currency),
      el("td", { class: "num", testid: "share" }, percent(r.share)),
      el("td", { class: "num", testid: "k8s", title: `${r.k8s} ${r.currency} from Kubernetes` }, percent(r.k8sShare)),
      el("td", { class: "num" }, integer(r.items)));
    body.append(tr);
  }
  const foot = el("tfoot");
  for (const t of d.totals) {
    const tr = el("tr", { testid: "total" });
    tr.dataset.currency = t.currency;
    tr.append(el("td", {}, "Total"));
    if (multi) tr.append(el("td", {}, t.currency));
    tr.append(moneyCell(el("td", { class: "num", testid: "total-cost" }), t.cost, t.currency),
      el("td", { class: "num" }, percent(1)),
      el("td", { class: "num", testid: "total-k8s", title: `${t.k8s} ${t.currency} from Kubernetes` }, percent(ratio(t.k8s, t.cost))),
      el("td", { class: "num" }, integer(t.items)));
    foot.append(tr);
  }
  if (!rows.length) body.append(el("tr", {}, el("td", { colspan: String(COLUMNS.length + (multi ? 1 : 0)), class: "muted" }, "No costs in this window.")));
  table.replaceChildren(el("caption", { class: "muted" }, `Costs by ${spec.dims ? spec.label.toLowerCase() : s.group}`), el("thead", {}, head), body, foot);
}

// drillDown filters on the clicked group and switches to the next grouping.
function drillDown(r) {
  const s = view.state;
  const dims = groupDims(s.group);
  const filters = [...s.filters, { dim: dims[0], op: "is", value: r.values[0] }];
  view.ctx.navigate(writeState({ ...s, filters, group: groupSpec(s.group).drill }));
}

// seriesColors maps the chart's groups to their colours, for the table's swatches.
function seriesColors() {
  const m = new Map();
  const keys = view.chartKeys || [];
  keys.forEach((k, i) => m.set(k, COLORS[i % COLORS.length]));
  // The groups the chart adds up to "Other" take its colour.
  for (const k of view.chartRest || []) m.set(k, COLORS[(keys.length - 1) % COLORS.length]);
  return m;
}

// renderChart draws the stepped costs of the largest groups of the main
// currency as stacked areas: each series is drawn at the running sum of
// itself and the ones below it, largest first, so that every band shows
// on top of the previous. The floats are only drawing positions; the
// legend shows each group's own amount.
function renderChart(res, dims, s) {
  const { chartEl, chartNote } = view.els;
  const totals = new Map();
  for (const r of res.data) {
    totals.set(r.currency, (totals.get(r.currency) || 0) + Number(r.costs[s.metric]));
  }
  const currency = [...totals.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] || "USD";
  const byGroup = new Map();
  // Every bucket of the window, also those without costs (the API
  // answers only buckets with rows), so that a gap shows as zero.
  const xs = [...new Set([...buckets(res.window, s.step), ...res.data.map((r) => Date.parse(r.start))])].sort((a, b) => a - b);
  const xi = new Map(xs.map((x, i) => [x, i]));
  const at = (r) => xi.get(Date.parse(r.start));
  for (const r of res.data) {
    if (r.currency !== currency) continue;
    const k = dims.map((d) => r.group?.[d] ?? "").join("\u001f");
    let g = byGroup.get(k);
    if (!g) byGroup.set(k, (g = { key: k, values: dims.map((d) => r.group?.[d] ?? ""), sum: 0, ys: new Array(xs.length).fill(0) }));
    const v = Number(r.costs[s.metric]);
    g.ys[at(r)] += v;
    g.sum += v;
  }
  const groups = [...byGroup.values()].sort((a, b) => b.sum - a.sum);
  const shown = groups.slice(0, CHART_SERIES);
  const rest = groups.slice(CHART_SERIES);
  if (rest.length) {
    const other = { key: "\u0000other", label: `Other (${rest.length})`, ys: new Array(xs.length).fill(0) };
    for (const g of rest) g.ys.forEach((v, i) => (other.ys[i] += v));
    shown.push(other);
  }
  view.chartKeys = shown.map((g) => g.key);
  view.chartRest = rest.map((g) => g.key);
  view.chart = { currency, xs, keys: view.chartKeys, rest: view.chartRest, label: (values) => groupLabel(s.group, values) };
  const stacked = [];
  const run = new Array(xs.length).fill(0);
  for (const g of [...shown].reverse()) {
    g.ys.forEach((v, i) => (run[i] += v));
    stacked.unshift(run.slice());
  }
  const data = [xs.map((x) => x / 1000), ...stacked];
  const series = [{}, ...shown.map((g, i) => ({
    label: g.label || groupLabel(s.group, g.values),
    stroke: COLORS[i % COLORS.length], fill: COLORS[i % COLORS.length] + "cc", width: 1, points: { show: false },
    value: (u, v, si, di) => (di == null ? "–" : money(String(shown[i].ys[di].toFixed(2)), currency)),
  }))];
  const others = [...totals.keys()].filter((c) => c !== currency);
  chartNote.textContent = others.length ? `Chart in ${currency}; costs billed in ${others.join(", ")} are in the table.` : "";
  if (view.plot) view.plot.destroy();
  chartEl.replaceChildren();
  if (!xs.length) {
    view.plot = null;
    view.chart = null;
    chartEl.append(el("p", { class: "muted" }, "No costs to chart."));
    return;
  }
  const opts = {
    width: Math.max(chartEl.clientWidth, 280), height: 320,
    scales: { x: { time: true } },
    axes: [{}, { values: (u, vals) => vals.map((v) => shortMoney(v, currency)), size: 70 }],
    series,
    cursor: { drag: { x: false, y: false } },
    plugins: [anomalies.plugin(view)],
  };
  view.plot = new uPlot(opts, data, chartEl);
}

// buckets lists the start times (ms) of the steps of window, as the API
// cuts them: UTC days, ISO weeks from Monday, calendar months, the first
// one starting at the window's start.
export function buckets(window, step) {
  const out = [];
  const end = Date.parse(window.end);
  let t = new Date(window.start);
  for (let n = 0; t.getTime() < end && n < 1000; n++) {
    out.push(t.getTime());
    const next = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
    if (step === "week") next.setUTCDate(next.getUTCDate() + (((8 - next.getUTCDay()) % 7) || 7));
    else if (step === "month") next.setUTCMonth(next.getUTCMonth() + 1, 1);
    else next.setUTCDate(next.getUTCDate() + 1);
    t = next;
  }
  return out;
}

function resizeChart() {
  if (view?.plot) view.plot.setSize({ width: Math.max(view.els.chartEl.clientWidth, 280), height: 320 });
}

// csvField quotes a field when needed; a text field that a spreadsheet
// would run as a formula gets a leading apostrophe. Amounts are written
// exactly as the API sent them and never altered.
function csvField(v, text) {
  let s = String(v);
  if (text && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

// toCSV is the table's rows with the exact amounts.
export function toCSV(d) {
  const lines = [[...d.dims, "currency", d.metric, `${d.metric}Kubernetes`, "items"].map((h) => csvField(h, true)).join(",")];
  for (const r of d.rows) {
    lines.push([...r.values.map((v) => csvField(v, true)), csvField(r.currency, true), r.cost, r.k8s, r.items].join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

function downloadCSV() {
  if (!view.data) return;
  const { csvLink } = view.els;
  if (csvLink.href) URL.revokeObjectURL(csvLink.href);
  csvLink.href = URL.createObjectURL(new Blob([toCSV(view.data)], { type: "text/csv" }));
  const w = view.data.window;
  csvLink.download = `tally-${view.state.group.replace(/[^\w-]+/g, "_")}-${w.start.slice(0, 10)}-${w.end.slice(0, 10)}.csv`;
  csvLink.click();
}
