// A line chart whose traces are keyed by metric name and grow with Plotly.extendTraces.

import { loadPlotly } from "./plotly-loader.js";
import { PLOT_CONFIG, baseLayout } from "./theme.js";

/** traceSpecs: [{key, name, ...plotly trace style}]; layout: extra layout merged over the theme. */
export class LiveChart {
  constructor(el, traceSpecs, layout = {}) {
    this.el = el;
    this.specs = traceSpecs;
    this.layout = baseLayout(layout);
    this.index = new Map(traceSpecs.map((spec, i) => [spec.key, i]));
    this.ready = null;
  }

  /** Draw the chart from full series: {key: {x: [...], y: [...]}} (missing keys start empty). */
  draw(seriesByKey = {}) {
    this.ready = loadPlotly().then((Plotly) => {
      const traces = this.specs.map(({ key, ...style }) => ({
        type: "scatter",
        mode: "lines",
        ...style,
        x: [...(seriesByKey[key]?.x || [])],
        y: [...(seriesByKey[key]?.y || [])],
      }));
      return Plotly.newPlot(this.el, traces, this.layout, PLOT_CONFIG);
    });
    return this.ready;
  }

  /** The last x of a trace (or -Infinity when empty). */
  lastX(key) {
    const trace = this.el.data?.[this.index.get(key)];
    return trace && trace.x.length ? trace.x[trace.x.length - 1] : -Infinity;
  }

  /** Number of points a trace holds. */
  pointCount(key) {
    return this.el.data?.[this.index.get(key)]?.x.length || 0;
  }

  /** Append points to several traces in one extendTraces call; points at or before a trace's last x are dropped. */
  async extend(pointsByKey) {
    await this.ready;
    const x = [];
    const y = [];
    const indices = [];
    for (const [key, points] of Object.entries(pointsByKey)) {
      if (!this.index.has(key)) continue;
      const after = this.lastX(key);
      const fresh = points.x.map((px, i) => [px, points.y[i]]).filter(([px]) => px > after);
      if (!fresh.length) continue;
      indices.push(this.index.get(key));
      x.push(fresh.map((p) => p[0]));
      y.push(fresh.map((p) => p[1]));
    }
    if (indices.length) await window.Plotly.extendTraces(this.el, { x, y }, indices);
  }

  /** Drop every point with x > limit (the server rewound the run to a checkpoint); added context traces stay. */
  async trimAfter(limit) {
    await this.ready;
    const traces = this.el.data.map((trace, i) => {
      if (i >= this.specs.length) return trace;
      const keep = trace.x.findIndex((px) => px > limit);
      if (keep === -1) return trace;
      return { ...trace, x: trace.x.slice(0, keep), y: trace.y.slice(0, keep) };
    });
    await window.Plotly.react(this.el, traces, this.layout, PLOT_CONFIG);
  }

  /** Free Plotly's listeners on the element. */
  dispose() {
    if (window.Plotly && this.el.data) window.Plotly.purge(this.el);
  }
}
