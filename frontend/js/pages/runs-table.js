// Runs page, the table: one row per run, in the order of the current sort, kept in step with the runs it is given.

import { escapeHtml, formatDate, formatDuration, formatPercent, formatRate } from "../format.js";
import { bestTestAccuracy, configOf, displayName, progressOf } from "../run-model.js";
import { progressHtml, statusBadgeHtml } from "../components/status.js";

// Header label and the API's sort name (null: not sortable).
export const COLUMNS = [
  ["", null],
  ["#", null],
  ["name", "name"],
  ["kind", null],
  ["model", "model"],
  ["dataset", "dataset"],
  ["status", "status"],
  ["progress", null],
  ["images/s", "images_per_s"],
  ["best test acc", "best_test_acc"],
  ["time", "duration"],
  ["device", null],
  ["created", "created_at"],
];

/** The rows of the runs table in `tbody`, with the runs they show, the ticked ones and the matching total. */
export class RunsTable {
  constructor(tbody, matches, compare) {
    this.tbody = tbody;
    this.matches = matches; // run -> whether the current filter shows it
    this.compare = compare; // (a, b) -> < 0 when a comes first in the current sort
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

  /** A run was created or changed: update its row in its sorted place, or drop it if the filter hides it now. */
  upsert(run) {
    const known = this.rows.get(run.id);
    const merged = { ...(this.runs.get(run.id) || {}), ...run };
    if (!this.matches(merged)) {
      if (known) this.remove(run.id);
      return;
    }
    if (known) {
      known.remove();
      this.rows.delete(run.id);
      this.runs.delete(run.id);
    }
    // The first shown row that sorts after it; none: it belongs below every row loaded so far.
    const next = [...this.tbody.children].find((row) => {
      const other = this.runs.get(Number(row.dataset.runId));
      return other && this.compare(merged, other) < 0;
    });
    const unloaded = this.total - this.runs.size - (known ? 1 : 0); // matching runs on the server not shown
    if (!next && unloaded > 0) return; // "Load more" brings it, in its place
    if (!known) this.total += 1;
    this.runs.set(run.id, merged);
    const row = rowElement(merged, this.selected.has(run.id));
    if (next) next.before(row);
    else this.tbody.append(row);
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
    `<td class="name"><a href="/runs/${id}" data-testid="run-link">${escapeHtml(displayName(run))}</a>${tagsHtml(run)}</td>` +
    `<td>${escapeHtml(run.kind ?? config.kind ?? "")}</td>` +
    `<td>${escapeHtml(config.model ?? "")}</td>` +
    `<td>${escapeHtml(config.dataset ?? "")}</td>` +
    `<td>${statusBadgeHtml(run.status)}${waitingHtml(run)}</td>` +
    `<td>${progressHtml(run)}</td>` +
    `<td class="num">${formatRate(p.imagesPerS)}</td>` +
    `<td class="num" data-testid="best-acc">${acc === null ? "–" : formatPercent(acc)}</td>` +
    `<td class="num">${durationText(run)}</td>` +
    `<td>${escapeHtml(run.device ?? config.device ?? "")}</td>` +
    `<td>${formatDate(run.created_at)}</td>` +
    `</tr>`
  );
}

/** The run's tags as chips; a click filters the list by one (runs.js). */
function tagsHtml(run) {
  const tags = run.tags || [];
  if (!tags.length) return "";
  const chips = tags.map((tag) => `<a class="chip" href="/?tag=${encodeURIComponent(tag)}" data-tag="${escapeHtml(tag)}" data-testid="row-tag">${escapeHtml(tag)}</a>`);
  return `<div class="chips">${chips.join("")}</div>`;
}

/** How long a finished run took ("–" while it has not finished). */
function durationText(run) {
  if (!run.started_at || !run.finished_at) return "–";
  return formatDuration((new Date(run.finished_at) - new Date(run.started_at)) / 1000);
}

/** Why a queued run is not taken (no live worker offers what it needs), under its status. */
function waitingHtml(run) {
  return run.status === "queued" && run.waiting ? `<div class="waiting" data-testid="run-waiting">${escapeHtml(run.waiting)}</div>` : "";
}
