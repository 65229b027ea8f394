// Saved reports: the custom reports of the caller's organization
// (GET /api/v1/reports), saved from a name and a CloudHealth query
// string (POST /api/v1/reports), and deleted (DELETE /api/v1/reports/{id}).
// Only the native API is used: running a report is the CloudHealth
// dialect's business, which the UI does not speak.

import { deleteButton } from "./perspectives.js";
import { el } from "../dom.js";

const EXAMPLE = "dimensions[]=time&dimensions[]=AWS-Service-Category&measures[]=cost&interval=monthly";
const mayEdit = (ctx) => ["editor", "admin"].includes(ctx.me?.role);
const day = (t) => (t ? String(t).slice(0, 10) : "");

export async function render(root, ctx) {
  const body = el("div", { class: "table-wrap", testid: "reports-list" }, "Loading…");
  root.replaceChildren(...[el("h1", { text: "Saved reports" }),
    el("section", { class: "card", "aria-labelledby": "reports-h" },
      el("h2", { id: "reports-h", text: "Reports of your organization" }),
      el("p", { class: "muted", text: "Custom reports as CloudHealth clients save them: a name and the report's query string." }),
      body),
    mayEdit(ctx) ? createForm(ctx, () => refresh()) : null].filter(Boolean));

  async function refresh() {
    try {
      const { data } = await ctx.api("/api/v1/reports");
      body.replaceChildren(table(data, ctx, refresh));
    } catch (e) {
      body.replaceChildren(el("p", { class: "error", text: `Saved reports: ${e.message}` }));
    }
  }
  await refresh();
}

function table(reports, ctx, refresh) {
  if (!reports.length) return el("p", { class: "muted", testid: "reports-none", text: "No saved reports yet." });
  return el("table", { testid: "reports-table" },
    el("thead", {}, el("tr", {}, ["Id", "Name", "Query", "Updated", ""].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, reports.map((r) => el("tr", { testid: `report-${r.id}`, "data-name": r.name },
      el("th", { scope: "row", text: String(r.id) }),
      el("td", { text: r.name }),
      el("td", { class: "query" }, el("code", { text: r.query })),
      el("td", { text: day(r.updatedAt) }),
      el("td", {}, mayEdit(ctx) ? deleteButton(`Delete report ${r.name}`, `report-delete-${r.id}`, async () => {
        try {
          await ctx.api(`/api/v1/reports/${r.id}`, { method: "DELETE" });
          await refresh();
          ctx.showMessage(`Report ${r.name} deleted.`, "info");
        } catch (e) {
          ctx.showMessage(`Deleting report ${r.name}: ${e.message}`);
        }
      }) : null)))));
}

function createForm(ctx, refresh) {
  const name = el("input", { id: "report-name", required: true, autocomplete: "off", testid: "report-name" });
  const query = el("textarea", { id: "report-query", required: true, rows: "3", placeholder: EXAMPLE, testid: "report-query" });
  // A query string is long: the whole width, in the monospace it is listed in.
  Object.assign(query.style, { width: "100%", fontFamily: "monospace" });
  const status = el("p", { class: "status", role: "status", "aria-live": "polite", testid: "report-status" });
  const form = el("form", { testid: "report-form" },
    el("div", { class: "controls" },
      el("span", { class: "field" }, el("label", { for: "report-name", text: "Name" }), name)),
    el("div", { class: "field" }, el("label", { for: "report-query", text: "CloudHealth query string" }), query),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary", testid: "report-submit" }, "Save report")),
    status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.className = "status";
    try {
      const r = await ctx.api("/api/v1/reports", { method: "POST", body: { name: name.value.trim(), query: query.value.trim() } });
      name.value = "";
      query.value = "";
      status.textContent = `Report ${r.name} saved (id ${r.id}).`;
      await refresh();
    } catch (e) {
      status.className = "status error";
      status.textContent = e.message;
    }
  });
  return el("section", { class: "card", "aria-labelledby": "report-new-h" }, el("h2", { id: "report-new-h", text: "Save a report" }), form);
}
