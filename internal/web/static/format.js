// Money and number formatting. The API sends money as exact decimal
// strings; Intl.NumberFormat formats such a string as an exact decimal
// (no float rounding), so what is shown is the exact value rounded once.

const moneyFormats = new Map();

function moneyFormat(currency) {
  let f = moneyFormats.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    } catch {
      // Not an ISO 4217 code (a bill can say anything): the number, then the code.
      const n = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      f = { format: (v) => `${n.format(v)} ${currency}` };
    }
    moneyFormats.set(currency, f);
  }
  return f;
}

// money formats an exact decimal string in currency, two decimals.
export function money(exact, currency) {
  return moneyFormat(currency || "USD").format(exact ?? "0");
}

// moneyCell fills el with the formatted amount and keeps the exact string
// in its title (shown on hover) and data-exact (read by tests and CSV).
export function moneyCell(el, exact, currency) {
  el.textContent = money(exact, currency);
  el.title = `${exact} ${currency}`;
  el.dataset.exact = exact;
  return el;
}

const pct = new Intl.NumberFormat(undefined, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });

// percent formats a ratio (0.123 → 12.3 %); "–" when it is not a number.
export function percent(ratio) {
  return Number.isFinite(ratio) ? pct.format(ratio) : "–";
}

// ratio divides two exact decimal strings for display only (shares are
// shown to a tenth of a percent; sums always come from the API).
export function ratio(part, whole) {
  const w = Number(whole);
  return w > 0 ? Number(part) / w : NaN;
}

const ints = new Intl.NumberFormat();
export function integer(n) { return ints.format(n); }

// shortMoney is for chart axes: 1.2K, 3.4M.
export function shortMoney(v, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD", notation: "compact", maximumFractionDigits: 1 }).format(v);
  } catch {
    return new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 }).format(v);
  }
}
