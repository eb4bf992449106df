// A run's kept evaluations: the listing, and each evaluation's payload and mistakes gallery, fetched once each.

import { api } from "./api.js";

/** Cached reads of one run's evaluations (a kept evaluation never changes, except when a rewind forgets it). */
export class EvaluationStore {
  constructor(runId) {
    this.runId = runId;
    this.payloads = new Map(); // epoch -> Promise of the evaluation payload
    this.mistakes = new Map(); // epoch -> Promise of the mistakes payload
  }

  /** The listing: {data: [{epoch, step, accuracy, per_class, size, mistakes_size}], count, classes}. */
  list() {
    return api(`/api/runs/${this.runId}/evaluations`);
  }

  /** The evaluation payload at `epoch`: {epoch, step, classes, matrix, per_class, feature_maps}. */
  evaluation(epoch) {
    return this.cached(this.payloads, "evaluation", epoch);
  }

  /** The mistakes gallery at `epoch`: {cells: [{true, predicted, count, images}]}. */
  mistakesAt(epoch) {
    return this.cached(this.mistakes, "mistakes", epoch);
  }

  /** One request per (endpoint, epoch); a failed one is forgotten, so the next call asks again. */
  cached(cache, endpoint, epoch) {
    if (!cache.has(epoch)) {
      const request = api(`/api/runs/${this.runId}/${endpoint}`, { query: { epoch } });
      request.catch(() => cache.delete(epoch));
      cache.set(epoch, request);
    }
    return cache.get(epoch);
  }

  /** Forget what was read (a new upload for an epoch already read, or a rewind). */
  forget(epoch = null) {
    if (epoch === null) {
      this.payloads.clear();
      this.mistakes.clear();
    } else {
      this.payloads.delete(epoch);
      this.mistakes.delete(epoch);
    }
  }
}
