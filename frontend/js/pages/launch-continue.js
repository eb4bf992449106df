// The launch form in "continue" mode (/launch?continue=RUN_ID): the parent's config, the fields its
// checkpoint pins locked, and a body of only the fields the user changed.

import { api } from "../api.js";

// As the server locks them (backend/services/continuation.py): the weights' shapes, the data, the steps
// per epoch and the optimizer state's layout.
export const LOCKED_FIELDS = ["model", "model_args", "dataset", "image_size", "batch_size", "train_limit", "optimizer"];

/** Fill `config` from run `runId` for continuing it; returns {parent, done} (epochs its checkpoint holds). */
export async function prefillContinue(config, runId) {
  const parent = await api(`/api/runs/${encodeURIComponent(runId)}`);
  const done = parent.summary?.epochs_completed ?? parent.progress?.epoch ?? parent.config?.epochs ?? 0;
  config.setKind("train");
  config.reset();
  config.setValues({ ...parent.config, name: `${parent.name} (continued)`, epochs: done + (parent.config?.epochs || 1) });
  config.lock(LOCKED_FIELDS, "Kept from the run this one continues: its checkpoint depends on it");
  return { parent, done };
}

/** The fields of the form's `body` that differ from the parent's config (what POST .../continue takes). */
export function continueChanges(parentConfig, body) {
  const changes = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === "kind" || LOCKED_FIELDS.includes(name)) continue;
    if (JSON.stringify(value ?? null) !== JSON.stringify(parentConfig?.[name] ?? null)) changes[name] = value;
  }
  return changes;
}
