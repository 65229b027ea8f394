// Tally's web UI: the shell. A hash router (#/page?params) loads one
// module per page from the routes table, a sign-in page takes an API key
// kept in sessionStorage (never in the URL), and api() is the one way
// pages talk to the server: the native API under /api/v1.

const KEY = "tally-key";

// routes: one line per page. roles lists who sees it (from /api/v1/me).
// A page module exports render(el, ctx), ctx being { api, me, params,
// navigate(params, {replace}), showMessage(text, kind) }: params are the
// URLSearchParams after "?" in the hash, and navigate writes new ones
// (the URL holds the page's state). It may export update(params), called
// instead of a new render when only the page's parameters change.
export const routes = [
  { path: "explorer", title: "Explorer", load: () => import("./pages/explorer.js"), roles: ["viewer", "editor", "partner", "admin"] },
  { path: "budgets", title: "Budgets", load: () => import("./pages/budgets.js"), roles: ["viewer", "editor", "partner", "admin"] },
  { path: "perspectives", title: "Perspectives", load: () => import("./pages/perspectives.js"), roles: ["viewer", "editor", "partner", "admin"] },
  { path: "reports", title: "Reports", load: () => import("./pages/reports.js"), roles: ["viewer", "editor", "partner", "admin"] },
  { path: "sources", title: "Sources", load: () => import("./pages/sources.js"), roles: ["admin"] },
  { path: "snapshots", title: "Snapshots", load: () => import("./pages/snapshots.js"), roles: ["viewer", "editor", "partner", "admin"] },
  { path: "admin", title: "Administration", load: () => import("./pages/admin.js"), roles: ["partner", "admin"] },
];

// ApiError carries the native error body's status and message.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// api fetches path (under the server root) with the session's key and
// returns the decoded JSON, or throws an ApiError with the server's message.
export async function api(path, opts = {}) {
  const headers = new Headers(opts.headers || {});
  const key = sessionStorage.getItem(KEY);
  if (key) headers.set("Authorization", "Bearer " + key);
  if (opts.body && typeof opts.body !== "string" && !(opts.body instanceof Blob) && !(opts.body instanceof FormData)) {
    headers.set("Content-Type", "application/json");
    opts = { ...opts, body: JSON.stringify(opts.body) };
  }
  let res;
  try {
    res = await fetch(path, { ...opts, headers });
  } catch (e) {
    throw new ApiError(0, `the server did not answer (${e.message})`);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: a proxy's page or a plain-text error.
  }
  if (!res.ok) {
    const msg = body?.error?.message || body?.message || text.trim() || res.statusText;
    if (res.status === 401 && path !== "/api/v1/me") signOut("Your key was refused: " + msg);
    throw new ApiError(res.status, msg);
  }
  return body;
}

const $ = (id) => document.getElementById(id);
let me = null;
let current = null; // { path, module }
let routeSeq = 0;

// showMessage shows an error (or, with kind "info", a notice) above the page.
export function showMessage(text, kind = "error") {
  const el = $("message");
  el.textContent = text;
  el.className = "message " + kind;
  el.hidden = !text;
}

function parseHash() {
  const h = location.hash.replace(/^#\/?/, "");
  const [path, qs] = h.split("?", 2);
  return { path: path || "", params: new URLSearchParams(qs || "") };
}

// navigate sets the page and its parameters in the URL, so that reloading
// or sharing the link restores the view.
export function navigate(path, params, { replace = false } = {}) {
  const qs = params && [...params].length ? "?" + params.toString() : "";
  const url = `#/${path}${qs}`;
  if (url === location.hash) return;
  if (replace) {
    history.replaceState(null, "", url);
    route();
  } else {
    location.hash = url;
  }
}

function allowed() {
  return routes.filter((r) => me && r.roles.includes(me.role));
}

function renderNav() {
  const nav = $("nav");
  nav.replaceChildren();
  const { path } = parseHash();
  for (const r of allowed()) {
    const a = document.createElement("a");
    a.href = `#/${r.path}`;
    a.textContent = r.title;
    a.dataset.testid = `nav-${r.path}`;
    if (r.path === path) a.setAttribute("aria-current", "page");
    nav.append(a);
  }
  $("who").textContent = me ? `${me.name} · ${me.role}${me.noAuth ? " (no key needed)" : ""}` : "";
  $("signout").hidden = !me || me.noAuth;
}

function signInPage(reason) {
  current = null;
  $("nav").replaceChildren();
  $("who").textContent = "";
  $("signout").hidden = true;
  const main = $("main");
  main.innerHTML = `
    <section class="signin card" data-testid="signin">
      <h1>Sign in</h1>
      <p>Paste an API key (made with <code>tally keys create</code>). It is kept in this
      tab's session storage only and sent as <code>Authorization: Bearer</code>.</p>
      <form id="signin-form">
        <label for="signin-key">API key</label>
        <input id="signin-key" name="key" type="password" autocomplete="off" required data-testid="signin-key">
        <button type="submit" data-testid="signin-submit">Sign in</button>
      </form>
      <p id="signin-error" class="error" role="alert" data-testid="signin-error"></p>
    </section>`;
  if (reason) $("signin-error").textContent = reason;
  $("signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const key = $("signin-key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY, key);
    $("signin-key").value = "";
    await start();
  });
  $("signin-key").focus();
}

export function signOut(reason) {
  sessionStorage.removeItem(KEY);
  me = null;
  showMessage("");
  signInPage(reason);
}

async function route() {
  if (!me) return;
  const { path, params } = parseHash();
  const pages = allowed();
  const r = pages.find((p) => p.path === path);
  if (!r) {
    if (pages.length) navigate(pages[0].path, null, { replace: true });
    else $("main").textContent = "This key may see no page.";
    return;
  }
  renderNav();
  if (current && current.path === path && current.module.update) {
    current.module.update(params);
    return;
  }
  showMessage("");
  const main = $("main");
  main.replaceChildren();
  document.title = `${r.title} · Tally`;
  // A newer route (a hash change while this page's module loads) wins:
  // two pages must never render into main at once.
  const token = ++routeSeq;
  current = null;
  try {
    const module = await r.load();
    if (token !== routeSeq) return;
    current = { path, module };
    await module.render(main, { api, me, params, navigate: (p, o) => navigate(path, p, o), showMessage });
  } catch (e) {
    showMessage(e.message);
  }
}

// config is the server's /ui-config.json: whether it needs a key at all.
let config = null;

async function start() {
  showMessage("");
  const hadKey = Boolean(sessionStorage.getItem(KEY));
  if (!config) {
    try {
      const res = await fetch("ui-config.json", { cache: "no-store" });
      config = res.ok ? await res.json() : {};
    } catch {
      config = {};
    }
  }
  // Without a key a server that needs one would answer /api/v1/me with
  // 401, which the browser logs as an error: ask for the key first.
  if (!hadKey && !config.noAuth) {
    me = null;
    signInPage("");
    return;
  }
  try {
    me = await api("/api/v1/me");
  } catch (e) {
    me = null;
    if (e.status === 401 || e.status === 403) {
      sessionStorage.removeItem(KEY);
      // No key yet is the ordinary first visit, not an error.
      signInPage(hadKey ? "That key was refused: " + e.message : "");
    } else {
      signInPage(e.message);
    }
    return;
  }
  current = null;
  await route();
}

window.addEventListener("hashchange", route);
// The skip link must not change the hash: the hash is the router's.
document.querySelector("[data-testid=skip]").addEventListener("click", (ev) => {
  ev.preventDefault();
  $("main").focus();
});
$("signout").addEventListener("click", () => signOut(""));
$("nav-toggle").addEventListener("click", () => {
  const open = document.body.classList.toggle("nav-open");
  $("nav-toggle").setAttribute("aria-expanded", String(open));
});
start();
