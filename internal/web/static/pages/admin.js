// Administration: API keys (list, create with role, organization and
// customer scope, rotate, revoke), organizations and partner customers
// with the accounts each sees. Everything goes through the native API's
// tenancy endpoints, which decide what the key may see and change: a
// partner sees its customers and their keys, an administrator of an
// organization its own subtree.

import { el } from "../dom.js";

function field(label, input) {
  return el("label", { class: "field" }, el("span", { text: label }), input);
}

function table(testid, head, rows) {
  return el("div", { class: "table-wrap" }, el("table", { testid },
    el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows)));
}

// ACCOUNT_KINDS are the account lists of an organization.
const ACCOUNT_KINDS = [["aws_accounts", "AWS accounts"], ["azure_subscriptions", "Azure subscriptions"], ["gcp_compute_projects", "GCP projects"], ["data_center_accounts", "Data center accounts"]];
const ROLES = ["viewer", "editor", "partner", "admin"];
const day = (t) => (t ? String(t).slice(0, 10) : "");
const ids = (s) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);

export async function render(root, ctx) {
  const body = el("div", {});
  root.append(el("h1", { text: "Administration" }), body);
  const reload = async () => {
    const [keys, orgs, customers] = await Promise.all(["/api/v1/keys", "/api/v1/organizations", "/api/v1/customers"].map((p) =>
      ctx.api(p).then((r) => r.data || [], (e) => e)));
    const say = (what, v) => (v instanceof Error ? el("p", { class: "error", text: `${what}: ${v.message}` }) : null);
    const orgList = orgs instanceof Error ? [] : orgs;
    const custList = customers instanceof Error ? [] : customers;
    body.replaceChildren(
      el("section", { class: "card", "aria-labelledby": "keys-h" }, el("h2", { id: "keys-h", text: "API keys" }),
        say("Keys", keys) || keysTable(keys, orgList, custList, ctx, reload), keyForm(orgList, custList, ctx, reload)),
      el("section", { class: "card", "aria-labelledby": "orgs-h" }, el("h2", { id: "orgs-h", text: "Organizations" }),
        say("Organizations", orgs) || orgsTable(orgList, ctx, reload), orgForm(orgList, ctx, reload)),
      el("section", { class: "card", "aria-labelledby": "customers-h" }, el("h2", { id: "customers-h", text: "Customers" }),
        say("Customers", customers) || customersTable(custList, ctx, reload), customerForm(ctx, reload)));
  };
  await reload();
}

// run calls the API and reports the outcome above the page; reload
// follows a success.
async function run(ctx, what, path, opts, reload) {
  try {
    const r = await ctx.api(path, opts);
    if (reload) await reload();
    return r;
  } catch (e) {
    ctx.showMessage(`${what}: ${e.message}`);
    return null;
  }
}

// secretNotice shows a new key once: the server keeps only its hash.
function secretNotice(ctx, k) {
  ctx.showMessage(`Key ${k.name} (${k.prefix}): ${k.secret} — copy it now, it is not shown again.`, "info");
}

function keysTable(keys, orgs, customers, ctx, reload) {
  const orgName = (id) => orgs.find((o) => o.id === id)?.name ?? String(id);
  const custName = (id) => (id == null ? "" : customers.find((c) => c.id === id)?.name ?? String(id));
  return table("keys-table", ["Id", "Key", "Name", "Role", "Organization", "Customer", "Created", "Revoked", ""], keys.map((k) =>
    el("tr", { testid: `key-${k.id}` },
      el("th", { scope: "row", text: String(k.id) }),
      el("td", {}, el("code", { text: k.prefix })),
      el("td", { text: k.name }), el("td", { text: k.role }),
      el("td", { text: orgName(k.organization) }), el("td", { text: custName(k.customer) }),
      el("td", { text: day(k.createdAt) }), el("td", { text: day(k.revokedAt) }),
      el("td", {}, k.revokedAt ? null : el("div", { class: "actions" },
        el("button", {
          type: "button", "aria-label": `Rotate key ${k.name}`, testid: `rotate-key-${k.id}`,
          onclick: async () => {
            if (!confirm(`Rotate key ${k.name}? The old key stops working.`)) return;
            const r = await run(ctx, `Rotating key ${k.name}`, `/api/v1/keys/${k.id}/rotate`, { method: "POST" }, reload);
            if (r) secretNotice(ctx, r);
          },
        }, "Rotate"),
        el("button", {
          type: "button", "aria-label": `Revoke key ${k.name}`, testid: `revoke-key-${k.id}`,
          onclick: () => confirm(`Revoke key ${k.name}?`) && run(ctx, `Revoking key ${k.name}`, `/api/v1/keys/${k.id}`, { method: "DELETE" }, reload),
        }, "Revoke"))))));
}

function keyForm(orgs, customers, ctx, reload) {
  const name = el("input", { name: "name", required: true, testid: "key-name" });
  const role = el("select", { name: "role", testid: "key-role" }, ROLES.map((r) => el("option", { value: r }, r)));
  const org = el("select", { name: "organization", testid: "key-org" }, orgs.map((o) => el("option", { value: String(o.id) }, o.name)));
  const cust = el("select", { name: "customer", testid: "key-customer" }, el("option", { value: "" }, "none"), customers.map((c) => el("option", { value: String(c.id) }, c.name)));
  const replace = el("input", { type: "checkbox", name: "replace", testid: "key-replace" });
  const form = el("form", { class: "controls", testid: "key-form" },
    field("Name", name), field("Role", role), field("Organization", org), field("Customer (partner keys)", cust),
    el("label", {}, replace, " revoke other keys of this name"),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary", testid: "key-submit" }, "Create key")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { name: name.value.trim(), role: role.value, replace: replace.checked };
    if (org.value) body.organization = Number(org.value);
    if (cust.value) body.customer = Number(cust.value);
    const k = await run(ctx, "Creating a key", "/api/v1/keys", { method: "POST", body }, reload);
    if (k) secretNotice(ctx, k);
  });
  return el("details", {}, el("summary", { text: "Create a key" }), form);
}

function accountsText(accounts) {
  return ACCOUNT_KINDS.map(([k, label]) => (accounts?.[k]?.length ? `${label}: ${accounts[k].join(", ")}` : "")).filter(Boolean).join("; ");
}

function orgsTable(orgs, ctx, reload) {
  const name = (id) => orgs.find((o) => o.id === id)?.name ?? "";
  return table("orgs-table", ["Id", "Name", "Parent", "Description", "Accounts", ""], orgs.map((o) =>
    el("tr", { testid: `org-${o.id}` },
      el("th", { scope: "row", text: String(o.id) }),
      el("td", { text: o.name }), el("td", { text: o.parentId ? name(o.parentId) : "" }),
      el("td", { text: o.description }),
      el("td", { text: o.default ? "every account" : accountsText(o.accounts) || "none" }),
      el("td", {}, o.default ? null : el("div", { class: "actions" },
        el("button", { type: "button", "aria-label": `Set the accounts of ${o.name}`, testid: `org-accounts-${o.id}`, onclick: () => editOrgAccounts(o, ctx, reload) }, "Accounts…"),
        el("button", {
          type: "button", "aria-label": `Delete organization ${o.name}`, testid: `delete-org-${o.id}`,
          onclick: () => confirm(`Delete organization ${o.name}?`) && run(ctx, `Deleting ${o.name}`, `/api/v1/organizations/${o.id}`, { method: "DELETE" }, reload),
        }, "Delete"))))));
}

// editOrgAccounts asks for each list of accounts and replaces them
// (PUT /api/v1/organizations/{id}/accounts).
function editOrgAccounts(o, ctx, reload) {
  const body = {};
  for (const [k, label] of ACCOUNT_KINDS) {
    const v = prompt(`${label} of ${o.name}, separated by commas:`, (o.accounts?.[k] || []).join(", "));
    if (v === null) return;
    body[k] = ids(v);
  }
  run(ctx, `Setting the accounts of ${o.name}`, `/api/v1/organizations/${o.id}/accounts`, { method: "PUT", body }, reload);
}

function orgForm(orgs, ctx, reload) {
  const name = el("input", { name: "name", required: true, testid: "org-name" });
  const description = el("input", { name: "description", testid: "org-description" });
  const parent = el("select", { name: "parent", testid: "org-parent" }, el("option", { value: "" }, "none (a top-level organization)"),
    orgs.filter((o) => !o.default).map((o) => el("option", { value: String(o.id) }, o.name)));
  const form = el("form", { class: "controls", testid: "org-form" },
    field("Name", name), field("Description", description), field("Part of (FlexOrg)", parent),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary", testid: "org-submit" }, "Create organization")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { name: name.value.trim(), description: description.value.trim() };
    if (parent.value) body.parentId = Number(parent.value);
    await run(ctx, "Creating an organization", "/api/v1/organizations", { method: "POST", body }, reload);
  });
  return el("details", {}, el("summary", { text: "Create an organization" }), form);
}

function customersTable(customers, ctx, reload) {
  return table("customers-table", ["Id", "Name", "Accounts", "Created", ""], customers.map((c) =>
    el("tr", { testid: `customer-${c.id}` },
      el("th", { scope: "row", text: String(c.id) }),
      el("td", { text: c.name }), el("td", { text: c.accounts.join(", ") || "none" }), el("td", { text: day(c.createdAt) }),
      el("td", {}, el("div", { class: "actions" },
        el("button", {
          type: "button", "aria-label": `Set the accounts of ${c.name}`, testid: `customer-accounts-${c.id}`,
          onclick: () => {
            const v = prompt(`Accounts of ${c.name}, separated by commas:`, c.accounts.join(", "));
            if (v !== null) run(ctx, `Setting the accounts of ${c.name}`, `/api/v1/customers/${c.id}/accounts`, { method: "PUT", body: { ids: ids(v) } }, reload);
          },
        }, "Accounts…"),
        el("button", {
          type: "button", "aria-label": `Delete customer ${c.name}`, testid: `delete-customer-${c.id}`,
          onclick: () => confirm(`Delete customer ${c.name}?`) && run(ctx, `Deleting ${c.name}`, `/api/v1/customers/${c.id}`, { method: "DELETE" }, reload),
        }, "Delete"))))));
}

function customerForm(ctx, reload) {
  const name = el("input", { name: "name", required: true, testid: "customer-name" });
  const form = el("form", { class: "controls", testid: "customer-form" },
    field("Name", name),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary", testid: "customer-submit" }, "Create customer")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    await run(ctx, "Creating a customer", "/api/v1/customers", { method: "POST", body: { name: name.value.trim() } }, reload);
  });
  return el("details", {}, el("summary", { text: "Create a customer" }), form);
}
