// Run page, the building half: panels, charts, summary cards and artifact panels of a training run, and the
// methods that draw its history and apply one live event. run-follow.js feeds it the live stream.

import { api } from "../api.js";
import { fetchArtifact, isJsonArtifact } from "../artifacts.js";
import { accuracyChart, epochLossChart, lrChart } from "../charts/epoch-charts.js";
import { drawConfusion } from "../charts/confusion.js";
import { drawFeatureMaps } from "../charts/feature-maps.js";
import { LossChart } from "../charts/loss-chart.js";
import { drawPerClass } from "../charts/per-class.js";
import { memoryChart, usageChart } from "../charts/system-charts.js";
import { configTable } from "../components/config-table.js";
import { LogView } from "../components/log-view.js";
import { RunHeader } from "../components/run-header.js";
import { h } from "../dom.js";
import { formatDuration, formatPercent, formatRate } from "../format.js";
import { groupPoints } from "../metrics.js";
import { bestTestAccuracy, finalTestAccuracy, finalTrainAccuracy } from "../run-model.js";

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
  const confusionBox = chartBox("confusion-chart", true);
  const perClassBox = chartBox("per-class-chart", true);
  const usageBox = chartBox("system-usage-chart");
  const memoryBox = chartBox("system-memory-chart");
  const fmapsBox = h("div", { "data-testid": "feature-maps" }, h("p", { class: "empty-note" }, "Feature maps appear after the first evaluation."));
  const confusionNote = h("p", { class: "empty-note" }, "The confusion matrix appears when the run finishes.");
  const log = new LogView();
  const smoothingInput = h("input", { type: "range", min: "0", max: "0.99", step: "0.01", value: "0.6", "data-testid": "smoothing" });
  const smoothingLabel = h("span", {}, "0.60");
  const countsButton = h("button", { class: "on", "data-testid": "confusion-counts" }, "counts");
  const normalizedButton = h("button", { "data-testid": "confusion-normalized" }, "row-normalized");

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
      panel("Confusion matrix (test set)", "confusion", h("span", { class: "spacer" }), h("div", { class: "toggle" }, countsButton, normalizedButton)),
      panel("Accuracy per class (test set)", "per-class"),
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
  panels.confusion.append(confusionNote, confusionBox);
  panels["per-class"].append(perClassBox);
  panels["feature-maps"].append(fmapsBox);
  panels["system-usage"].append(usageBox);
  panels["system-memory"].append(memoryBox);
  panels.config.append(configTable(run.config));
  panels.log.append(log.el);
  confusionBox.classList.add("hidden");
  perClassBox.classList.add("hidden");
  cards.update(run);

  const lossChart = new LossChart(lossBox, Number(smoothingInput.value));
  const lrLine = lrChart(lrBox);
  const epochs = run.config?.epochs ?? 1;
  const accuracy = accuracyChart(accBox, epochs);
  const epochLoss = epochLossChart(epochLossBox, epochs);
  const usage = usageChart(usageBox);
  const memory = memoryChart(memoryBox);
  page.cleanups.push(() => [lossChart, lrLine, accuracy, epochLoss, usage, memory].forEach((c) => c.dispose()));

  // Artifacts: remember the last payloads, so the confusion toggle can redraw without a request.
  let confusion = null;
  let normalized = false;
  const showArtifact = async (name) => {
    if (name === "checkpoint") header.setCheckpointAvailable(true);
    if (!isJsonArtifact(name)) return;
    const payload = await fetchArtifact(run.id, name);
    if (page.disposed) return;
    if (name === "confusion") {
      confusion = payload;
      confusionNote.classList.add("hidden");
      confusionBox.classList.remove("hidden");
      await drawConfusion(confusionBox, confusion, normalized);
      confusionBox.dataset.rendered = "true";
    } else if (name === "per_class") {
      perClassBox.classList.remove("hidden");
      await drawPerClass(perClassBox, payload, await referencePerClass(run));
      perClassBox.dataset.rendered = "true";
    } else if (name === "feature_maps") {
      drawFeatureMaps(fmapsBox, payload);
      fmapsBox.dataset.rendered = "true";
    }
  };
  const toggleConfusion = async (value) => {
    normalized = value;
    countsButton.classList.toggle("on", !value);
    normalizedButton.classList.toggle("on", value);
    if (confusion) await drawConfusion(confusionBox, confusion, normalized);
    confusionBox.dataset.normalized = String(value);
  };
  countsButton.addEventListener("click", () => toggleConfusion(false));
  normalizedButton.addEventListener("click", () => toggleConfusion(true));
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
        usage.draw(series),
        memory.draw(series),
        ...artifacts.map(showArtifact),
      ]);
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
      await usage.trimAfter(data.step);
      await memory.trimAfter(data.step);
      log.append("warning", `resumed from the checkpoint after epoch ${data.epoch} (step ${data.step})`);
    },
  };
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
