// Run page (/runs/{id}): a training run drawn live over SSE. LR range tests are handed to lrfind.js, a
// script's run (kind external) to external-view.js.
//
// run-history.js loads the run, its log and its series thinned by the server, with the event id they are
// complete up to; run-view.js builds the page and draws them, then run-follow.js follows the live stream
// from that id, so nothing is missed or drawn twice.

import { loadPlotly } from "../charts/plotly-loader.js";
import { h } from "../dom.js";
import { isFinished } from "../run-model.js";
import { loadRunHistory } from "../run-history.js";
import { followRun } from "./run-follow.js";
import { buildTrainingView } from "./run-view.js";

/** Mount the run page; returns the cleanup function. */
export function mount(root, { params, prefetched }) {
  const page = { disposed: false, cleanups: [] };
  const id = Number(params.id);
  (async () => {
    const history = await (prefetched || loadRunHistory(id, { whileWaiting: () => loadPlotly().catch(() => {}) }));
    if (page.disposed) return;
    if (history.run.kind === "lr_find") {
      const { showLrFind } = await import("./lrfind.js");
      if (!page.disposed) await showLrFind(root, history, page);
    } else if (history.run.kind === "external" || history.run.kind === "script") {
      const { buildExternalView } = await import("./external-view.js");
      if (!page.disposed) await showTraining(root, history, page, buildExternalView);
    } else {
      await showTraining(root, history, page);
    }
  })().catch((error) => {
    if (!page.disposed) root.replaceChildren(h("p", { class: "form-error", "data-testid": "page-error" }, `Could not load run #${id}: ${error.message}`));
  });
  return () => {
    page.disposed = true;
    for (const fn of page.cleanups) fn();
  };
}

/** Build the run's view, draw its history once plotly.js is ready, then keep it live until the run ends. */
async function showTraining(root, history, page, buildView = buildTrainingView) {
  const view = buildView(root, history.run, page);
  await loadPlotly();
  if (page.disposed) return;
  await view.drawHistory(history);
  if (page.disposed) return;
  root.dataset.loaded = "true";
  if (!isFinished(history.run)) page.cleanups.push(followRun(history.run.id, history.lastEventId, view, page));
}
