// The top of a run page: name, status, labels (tags, note), lineage, facts, progress, error, and the actions
// (cancel, clone, continue, compare with, delete, downloads). Editing the labels is run-labels.js.

import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, formatDuration, formatRate } from "../format.js";
import { navigate } from "../router.js";
import { configOf, displayName, isFinished, progressOf } from "../run-model.js";
import { RunLabels } from "./run-labels.js";
import { RunLineage } from "./run-lineage.js";
import { progressHtml, statusBadgeHtml } from "./status.js";

export class RunHeader {
  /** run: RunPublic; the header re-renders itself on update(run). */
  constructor(run) {
    this.run = run;
    this.hasCheckpoint = false;
    this.title = h("h1", { "data-testid": "run-title" });
    this.badge = h("span", { "data-testid": "run-status" });
    this.meta = h("div", { class: "run-meta", "data-testid": "run-meta" });
    this.progress = h("div", { "data-testid": "run-progress" });
    this.errorBox = h("div", { class: "error-box hidden", "data-testid": "run-error" });
    this.waiting = h("div", { class: "waiting hidden", "data-testid": "run-waiting" });
    this.actionError = h("div", { class: "form-error", "data-testid": "action-error" });
    this.labels = new RunLabels(run, (saved) => this.update(saved), this.title);
    const id = run.id;
    this.cancelButton = h("button", { "data-testid": "cancel-run", onclick: () => this.act(() => api(`/api/runs/${id}/cancel`, { method: "POST" })) }, "Cancel");
    this.cloneButton = h("button", { "data-testid": "clone-run", onclick: () => navigate(`/launch?from=${id}`) }, "Clone");
    this.continueButton = h("button", { class: "hidden", "data-testid": "continue-run", title: "A new run from this run's last checkpoint, with the changes you make", onclick: () => navigate(`/launch?continue=${id}`) }, "Continue");
    this.lineage = new RunLineage(run);
    this.deleteButton = h("button", { class: "danger", "data-testid": "delete-run", onclick: () => this.remove() }, "Delete");
    this.checkpointLink = h("a", { class: "button hidden", href: `/api/runs/${id}/checkpoint`, download: `run-${id}.pt`, "data-testid": "checkpoint-download" }, "Checkpoint");
    this.csvLink = h("a", { class: "button", href: `/api/runs/${id}/metrics?format=csv`, download: `run-${id}-metrics.csv`, "data-testid": "metrics-csv" }, "Metrics CSV");
    this.el = h(
      "div",
      {},
      h(
        "div",
        { class: "page-head" },
        this.title,
        this.labels.nameInput,
        this.labels.renameButton,
        this.badge,
        h("span", { class: "spacer" }),
        this.cancelButton,
        this.cloneButton,
        this.continueButton,
        this.lineage.compareButton,
        this.checkpointLink,
        this.csvLink,
        this.deleteButton,
      ),
      this.actionError,
      this.labels.el,
      this.lineage.el,
      this.meta,
      this.progress,
      this.waiting,
      this.errorBox,
    );
    this.update(run);
  }

  /** Show the run's current state. */
  update(run) {
    this.run = { ...this.run, ...run };
    const r = this.run;
    const config = configOf(r);
    const p = progressOf(r);
    this.title.textContent = `#${r.id} ${displayName(r)}`;
    this.badge.innerHTML = statusBadgeHtml(r.status);
    this.labels.update(r);
    const facts = [
      ["kind", r.kind],
      ["model", config.model],
      ["dataset", config.dataset],
      ["device", r.device || config.device],
      ["worker", r.worker],
      ["preset", r.preset],
      ["created", formatDate(r.created_at)],
      ["started", r.started_at ? formatDate(r.started_at) : null],
      ["finished", r.finished_at ? formatDate(r.finished_at) : null],
      ["speed", p.imagesPerS ? formatRate(p.imagesPerS) : null],
      ["attempt", r.attempt > 1 ? String(r.attempt) : null],
    ].filter(([, v]) => v);
    this.meta.replaceChildren(...facts.map(([k, v]) => h("span", {}, `${k} `, h("b", {}, v))));
    if (r.status === "running" && p.etaS !== null) this.meta.append(h("span", {}, "time left ", h("b", {}, formatDuration(p.etaS))));
    this.progress.innerHTML = progressHtml(r);
    this.waiting.textContent = r.status === "queued" && r.waiting ? r.waiting : "";
    this.waiting.classList.toggle("hidden", !this.waiting.textContent);
    this.errorBox.textContent = r.error || "";
    this.errorBox.classList.toggle("hidden", !r.error);
    this.cancelButton.classList.toggle("hidden", isFinished(r));
    this.cloneButton.classList.toggle("hidden", r.kind === "external" || r.kind === "script"); // a script's run: run the script again
    this.checkpointLink.classList.toggle("hidden", !this.hasCheckpoint);
    this.continueButton.classList.toggle("hidden", !this.canContinue());
  }

  /** A training run that has ended with a checkpoint can be continued. */
  canContinue() {
    return this.hasCheckpoint && this.run.kind === "train" && isFinished(this.run);
  }

  /** Show the checkpoint download (and Continue, once the run has ended) once the run has one. */
  setCheckpointAvailable(available) {
    this.hasCheckpoint = available;
    this.checkpointLink.classList.toggle("hidden", !available);
    this.continueButton.classList.toggle("hidden", !this.canContinue());
  }

  async act(request) {
    this.actionError.textContent = "";
    try {
      const run = await request();
      if (run && run.id !== undefined) this.update(run);
    } catch (error) {
      this.actionError.textContent = error.message;
    }
  }

  async remove() {
    if (!window.confirm(`Delete run #${this.run.id} and everything it stored?`)) return;
    await this.act(() => api(`/api/runs/${this.run.id}`, { method: "DELETE" }));
    if (!this.actionError.textContent) navigate("/");
  }
}
