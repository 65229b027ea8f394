// Anomalies on the explorer's chart: when the chart shows days, the
// explorer asks GET /api/v1/anomalies for the same window, filter,
// grouping and metric, and this module marks the flagged days on the
// chart (a triangle on the group's band: up for a spike, down for a
// drop) and lists them under it, naming the group, the cost, the
// expected value and the difference (exact strings in the titles). The
// cursor on a flagged day shows the same text in the chart's tip line.
// Kept apart from explorer.js so that the explorer's own load (table and
// chart) never waits for the anomaly detection.

import { moneyCell } from "../format.js";
import { el } from "../dom.js";

// MAX_DAYS is the longest window the anomalies API judges (its
// maxForecastDays); a longer one is not asked.
const MAX_DAYS = 400;

const SPIKE = "#a4161a";
const DROP = "#1a6b3a";

// anomaliesQuery is the /api/v1/anomalies query of the explorer's view:
// its window, filter (already compiled) and metric, grouped as the chart.
export function anomaliesQuery(costsQuery) {
  const c = new URLSearchParams(costsQuery);
  const p = new URLSearchParams();
  for (const k of ["window", "groupBy", "filter", "metric"]) if (c.get(k)) p.set(k, c.get(k));
  return p.toString();
}

// plugin returns the uPlot plugin that draws the marks of view.anomalies
// (set by mark) over the stacked series, and fills the tip line when the
// cursor is on a flagged day.
export function plugin(view) {
  return {
    hooks: {
      draw: (u) => {
        const marks = view.anomalies?.marks || [];
        // Where each mark is, in CSS pixels from the plot area's corner:
        // for the browser tests, which point the cursor at it.
        const drawn = [];
        const c = u.ctx;
        c.save();
        for (const m of marks) {
          const top = u.data[m.series]?.[m.index];
          if (top == null) continue;
          drawn.push({ date: m.date, x: u.valToPos(u.data[0][m.index], "x"), y: u.valToPos(top, "y") });
          const x = u.valToPos(u.data[0][m.index], "x", true);
          const y = u.valToPos(top, "y", true);
          const r = 7 * devicePixelRatio;
          c.beginPath();
          if (m.up) {
            c.moveTo(x, y - r * 1.8);
            c.lineTo(x - r, y - r * 0.2);
            c.lineTo(x + r, y - r * 0.2);
          } else {
            c.moveTo(x, y + r * 1.8);
            c.lineTo(x - r, y + r * 0.2);
            c.lineTo(x + r, y + r * 0.2);
          }
          c.closePath();
          c.fillStyle = m.up ? SPIKE : DROP;
          c.strokeStyle = "#fff";
          c.lineWidth = 1.5 * devicePixelRatio;
          c.fill();
          c.stroke();
        }
        c.restore();
        view.els.chartEl.dataset.anomalyMarks = JSON.stringify(drawn);
      },
      setCursor: (u) => {
        const tip = view.els.anomalyTip;
        if (!tip) return;
        const i = u.cursor.idx;
        const here = (view.anomalies?.marks || []).filter((m) => m.index === i);
        tip.textContent = here.map((m) => m.text).join("; ");
        tip.hidden = !here.length;
      },
    },
  };
}

// mark loads the anomalies of the view's query and marks them. chart is
// what renderChart drew: { currency, xs (bucket starts, ms), keys (the
// drawn groups' keys), rest (the keys added up to "Other"), label(values) }.
// root.dataset.anomalies becomes the number of flagged days on the chart
// (or "off" when the chart does not show days), for the browser tests.
export async function mark(view, query, dims, step, chart, stale) {
  view.anomalies = null;
  view.els.anomalyTip.hidden = true;
  show(view, [], "");
  if (step !== "day" || !chart || !chart.xs.length || chart.xs.length > MAX_DAYS) {
    view.root.dataset.anomalies = "off";
    return;
  }
  let res;
  try {
    res = await view.ctx.api("/api/v1/anomalies?" + anomaliesQuery(query));
  } catch (e) {
    if (stale()) return;
    // The costs are shown; the anomalies are an extra: say so in their place.
    show(view, [el("li", { class: "muted" }, e.message)], "Anomalies not available");
    view.root.dataset.anomalies = "error";
    return;
  }
  if (stale()) return;
  const index = new Map(chart.xs.map((x, i) => [x, i]));
  const marks = [];
  const items = [];
  for (const a of res.data) {
    // The chart draws one currency; anomalies of bills in another are
    // listed in the anomalies page, not marked here.
    if (a.currency !== chart.currency) continue;
    const i = index.get(Date.parse(a.date + "T00:00:00Z"));
    if (i === undefined) continue;
    const values = dims.map((d) => a.group?.[d] ?? "");
    const key = values.join("\u001f");
    let s = chart.keys.indexOf(key);
    if (s < 0 && chart.rest.includes(key)) s = chart.keys.length - 1; // inside "Other"
    if (s < 0) continue;
    const up = !a.difference.startsWith("-");
    const label = chart.label(values);
    const li = el("li", { testid: "chart-anomaly", class: up ? "spike" : "drop" });
    li.dataset.date = a.date;
    li.dataset.group = key;
    const cost = moneyCell(el("span", { testid: "chart-anomaly-cost" }), a.cost, a.currency);
    const expected = moneyCell(el("span", { testid: "chart-anomaly-expected" }), a.expected, a.currency);
    const diff = moneyCell(el("span", { testid: "chart-anomaly-difference" }), a.difference, a.currency);
    li.append(el("span", { "aria-hidden": "true" }, up ? "▲ " : "▼ "), `${a.date} · ${label}: `, cost, ", expected ", expected,
      ", difference ", diff, up ? " (above expected)" : " (below expected)");
    items.push(li);
    marks.push({ date: a.date, index: i, series: s + 1, up, text: li.textContent.replace(/^[▲▼] /, "") });
  }
  view.anomalies = { marks };
  const n = marks.length;
  show(view, items, `${n} ${n === 1 ? "anomaly" : "anomalies"} marked on the chart (▲ above, ▼ below the expected cost)`);
  view.plot?.redraw(false, false);
  view.root.dataset.anomalies = String(marks.length);
}

// OPEN_UP_TO is the longest list shown unfolded; a longer one folds
// behind its count, so that it does not push the table off the screen.
const OPEN_UP_TO = 5;

// elements are the tip line and the folding list the explorer puts under
// its chart (anomalyBox holds anomalyList).
export function elements() {
  const anomalyTip = el("p", { class: "anomaly-tip", testid: "chart-anomaly-tip", role: "status", "aria-live": "polite" });
  anomalyTip.hidden = true;
  const anomalyList = el("ul", { class: "anomaly-list", "aria-label": "Anomalies marked on the chart" });
  const anomalySummary = el("summary", { testid: "chart-anomalies-summary" });
  const anomalyBox = el("details", { class: "anomalies", testid: "chart-anomalies" }, anomalySummary, anomalyList);
  anomalyBox.hidden = true;
  return { anomalyTip, anomalyBox, anomalyList, anomalySummary };
}

function show(view, items, summary) {
  const { anomalyBox, anomalyList, anomalySummary } = view.els;
  anomalyList.replaceChildren(...items);
  anomalySummary.textContent = summary;
  anomalyBox.open = items.length <= OPEN_UP_TO;
  anomalyBox.hidden = !items.length;
}
