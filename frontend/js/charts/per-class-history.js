// Per-class test accuracy over the kept evaluations: one line per class, x = epoch, with a marker at the slider's epoch.

import { loadPlotly } from "./plotly-loader.js";
import { COLORS, PLOT_CONFIG, baseLayout } from "./theme.js";

/** evaluations: the listing's data ([{epoch, per_class}]); classes: names; current: the epoch shown elsewhere. */
export async function drawPerClassHistory(el, evaluations, classes, current = null) {
  const Plotly = await loadPlotly();
  const kept = evaluations.filter((e) => Array.isArray(e.per_class));
  const traces = classes.map((name, i) => ({
    type: "scatter",
    mode: kept.length > 1 ? "lines+markers" : "markers",
    name,
    x: kept.map((e) => e.epoch),
    y: kept.map((e) => e.per_class[i] ?? null),
    line: { color: COLORS[i % COLORS.length], width: 2 },
    marker: { size: 5 },
    hovertemplate: `${name}: %{y:.1%} at epoch %{x}<extra></extra>`,
  }));
  const layout = baseLayout({
    hovermode: "closest",
    showlegend: classes.length <= 20,
    xaxis: { title: { text: "epoch" }, dtick: kept.length <= 30 ? 1 : undefined },
    yaxis: { title: { text: "test accuracy" }, tickformat: ".0%", range: [0, 1.05] },
    shapes: current === null ? [] : [{ type: "line", xref: "x", yref: "paper", x0: current, x1: current, y0: 0, y1: 1,
      line: { color: "#5f6b7a", width: 1, dash: "dot" } }],
  });
  return Plotly.react(el, traces, layout, PLOT_CONFIG);
}
