// Confusion matrix heatmap (rows = true class, columns = predicted) as counts, row-normalized, or the change of the
// row-normalized matrix since the previous evaluation (a diverging scale: red lost, blue gained).

import { loadPlotly } from "./plotly-loader.js";
import { PLOT_CONFIG, baseLayout } from "./theme.js";

/** Each row divided by its sum (a row of zeros stays zeros). */
export function rowNormalize(matrix) {
  return matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total ? v / total : 0));
  });
}

/** The row-normalized matrix minus the previous one's (fractions of each true class; zeros without a previous). */
export function changeSince(matrix, previous) {
  const now = rowNormalize(matrix);
  if (!previous) return now.map((row) => row.map(() => 0));
  const before = rowNormalize(previous);
  return now.map((row, i) => row.map((v, j) => v - (before[i]?.[j] ?? 0)));
}

/** The change view: +/- percentage points per cell, on a scale centred on zero. */
async function drawChange(el, payload, previous) {
  const Plotly = await loadPlotly();
  const { classes, matrix } = payload;
  const z = changeSince(matrix, previous);
  const span = Math.max(0.01, ...z.flat().map(Math.abs));
  const trace = {
    type: "heatmap",
    x: classes,
    y: classes,
    z,
    text: z.map((row) => row.map((v) => (Math.abs(v) < 0.005 ? "" : `${v > 0 ? "+" : ""}${Math.round(v * 100)}`))),
    texttemplate: "%{text}",
    textfont: { size: classes.length > 12 ? 8 : 11 },
    colorscale: [
      [0, "#b2182b"],
      [0.5, "#f7f7f7"],
      [1, "#2166ac"],
    ],
    zmin: -span,
    zmax: span,
    zmid: 0,
    hovertemplate: "true %{y}<br>predicted %{x}<br>%{z:+.1%} of the row since the previous evaluation<extra></extra>",
    showscale: true,
  };
  return Plotly.react(el, [trace], confusionLayout(), PLOT_CONFIG);
}

function confusionLayout() {
  return baseLayout({
    margin: { l: 70, r: 10, t: 10, b: 60 },
    hovermode: "closest",
    showlegend: false,
    xaxis: { title: { text: "predicted" }, type: "category", tickangle: -40, gridcolor: "rgba(0,0,0,0)" },
    yaxis: { title: { text: "true" }, type: "category", autorange: "reversed", gridcolor: "rgba(0,0,0,0)" },
  });
}

/**
 * Draw the heatmap. mode: false/"counts", true/"normalized" (each row as fractions of its true class), or "change"
 * (the row-normalized change since `previous`, the previous evaluation's payload).
 */
export async function drawConfusion(el, payload, mode = false, previous = null) {
  if (mode === "change") return drawChange(el, payload, previous?.matrix ?? null);
  const normalized = mode === true || mode === "normalized";
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
  return Plotly.react(el, [trace], confusionLayout(), PLOT_CONFIG);
}
