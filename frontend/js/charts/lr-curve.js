// LR range test: loss against learning rate on a log axis, drawn live, each suggested LR marked.

import { formatLr } from "../format.js";
import { LiveChart } from "./live-chart.js";

export class LrCurveChart {
  constructor(el) {
    this.chart = new LiveChart(
      el,
      [
        { key: "loss", name: "loss", mode: "lines", line: { color: "rgba(47,111,222,0.3)", width: 1 } },
        { key: "smoothed", name: "smoothed loss", mode: "lines", line: { color: "#2f6fde", width: 2 } },
      ],
      {
        xaxis: { type: "log", title: { text: "learning rate (log scale)" }, exponentformat: "e" },
        yaxis: { title: { text: "loss" } },
        hovermode: "closest",
        margin: { t: 40 },
      },
    );
  }

  /** Draw from aligned arrays (one entry per iteration). */
  draw(lrs, losses, smoothed) {
    return this.chart.draw({ loss: { x: lrs, y: losses }, smoothed: { x: lrs, y: smoothed } });
  }

  /** Append iterations (the sweep only raises the LR, so x grows). */
  extend(lrs, losses, smoothed) {
    return this.chart.extend({ loss: { x: lrs, y: losses }, smoothed: { x: lrs, y: smoothed } });
  }

  /** Keep only the first `iterations` points (rewind). */
  async keepFirst(iterations) {
    await this.chart.ready;
    const data = this.chart.el.data;
    const limit = data[0].x[iterations - 1] ?? -Infinity;
    await this.chart.trimAfter(limit);
  }

  pointCount() {
    return this.chart.pointCount("loss");
  }

  /**
   * Fit the y axis to the useful part of the curve: from the lowest smoothed loss up to the highest smoothed
   * loss before it, with some room. The divergence at the end would otherwise flatten everything (zoom out with a
   * double click).
   */
  async fitLossRange(smoothed) {
    await this.chart.ready;
    const finite = smoothed.map((v, i) => [v, i]).filter(([v]) => Number.isFinite(v));
    if (finite.length < 3) return;
    const [low, lowIndex] = finite.reduce((a, b) => (b[0] < a[0] ? b : a));
    const high = finite.filter(([, i]) => i <= lowIndex).reduce((a, [v]) => Math.max(a, v), -Infinity);
    if (!(high > low)) return;
    const room = (high - low) * 0.25;
    await window.Plotly.relayout(this.chart.el, { "yaxis.range": [low - room, high + 2 * room] });
  }

  /** Mark each suggestion {rule: lr} with a dashed vertical line; the recommended one in bold. */
  async markSuggestions(suggestions, recommended) {
    await this.chart.ready;
    const shapes = [];
    const annotations = [];
    Object.entries(suggestions || {}).forEach(([rule, lr], i) => {
      if (!Number.isFinite(lr) || lr <= 0) return;
      const chosen = rule === recommended;
      const color = chosen ? "#c53030" : "#8a94a6";
      shapes.push({
        type: "line", xref: "x", yref: "paper", x0: lr, x1: lr, y0: 0, y1: 1,
        line: { color, width: chosen ? 2 : 1, dash: chosen ? "solid" : "dash" },
      });
      annotations.push({
        x: Math.log10(lr), xref: "x", y: 1, yref: "paper", yanchor: "bottom", yshift: 2 + 14 * (i % 2),
        text: `${rule} ${formatLr(lr)}${chosen ? " ★" : ""}`, showarrow: false,
        font: { size: 11, color }, bgcolor: "rgba(255,255,255,0.85)",
      });
    });
    await window.Plotly.relayout(this.chart.el, { shapes, annotations });
  }

  dispose() {
    this.chart.dispose();
  }
}
