// Sources and imports: the configured sources with their last import,
// coverage, status and errors; adding one; rebuilding or repairing a
// window; and uploading a bill file from the browser with a progress bar.
// Everything comes from the native API (/api/v1/sources, /api/v1/imports),
// which only administrators of the default organization may use.

import { money, integer } from "../format.js";
import { el } from "../dom.js";

const PROVIDERS = [["aws", "AWS Cost and Usage Report"], ["azure", "Azure cost export"], ["gcp", "GCP billing export"], ["focus", "FOCUS"]];
const FORMATS = ["auto", "csv", "parquet", "jsonl"];
// The key app.js keeps in session storage: the upload is sent with
// XMLHttpRequest, whose upload events fetch() does not give.
const KEY = "tally-key";

// el builds an element: attributes (on* are listeners, testid sets
// data-testid) and children (strings become text).
function field(label, input) {
  return el("label", { class: "field" }, el("span", { text: label }), input);
}

function options(select, list, selected) {
  for (const o of list) {
    const [value, text] = Array.isArray(o) ? o : [o, o];
    select.append(el("option", { value, selected: value === selected }, text));
  }
  return select;
}

const when = (t) => (t ? new Date(t).toLocaleString() : "–");
const day = (t) => (t ? String(t).slice(0, 10) : "–");

export async function render(root, ctx) {
  const { api } = ctx;
  const admin = ctx.me?.role === "admin";
  const status = el("p", { class: "status muted", role: "status", "aria-live": "polite", testid: "sources-status" });
  const tbody = el("tbody", { testid: "sources-rows" });
  const table = el("div", { class: "table-wrap" }, el("table", { testid: "sources-table" },
    el("caption", { class: "muted", text: "Configured sources" }),
    el("thead", {}, el("tr", {}, ["Source", "Provider", "Location", "Status", "Last import", "Coverage", "Files", "Rows", "Last error", "Actions"].map((h) => el("th", { scope: "col", text: h })))),
    tbody));
  root.append(
    el("h1", { text: "Sources and imports" }),
    uploadCard(ctx, () => load()),
    el("section", { class: "card", "aria-labelledby": "sources-h" },
      el("h2", { id: "sources-h", text: "Configured sources" }),
      el("p", { class: "muted" }, "A configured source is read on its schedule from its location (S3, Azure Blob, GCS or a folder on the server). ",
        "Rebuild re-reads every billing period; repair re-reads the periods overlapping a window, e.g. ", el("code", { text: "2024-03-01,2024-04-01" }), "."),
      status, table),
    admin ? addCard(ctx, () => load()) : null,
  );

  let timer = null;
  async function load() {
    clearTimeout(timer);
    let res;
    try {
      res = await api("/api/v1/sources");
    } catch (e) {
      // 501: the server runs no pipeline; 403: not an administrator.
      status.textContent = e.message;
      status.className = "status error";
      table.hidden = true;
      return;
    }
    const list = res.data || [];
    table.hidden = false;
    status.className = "status muted";
    status.textContent = list.length ? "" : "No source is configured: add one below, or upload a file above.";
    tbody.replaceChildren(...list.map((s) => sourceRow(s, ctx, load)));
    // A run in progress moves its status: follow it while the page shows.
    if (list.some((s) => s.status.progress > 0 && s.status.progress < 1) && root.isConnected) {
      timer = setTimeout(load, 2000);
    }
  }
  await load();
}

function sourceRow(s, ctx, reload) {
  const st = s.status;
  const coverage = st.coverage ? `${day(st.coverage.start)} – ${day(st.coverage.end)}` : "–";
  let state = st.connectionStatus || (st.valid ? "valid" : "not valid");
  if (st.progress > 0 && st.progress < 1) state += ` · ${Math.round(st.progress * 100)} %`;
  const repairWindow = el("input", { type: "text", size: "22", placeholder: "2024-03-01,2024-04-01", "aria-label": `Window to repair in ${s.name}`, testid: `repair-window-${s.name}` });
  const act = async (label, method, path) => {
    try {
      const r = await ctx.api(path, { method });
      ctx.showMessage(r?.message || `${label}: done`, "info");
    } catch (e) {
      ctx.showMessage(`${label} ${s.name}: ${e.message}`);
    }
    reload();
  };
  const enc = encodeURIComponent(s.name);
  return el("tr", { testid: `source-${s.name}` },
    el("th", { scope: "row", text: s.name }),
    el("td", { text: s.provider }),
    el("td", { text: s.location?.url || "" }),
    el("td", { text: state, title: `active: ${st.active}, runs: ${st.runs}, next run: ${when(st.nextRun)}` }),
    el("td", { text: when(st.lastRun) }),
    el("td", { text: coverage }),
    el("td", { class: "num", text: integer(st.files) }),
    el("td", { class: "num", text: integer(st.rows) }),
    el("td", { class: st.lastError ? "error" : "muted", style: "white-space: normal; min-width: 14rem", text: st.lastError || "–", testid: `source-error-${s.name}` }),
    el("td", {},
      el("div", { class: "actions" },
        el("button", { type: "button", testid: `rebuild-${s.name}`, onclick: () => confirm(`Re-read every billing period of ${s.name}?`) && act("Rebuild", "POST", `/api/v1/sources/${enc}/rebuild`) }, "Rebuild"),
        repairWindow,
        el("button", {
          type: "button", testid: `repair-${s.name}`,
          onclick: () => {
            const w = repairWindow.value.trim();
            if (!w) { repairWindow.focus(); ctx.showMessage("Give the window to repair, e.g. 2024-03-01,2024-04-01 or lastmonth."); return; }
            act("Repair", "POST", `/api/v1/sources/${enc}/repair?window=${encodeURIComponent(w)}`);
          },
        }, "Repair"),
        s.fromConfigFile ? el("span", { class: "muted", text: "from the configuration file" }) :
          el("button", { type: "button", testid: `remove-${s.name}`, onclick: () => confirm(`Remove source ${s.name}? Its snapshots stay.`) && act("Remove", "DELETE", `/api/v1/sources/${enc}`) }, "Remove"))));
}

// addCard adds a source (POST /api/v1/sources). Credentials go in the
// extra settings, as JSON: they are stored sealed and never shown again.
function addCard(ctx, reload) {
  const name = el("input", { name: "name", required: true, pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}", testid: "add-name" });
  const provider = options(el("select", { name: "provider", testid: "add-provider" }), PROVIDERS, "aws");
  const format = options(el("select", { name: "format", testid: "add-format" }), FORMATS, "auto");
  const url = el("input", { name: "url", required: true, placeholder: "s3://bucket/prefix", testid: "add-url" });
  const refresh = el("input", { name: "refresh", placeholder: "6h", testid: "add-refresh" });
  const extra = el("textarea", { name: "extra", rows: "3", cols: "40", placeholder: '{"region": "eu-west-1", "access_key_id": "…", "secret_access_key": "…"}', testid: "add-extra" });
  const out = el("p", { class: "status", role: "status", "aria-live": "polite", testid: "add-status" });
  const form = el("form", { class: "controls", testid: "add-form" },
    field("Name", name), field("Provider", provider), field("File format", format), field("Location URL", url),
    field("Refresh every", refresh), field("Other location settings (JSON)", extra),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary", testid: "add-submit" }, "Add source")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let location = { url: url.value.trim() };
    if (extra.value.trim()) {
      try {
        location = { ...JSON.parse(extra.value), ...location };
      } catch (e) {
        out.textContent = `Other location settings: not JSON (${e.message})`;
        out.className = "status error";
        return;
      }
    }
    const body = { name: name.value.trim(), provider: provider.value, format: format.value, location };
    if (refresh.value.trim()) body.refresh = refresh.value.trim();
    try {
      await ctx.api("/api/v1/sources", { method: "POST", body });
      out.textContent = `Source ${body.name} added; its first import starts now.`;
      out.className = "status";
      form.reset();
      reload();
    } catch (e) {
      out.textContent = e.message;
      out.className = "status error";
    }
  });
  return el("section", { class: "card", "aria-labelledby": "add-h" }, el("h2", { id: "add-h", text: "Add a source" }), form, out);
}

// uploadCard sends one file to POST /api/v1/imports. The bar shows the
// upload's progress (XMLHttpRequest upload events); the server imports
// the file within the request, so after the last byte the bar waits
// (indeterminate) until the answer lists the snapshots created.
function uploadCard(ctx, reload) {
  const file = el("input", { type: "file", name: "file", required: true, accept: ".csv,.gz,.parquet,.jsonl,.json,.zip,.tar,.tgz", testid: "upload-file" });
  const provider = options(el("select", { name: "provider", testid: "upload-provider" }), PROVIDERS, "aws");
  const source = el("input", { name: "source", required: true, value: "uploads", pattern: "\\S+", testid: "upload-source" });
  const bar = el("progress", { max: "1", value: "0", hidden: true, "aria-label": "Upload progress", testid: "upload-progress" });
  const out = el("div", { class: "status", role: "status", "aria-live": "polite", testid: "upload-status" });
  const submit = el("button", { type: "submit", class: "primary", testid: "upload-submit" }, "Upload and import");
  const form = el("form", { class: "controls", testid: "upload-form" },
    field("Bill file", file), field("Provider", provider), field("Source name", source),
    el("div", { class: "actions" }, submit, bar));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = file.files[0];
    if (!f) return;
    const q = new URLSearchParams({ provider: provider.value, source: source.value.trim(), name: f.name });
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/imports?" + q);
    const key = sessionStorage.getItem(KEY);
    if (key) xhr.setRequestHeader("Authorization", "Bearer " + key);
    xhr.setRequestHeader("Content-Type", f.type || "application/octet-stream");
    bar.hidden = false;
    bar.value = 0;
    submit.disabled = true;
    out.className = "status";
    out.textContent = `Uploading ${f.name}…`;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = e.loaded / e.total;
    });
    xhr.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // indeterminate while the server imports
      out.textContent = `Importing ${f.name}…`;
    });
    const done = () => { submit.disabled = false; bar.hidden = true; };
    xhr.addEventListener("error", () => { done(); out.className = "status error"; out.textContent = "The upload failed: the server did not answer."; });
    xhr.addEventListener("load", () => {
      done();
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: a proxy's page */ }
      if (xhr.status !== 201) {
        out.className = "status error";
        out.textContent = body?.error?.message || `${xhr.status} ${xhr.statusText}`;
        return;
      }
      out.replaceChildren(imported(body));
      form.reset();
      source.value = body.source;
      reload();
    });
    xhr.send(f);
  });
  return el("section", { class: "card", "aria-labelledby": "upload-h" },
    el("h2", { id: "upload-h", text: "Upload a bill" }),
    el("p", { class: "muted" }, "A CUR, Azure or GCP export or FOCUS file (CSV, gzip, Parquet, zip or tar). ",
      "Uploading a billing period of the same source again replaces it; a file that does not parse changes nothing."),
    form, out);
}

// imported summarises an upload's answer: one line per snapshot.
function imported(res) {
  return el("div", { testid: "upload-result" },
    el("p", {}, `Imported ${integer(res.rows)} rows of ${res.file} into source ${res.source}. `, el("a", { href: `#/snapshots?source=${encodeURIComponent(res.source)}` }, "See its snapshots")),
    el("ul", {}, res.snapshots.map((s) => el("li", { testid: `upload-snapshot-${s.id}` },
      `Snapshot ${s.id}: ${day(s.billingPeriodStart)} – ${day(s.billingPeriodEnd)}, ${integer(s.rows)} rows, `,
      ...s.totals.map((t) => el("span", { title: `${t.costs.billed} ${t.currency}`, "data-exact": t.costs.billed }, `${money(t.costs.billed, t.currency)} billed `)),
      `(${s.status})`))));
}
