// Run page of a script's run (kind external, reported through the SDK): a chart for every metric it logs,
// grouped by prefix, the tables and feature maps it logged, its config and its log. The same interface as
// run-view.js, so run-follow.js keeps it live.

import { fetchArtifact, isJsonArtifact } from "../artifacts.js";
import { drawConfusion } from "../charts/confusion.js";
import { drawFeatureMaps } from "../charts/feature-maps.js";
import { MetricGroups } from "../charts/metric-groups.js";
import { drawPerClass } from "../charts/per-class.js";
import { configTable } from "../components/config-table.js";
import { LogView } from "../components/log-view.js";
import { RunHeader } from "../components/run-header.js";
import { h } from "../dom.js";
import { groupPoints } from "../metrics.js";

function panel(title, testid, ...content) {
  return h("section", { class: "panel hidden", "data-testid": `${testid}-panel` }, h("div", { class: "panel-head" }, h("h2", {}, title)), ...content);
}

/** Build a script run's page in `root`; the returned view draws history and applies live events. */
export function buildExternalView(root, run, page) {
  const header = new RunHeader(run);
  const emptyNote = h("p", { class: "empty-note", "data-testid": "metrics-empty" }, "Charts appear when the script logs its first metric.");
  const groupsEl = h("div", { class: "metric-groups", "data-testid": "metric-groups" });
  const groups = new MetricGroups(groupsEl, emptyNote);
  const confusionBox = h("div", { class: "chart tall", "data-testid": "confusion-chart" });
  const perClassBox = h("div", { class: "chart tall", "data-testid": "per-class-chart" });
  const fmapsBox = h("div", { "data-testid": "feature-maps" });
  const panels = {
    confusion: panel("Confusion matrix", "confusion", confusionBox),
    per_class: panel("Accuracy per class", "per-class", perClassBox),
    feature_maps: panel("Feature maps", "feature-maps", fmapsBox),
  };
  const log = new LogView();
  const configPanel = h("section", { class: "panel" }, h("div", { class: "panel-head" }, h("h2", {}, "Config")), configTable(run.config));
  const logPanel = h("section", { class: "panel", "data-testid": "log-panel" }, h("div", { class: "panel-head" }, h("h2", {}, "Log")), log.el);
  root.append(
    header.el,
    emptyNote,
    groupsEl,
    h("div", { class: "grid-2" }, panels.confusion, panels.per_class),
    panels.feature_maps,
    h("div", { class: "grid-2" }, configPanel, logPanel),
  );
  page.cleanups.push(() => groups.dispose());

  const showArtifact = async (name) => {
    if (!isJsonArtifact(name) || !(name in panels)) return;
    const payload = await fetchArtifact(run.id, name);
    if (page.disposed) return;
    panels[name].classList.remove("hidden");
    if (name === "confusion") await drawConfusion(confusionBox, payload, false);
    else if (name === "per_class") await drawPerClass(perClassBox, payload, null);
    else drawFeatureMaps(fmapsBox, payload);
    panels[name].dataset.rendered = "true";
  };

  return {
    run,
    log,
    /** Draw the history (complete up to its lastEventId); plotly.js must be loaded. */
    async drawHistory({ logLines, series, artifacts }) {
      for (const line of logLines) log.append(line.level, line.message);
      await Promise.all([groups.draw(series), ...artifacts.map(showArtifact)]);
    },
    async onMetrics(data) {
      await groups.extend(groupPoints(data.points));
    },
    update(changes) {
      header.update(changes);
    },
    showArtifact,
    async rewind() {}, // a script's run is never claimed again, so never rewound
  };
}
