// Status badge and progress bar as HTML strings (the runs table renders 1,000 rows in one assignment).

import { escapeHtml, formatDuration } from "../format.js";
import { fractionDone, isFinished, progressOf } from "../run-model.js";

/** A colored badge for a run status. */
export function statusBadgeHtml(status) {
  const s = escapeHtml(status);
  return `<span class="badge ${s}" data-testid="status" data-status="${s}">${s}</span>`;
}

/** Progress bar with "epoch x/y", the phase and the ETA while running. */
export function progressHtml(run) {
  const p = progressOf(run);
  const percent = Math.round(fractionDone(run) * 100);
  const parts = [];
  if (run.kind === "lr_find" && p.totalSteps) parts.push(`iteration ${p.step ?? 0}/${p.totalSteps}`);
  else if (p.epochs) parts.push(`epoch ${p.epoch ?? 0}/${p.epochs}`);
  else if (p.totalSteps) parts.push(`step ${p.step ?? 0}/${p.totalSteps}`);
  if (run.status === "running" && p.etaS !== null) parts.push(`ETA ${formatDuration(p.etaS)}`);
  if (isFinished(run) && run.status !== "succeeded") parts.push(run.status);
  return (
    `<div class="progress" data-testid="progress" data-percent="${percent}">` +
    `<div class="bar"><div class="fill" style="width:${percent}%"></div></div>` +
    `<span class="label">${escapeHtml(parts.join(" · "))}</span>` +
    (run.status === "running" && p.phase ? `<span class="phase" data-testid="run-phase">${escapeHtml(p.phase)}</span>` : "") +
    "</div>"
  );
}
