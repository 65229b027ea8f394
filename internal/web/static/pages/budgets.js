// Budgets, forecasts and anomalies. Everything comes from the native API:
// GET/POST/PUT/DELETE /api/v1/budgets, GET /api/v1/budgets/{id}/status
// (the month's exact spend and the forecast to its end), and
// GET /api/v1/anomalies. Forecast numbers are estimates and are labelled
// so; spend is exact (the exact string is in each amount's title and
// data-exact). The page is a module of app.js's router: render(el, ctx)
// with ctx.api, ctx.me, ctx.params, ctx.navigate and ctx.showMessage.

import { money, moneyCell } from "../format.js";
import { el } from "../dom.js";

const METRICS = [["billed", "Billed"], ["list", "List"], ["net", "Net"], ["amortized", "Amortized"], ["amortizedNet", "Amortized net"]];
const ANOMALY_WINDOWS = [["7d", "Last 7 days"], ["30d", "Last 30 days"], ["90d", "Last 90 days"]];
const ANOMALY_GROUPS = [["service", "Service"], ["subAccountId", "Account"], ["region", "Region"], ["provider", "Provider"]];
const DEFAULTS = { awindow: "30d", agroup: "service" };

let ctx = null;
let root = null;
let editing = null; // the budget being edited, or null for a new one

const mayEdit = () => ["editor", "admin"].includes(ctx.me?.role);

function state() {
  const s = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS)) if (ctx.params.get(k)) s[k] = ctx.params.get(k);
  return s;
}

function setState(s) {
  const p = new URLSearchParams();
  for (const k of Object.keys(DEFAULTS)) if (s[k] !== DEFAULTS[k]) p.set(k, s[k]);
  ctx.navigate(p, { replace: true });
}

export async function render(main, c) {
  ctx = c;
  root = el("div", { class: "budgets-page", dataset: { testid: "budgets-page" } });
  main.replaceChildren(root);
  injectStyle();
  root.append(
    el("h1", {}, "Budgets, forecasts and anomalies"),
    el("section", { class: "card", id: "budget-list", "aria-labelledby": "budget-list-h" },
      el("h2", { id: "budget-list-h" }, "Budgets this month"),
      el("p", { class: "muted" }, "Spend is exact, month to date, within what your key may see. The projection to the month's end is an estimate (80% interval in brackets)."),
      el("div", { id: "budget-rows", class: "table-wrap", "aria-live": "polite" }, "Loading…")),
    el("section", { class: "card", id: "budget-detail", hidden: true, "aria-labelledby": "budget-detail-h" }),
    mayEdit() ? formCard() : null,
    el("section", { class: "card", id: "anomalies", "aria-labelledby": "anomalies-h" }));
  await Promise.all([loadBudgets(), loadAnomalies()]);
}

export async function update(params) {
  ctx.params = params;
  await loadAnomalies();
}

// ---- budgets ----

async function loadBudgets() {
  const box = root.querySelector("#budget-rows");
  let list;
  try {
    list = (await ctx.api("/api/v1/budgets")).data;
  } catch (e) {
    box.textContent = e.status === 501 ? "Budgets are not configured on this server." : e.message;
    return;
  }
  if (!list.length) {
    box.replaceChildren(el("p", { dataset: { testid: "budgets-empty" } }, mayEdit() ? "No budgets yet: create one below." : "No budgets yet."));
    return;
  }
  const statuses = await Promise.all(list.map((b) => ctx.api(`/api/v1/budgets/${b.id}/status`).catch((e) => ({ error: e.message }))));
  const table = el("table", { dataset: { testid: "budgets-table" } },
    el("thead", {}, el("tr", {}, ...["Budget", "Scope", "Amount", "Spent", "", "Projected (estimate)", "Alerts", ""].map((h) => el("th", { scope: "col" }, h)))));
  const body = el("tbody");
  list.forEach((b, i) => body.append(budgetRow(b, statuses[i])));
  table.append(body);
  box.replaceChildren(table);
}

function budgetRow(b, st) {
  const tr = el("tr", { dataset: { testid: `budget-row-${b.id}`, id: String(b.id) } });
  tr.append(
    el("td", {}, st.error ? b.name : el("button", { type: "button", class: "link", dataset: { testid: `budget-open-${b.id}` }, "aria-label": `Show the days of ${b.name}`, on: { click: () => showDetail(b, st) } }, b.name)),
    el("td", {}, el("code", {}, b.filter || "everything"), el("span", { class: "muted" }, ` · ${b.metric}`)),
    moneyCell(el("td", { class: "num", dataset: { testid: `budget-amount-${b.id}` } }), b.amount, b.currency));
  if (st.error) {
    tr.append(el("td", { colspan: 5, class: "error" }, st.error));
    return tr;
  }
  tr.append(
    moneyCell(el("td", { class: "num", dataset: { testid: `budget-spent-${b.id}` } }), st.spent, b.currency),
    el("td", {}, bar(b, st)),
    el("td", { class: "num", dataset: { testid: `budget-projected-${b.id}` }, title: `${st.projected.mean} (${st.projected.lower} – ${st.projected.upper}) ${b.currency}, ${st.method}` },
      money(st.projected.mean, b.currency),
      el("span", { class: "muted small" }, `(${money(st.projected.lower, b.currency)} – ${money(st.projected.upper, b.currency)})`)),
    el("td", { dataset: { testid: `budget-alerts-${b.id}` } }, alerts(st)),
    el("td", {}, mayEdit() ? actions(b) : null));
  if (st.otherCurrencies) {
    const other = Object.entries(st.otherCurrencies).map(([c, v]) => money(v, c)).join(", ");
    tr.cells[1].append(el("div", { class: "muted" }, `Not counted (other currencies): ${other}`));
  }
  return tr;
}

// bar draws spend against the amount (full width is the larger of the
// amount and the projection), with the thresholds as ticks and the
// projection's interval as a band.
function bar(b, st) {
  const amount = Number(b.amount);
  const scale = Math.max(amount, Number(st.projected.upper), Number(st.spent)) || 1;
  const pct = (v) => `${Math.min(100, Math.max(0, (100 * Number(v)) / scale)).toFixed(2)}%`;
  const over = Number(st.spent) >= amount;
  const wrap = el("div", {
    class: "budget-bar", role: "img", dataset: { testid: `budget-bar-${b.id}` },
    "aria-label": `${st.spentPercent}% of the budget spent; projected ${st.projectedPercent}%`,
  });
  wrap.append(
    el("span", { class: "band", style: `left:${pct(st.projected.lower)};width:calc(${pct(st.projected.upper)} - ${pct(st.projected.lower)})` }),
    el("span", { class: over ? "fill over" : "fill", style: `width:${pct(st.spent)}` }),
    el("span", { class: "limit", style: `left:${pct(amount)}`, title: "Budget" }));
  for (const t of b.thresholds) wrap.append(el("span", { class: "tick", style: `left:${pct((amount * t) / 100)}`, title: `${t}%` }));
  return el("div", {}, wrap, el("span", { class: "muted small" }, `${st.spentPercent}% spent · ${st.projectedPercent}% projected`));
}

function alerts(st) {
  if (st.crossed.length) return el("strong", { class: "error" }, `Crossed ${st.crossed.join(", ")}%`);
  if (st.forecastCrossed.length) return el("span", {}, `Forecast to cross ${st.forecastCrossed.join(", ")}%`);
  return el("span", { class: "muted" }, "None");
}

function actions(b) {
  return el("div", { class: "row-actions" },
    el("button", { type: "button", dataset: { testid: `budget-edit-${b.id}` }, "aria-label": `Edit ${b.name}`, on: { click: () => startEdit(b) } }, "Edit"),
    el("button", {
      type: "button", dataset: { testid: `budget-delete-${b.id}` }, "aria-label": `Delete ${b.name}`,
      on: {
        click: async () => {
          if (!confirm(`Delete the budget "${b.name}"?`)) return;
          try {
            await ctx.api(`/api/v1/budgets/${b.id}`, { method: "DELETE" });
            ctx.showMessage(`Deleted "${b.name}".`, "info");
            root.querySelector("#budget-detail").hidden = true;
            await loadBudgets();
          } catch (e) {
            ctx.showMessage(e.message);
          }
        },
      },
    }, "Delete"));
}

// showDetail draws the month's days: actual costs as bars, the forecast
// as a line in its interval band.
function showDetail(b, st) {
  const box = root.querySelector("#budget-detail");
  box.hidden = false;
  box.replaceChildren(
    el("h2", { id: "budget-detail-h" }, `${b.name}: ${monthName(st.month.start)}`),
    el("p", { class: "muted" }, st.method === "none"
      ? "Every day of the month has data."
      : `Days after ${st.lastActualDay} are forecast (${st.method}); shaded: the 80% interval. ${st.note}`),
    dayChart(st.days, b.currency, Number(b.amount) / st.days.length || 0),
    dayTable(st.days, b.currency));
  box.scrollIntoView({ block: "nearest" });
  box.querySelector("h2").setAttribute("tabindex", "-1");
  box.querySelector("h2").focus();
}

function monthName(iso) {
  return new Date(iso).toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}

// dayChart is a small SVG: it needs no chart library for thirty bars.
function dayChart(days, currency, dailyBudget) {
  const W = 720, H = 220, P = 40;
  const vals = days.map((d) => Number(d.actual ?? d.upper ?? d.forecast ?? 0));
  const max = Math.max(1, dailyBudget, ...vals);
  const x = (i) => P + (i * (W - P - 8)) / Math.max(days.length, 1);
  const bw = Math.max(2, (W - P - 8) / Math.max(days.length, 1) - 2);
  const y = (v) => H - 24 - (Number(v) / max) * (H - 40);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", "day-chart");
  svg.setAttribute("role", "img");
  svg.dataset.testid = "forecast-chart";
  const forecastDays = days.filter((d) => d.forecast !== undefined).length;
  svg.setAttribute("aria-label", `Daily cost: ${days.length - forecastDays} actual days, ${forecastDays} forecast days`);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text) e.textContent = text;
    svg.append(e);
    return e;
  };
  add("line", { x1: P, x2: W - 8, y1: y(0), y2: y(0), class: "axis" });
  add("text", { x: P - 4, y: y(max) + 4, "text-anchor": "end", class: "tick-label" }, money(String(max.toFixed(0)), currency));
  if (dailyBudget > 0) add("line", { x1: P, x2: W - 8, y1: y(dailyBudget), y2: y(dailyBudget), class: "budget-line" });
  const band = [], mean = [];
  days.forEach((d, i) => {
    const cx = x(i) + bw / 2;
    if (d.actual !== undefined) {
      add("rect", { x: x(i), y: y(Math.max(0, d.actual)), width: bw, height: Math.max(0, y(0) - y(Math.max(0, d.actual))), class: "actual" })
        .append(title(`${d.date}: ${d.actual} ${currency}`));
    } else {
      band.push([cx, y(d.upper)]);
      band.unshift([cx, y(d.lower)]);
      mean.push([cx, y(d.forecast)]);
      add("circle", { cx, cy: y(d.forecast), r: 2.5, class: "forecast-dot" })
        .append(title(`${d.date}: forecast ${d.forecast} (${d.lower} – ${d.upper}) ${currency}, an estimate`));
    }
    if (i % 7 === 0) add("text", { x: cx, y: H - 6, "text-anchor": "middle", class: "tick-label" }, d.date.slice(5));
  });
  if (mean.length) {
    add("polygon", { points: band.map((p) => p.join(",")).join(" "), class: "band" });
    add("polyline", { points: mean.map((p) => p.join(",")).join(" "), class: "forecast" });
  }
  return svg;

  function title(text) {
    const t = document.createElementNS(ns, "title");
    t.textContent = text;
    return t;
  }
}

function dayTable(days, currency) {
  const t = el("table", { class: "days", dataset: { testid: "budget-days" } },
    el("caption", { class: "muted" }, "The same days as a table"),
    el("thead", {}, el("tr", {}, ...["Day", "Actual", "Forecast (estimate)", "80% interval"].map((h) => el("th", { scope: "col" }, h)))));
  const body = el("tbody");
  for (const d of days) {
    const tr = el("tr", {}, el("td", {}, d.date));
    tr.append(d.actual !== undefined ? moneyCell(el("td", { class: "num" }), d.actual, currency) : el("td"));
    tr.append(d.forecast !== undefined ? moneyCell(el("td", { class: "num" }), d.forecast, currency) : el("td"));
    tr.append(el("td", { class: "num muted" }, d.forecast !== undefined ? `${money(d.lower, currency)} – ${money(d.upper, currency)}` : ""));
    body.append(tr);
  }
  t.append(body);
  return el("details", {}, el("summary", {}, "Days as a table"), el("div", { class: "table-wrap" }, t));
}

// ---- the form ----

function formCard() {
  const field = (id, label, input, hint) => el("div", { class: "field" },
    el("label", { for: id }, label), input, hint ? el("small", { class: "muted", id: `${id}-hint` }, hint) : null);
  const metric = el("select", { id: "budget-metric", name: "metric", dataset: { testid: "budget-metric" } },
    ...METRICS.map(([v, l]) => el("option", { value: v }, l)));
  const form = el("form", { id: "budget-form", dataset: { testid: "budget-form" }, novalidate: true },
    field("budget-name", "Name", el("input", { id: "budget-name", name: "name", required: true, maxlength: 255, dataset: { testid: "budget-name" } })),
    field("budget-filter", "Scope (filter)", el("input", { id: "budget-filter", name: "filter", placeholder: 'service:"AmazonEC2"', "aria-describedby": "budget-filter-hint", dataset: { testid: "budget-filter" } }),
      'Empty: everything you see. Examples: subAccountId:"123456789012", tag[team]:"web", perspective:1001:"Prod".'),
    field("budget-metric", "Metric", metric),
    field("budget-amount", "Monthly amount", el("input", { id: "budget-amount", name: "amount", required: true, inputmode: "decimal", pattern: "[0-9]+(\\.[0-9]+)?", placeholder: "1200.00", dataset: { testid: "budget-amount" } })),
    field("budget-currency", "Currency", el("input", { id: "budget-currency", name: "currency", required: true, maxlength: 3, value: "USD", "aria-describedby": "budget-currency-hint", dataset: { testid: "budget-currency" } }),
      "USD counts every bill's USD value; another code counts the bills in that currency."),
    field("budget-thresholds", "Alert thresholds (%)", el("input", { id: "budget-thresholds", name: "thresholds", value: "50, 80, 100", dataset: { testid: "budget-thresholds" } })),
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "primary", id: "budget-submit", dataset: { testid: "budget-submit" } }, "Create budget"),
      el("button", { type: "button", id: "budget-cancel", hidden: true, on: { click: () => startEdit(null) } }, "Cancel")),
    el("p", { id: "budget-form-error", class: "error", role: "alert", dataset: { testid: "budget-form-error" } }));
  form.addEventListener("submit", submit);
  return el("section", { class: "card", "aria-labelledby": "budget-form-h" }, el("h2", { id: "budget-form-h" }, "New budget"), form);
}

function startEdit(b) {
  editing = b;
  const f = root.querySelector("#budget-form");
  f.name.value = b?.name ?? "";
  f.filter.value = b?.filter ?? "";
  f.metric.value = b?.metric ?? "billed";
  f.amount.value = b?.amount ?? "";
  f.currency.value = b?.currency ?? "USD";
  f.thresholds.value = (b?.thresholds ?? [50, 80, 100]).join(", ");
  root.querySelector("#budget-form-h").textContent = b ? `Edit "${b.name}"` : "New budget";
  root.querySelector("#budget-submit").textContent = b ? "Save budget" : "Create budget";
  root.querySelector("#budget-cancel").hidden = !b;
  root.querySelector("#budget-form-error").textContent = "";
  f.name.focus();
}

async function submit(ev) {
  ev.preventDefault();
  const f = ev.target;
  const err = root.querySelector("#budget-form-error");
  err.textContent = "";
  // The common mistakes are caught here, with the field focused; the
  // server checks everything again (and the filter only there).
  const thresholds = f.thresholds.value.split(/[\s,;%]+/).filter(Boolean).map(Number);
  const wrong = (field, msg) => {
    err.textContent = msg;
    f[field].setAttribute("aria-invalid", "true");
    f[field].focus();
  };
  for (const x of f.querySelectorAll("[aria-invalid]")) x.removeAttribute("aria-invalid");
  if (!f.name.value.trim()) return wrong("name", "Give the budget a name.");
  if (!/^[0-9]+(\.[0-9]+)?$/.test(f.amount.value.trim()) || !/[1-9]/.test(f.amount.value)) {
    return wrong("amount", "The amount is a positive number with a dot for decimals, such as 1200.50.");
  }
  if (!/^[A-Za-z]{3}$/.test(f.currency.value.trim())) return wrong("currency", "The currency is a three-letter code, such as USD or EUR.");
  if (thresholds.some((t) => !Number.isInteger(t) || t < 1 || t > 1000)) {
    return wrong("thresholds", "Thresholds are whole percentages from 1 to 1000, such as 50, 80, 100.");
  }
  // The amount goes as the string typed: the server reads it as an exact
  // decimal and says what is wrong with it.
  const body = { name: f.name.value, filter: f.filter.value, metric: f.metric.value, amount: f.amount.value.trim(), currency: f.currency.value, thresholds };
  try {
    const saved = editing
      ? await ctx.api(`/api/v1/budgets/${editing.id}`, { method: "PUT", body })
      : await ctx.api("/api/v1/budgets", { method: "POST", body });
    ctx.showMessage(`${editing ? "Saved" : "Created"} "${saved.name}".`, "info");
    startEdit(null);
    await loadBudgets();
  } catch (e) {
    err.textContent = e.message;
  }
}

// ---- anomalies ----

async function loadAnomalies() {
  const box = root.querySelector("#anomalies");
  const s = state();
  const select = (id, label, options, value, key) => el("div", { class: "field" },
    el("label", { for: id }, label),
    el("select", { id, dataset: { testid: id }, on: { change: (e) => setState({ ...s, [key]: e.target.value }) } },
      ...options.map(([v, l]) => el("option", { value: v, selected: v === value }, l))));
  const table = el("div", { class: "table-wrap", "aria-live": "polite" }, "Loading…");
  box.replaceChildren(
    el("h2", { id: "anomalies-h" }, "Anomalies"),
    el("div", { class: "controls" },
      select("anomaly-window", "Window", ANOMALY_WINDOWS, s.awindow, "awindow"),
      select("anomaly-group", "Group by", ANOMALY_GROUPS, s.agroup, "agroup")),
    el("p", { class: "muted", id: "anomaly-rule" }),
    table);
  let res;
  try {
    res = await ctx.api(`/api/v1/anomalies?window=${encodeURIComponent(s.awindow)}&groupBy=${encodeURIComponent(s.agroup)}`);
  } catch (e) {
    table.textContent = e.message;
    return;
  }
  box.querySelector("#anomaly-rule").textContent = `Flagged: ${res.rule.description}.`;
  if (!res.data.length) {
    table.replaceChildren(el("p", { dataset: { testid: "anomalies-empty" } }, "No anomalies in this window."));
    return;
  }
  const t = el("table", { dataset: { testid: "anomalies-table" } },
    el("thead", {}, el("tr", {}, ...["Day", ...res.groupBy, "Cost", "Expected", "Difference"].map((h) => el("th", { scope: "col" }, h)))));
  const body = el("tbody");
  // Newest first: the API sorts by day ascending.
  for (const a of [...res.data].reverse()) {
    const up = !a.difference.startsWith("-");
    const tr = el("tr", { class: up ? "spike" : "drop", dataset: { testid: "anomaly-row", date: a.date, group: res.groupBy.map((g) => a.group[g]).join(" · ") } },
      el("td", {}, a.date), ...res.groupBy.map((g) => el("td", {}, a.group[g] || "(none)")));
    tr.append(moneyCell(el("td", { class: "num", dataset: { testid: "anomaly-cost" } }), a.cost, a.currency),
      moneyCell(el("td", { class: "num", dataset: { testid: "anomaly-expected" } }), a.expected, a.currency));
    const diff = moneyCell(el("td", { class: "num", dataset: { testid: "anomaly-difference" } }), a.difference, a.currency);
    diff.prepend(el("span", { "aria-hidden": "true" }, up ? "▲ " : "▼ "));
    diff.append(el("span", { class: "visually-hidden" }, up ? " above expected" : " below expected"));
    tr.append(diff);
    body.append(tr);
  }
  t.append(body);
  table.replaceChildren(t);
}

// ---- style ----

// The page's own rules, so that it needs nothing of style.css beyond
// the shared classes (card, table-wrap, controls, field, num, muted).
function injectStyle() {
  if (document.getElementById("budgets-style")) return;
  document.head.append(el("style", { id: "budgets-style" }, `
.budgets-page h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
.budgets-page button.link { border: none; background: none; padding: 0; color: var(--accent, #1f5fbf); text-decoration: underline; text-align: left; }
.budget-bar { position: relative; width: 12rem; max-width: 40vw; height: .9rem; background: #eef2f8; border-radius: 3px; overflow: hidden; }
.budget-bar .fill { position: absolute; left: 0; top: 0; bottom: 0; background: #1a9850; }
.budget-bar .fill.over { background: #d62728; }
.budget-bar .band { position: absolute; top: 0; bottom: 0; background: rgba(31, 95, 191, .25); }
.budget-bar .limit { position: absolute; top: 0; bottom: 0; width: 2px; background: #1b1f24; }
.budget-bar .tick { position: absolute; top: 0; height: .35rem; width: 1px; background: #5b6472; }
.budgets-page .small { font-size: .8rem; display: block; }
.budgets-page [data-testid="budgets-table"] td { white-space: normal; vertical-align: top; }
.budgets-page [data-testid="budgets-table"] code { word-break: break-all; }
.budgets-page .row-actions { display: flex; gap: .3rem; }
/* The containing block of the cells' visually hidden text: without it
   that text is placed against the page and widens it past a phone's
   screen, out of reach of the table's own scrolling. */
.budgets-page .table-wrap { position: relative; }
.budgets-page form { display: grid; grid-template-columns: 1fr; gap: .6rem; }
.budgets-page form .field input, .budgets-page form .field select { width: 100%; }
.day-chart { width: 100%; max-width: 48rem; height: auto; display: block; }
.day-chart .actual { fill: #1f5fbf; }
.day-chart .band { fill: rgba(232, 113, 10, .2); }
.day-chart .forecast { fill: none; stroke: #e8710a; stroke-width: 2; stroke-dasharray: 4 3; }
.day-chart .forecast-dot { fill: #e8710a; }
.day-chart .budget-line { stroke: #d62728; stroke-dasharray: 2 2; }
.day-chart .axis { stroke: #5b6472; }
.day-chart .tick-label { font-size: 10px; fill: #5b6472; }
.budgets-page tr.spike td:last-child { color: #a4161a; }
.budgets-page tr.drop td:last-child { color: #1a6b3a; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (min-width: 48rem) { .budgets-page form { grid-template-columns: repeat(3, minmax(10rem, 1fr)); } .budgets-page form .actions, .budgets-page form p { grid-column: 1 / -1; } }
`));
}
