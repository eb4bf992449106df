// Reads a sweep as the API returns it (SweepPublic) into what the sweep page draws; pure functions.

/** "91.2 %" for accuracies, "0.3141" for losses, "–" for none. */
export function formatMetric(metric, value) {
  if (value === null || value === undefined) return "–";
  return metric.endsWith("_acc") ? `${(100 * value).toFixed(1)} %` : value.toFixed(4);
}

/** A parameter's value for tables: floats to 3 significant digits. */
export function formatParam(value) {
  if (typeof value === "number" && !Number.isInteger(value)) return value.toPrecision(3);
  return String(value);
}

/** The value a trial stands at: its final value when complete, else its last reported one (null if none). */
export function trialValue(trial) {
  if (trial.value !== null && trial.value !== undefined) return trial.value;
  const epochs = Object.keys(trial.reported || {}).map(Number);
  return epochs.length ? trial.reported[String(Math.max(...epochs))] : null;
}

/** Best value so far after each complete trial, in trial order: {x: trial numbers, y: best values}. */
export function bestSoFar(sweep) {
  const better = sweep.direction === "maximize" ? (a, b) => a > b : (a, b) => a < b;
  const x = [];
  const y = [];
  let best = null;
  for (const t of [...sweep.trial_list].sort((a, b) => a.number - b.number)) {
    if (t.state !== "complete" || t.value === null) continue;
    if (best === null || better(t.value, best)) best = t.value;
    x.push(t.number);
    y.push(best);
  }
  return { x, y };
}

/** Parallel-coordinates dimensions: one per parameter (log10 for log-uniform ones), then the metric. */
export function parcoordsDimensions(sweep, trials) {
  const dims = Object.entries(sweep.space).map(([name, spec]) => {
    const log = spec.type === "log" || spec.type === "intlog";
    if (spec.type === "choice") {
      const labels = spec.choices.map(String);
      return { label: name, values: trials.map((t) => labels.indexOf(String(t.params[name]))), tickvals: labels.map((_, i) => i), ticktext: labels, range: [0, Math.max(labels.length - 1, 1)] };
    }
    const values = trials.map((t) => (log ? Math.log10(t.params[name]) : t.params[name]));
    const range = log ? [Math.log10(spec.low), Math.log10(spec.high)] : [spec.low, spec.high];
    const dim = { label: log ? `${name} (log10)` : name, values, range };
    return dim;
  });
  dims.push({ label: sweep.metric, values: trials.map(trialValue) });
  return dims;
}

/** How far a sweep is: {ended, total, pruned, running}. */
export function sweepCounts(sweep) {
  const trials = sweep.trial_list;
  return {
    ended: trials.filter((t) => t.state !== "running").length,
    total: sweep.trials,
    pruned: trials.filter((t) => t.state === "pruned").length,
    running: trials.filter((t) => t.state === "running").length,
  };
}
