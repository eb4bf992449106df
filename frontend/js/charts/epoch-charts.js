// Per-epoch charts: train/test accuracy and train/test loss, x = epoch.

import { LiveChart } from "./live-chart.js";

const MARKERS = { mode: "lines+markers", marker: { size: 6 } };

// The x axis spans all planned epochs from the start, so the chart also shows how far the run is.
const epochAxis = (epochs) => ({
  title: { text: "epoch" },
  dtick: epochs <= 30 ? 1 : undefined,
  range: [0.5, Math.max(1, epochs) + 0.5],
});

/** Accuracy per epoch (fractions shown as percent), x from 1 to `epochs`. */
export function accuracyChart(el, epochs) {
  return new LiveChart(
    el,
    [
      { key: "train_acc", name: "train accuracy", ...MARKERS, line: { color: "#e0732c", width: 2 } },
      { key: "test_acc", name: "test accuracy", ...MARKERS, line: { color: "#1f8f4e", width: 2 } },
    ],
    { xaxis: epochAxis(epochs), yaxis: { title: { text: "accuracy" }, tickformat: ".0%", range: [0, 1.02] } },
  );
}

/** Loss per epoch, x from 1 to `epochs`. */
export function epochLossChart(el, epochs) {
  return new LiveChart(
    el,
    [
      { key: "train_loss", name: "train loss", ...MARKERS, line: { color: "#e0732c", width: 2 } },
      { key: "test_loss", name: "test loss", ...MARKERS, line: { color: "#1f8f4e", width: 2 } },
    ],
    { xaxis: epochAxis(epochs), yaxis: { title: { text: "loss" } } },
  );
}

/** Learning rate per step. */
export function lrChart(el) {
  return new LiveChart(el, [{ key: "lr", name: "learning rate", line: { color: "#7b4fc9", width: 2 } }], {
    xaxis: { title: { text: "step" } },
    yaxis: { title: { text: "lr" }, exponentformat: "e", rangemode: "tozero" },
    showlegend: false,
  });
}
