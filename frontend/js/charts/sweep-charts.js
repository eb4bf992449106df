// The sweep page's charts: best so far, every trial's metric per epoch (pruned ones faded, their stopping
// rung marked), parallel coordinates over the parameters, and parameter importance.

import { loadPlotly } from "./plotly-loader.js";
import { COLORS, PLOT_CONFIG, baseLayout } from "./theme.js";
import { bestSoFar, parcoordsDimensions, trialValue } from "../sweep-model.js";

function accuracyAxis(metric) {
  return metric.endsWith("_acc") ? { tickformat: ".0%" } : {};
}

/** Best value after each complete trial. */
export async function drawBestSoFar(el, sweep) {
  const Plotly = await loadPlotly();
  const { x, y } = bestSoFar(sweep);
  const trace = { type: "scatter", mode: "lines+markers", line: { shape: "hv", color: COLORS[0], width: 2 }, x, y, name: "best so far" };
  await Plotly.react(el, [trace], baseLayout({ showlegend: false, xaxis: { title: { text: "trial" }, dtick: 1 }, yaxis: { title: { text: `best ${sweep.metric}` }, ...accuracyAxis(sweep.metric) } }), PLOT_CONFIG);
}

/** Each trial's reported values per epoch; pruned trials faded, with an x where they stopped. */
export async function drawTrialCurves(el, sweep) {
  const Plotly = await loadPlotly();
  const traces = [];
  for (const t of sweep.trial_list) {
    const epochs = Object.keys(t.reported).map(Number).sort((a, b) => a - b);
    if (!epochs.length) continue;
    const pruned = t.state === "pruned";
    const color = COLORS[t.number % COLORS.length];
    traces.push({
      type: "scatter", mode: "lines+markers", name: `trial ${t.number}${pruned ? " (pruned)" : ""}`,
      x: epochs, y: epochs.map((e) => t.reported[String(e)]), opacity: pruned ? 0.35 : 1,
      line: { color, width: pruned ? 1 : 2, dash: pruned ? "dot" : "solid" },
      marker: { size: epochs.map((e, i) => (pruned && i === epochs.length - 1 ? 11 : 5)), symbol: epochs.map((e, i) => (pruned && i === epochs.length - 1 ? "x" : "circle")) },
      meta: pruned ? "pruned" : t.state,
    });
  }
  await Plotly.react(el, traces, baseLayout({ hovermode: "closest", xaxis: { title: { text: "epoch" }, dtick: 1 }, yaxis: { title: { text: sweep.metric }, ...accuracyAxis(sweep.metric) } }), PLOT_CONFIG);
}

/** Parallel coordinates of the trials that reported a value, coloured by it. */
export async function drawParallelCoordinates(el, sweep) {
  const Plotly = await loadPlotly();
  const trials = sweep.trial_list.filter((t) => trialValue(t) !== null);
  const values = trials.map(trialValue);
  const trace = {
    type: "parcoords",
    line: { color: values, colorscale: "Viridis", reversescale: sweep.direction === "minimize", showscale: true, colorbar: { title: { text: sweep.metric } } },
    dimensions: parcoordsDimensions(sweep, trials),
  };
  const layout = baseLayout({ margin: { l: 70, r: 70, t: 40, b: 20 }, showlegend: false });
  await Plotly.react(el, trials.length ? [trace] : [], layout, PLOT_CONFIG);
}

/** Parameter importance as horizontal bars (most important on top). */
export async function drawImportance(el, importance) {
  const Plotly = await loadPlotly();
  const entries = Object.entries(importance.importances).sort((a, b) => a[1] - b[1]);
  const trace = { type: "bar", orientation: "h", x: entries.map((e) => e[1]), y: entries.map((e) => e[0]), marker: { color: COLORS[0] } };
  await Plotly.react(el, entries.length ? [trace] : [], baseLayout({ showlegend: false, margin: { l: 110 }, xaxis: { title: { text: "importance (fANOVA)" }, range: [0, 1] } }), PLOT_CONFIG);
}
