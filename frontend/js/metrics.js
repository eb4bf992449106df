// Metric series from the API and from live `metrics` events, as {name: {x: steps, y: values}}.

import { api } from "./api.js";

/** Series per step or per epoch the run pages draw. */
export const STEP_SERIES = ["loss", "lr", "images_per_s"];
export const EPOCH_SERIES = ["train_loss", "train_acc", "test_loss", "test_acc"];
export const LR_FIND_SERIES = ["lrf_lr", "lrf_loss", "lrf_smoothed"];
/** The machine's load while the run trains (x = step); GPU series exist only on a GPU worker. */
export const SYSTEM_SERIES = [
  "system/cpu_percent", "system/rss_mb", "system/gpu_util_percent", "system/gpu_memory_mb", "system/data_wait_share",
];

/**
 * Fetch a run's series, downsampled by the server to about maxPoints each (bucket extremes kept).
 * Resolves to {series: {name: {x, y, total}}, lastEventId}: every point up to lastEventId is included.
 */
export async function fetchSeries(runId, names, maxPoints = 2000) {
  const answer = await api(`/api/runs/${runId}/metrics`, { query: { names: names.join(","), max_points: maxPoints } });
  const series = {};
  for (const [name, s] of Object.entries(answer.series || {})) series[name] = { x: s.steps, y: s.values, total: s.total };
  return { series, lastEventId: answer.last_event_id };
}

/** Group the points of a live `metrics` event by name, each in step order. */
export function groupPoints(points) {
  const grouped = {};
  for (const p of points || []) {
    const g = (grouped[p.name] ||= { x: [], y: [] });
    g.x.push(p.step);
    g.y.push(p.value);
  }
  for (const g of Object.values(grouped)) {
    if (g.x.some((x, i) => i > 0 && x < g.x[i - 1])) {
      const order = g.x.map((_, i) => i).sort((a, b) => g.x[a] - g.x[b]);
      g.x = order.map((i) => g.x[i]);
      g.y = order.map((i) => g.y[i]);
    }
  }
  return grouped;
}
