// Reads the fields the pages show from a run as the API returns it (RunPublic), in one place.

export const TERMINAL_STATUSES = ["succeeded", "failed", "cancelled", "diverged", "pruned", "crashed"];
export const STATUSES = ["queued", "running", ...TERMINAL_STATUSES];

/** True when the run will not change any more. */
export function isFinished(run) {
  return TERMINAL_STATUSES.includes(run.status);
}

/** The run's config object ({} when absent). */
export function configOf(run) {
  return run.config || {};
}

/** A display name: the run's name, else "model on dataset". */
export function displayName(run) {
  const config = configOf(run);
  return run.name || config.name || `${config.model ?? "run"} on ${config.dataset ?? "?"}`;
}

/** Progress counters: {epoch, epochs, step, totalSteps, imagesPerS, etaS, phase} (nulls when unknown). */
export function progressOf(run) {
  const p = run.progress || {};
  const config = configOf(run);
  return {
    epoch: p.epoch ?? null,
    epochs: p.epochs ?? config.epochs ?? null,
    step: p.step ?? null,
    totalSteps: p.total_steps ?? null,
    imagesPerS: p.images_per_s ?? null,
    etaS: p.eta_s ?? null,
    phase: p.phase ?? null, // "loading cifar10", "first epoch: evaluation after 15,000 steps", ...
  };
}

/** Fraction done in [0, 1]: by steps when known, else by epochs; 1 for succeeded runs. */
export function fractionDone(run) {
  if (run.status === "succeeded") return 1;
  const p = progressOf(run);
  if (p.totalSteps && p.step !== null) return Math.min(1, p.step / p.totalSteps);
  if (p.epochs && p.epoch !== null) return Math.min(1, p.epoch / p.epochs);
  return 0;
}

/** Best test accuracy so far as a fraction (null when none yet). */
export function bestTestAccuracy(run) {
  return run.best_test_acc ?? finalTestAccuracy(run);
}

/** Final test accuracy as a fraction (null when none). */
export function finalTestAccuracy(run) {
  return run.summary?.test_accuracy ?? null;
}

/** Final train accuracy as a fraction (null when none). */
export function finalTrainAccuracy(run) {
  return run.summary?.train_accuracy ?? null;
}
