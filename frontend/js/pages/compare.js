// Compare page (/compare?ids=1,2): the runs' loss and accuracy curves overlaid, and a table of the
// config fields that differ plus the final accuracies.

import { api } from "../api.js";
import { loadPlotly } from "../charts/plotly-loader.js";
import { emaSmooth } from "../charts/smoothing.js";
import { COLORS, PLOT_CONFIG, baseLayout } from "../charts/theme.js";
import { h } from "../dom.js";
import { formatPercent, formatValue } from "../format.js";
import { fetchSeries } from "../metrics.js";
import { navigate } from "../router.js";
import { bestTestAccuracy, displayName, finalTestAccuracy, finalTrainAccuracy } from "../run-model.js";
import { statusBadgeHtml } from "../components/status.js";

const MAX_POINTS = 1000; // per series and run
const LOSS_SMOOTHING = 0.6;

/** Mount the compare page; returns the cleanup function. */
export function mount(root, { query }) {
  let disposed = false;
  const ids = (query.get("ids") || "").split(",").map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  const idsInput = h("input", { type: "text", value: ids.join(","), placeholder: "run ids, e.g. 3,4,7", "data-testid": "compare-ids", size: "24" });
  const lossEl = h("div", { class: "chart tall", "data-testid": "compare-loss-chart" });
  const accEl = h("div", { class: "chart tall", "data-testid": "compare-accuracy-chart" });
  const tableHost = h("div", { class: "table-wrap", "data-testid": "compare-table" });
  root.append(
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Compare runs"),
      h("span", { class: "spacer" }),
      h(
        "form",
        { class: "form-actions", onsubmit: (e) => { e.preventDefault(); navigate(`/compare?ids=${idsInput.value.replace(/\s+/g, "")}`); } },
        idsInput,
        h("button", { type: "submit" }, "Show"),
      ),
    ),
  );
  if (ids.length === 0) {
    root.append(h("p", { class: "empty-note", "data-testid": "compare-empty" }, "Tick runs on the runs page and press Compare, or enter run ids above."));
    return () => {};
  }
  root.append(
    h(
      "div",
      { class: "grid-2" },
      h("section", { class: "panel" }, h("h2", {}, `Training loss per step (smoothed ${LOSS_SMOOTHING})`), lossEl),
      h("section", { class: "panel" }, h("h2", {}, "Accuracy per epoch (solid test, dotted train)"), accEl),
    ),
    h("div", { style: "height: 1rem" }),
    h("section", { class: "panel" }, h("h2", {}, "Differences"), tableHost),
  );

  (async () => {
    const runs = await Promise.all(ids.map((id) => api(`/api/runs/${id}`)));
    const series = await Promise.all(ids.map((id) => fetchSeries(id, ["loss", "train_acc", "test_acc"], MAX_POINTS)));
    if (disposed) return;
    tableHost.replaceChildren(differenceTable(runs));
    const Plotly = await loadPlotly();
    const lossTraces = [];
    const accTraces = [];
    runs.forEach((run, i) => {
      const color = COLORS[i % COLORS.length];
      const label = `#${run.id} ${displayName(run)}`;
      const s = series[i].series;
      if (s.loss) lossTraces.push({ type: "scatter", mode: "lines", name: label, x: s.loss.x, y: emaSmooth(s.loss.y, LOSS_SMOOTHING), line: { color, width: 2 } });
      if (s.test_acc) accTraces.push({ type: "scatter", mode: "lines+markers", name: `${label} test`, x: s.test_acc.x, y: s.test_acc.y, line: { color, width: 2 } });
      if (s.train_acc) accTraces.push({ type: "scatter", mode: "lines+markers", name: `${label} train`, x: s.train_acc.x, y: s.train_acc.y, line: { color, width: 1, dash: "dot" } });
    });
    await Plotly.newPlot(lossEl, lossTraces, baseLayout({ xaxis: { title: { text: "step" } }, yaxis: { title: { text: "loss" } } }), PLOT_CONFIG);
    await Plotly.newPlot(accEl, accTraces, baseLayout({ xaxis: { title: { text: "epoch" }, dtick: 1 }, yaxis: { title: { text: "accuracy" }, tickformat: ".0%", range: [0, 1.02] } }), PLOT_CONFIG);
    root.dataset.loaded = "true";
  })().catch((error) => {
    if (!disposed) root.append(h("p", { class: "form-error", "data-testid": "page-error" }, `Could not compare: ${error.message}`));
  });

  return () => {
    disposed = true;
    if (window.Plotly) [lossEl, accEl].forEach((el) => window.Plotly.purge(el));
  };
}

/** Rows: status, accuracies, then every config field whose value is not the same in all runs. */
export function differenceTable(runs) {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.config || {})))];
  const differing = keys.filter((k) => new Set(runs.map((r) => JSON.stringify(r.config?.[k] ?? null))).size > 1);
  const header = h("tr", {}, h("th", {}, ""), runs.map((r) => h("th", {}, h("a", { href: `/runs/${r.id}` }, `#${r.id} ${displayName(r)}`))));
  const row = (label, cells, testid) => h("tr", { "data-testid": testid }, h("td", {}, label), cells.map((c) => h("td", { class: "num" }, c)));
  const statusRow = h("tr", {}, h("td", {}, "status"), runs.map((r) => h("td", { html: statusBadgeHtml(r.status) })));
  const rows = [
    statusRow,
    ...(new Set(runs.map((r) => r.preset ?? null)).size > 1 ? [row("preset", runs.map((r) => r.preset ?? "–"), "diff-preset")] : []),
    row("final test accuracy", runs.map((r) => formatPercent(finalTestAccuracy(r))), "row-final-test"),
    row("best test accuracy", runs.map((r) => formatPercent(bestTestAccuracy(r))), "row-best-test"),
    row("final train accuracy", runs.map((r) => formatPercent(finalTrainAccuracy(r))), "row-final-train"),
    ...differing.map((k) => row(k, runs.map((r) => formatValue(r.config?.[k])), `diff-${k}`)),
  ];
  const note = differing.length ? null : h("p", { class: "muted" }, "The configs are identical.");
  return h("div", {}, h("table", { class: "diff" }, h("thead", {}, header), h("tbody", {}, rows)), note || "");
}
