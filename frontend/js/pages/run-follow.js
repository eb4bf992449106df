// Run page, the following half: after the history is drawn, apply the run's live events from the event id
// the history is complete up to, one at a time and in arrival order, until the run ends.

import { api } from "../api.js";
import { openEventStream } from "../sse.js";

/** Follow run `runId` live from `lastEventId` into `view` (see run-view.js); returns the stream's close(). */
export function followRun(runId, lastEventId, view, page) {
  // Handlers run one at a time, in arrival order, so extendTraces never sees points out of order.
  let chain = Promise.resolve();
  const serial = (fn) => (data) => {
    chain = chain.then(() => (page.disposed ? null : fn(data))).catch((error) => view.log.append("error", `dashboard: ${error.message}`));
  };
  const refresh = async () => {
    const latest = await api(`/api/runs/${runId}`);
    if (!page.disposed) view.update(latest);
  };
  const stream = openEventStream(
    `/api/runs/${runId}/events`,
    {
      metrics: serial((data) => view.onMetrics(data)),
      progress: serial(async (data) => view.update({ progress: data.progress || data })),
      status: serial(async (data) => view.update(data)),
      log: serial(async (data) => view.log.append(data.level, data.message)),
      artifact: serial(async (data) => view.showArtifact(data.name, data.epoch ?? null)),
      rewind: serial((data) => view.rewind(data)),
      end: serial(refresh),
    },
    { lastEventId },
  );
  return stream.close;
}
