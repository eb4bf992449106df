// Training loss per step: the raw points (faint) and their EMA (bold), smoothed here in the browser.

import { LiveChart } from "./live-chart.js";
import { Ema } from "./smoothing.js";

export class LossChart {
  /** el: the chart element; smoothing: EMA weight in [0, 1). */
  constructor(el, smoothing = 0.6) {
    this.smoothing = smoothing;
    this.ema = new Ema(smoothing);
    this.chart = new LiveChart(
      el,
      [
        { key: "loss", name: "loss", line: { color: "rgba(47,111,222,0.3)", width: 1 } },
        { key: "smoothed", name: "smoothed", line: { color: "#2f6fde", width: 2 } },
      ],
      { xaxis: { title: { text: "step" } }, yaxis: { title: { text: "loss" } } },
    );
  }

  /** Draw from the full series (steps and values in step order). */
  draw(steps, values) {
    this.ema = new Ema(this.smoothing);
    const smoothed = values.map((v) => this.ema.push(v));
    return this.chart.draw({ loss: { x: steps, y: values }, smoothed: { x: steps, y: smoothed } });
  }

  /** Append new points; the smoothed trace continues the same moving average. */
  async extend(steps, values) {
    await this.chart.ready;
    const after = this.chart.lastX("loss");
    const fresh = steps.map((s, i) => [s, values[i]]).filter(([s]) => s > after);
    if (!fresh.length) return;
    const x = fresh.map((p) => p[0]);
    const raw = fresh.map((p) => p[1]);
    const smoothed = raw.map((v) => this.ema.push(v));
    await this.chart.extend({ loss: { x, y: raw }, smoothed: { x, y: smoothed } });
  }

  /** Change the EMA weight and recompute the smoothed trace from the raw points. */
  async setSmoothing(weight) {
    await this.chart.ready;
    this.smoothing = weight;
    const raw = this.chart.el.data[0].y;
    this.ema = new Ema(weight);
    const smoothed = raw.map((v) => this.ema.push(v));
    await window.Plotly.restyle(this.chart.el, { y: [smoothed] }, [1]);
  }

  /** Drop points past a step (rewind) and rebuild the moving average. */
  async trimAfter(step) {
    await this.chart.trimAfter(step);
    await this.setSmoothing(this.smoothing);
  }

  /** Draw the loss of the run this one continues, smoothed and faint, before this run's first step. */
  async showParent(steps, values, label) {
    await this.chart.ready;
    const ema = new Ema(this.smoothing);
    const trace = { type: "scatter", mode: "lines", name: label, x: steps, y: values.map((v) => ema.push(v)), line: { color: "#8a94a6", width: 1.5 }, meta: "parent-loss" };
    await window.Plotly.addTraces(this.chart.el, trace);
  }

  pointCount() {
    return this.chart.pointCount("loss");
  }

  dispose() {
    this.chart.dispose();
  }
}
