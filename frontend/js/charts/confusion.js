// Confusion matrix heatmap (rows = true class, columns = predicted) as counts or row-normalized.

import { loadPlotly } from "./plotly-loader.js";
import { PLOT_CONFIG, baseLayout } from "./theme.js";

/** Each row divided by its sum (a row of zeros stays zeros). */
export function rowNormalize(matrix) {
  return matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total ? v / total : 0));
  });
}

/** Draw the heatmap; normalized=true shows each row as fractions of that true class. */
export async function drawConfusion(el, payload, normalized = false) {
  const Plotly = await loadPlotly();
  const { classes, matrix } = payload;
  const z = normalized ? rowNormalize(matrix) : matrix;
  const text = normalized ? z.map((row) => row.map((v) => `${Math.round(v * 100)}%`)) : matrix.map((row) => row.map(String));
  const trace = {
    type: "heatmap",
    x: classes,
    y: classes,
    z,
    text,
    texttemplate: "%{text}",
    textfont: { size: classes.length > 12 ? 8 : 11 },
    colorscale: [
      [0, "#f7fbff"],
      [0.5, "#6baed6"],
      [1, "#08306b"],
    ],
    hovertemplate: normalized
      ? "true %{y}<br>predicted %{x}<br>%{z:.1%} of the row<extra></extra>"
      : "true %{y}<br>predicted %{x}<br>%{z} images<extra></extra>",
    showscale: true,
    zmin: 0,
    zmax: normalized ? 1 : undefined,
  };
  const layout = baseLayout({
    margin: { l: 70, r: 10, t: 10, b: 60 },
    hovermode: "closest",
    showlegend: false,
    xaxis: { title: { text: "predicted" }, type: "category", tickangle: -40, gridcolor: "rgba(0,0,0,0)" },
    yaxis: { title: { text: "true" }, type: "category", autorange: "reversed", gridcolor: "rgba(0,0,0,0)" },
  });
  return Plotly.react(el, [trace], layout, PLOT_CONFIG);
}
