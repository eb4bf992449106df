// Sweep page (/sweeps/{id}): the trials (live), the best so far, every trial's metric per epoch with pruned
// trials faded, parallel coordinates, parameter importance, and "Train the best config".

import { api } from "../api.js";
import { drawBestSoFar, drawImportance, drawParallelCoordinates, drawTrialCurves } from "../charts/sweep-charts.js";
import { statusBadgeHtml } from "../components/status.js";
import { h } from "../dom.js";
import { navigate } from "../router.js";
import { formatMetric, formatParam, sweepCounts } from "../sweep-model.js";

const POLL_MS = 2000;

/** Mount the sweep page; returns the cleanup function. */
export function mount(root, { params }) {
  const id = Number(params.id);
  let disposed = false;
  let timer = null;
  const title = h("h1", { "data-testid": "sweep-title" });
  const badge = h("span", { "data-testid": "sweep-status" });
  const facts = h("div", { class: "run-meta", "data-testid": "sweep-facts" });
  const bestBox = h("div", { class: "summary-cards", "data-testid": "sweep-best" });
  const actionError = h("div", { class: "form-error", "data-testid": "action-error" });
  const cancelButton = h("button", { class: "hidden", "data-testid": "cancel-sweep" }, "Cancel sweep");
  const trainBestButton = h("button", { class: "primary hidden", "data-testid": "train-best" }, "Train the best config");
  const tableHost = h("div", { class: "table-wrap", "data-testid": "trials-table" });
  const charts = {
    best: h("div", { class: "chart", "data-testid": "best-so-far-chart" }),
    curves: h("div", { class: "chart", "data-testid": "trial-curves-chart" }),
    parcoords: h("div", { class: "chart tall", "data-testid": "parcoords-chart" }),
    importance: h("div", { class: "chart", "data-testid": "importance-chart" }),
  };
  const importanceNote = h("p", { class: "muted", "data-testid": "importance-note" });
  root.append(
    h("div", { class: "page-head" }, title, badge, h("span", { class: "spacer" }), trainBestButton, cancelButton, h("a", { href: "/sweeps" }, "← sweeps")),
    actionError,
    facts,
    bestBox,
    h("div", { class: "grid-2" },
      h("section", { class: "panel" }, h("h2", {}, "Best so far"), charts.best),
      h("section", { class: "panel" }, h("h2", {}, "Every trial per epoch (pruned: faded, x where stopped)"), charts.curves)),
    h("div", { style: "height: 1rem" }),
    h("div", { class: "grid-2" },
      h("section", { class: "panel" }, h("h2", {}, "Parameters and result"), charts.parcoords),
      h("section", { class: "panel" }, h("h2", {}, "Parameter importance"), charts.importance, importanceNote)),
    h("div", { style: "height: 1rem" }),
    h("section", { class: "panel" }, h("h2", {}, "Trials"), tableHost),
  );

  const act = async (request) => {
    actionError.textContent = "";
    try {
      return await request();
    } catch (error) {
      actionError.textContent = error.message;
      return null;
    }
  };
  cancelButton.addEventListener("click", async () => {
    if (await act(() => api(`/api/sweeps/${id}/cancel`, { method: "POST" }))) refresh();
  });
  trainBestButton.addEventListener("click", async () => {
    const run = await act(() => api(`/api/sweeps/${id}/train-best`, { method: "POST" }));
    if (run) navigate(`/runs/${run.id}`);
  });

  const render = async (sweep, importance) => {
    const counts = sweepCounts(sweep);
    title.textContent = `Sweep #${sweep.id} ${sweep.name}`;
    badge.innerHTML = statusBadgeHtml(sweep.status);
    const space = Object.entries(sweep.space).map(([k, s]) => `${k} ${s.type === "choice" ? s.choices.join("/") : `${s.type} ${s.low}..${s.high}`}`).join(", ");
    facts.replaceChildren(...[
      ["trials", `${counts.ended} of ${counts.total} ended, ${counts.running} active, ${counts.pruned} pruned`],
      ["search", `${sweep.sampler} + ${sweep.pruner}, ${sweep.parallel} at once`],
      ["metric", `${sweep.metric} (${sweep.direction})`],
      ["space", space],
      ["preset", sweep.preset],
    ].filter(([, v]) => v).map(([k, v]) => h("span", {}, `${k} `, h("b", {}, v))));
    const best = sweep.best;
    bestBox.replaceChildren(
      best
        ? h("div", { class: "card" }, h("div", { class: "value", "data-testid": "best-value" }, formatMetric(sweep.metric, best.value)),
          h("div", { class: "caption" }, "best ", h("a", { href: `/runs/${best.run_id}` }, `trial ${best.number}`), ": ",
            Object.entries(best.params).map(([k, v]) => `${k}=${formatParam(v)}`).join(" ")))
        : h("div", { class: "card" }, h("div", { class: "value" }, "–"), h("div", { class: "caption" }, "no complete trial yet")),
    );
    cancelButton.classList.toggle("hidden", sweep.status !== "running");
    trainBestButton.classList.toggle("hidden", !best);
    tableHost.replaceChildren(trialsTable(sweep));
    importanceNote.textContent = importance.note ? `Importance ${importance.note}.` : `From ${importance.trials} complete trials.`;
    await Promise.all([
      drawBestSoFar(charts.best, sweep),
      drawTrialCurves(charts.curves, sweep),
      drawParallelCoordinates(charts.parcoords, sweep),
      drawImportance(charts.importance, importance),
    ]);
  };

  // fANOVA fits a forest over the complete trials: asked again only when one more trial has completed.
  let importance = null;
  let importanceFor = -1;
  const refresh = async () => {
    const sweep = await api(`/api/sweeps/${id}`);
    const complete = sweep.trial_list.filter((t) => t.state === "complete").length;
    if (complete !== importanceFor) {
      importance = await api(`/api/sweeps/${id}/importance`);
      importanceFor = complete;
    }
    if (disposed) return;
    await render(sweep, importance);
    root.dataset.loaded = "true";
    root.dataset.sweepStatus = sweep.status;
    clearTimeout(timer);
    if (sweep.status === "running" || sweep.trial_list.some((t) => t.state === "running")) timer = setTimeout(() => refresh().catch(showError), POLL_MS);
  };
  const showError = (error) => {
    if (!disposed) root.append(h("p", { class: "form-error", "data-testid": "page-error" }, `Could not load sweep #${id}: ${error.message}`));
  };
  refresh().catch(showError);
  return () => {
    disposed = true;
    clearTimeout(timer);
    if (window.Plotly) Object.values(charts).forEach((el) => window.Plotly.purge(el));
  };
}

/** Rows: trial, run, status, each parameter, the value, and why a pruned trial stopped. */
function trialsTable(sweep) {
  const names = Object.keys(sweep.space);
  const header = h("tr", {}, ["trial", "run", "status", ...names, sweep.metric, "epochs", "why stopped"].map((c) => h("th", {}, c)));
  const rows = sweep.trial_list.map((t) =>
    h("tr", { "data-testid": "trial-row", "data-state": t.state, "data-run-id": t.run_id },
      h("td", { class: "num" }, String(t.number)),
      h("td", {}, h("a", { href: `/runs/${t.run_id}` }, `#${t.run_id}`)),
      h("td", { html: statusBadgeHtml(t.status) }),
      names.map((n) => h("td", { class: "num" }, formatParam(t.params[n]))),
      h("td", { class: "num" }, formatMetric(sweep.metric, t.value ?? null)),
      h("td", { class: "num" }, String(Object.keys(t.reported).length)),
      h("td", { class: "reason" }, t.reason || "")),
  );
  return h("table", { class: "runs" }, h("thead", {}, header), h("tbody", {}, rows));
}
