// Run page, the building half: panels, charts, summary cards and artifact panels of a training run, and the
// methods that draw its history and apply one live event. run-follow.js feeds it the live stream.

import { api } from "../api.js";
import { accuracyChart, epochLossChart, lrChart } from "../charts/epoch-charts.js";
import { LossChart } from "../charts/loss-chart.js";
import { memoryChart, usageChart } from "../charts/system-charts.js";
import { configTable } from "../components/config-table.js";
import { LogView } from "../components/log-view.js";
import { RunHeader } from "../components/run-header.js";
import { h } from "../dom.js";
import { formatDuration, formatPercent, formatRate } from "../format.js";
import { fetchSeries, groupPoints } from "../metrics.js";
import { bestTestAccuracy, finalTestAccuracy, finalTrainAccuracy } from "../run-model.js";
import { buildEvaluations } from "./run-evaluations.js";

function panel(title, testid, ...content) {
  return h("section", { class: "panel", "data-testid": `${testid}-panel` }, h("div", { class: "panel-head" }, h("h2", {}, title), ...content));
}

function chartBox(testid, tall = false) {
  return h("div", { class: `chart${tall ? " tall" : ""}`, "data-testid": testid, id: testid });
}

function summaryCards() {
  const cards = {};
  const el = h("div", { class: "summary-cards", "data-testid": "summary-cards" });
  for (const [key, caption] of [
    ["test", "final test accuracy"],
    ["best", "best test accuracy"],
    ["train", "final train accuracy"],
    ["speed", "images per second"],
    ["time", "training time"],
  ]) {
    cards[key] = h("div", { class: "value", "data-testid": `card-${key}` }, "–");
    el.append(h("div", { class: "card" }, cards[key], h("div", { class: "caption" }, caption)));
  }
  return {
    el,
    update(run) {
      cards.test.textContent = formatPercent(finalTestAccuracy(run));
      cards.best.textContent = formatPercent(bestTestAccuracy(run));
      cards.train.textContent = formatPercent(finalTrainAccuracy(run));
      cards.speed.textContent = formatRate(run.summary?.images_per_s ?? run.progress?.images_per_s);
      cards.time.textContent = formatDuration(run.summary?.seconds);
    },
  };
}

/** Build the training run's page in `root`; the returned view draws history and applies live events. */
export function buildTrainingView(root, run, page) {
  const header = new RunHeader(run);
  const cards = summaryCards();
  const lossBox = chartBox("loss-chart", true);
  const lrBox = chartBox("lr-chart", true);
  const accBox = chartBox("accuracy-chart");
  const epochLossBox = chartBox("epoch-loss-chart");
  const usageBox = chartBox("system-usage-chart");
  const memoryBox = chartBox("system-memory-chart");
  const log = new LogView();
  const smoothingInput = h("input", { type: "range", min: "0", max: "0.99", step: "0.01", value: "0.6", "data-testid": "smoothing" });
  const smoothingLabel = h("span", {}, "0.60");
  let reference;
  const evaluations = buildEvaluations(run, page, () => (reference ??= referencePerClass(run)));
  const parts = evaluations.parts;

  root.append(
    header.el,
    cards.el,
    h(
      "div",
      { class: "grid-2" },
      panel("Training loss per step", "loss", h("span", { class: "spacer" }), h("label", { class: "smoothing" }, "smoothing", smoothingInput, smoothingLabel)),
      panel("Learning rate", "lr"),
      panel("Accuracy per epoch", "accuracy"),
      panel("Loss per epoch", "epoch-loss"),
    ),
    h("div", { style: "height: 1rem" }),
    panel("Evaluations", "evaluations", h("span", { class: "spacer" }), parts.player),
    h(
      "div",
      { class: "grid-2" },
      panel("Confusion matrix (test set)", "confusion", h("span", { class: "spacer" }), parts.toggle),
      panel("Accuracy per class (test set)", "per-class"),
      panel("Accuracy per class over epochs", "per-class-history"),
      panel("Mistakes (click a confusion cell)", "mistakes"),
    ),
    h("div", { style: "height: 1rem" }),
    panel("Feature maps", "feature-maps"),
    h("div", { class: "grid-2" }, panel("Machine load", "system-usage"), panel("Memory", "system-memory")),
    h("div", { class: "grid-2" }, panel("Config", "config"), panel("Log", "log")),
  );
  const panels = Object.fromEntries([...root.querySelectorAll("section.panel")].map((p) => [p.dataset.testid.replace(/-panel$/, ""), p]));
  panels.loss.append(lossBox);
  panels.lr.append(lrBox);
  panels.accuracy.append(accBox);
  panels["epoch-loss"].append(epochLossBox);
  panels.confusion.append(...parts.confusion);
  panels["per-class"].append(...parts.perClass);
  panels["per-class-history"].append(...parts.history);
  panels.mistakes.append(...parts.gallery);
  panels["feature-maps"].append(...parts.featureMaps);
  panels["system-usage"].append(usageBox);
  panels["system-memory"].append(memoryBox);
  panels.config.append(configTable(run.config));
  panels.log.append(log.el);
  cards.update(run);

  const lossChart = new LossChart(lossBox, Number(smoothingInput.value));
  const lrLine = lrChart(lrBox);
  const epochs = run.config?.epochs ?? 1;
  const accuracy = accuracyChart(accBox, epochs);
  const epochLoss = epochLossChart(epochLossBox, epochs);
  const usage = usageChart(usageBox);
  const memory = memoryChart(memoryBox);
  page.cleanups.push(() => [lossChart, lrLine, accuracy, epochLoss, usage, memory].forEach((c) => c.dispose()));

  // Artifacts: the checkpoint enables the download; evaluations (or an older run's single artifacts) draw below.
  const showArtifact = async (name, epoch = null) => {
    if (name === "checkpoint") header.setCheckpointAvailable(true);
    await evaluations.showArtifact(name, epoch);
  };
  smoothingInput.addEventListener("input", () => {
    smoothingLabel.textContent = Number(smoothingInput.value).toFixed(2);
    lossChart.setSmoothing(Number(smoothingInput.value));
  });

  return {
    run,
    log,
    /** Draw the history (complete up to its lastEventId); plotly.js must be loaded. */
    async drawHistory({ logLines, series, artifacts }) {
      for (const line of logLines) log.append(line.level, line.message);
      const loss = series.loss || { x: [], y: [] };
      await Promise.all([
        lossChart.draw(loss.x, loss.y),
        lrLine.draw(series),
        accuracy.draw(series),
        epochLoss.draw(series),
        ...artifacts.filter((name) => name === "checkpoint").map((name) => showArtifact(name)),
        evaluations.drawHistory(artifacts),
        usage.draw(series),
        memory.draw(series),
      ]);
      if (run.parent_id) await showParentLoss(lossChart, run.parent_id);
    },
    async onMetrics(data) {
      const grouped = groupPoints(data.points);
      if (grouped.loss) await lossChart.extend(grouped.loss.x, grouped.loss.y);
      await lrLine.extend(grouped);
      await accuracy.extend(grouped);
      await epochLoss.extend(grouped);
      await usage.extend(grouped);
      await memory.extend(grouped);
    },
    /** New counters, a new status or the whole run read back: the header and the cards follow. */
    update(changes) {
      header.update(changes);
      cards.update(header.run);
    },
    showArtifact,
    async rewind(data) {
      await lossChart.trimAfter(data.step);
      await lrLine.trimAfter(data.step);
      await accuracy.trimAfter(data.epoch);
      await epochLoss.trimAfter(data.epoch);
      await evaluations.rewind();
      await usage.trimAfter(data.step);
      await memory.trimAfter(data.step);
      log.append("warning", `resumed from the checkpoint after epoch ${data.epoch} (step ${data.step})`);
    },
  };
}

/** A continued run's loss chart starts with its parent's curve (a parent deleted since is left out). */
async function showParentLoss(lossChart, parentId) {
  const parent = await fetchSeries(parentId, ["loss"]).catch(() => null);
  const loss = parent?.series.loss;
  if (loss && loss.x.length) await lossChart.showParent(loss.x, loss.y, `run #${parentId} (continued from)`);
}

/** The seed report's per-class accuracies when the run used a preset that has them (percent per class). */
async function referencePerClass(run) {
  if (!run.preset) return null;
  const presets = await api("/api/presets").catch(() => ({ data: [] }));
  const preset = (presets.data || []).find((p) => p.name === run.preset);
  const reference = preset?.reference_per_class;
  // Only comparable on the dataset the reference was measured on.
  if (!reference || !Object.keys(reference).length || run.config?.dataset !== preset.fields?.dataset) return null;
  return reference;
}
