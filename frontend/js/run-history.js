// Everything a run page shows from storage, fetched in parallel: the run, its log, its series, its artifacts.

import { api } from "./api.js";
import { listArtifacts } from "./artifacts.js";
import { EPOCH_SERIES, LR_FIND_SERIES, STEP_SERIES, SYSTEM_SERIES, fetchSeries } from "./metrics.js";

// Per series; the server keeps each bucket's extremes. An LR range test has at most this many iterations in
// practice, so its three series come back whole and line up by step.
const MAX_POINTS = 2000;

/**
 * Resolve to {run, logLines, series, lastEventId, artifacts}: every series point and log line up to
 * lastEventId, from which the page subscribes to the live stream. whileWaiting() runs once every request is out.
 */
export async function loadRunHistory(runId, { whileWaiting = () => {} } = {}) {
  const runRequest = api(`/api/runs/${runId}`);
  const logsRequest = api(`/api/runs/${runId}/logs`, { query: { limit: 10000 } });
  // The series are read after the log: a log line carries no event id, so the log must not get ahead of the
  // series' lastEventId, or its newest lines would come again from the stream.
  // A script's run (kind external or script) names its metrics itself: every series it has.
  const seriesRequest = Promise.all([runRequest, logsRequest]).then(([run]) => {
    const names = ["external", "script"].includes(run.kind) ? [] : [...STEP_SERIES, ...EPOCH_SERIES, ...LR_FIND_SERIES, ...SYSTEM_SERIES];
    const request = fetchSeries(runId, names, MAX_POINTS);
    whileWaiting(); // e.g. compile plotly.js while the server thins the series, not before the request is out
    return request;
  });
  const [run, logs, { series, lastEventId }, artifacts] = await Promise.all([runRequest, logsRequest, seriesRequest, listArtifacts(runId)]);
  const logLines = (logs.data || []).filter((line) => line.id === undefined || line.id <= lastEventId);
  return { run, logLines, series, lastEventId, artifacts };
}
