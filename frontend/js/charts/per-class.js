// Per-class test accuracy as bars, optionally next to reference values (the seed report's numbers).

import { loadPlotly } from "./plotly-loader.js";
import { COLORS, PLOT_CONFIG, baseLayout } from "./theme.js";

/** payload: {classes, accuracy: fractions}; reference: {className: percent} or null. */
export async function drawPerClass(el, payload, reference = null) {
  const Plotly = await loadPlotly();
  const traces = [
    {
      type: "bar",
      name: "this run",
      x: payload.classes,
      y: payload.accuracy,
      text: payload.accuracy.map((a) => `${Math.round(a * 100)}%`),
      textposition: "outside",
      marker: { color: COLORS[0] },
      hovertemplate: "%{x}: %{y:.1%}<extra></extra>",
    },
  ];
  if (reference && payload.classes.some((c) => c in reference)) {
    traces.push({
      type: "bar",
      name: "reference",
      x: payload.classes,
      y: payload.classes.map((c) => (c in reference ? reference[c] / 100 : null)),
      marker: { color: "#c9d3e6" },
      hovertemplate: "%{x}: %{y:.0%} (reference)<extra></extra>",
    });
  }
  const layout = baseLayout({
    hovermode: "closest",
    showlegend: traces.length > 1,
    barmode: "group",
    xaxis: { type: "category" },
    yaxis: { tickformat: ".0%", range: [0, 1.1], title: { text: "test accuracy" } },
  });
  return Plotly.react(el, traces, layout, PLOT_CONFIG);
}
