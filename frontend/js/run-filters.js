// The runs page's filters and sort, as the URL and the API (GET /api/runs) spell them, and the same
// selection and order applied to one run in the browser (for live events). Pure functions, no DOM.

import { configOf } from "./run-model.js";

export const DEFAULT_SORT = "-created_at";
// Sortable columns: the API's sort name and the direction a first click sorts in.
export const SORTS = {
  name: "asc",
  model: "asc",
  dataset: "asc",
  status: "asc",
  created_at: "desc",
  best_test_acc: "desc",
  duration: "desc",
  images_per_s: "desc",
};

/** The filters a URL query holds: {q, status, kind, tags, after, before, sort}. */
export function filtersFromQuery(query) {
  const sort = query.get("sort") || DEFAULT_SORT;
  return {
    q: query.get("q") || "",
    status: query.get("status") || "",
    kind: query.get("kind") || "",
    tags: [...new Set(query.getAll("tag").filter(Boolean))],
    after: query.get("created_after") || "",
    before: query.get("created_before") || "",
    sort: sort.replace(/^-/, "") in SORTS ? sort : DEFAULT_SORT,
  };
}

/** The filters as query parameters (the page's URL and the API's): empty ones left out, a tag each. */
export function filtersToParams(filters) {
  const params = new URLSearchParams();
  if (filters.q) params.set("q", filters.q);
  if (filters.status) params.set("status", filters.status);
  if (filters.kind) params.set("kind", filters.kind);
  for (const tag of filters.tags) params.append("tag", tag);
  if (filters.after) params.set("created_after", filters.after);
  if (filters.before) params.set("created_before", filters.before);
  if (filters.sort && filters.sort !== DEFAULT_SORT) params.set("sort", filters.sort);
  return params;
}

/** True when any filter narrows the list (the sort does not). */
export function isFiltered(filters) {
  return Boolean(filters.q || filters.status || filters.kind || filters.tags.length || filters.after || filters.before);
}

/** The sort after a click on column `key`: the other direction if it is the current one, else its first. */
export function toggledSort(current, key) {
  if (current.replace(/^-/, "") === key) return current.startsWith("-") ? key : `-${key}`;
  return SORTS[key] === "desc" ? `-${key}` : key;
}

function dateBound(value) {
  // A date input gives "2024-06-01": the day starts at midnight UTC, as the API reads it.
  if (!value) return null;
  return new Date(/T/.test(value) ? value : `${value}T00:00:00Z`).getTime();
}

/** True when the API would list `run` under `filters` (the same rules, for runs that arrive live). */
export function matchesFilters(run, filters) {
  if (filters.status && run.status !== filters.status) return false;
  if (filters.kind && run.kind !== filters.kind) return false;
  const tags = run.tags || [];
  if (!filters.tags.every((tag) => tags.includes(tag))) return false;
  const created = new Date(run.created_at).getTime();
  const after = dateBound(filters.after);
  const before = dateBound(filters.before);
  if (after !== null && !(created >= after)) return false;
  if (before !== null && !(created < before)) return false;
  const q = filters.q.trim().toLowerCase();
  if (!q) return true;
  const config = configOf(run);
  const texts = [run.name, config.model, config.dataset, run.preset, ...tags];
  return texts.some((text) => text && String(text).toLowerCase().includes(q));
}

/** The value a run is sorted by under sort name `key` (null when it has none). */
export function sortValue(run, key) {
  const config = configOf(run);
  switch (key) {
    case "model":
    case "dataset":
      return config[key] ?? null;
    case "created_at":
      return new Date(run.created_at).getTime();
    case "duration":
      return run.started_at && run.finished_at ? new Date(run.finished_at) - new Date(run.started_at) : null;
    case "images_per_s":
      return run.summary?.images_per_s ?? run.progress?.images_per_s ?? null;
    default:
      return run[key] ?? null;
  }
}

/** A comparator of runs in the order the API lists them under `sort`: empty values last, newest first on ties. */
export function runComparator(sort) {
  const key = sort.replace(/^-/, "");
  const sign = sort.startsWith("-") ? -1 : 1;
  return (a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return b.id - a.id;
  };
}
