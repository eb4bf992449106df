// Runs page, the table: one row per run, newest first, kept in step with the runs it is given.

import { escapeHtml, formatDate, formatPercent, formatRate } from "../format.js";
import { bestTestAccuracy, configOf, displayName, progressOf } from "../run-model.js";
import { progressHtml, statusBadgeHtml } from "../components/status.js";

export const COLUMNS = ["", "#", "name", "kind", "model", "dataset", "status", "progress", "images/s", "best test acc", "device", "created"];

/** The rows of the runs table in `tbody`, with the runs they show, the ticked ones and the matching total. */
export class RunsTable {
  constructor(tbody, matches) {
    this.tbody = tbody;
    this.matches = matches; // run -> whether the current filter shows it
    this.runs = new Map(); // id -> run
    this.rows = new Map(); // id -> <tr>
    this.selected = new Set();
    this.total = 0; // runs matching the filter on the server, shown or not
  }

  /** Forget every row (before a reload). */
  clear() {
    this.runs.clear();
    this.rows.clear();
    this.tbody.replaceChildren();
  }

  /** Append runs older than those shown (a page of the API), in one parse for the whole batch. */
  append(runs) {
    const html = [];
    for (const run of runs) {
      if (this.runs.has(run.id)) continue;
      this.runs.set(run.id, run);
      html.push(rowHtml(run, this.selected.has(run.id)));
    }
    this.tbody.insertAdjacentHTML("beforeend", html.join("")); // 1,000 rows render in a few milliseconds
    for (const row of this.tbody.querySelectorAll("tr[data-run-id]")) this.rows.set(Number(row.dataset.runId), row);
  }

  /** A run was created or changed: update its row, add it in id order, or drop it if the filter hides it now. */
  upsert(run) {
    const known = this.rows.get(run.id);
    if (!this.matches(run)) {
      if (known) this.remove(run.id);
      return;
    }
    const oldestLoaded = [...this.rows.keys()].reduce((a, b) => Math.min(a, b), Infinity);
    if (!known && this.runs.size < this.total && run.id < oldestLoaded) return; // "Load more" brings it
    this.runs.set(run.id, { ...(this.runs.get(run.id) || {}), ...run });
    const row = rowElement(this.runs.get(run.id), this.selected.has(run.id));
    if (known) known.replaceWith(row);
    else {
      // Newest first: put it before the first row with a smaller id.
      const next = [...this.rows.entries()].filter(([id]) => id < run.id).sort((a, b) => b[0] - a[0])[0];
      if (next) next[1].before(row);
      else this.tbody.append(row);
      this.total += 1;
    }
    this.rows.set(run.id, row);
  }

  /** A run was deleted. */
  remove(id) {
    const row = this.rows.get(id);
    if (!row) return;
    row.remove();
    this.rows.delete(id);
    this.runs.delete(id);
    this.selected.delete(id);
    this.total = Math.max(0, this.total - 1);
  }
}

function rowElement(run, selected) {
  const template = document.createElement("template");
  template.innerHTML = rowHtml(run, selected);
  return template.content.firstElementChild;
}

/** One table row as HTML. */
export function rowHtml(run, selected) {
  const config = configOf(run);
  const p = progressOf(run);
  const id = Number(run.id);
  const acc = bestTestAccuracy(run);
  return (
    `<tr data-run-id="${id}" data-testid="run-row" data-status="${escapeHtml(run.status)}">` +
    `<td><input type="checkbox" data-select="${id}" data-testid="select-run" aria-label="select run ${id}"${selected ? " checked" : ""}></td>` +
    `<td class="num">${id}</td>` +
    `<td class="name"><a href="/runs/${id}" data-testid="run-link">${escapeHtml(displayName(run))}</a></td>` +
    `<td>${escapeHtml(run.kind ?? config.kind ?? "")}</td>` +
    `<td>${escapeHtml(config.model ?? "")}</td>` +
    `<td>${escapeHtml(config.dataset ?? "")}</td>` +
    `<td>${statusBadgeHtml(run.status)}${waitingHtml(run)}</td>` +
    `<td>${progressHtml(run)}</td>` +
    `<td class="num">${formatRate(p.imagesPerS)}</td>` +
    `<td class="num" data-testid="best-acc">${acc === null ? "–" : formatPercent(acc)}</td>` +
    `<td>${escapeHtml(run.device ?? config.device ?? "")}</td>` +
    `<td>${formatDate(run.created_at)}</td>` +
    `</tr>`
  );
}

/** Why a queued run is not taken (no live worker offers what it needs), under its status. */
function waitingHtml(run) {
  return run.status === "queued" && run.waiting ? `<div class="waiting" data-testid="run-waiting">${escapeHtml(run.waiting)}</div>` : "";
}
