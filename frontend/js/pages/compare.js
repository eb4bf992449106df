// Compare page (/compare?ids=1,2[&band=minmax|std|runs]): the runs' loss and accuracy curves overlaid, and a
// table of the config fields that differ plus the final accuracies. Runs of one seed group are drawn as
// their mean with a band (min-max or +-1 std) and shown in the table as mean +- std.

import { api } from "../api.js";
import { loadPlotly } from "../charts/plotly-loader.js";
import { emaSmooth } from "../charts/smoothing.js";
import { COLORS, PLOT_CONFIG, baseLayout } from "../charts/theme.js";
import { h } from "../dom.js";
import { formatPercent, formatValue } from "../format.js";
import { bandStats, formatMeanStdPercent, seedGroups } from "../group-stats.js";
import { fetchSeries } from "../metrics.js";
import { navigate } from "../router.js";
import { bestTestAccuracy, displayName, finalTestAccuracy, finalTrainAccuracy } from "../run-model.js";
import { statusBadgeHtml } from "../components/status.js";

const MAX_POINTS = 1000; // per series and run
const LOSS_SMOOTHING = 0.6;
const BANDS = [["minmax", "mean, min–max band"], ["std", "mean ± 1 std band"], ["runs", "every run"]];

/** Mount the compare page; returns the cleanup function. */
export function mount(root, { query }) {
  let disposed = false;
  const ids = (query.get("ids") || "").split(",").map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  const band = BANDS.some(([b]) => b === query.get("band")) ? query.get("band") : "minmax";
  const idsInput = h("input", { type: "text", value: ids.join(","), placeholder: "run ids, e.g. 3,4,7", "data-testid": "compare-ids", size: "24" });
  const bandSelect = h("select", { "data-testid": "compare-band", title: "How a seed group is drawn" }, BANDS.map(([value, label]) => h("option", { value, selected: value === band }, label)));
  const lossEl = h("div", { class: "chart tall", "data-testid": "compare-loss-chart" });
  const accEl = h("div", { class: "chart tall", "data-testid": "compare-accuracy-chart" });
  const tableHost = h("div", { class: "table-wrap", "data-testid": "compare-table" });
  const show = (idList, bandValue) => navigate(`/compare?ids=${idList}${bandValue === "minmax" ? "" : `&band=${bandValue}`}`);
  bandSelect.addEventListener("change", () => show(ids.join(","), bandSelect.value));
  root.append(
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Compare runs"),
      h("span", { class: "spacer" }),
      h(
        "form",
        { class: "form-actions", onsubmit: (e) => { e.preventDefault(); show(idsInput.value.replace(/\s+/g, ""), bandSelect.value); } },
        idsInput,
        h("button", { type: "submit" }, "Show"),
        bandSelect,
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
    const fetched = await Promise.all(ids.map((id) => fetchSeries(id, ["loss", "train_acc", "test_acc"], MAX_POINTS)));
    if (disposed) return;
    const seriesOf = new Map(runs.map((run, i) => [run.id, fetched[i].series]));
    const entries = seedGroups(runs);
    tableHost.replaceChildren(differenceTable(entries));
    const Plotly = await loadPlotly();
    const lossTraces = [];
    const accTraces = [];
    entries.forEach((entry, i) => {
      const color = COLORS[i % COLORS.length];
      const members = entry.runs.map((run) => ({ run, s: seriesOf.get(run.id) }));
      if (entry.groupId && band !== "runs") {
        const label = groupLabel(entry);
        const smoothed = members.filter((m) => m.s.loss).map((m) => ({ x: m.s.loss.x, y: emaSmooth(m.s.loss.y, LOSS_SMOOTHING) }));
        lossTraces.push(...bandTraces(bandStats(smoothed, band), color, label, "loss"));
        const test = members.filter((m) => m.s.test_acc).map((m) => m.s.test_acc);
        accTraces.push(...bandTraces(bandStats(test, band), color, `${label} test`, "test"));
        const train = bandStats(members.filter((m) => m.s.train_acc).map((m) => m.s.train_acc), band);
        accTraces.push({ type: "scatter", mode: "lines+markers", name: `${label} train`, x: train.x, y: train.mean, line: { color, width: 1, dash: "dot" } });
        return;
      }
      for (const { run, s } of members) {
        const label = `#${run.id} ${displayName(run)}`;
        if (s.loss) lossTraces.push({ type: "scatter", mode: "lines", name: label, x: s.loss.x, y: emaSmooth(s.loss.y, LOSS_SMOOTHING), line: { color, width: 2 } });
        if (s.test_acc) accTraces.push({ type: "scatter", mode: "lines+markers", name: `${label} test`, x: s.test_acc.x, y: s.test_acc.y, line: { color, width: 2 } });
        if (s.train_acc) accTraces.push({ type: "scatter", mode: "lines+markers", name: `${label} train`, x: s.train_acc.x, y: s.train_acc.y, line: { color, width: 1, dash: "dot" } });
      }
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

function groupLabel(entry) {
  return `group #${entry.groupId} (${entry.runs.length} seeds)`;
}

/** A mean line and a shaded band under it: the lower edge (no line), then the upper edge filled down to it. */
function bandTraces(stats, color, label, role) {
  const edge = { type: "scatter", mode: "lines", line: { width: 0, color }, showlegend: false, hoverinfo: "skip" };
  return [
    { ...edge, name: `${label} band low`, x: stats.x, y: stats.lower, meta: `band-${role}` },
    { ...edge, name: `${label} band`, x: stats.x, y: stats.upper, fill: "tonexty", fillcolor: withAlpha(color, 0.2), meta: `band-${role}` },
    { type: "scatter", mode: role === "loss" ? "lines" : "lines+markers", name: `${label} mean`, x: stats.x, y: stats.mean, line: { color, width: 2 }, meta: `mean-${role}` },
  ];
}

function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** What an entry holds for a config field: the value all its runs share, or the distinct values. */
function entryValue(entry, key) {
  const values = [...new Set(entry.runs.map((r) => JSON.stringify(r.config?.[key] ?? null)))];
  return values.length === 1 ? formatValue(JSON.parse(values[0])) : values.map((v) => formatValue(JSON.parse(v))).join(", ");
}

/** Rows: status, accuracies (mean ± std over a group's seeds), then every config field not the same everywhere. */
export function differenceTable(entries) {
  const runs = entries.flatMap((e) => e.runs);
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.config || {})))];
  const differing = keys.filter((k) => new Set(runs.map((r) => JSON.stringify(r.config?.[k] ?? null))).size > 1);
  const heading = (e) => (e.groupId
    ? h("a", { href: `/compare?ids=${e.runs.map((r) => r.id).join(",")}&band=runs` }, groupLabel(e))
    : h("a", { href: `/runs/${e.runs[0].id}` }, `#${e.runs[0].id} ${displayName(e.runs[0])}`));
  const header = h("tr", {}, h("th", {}, ""), entries.map((e) => h("th", { "data-testid": e.groupId ? `col-group-${e.groupId}` : null }, heading(e))));
  const row = (label, cells, testid) => h("tr", { "data-testid": testid }, h("td", {}, label), cells.map((c) => h("td", { class: "num" }, c)));
  const accuracy = (read) => entries.map((e) => (e.groupId ? formatMeanStdPercent(e.runs.map(read)) : formatPercent(read(e.runs[0]))));
  const statusCell = (e) => h("td", { html: [...new Set(e.runs.map((r) => r.status))].map(statusBadgeHtml).join(" ") });
  const presets = new Set(runs.map((r) => r.preset ?? null));
  const rows = [
    h("tr", {}, h("td", {}, "status"), entries.map(statusCell)),
    ...(presets.size > 1 ? [row("preset", entries.map((e) => [...new Set(e.runs.map((r) => r.preset ?? "–"))].join(", ")), "diff-preset")] : []),
    row("final test accuracy", accuracy(finalTestAccuracy), "row-final-test"),
    row("best test accuracy", accuracy(bestTestAccuracy), "row-best-test"),
    row("final train accuracy", accuracy(finalTrainAccuracy), "row-final-train"),
    ...differing.map((k) => row(k, entries.map((e) => entryValue(e, k)), `diff-${k}`)),
  ];
  const note = differing.length ? null : h("p", { class: "muted" }, "The configs are identical.");
  return h("div", {}, h("table", { class: "diff" }, h("thead", {}, header), h("tbody", {}, rows)), note || "");
}
