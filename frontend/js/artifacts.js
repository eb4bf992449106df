// A run's stored artifacts: which exist, and each JSON payload from its endpoint.

import { api } from "./api.js";

// Artifact name -> endpoint under /api/runs/{id}/.
const ENDPOINTS = { confusion: "confusion", per_class: "per-class", feature_maps: "feature-maps", lr_curve: "lr-curve" };

/** Names of the artifacts the run has stored (e.g. ["confusion", "feature_maps", "checkpoint"]). */
export async function listArtifacts(runId) {
  const answer = await api(`/api/runs/${runId}/artifacts`);
  return (answer.data || []).map((a) => a.name);
}

/** True for artifacts this page can fetch as JSON. */
export function isJsonArtifact(name) {
  return name in ENDPOINTS;
}

/** The JSON payload of one artifact. */
export function fetchArtifact(runId, name) {
  return api(`/api/runs/${runId}/${ENDPOINTS[name]}`);
}
