// LR range test page (/runs/{id} of kind lr_find): loss against LR drawn live, suggestions marked,
// and "Train with this LR", which opens the launch form with the test's training config and that LR.

import { api } from "../api.js";
import { fetchArtifact } from "../artifacts.js";
import { LrCurveChart } from "../charts/lr-curve.js";
import { loadPlotly } from "../charts/plotly-loader.js";
import { configTable } from "../components/config-table.js";
import { LogView } from "../components/log-view.js";
import { RunHeader } from "../components/run-header.js";
import { h } from "../dom.js";
import { formatLr } from "../format.js";
import { groupPoints } from "../metrics.js";
import { navigate } from "../router.js";
import { isFinished } from "../run-model.js";
import { openEventStream } from "../sse.js";

/** The three per-iteration series joined by step: Map step -> {lr, loss, smoothed} (keys missing where a series has no point). */
export function joinSweep(series) {
  const byStep = new Map();
  for (const [name, key] of [["lrf_lr", "lr"], ["lrf_loss", "loss"], ["lrf_smoothed", "smoothed"]]) {
    const s = series[name];
    if (!s) continue;
    s.x.forEach((step, i) => {
      const entry = byStep.get(step) || {};
      entry[key] = s.y[i];
      byStep.set(step, entry);
    });
  }
  return byStep;
}

/** Build the LR range test view from its history and keep it live until the run ends. */
export async function showLrFind(root, { run, logLines, series, lastEventId, artifacts }, page) {
  const header = new RunHeader(run);
  const chartEl = h("div", { class: "chart tall", "data-testid": "lr-curve-chart", id: "lr-curve-chart" });
  const suggestionsEl = h("div", { class: "suggestions", "data-testid": "suggestions" }, h("span", { class: "muted" }, "Suggestions appear when the test ends."));
  const stopNote = h("p", { class: "muted", "data-testid": "stop-note" });
  const log = new LogView();
  root.append(
    header.el,
    h("section", { class: "panel", "data-testid": "lr-curve-panel" }, h("h2", {}, "Loss against learning rate"), chartEl),
    h("section", { class: "panel", "data-testid": "suggestions-panel" }, h("h2", {}, "Suggested learning rates"), suggestionsEl, stopNote),
    h(
      "div",
      { class: "grid-2" },
      h("section", { class: "panel" }, h("h2", {}, "Config"), configTable(run.config)),
      h("section", { class: "panel" }, h("h2", {}, "Log"), log.el),
    ),
  );
  const chart = new LrCurveChart(chartEl);
  page.cleanups.push(() => chart.dispose());

  const showCurve = async (curve) => {
    await chart.draw(curve.lr, curve.loss, curve.smoothed);
    await chart.markSuggestions(curve.suggestions, curve.recommended);
    await chart.fitLossRange(curve.smoothed);
    renderSuggestions(suggestionsEl, run.id, curve);
    stopNote.textContent = curve.stopped_early ? `Stopped early: ${curve.stop_detail || curve.stop_reason}` : "";
    chartEl.dataset.final = "true";
  };

  await loadPlotly();
  if (page.disposed) return;
  for (const line of logLines) log.append(line.level, line.message);
  const joined = [...joinSweep(series).entries()].filter(([, e]) => "lr" in e && "loss" in e).sort((a, b) => a[0] - b[0]);
  if (artifacts.includes("lr_curve")) {
    await showCurve(await fetchArtifact(run.id, "lr_curve"));
  } else {
    await chart.draw(joined.map(([, e]) => e.lr), joined.map(([, e]) => e.loss), joined.map(([, e]) => e.smoothed ?? null));
  }
  root.dataset.loaded = "true";
  if (isFinished(run)) return;

  // Live: points of one iteration may arrive in different events; draw an iteration once all three are in.
  const pending = new Map();
  let lastDrawn = joined.length ? joined[joined.length - 1][0] : 0;
  let chain = Promise.resolve();
  const serial = (fn) => (data) => {
    chain = chain.then(() => (page.disposed ? null : fn(data))).catch((error) => log.append("error", `dashboard: ${error.message}`));
  };
  const onMetrics = async (data) => {
    for (const [step, entry] of joinSweep(groupPoints(data.points))) {
      if (step > lastDrawn) pending.set(step, { ...(pending.get(step) || {}), ...entry });
    }
    const ready = [...pending.entries()].filter(([, e]) => "lr" in e && "loss" in e && "smoothed" in e).sort((a, b) => a[0] - b[0]);
    if (!ready.length) return;
    for (const [step] of ready) pending.delete(step);
    lastDrawn = ready[ready.length - 1][0];
    await chart.extend(ready.map(([, e]) => e.lr), ready.map(([, e]) => e.loss), ready.map(([, e]) => e.smoothed));
  };
  const stream = openEventStream(
    `/api/runs/${run.id}/events`,
    {
      metrics: serial(onMetrics),
      progress: serial(async (data) => header.update({ progress: data.progress || data })),
      status: serial(async (data) => header.update(data)),
      log: serial(async (data) => log.append(data.level, data.message)),
      artifact: serial(async (data) => {
        if (data.name === "lr_curve") await showCurve(await fetchArtifact(run.id, "lr_curve"));
      }),
      rewind: serial(async (data) => {
        lastDrawn = data.step;
        pending.clear();
        await chart.keepFirst(data.step);
      }),
      end: serial(async () => header.update(await api(`/api/runs/${run.id}`))),
    },
    { lastEventId },
  );
  page.cleanups.push(stream.close);
}

/** One entry per rule with its LR and a "Train with this LR" button; the recommended rule first. */
function renderSuggestions(el, runId, curve) {
  const rules = Object.entries(curve.suggestions || {}).filter(([, lr]) => Number.isFinite(lr));
  rules.sort(([a], [b]) => (a === curve.recommended ? -1 : b === curve.recommended ? 1 : 0));
  if (!rules.length) {
    el.replaceChildren(h("span", { class: "form-error" }, "No rule could suggest a learning rate from this curve."));
    return;
  }
  const items = rules.map(([rule, lr]) => {
    const recommended = rule === curve.recommended;
    return h(
      "div",
      { class: `suggestion${recommended ? " recommended" : ""}`, "data-testid": `suggestion-${rule}`, "data-lr": String(lr) },
      h("div", {}, h("b", {}, rule), recommended ? " (recommended)" : ""),
      h("div", { class: "lr" }, formatLr(lr)),
      h(
        "button",
        {
          class: recommended ? "primary" : "",
          "data-testid": recommended ? "train-with-lr" : `train-with-lr-${rule}`,
          onclick: () => navigate(`/launch?lrfind=${runId}&rule=${encodeURIComponent(rule)}`),
        },
        "Train with this LR",
      ),
    );
  });
  const warning = curve.disagreement
    ? h("p", { class: "dataset-note" }, "The rules disagree by more than 10×: look at the curve before choosing.")
    : null;
  el.replaceChildren(...items, warning || "");
}
