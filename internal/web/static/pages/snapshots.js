// Snapshots: every import of one billing period from one source, with its
// rows, totals and status (GET /api/v1/snapshots, scoped to what the key
// may see); administrators delete one (DELETE /api/v1/snapshots/{id}),
// which makes the previous import of its period visible again. The
// filters live in the URL (#/snapshots?source=…&status=…).

import { moneyCell, integer } from "../format.js";
import { el } from "../dom.js";

const STATUSES = ["", "complete", "superseded", "loading", "failed", "deleted"];
const PROVIDERS = ["", "aws", "azure", "gcp", "focus"];
const METRICS = [["billed", "Billed"], ["list", "List"], ["net", "Net"], ["amortized", "Amortized"], ["amortizedNet", "Amortized net"]];
const FILTERS = ["source", "provider", "status", "metric"];

function select(name, list, selected, label) {
  const s = el("select", { name, "aria-label": label, testid: `snapshots-${name}` });
  for (const o of list) {
    const [value, text] = Array.isArray(o) ? o : [o, o || "any"];
    s.append(el("option", { value, selected: value === selected }, text));
  }
  return s;
}

const month = (t) => (t ? String(t).slice(0, 7) : "–");
const when = (t) => (t ? new Date(t).toLocaleString() : "–");

let state = null; // { root, ctx, controls }

export async function render(root, ctx) {
  const p = ctx.params || new URLSearchParams();
  const source = el("input", { name: "source", value: p.get("source") || "", placeholder: "any", "aria-label": "Source", testid: "snapshots-source" });
  const provider = select("provider", PROVIDERS, p.get("provider") || "", "Provider");
  const status = select("status", STATUSES, p.get("status") || "", "Status");
  const metric = select("metric", METRICS, p.get("metric") || "billed", "Metric of the totals");
  const form = el("form", { class: "controls", testid: "snapshots-filters" },
    ...[["Source", source], ["Provider", provider], ["Status", status], ["Totals", metric]].map(([l, i]) => el("label", { class: "field" }, el("span", { text: l }), i)));
  // Every change goes to the URL; update() then reloads the list.
  const go = () => {
    const q = new URLSearchParams();
    for (const [k, v] of [["source", source.value.trim()], ["provider", provider.value], ["status", status.value], ["metric", metric.value === "billed" ? "" : metric.value]]) {
      if (v) q.set(k, v);
    }
    ctx.navigate(q, { replace: true });
  };
  form.addEventListener("change", go);
  form.addEventListener("submit", (ev) => { ev.preventDefault(); go(); });
  const out = el("p", { class: "status muted", role: "status", "aria-live": "polite", testid: "snapshots-status" });
  const tbody = el("tbody", { testid: "snapshots-rows" });
  const head = ["Id", "Source", "Provider", "Period", "Status", "Rows", "Totals", "Files", "Committed", "Error", ""];
  root.append(
    el("h1", { text: "Snapshots" }),
    el("section", { class: "card" },
      el("p", { class: "muted" }, "Each import of one billing period from one source is a snapshot; only the newest complete one of a period counts."),
      form, out,
      el("div", { class: "table-wrap" }, el("table", { testid: "snapshots-table" },
        el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))), tbody))));
  state = { root, ctx, tbody, out, controls: { source, provider, status, metric } };
  await load(p);
}

// update follows a change of the URL's parameters without re-rendering.
export async function update(params) {
  if (!state) return;
  const c = state.controls;
  c.source.value = params.get("source") || "";
  c.provider.value = params.get("provider") || "";
  c.status.value = params.get("status") || "";
  c.metric.value = params.get("metric") || "billed";
  await load(params);
}

async function load(params) {
  const { ctx, tbody, out } = state;
  const q = new URLSearchParams();
  for (const k of FILTERS.slice(0, 3)) if (params.get(k)) q.set(k, params.get(k));
  const metric = params.get("metric") || "billed";
  let res;
  try {
    res = await ctx.api("/api/v1/snapshots" + (q.toString() ? "?" + q : ""));
  } catch (e) {
    out.textContent = e.message;
    out.className = "status error";
    tbody.replaceChildren();
    return;
  }
  const list = res.data || [];
  out.className = "status muted";
  out.textContent = list.length ? `${integer(list.length)} snapshot(s)` : "No snapshot matches.";
  tbody.replaceChildren(...list.map((s) => row(s, metric)));
}

// mayDelete: deleting needs an administrator of the whole data (the
// server checks; the button is only offered where it can succeed).
function mayDelete(me) {
  return me?.role === "admin" && (me.noAuth || me.accounts === null);
}

function row(s, metric) {
  const { ctx } = state;
  const totals = el("td", { class: "num" });
  for (const t of s.totals) {
    totals.append(moneyCell(el("span", { class: "total", testid: `snapshot-total-${s.id}-${t.currency}` }), t.costs[metric] ?? "0", t.currency), " ");
  }
  const del = async () => {
    if (!confirm(`Delete snapshot ${s.id} (${s.source}, ${month(s.billingPeriodStart)})? The previous import of its period becomes visible.`)) return;
    try {
      await ctx.api(`/api/v1/snapshots/${s.id}`, { method: "DELETE" });
      ctx.showMessage(`Snapshot ${s.id} deleted.`, "info");
    } catch (e) {
      ctx.showMessage(`Deleting snapshot ${s.id}: ${e.message}`);
    }
    const p = new URLSearchParams(location.hash.split("?")[1] || "");
    await load(p);
  };
  return el("tr", { testid: `snapshot-${s.id}`, "data-status": s.status },
    el("th", { scope: "row", text: String(s.id) }),
    el("td", { text: s.source }),
    el("td", { text: s.provider }),
    el("td", { text: month(s.billingPeriodStart), title: `${s.billingPeriodStart || ""} – ${s.billingPeriodEnd || ""}` }),
    el("td", { text: s.status, class: s.status === "failed" ? "error" : null }),
    el("td", { class: "num", text: integer(s.rows) }),
    totals,
    el("td", { text: s.files.join(", "), class: "muted" }),
    el("td", { text: when(s.committedAt) }),
    // Errors name file, line and column: long, so they wrap.
    el("td", { class: "error", style: "white-space: normal; min-width: 14rem", text: s.error || "" }),
    el("td", {}, mayDelete(ctx.me) && s.status !== "deleted" ?
      el("button", { type: "button", onclick: del, "aria-label": `Delete snapshot ${s.id}`, testid: `delete-snapshot-${s.id}` }, "Delete") : null));
}
