// Charts for metrics of any name (a script's run): one chart per name, in sections by the prefix before the
// first "/" ("train/loss" and "train/acc" under "train"; names without a prefix first). Charts appear as
// their first points arrive, live or from the history.

import { h } from "../dom.js";
import { LiveChart } from "./live-chart.js";
import { COLORS } from "./theme.js";

/** The section a metric belongs to: the prefix before its first "/", or "" for none. */
export function groupOf(name) {
  const slash = name.indexOf("/");
  return slash > 0 ? name.slice(0, slash) : "";
}

/** Insert `child` among `parent`'s children (each with data-key) so that keys stay sorted. */
function insertSorted(parent, child) {
  const after = [...parent.children].find((el) => el.dataset.key > child.dataset.key);
  parent.insertBefore(child, after || null);
}

export class MetricGroups {
  /** el: the container; emptyNote: shown until the first metric arrives. */
  constructor(el, emptyNote) {
    this.el = el;
    this.emptyNote = emptyNote;
    this.charts = new Map(); // metric name -> LiveChart
    this.sections = new Map(); // group -> the grid its charts go in
  }

  section(group) {
    if (!this.sections.has(group)) {
      const grid = h("div", { class: "grid-2" });
      const section = h("section", { class: "metric-group", "data-key": group, "data-testid": `metric-group-${group || "ungrouped"}` }, h("h2", {}, group || "metrics"), grid);
      insertSorted(this.el, section);
      this.sections.set(group, grid);
    }
    return this.sections.get(group);
  }

  /** The chart of `name`, made (empty) on first use. */
  chart(name) {
    if (!this.charts.has(name)) {
      this.emptyNote?.classList.add("hidden");
      const box = h("div", { class: "chart", "data-testid": `metric-chart-${name}` });
      const title = name.slice(groupOf(name).length ? groupOf(name).length + 1 : 0);
      const panel = h("section", { class: "panel", "data-key": name, "data-metric": name }, h("div", { class: "panel-head" }, h("h2", {}, title)), box);
      insertSorted(this.section(groupOf(name)), panel);
      const color = COLORS[this.charts.size % COLORS.length];
      const chart = new LiveChart(box, [{ key: name, name, line: { color, width: 2 } }], {
        xaxis: { title: { text: "step" } },
        showlegend: false,
      });
      this.charts.set(name, chart);
      chart.draw({});
    }
    return this.charts.get(name);
  }

  /** Draw full series {name: {x, y}} (the history). */
  async draw(series) {
    await Promise.all(Object.entries(series).map(([name, s]) => this.chart(name).draw({ [name]: s })));
  }

  /** Append the points of a live metrics event, grouped by name ({name: {x, y}}); new names get charts. */
  async extend(grouped) {
    await Promise.all(Object.entries(grouped).map(([name, points]) => this.chart(name).extend({ [name]: points })));
  }

  /** Free every chart. */
  dispose() {
    for (const chart of this.charts.values()) chart.dispose();
  }
}
