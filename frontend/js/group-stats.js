// Seed groups on the compare page: which compared runs form a group, and their mean and spread per step.

/**
 * The compared runs as entries in first-seen order: a seed group with two or more of its runs here is one
 * entry {groupId, runs}; every other run is an entry of its own {groupId: null, runs: [run]}.
 */
export function seedGroups(runs) {
  const counts = new Map();
  for (const run of runs) if (run.group_id) counts.set(run.group_id, (counts.get(run.group_id) || 0) + 1);
  const entries = [];
  const byGroup = new Map();
  for (const run of runs) {
    if (run.group_id && counts.get(run.group_id) > 1) {
      if (!byGroup.has(run.group_id)) {
        const entry = { groupId: run.group_id, runs: [] };
        byGroup.set(run.group_id, entry);
        entries.push(entry);
      }
      byGroup.get(run.group_id).runs.push(run);
    } else {
      entries.push({ groupId: null, runs: [run] });
    }
  }
  return entries;
}

/** Mean and sample standard deviation of the finite numbers in `values` (null mean when there are none). */
export function meanStd(values) {
  const xs = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  if (!xs.length) return { mean: null, std: null, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), n: xs.length };
}

/**
 * Per x value present in every series: the mean, and the band's lower and upper edge ("minmax": the
 * smallest and largest value; "std": mean -+ one sample standard deviation). series: [{x, y}].
 */
export function bandStats(series, band = "minmax") {
  if (!series.length) return { x: [], mean: [], lower: [], upper: [] };
  const maps = series.map((s) => new Map(s.x.map((x, i) => [x, s.y[i]])));
  const xs = series[0].x.filter((x) => maps.every((m) => typeof m.get(x) === "number"));
  const out = { x: xs, mean: [], lower: [], upper: [] };
  for (const x of xs) {
    const values = maps.map((m) => m.get(x));
    const { mean, std } = meanStd(values);
    out.mean.push(mean);
    out.lower.push(band === "std" ? mean - std : Math.min(...values));
    out.upper.push(band === "std" ? mean + std : Math.max(...values));
  }
  return out;
}

/** "84.2 ± 0.6 %" for fractions (one run: "84.2 %"; none: "–"). */
export function formatMeanStdPercent(values, digits = 1) {
  const { mean, std, n } = meanStd(values);
  if (mean === null) return "–";
  const m = (100 * mean).toFixed(digits);
  return n > 1 ? `${m} ± ${(100 * std).toFixed(digits)} %` : `${m} %`;
}
