// Runs page (/): every run in a table, updated live from /api/events; filter, tick to compare, launch.

import { api } from "../api.js";
import { h } from "../dom.js";
import { escapeHtml, formatDate, formatPercent, formatRate } from "../format.js";
import { navigate } from "../router.js";
import { bestTestAccuracy, configOf, displayName, progressOf, STATUSES } from "../run-model.js";
import { openEventStream } from "../sse.js";
import { progressHtml, statusBadgeHtml } from "../components/status.js";

const PAGE_SIZE = 500; // the API's largest page
const FIRST_ROWS = 1000; // rows loaded up front; the rest on "Load more"
const COLUMNS = ["", "#", "name", "kind", "model", "dataset", "status", "progress", "images/s", "best test acc", "device", "created"];

/** Mount the runs page; returns the cleanup function. */
export function mount(root, { query }) {
  const state = {
    runs: new Map(), // id -> run
    rows: new Map(), // id -> <tr>
    selected: new Set(),
    status: query.get("status") || "",
    kind: query.get("kind") || "",
    total: 0,
    loaded: false,
    generation: 0, // bumps on every reload, so a slow older reload cannot overwrite a newer one
    pending: [], // events that arrived before the first page
    disposed: false,
  };

  const statusSelect = h(
    "select",
    { id: "status-filter", "data-testid": "status-filter", "aria-label": "Filter by status" },
    h("option", { value: "" }, "all statuses"),
    STATUSES.map((s) => h("option", { value: s }, s)),
  );
  statusSelect.value = state.status;
  const kindSelect = h(
    "select",
    { id: "kind-filter", "data-testid": "kind-filter", "aria-label": "Filter by kind" },
    h("option", { value: "" }, "all kinds"),
    h("option", { value: "train" }, "train"),
    h("option", { value: "lr_find" }, "lr_find"),
  );
  kindSelect.value = state.kind;
  const compareButton = h("button", { id: "compare-selected", "data-testid": "compare-selected", disabled: true }, "Compare");
  const countLabel = h("span", { class: "sub", "data-testid": "runs-count" });
  const moreButton = h("button", { "data-testid": "load-more", class: "hidden" }, "Load more");
  const tbody = h("tbody", { id: "runs-body" });
  const emptyNote = h("p", { class: "empty-note hidden", "data-testid": "runs-empty" }, "No runs yet. Launch one.");

  root.append(
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Runs"),
      countLabel,
      h("span", { class: "spacer" }),
      statusSelect,
      kindSelect,
      compareButton,
      h("a", { href: "/launch", class: "button primary", "data-testid": "launch-button" }, "Launch run"),
    ),
    h(
      "div",
      { class: "panel table-wrap" },
      h(
        "table",
        { class: "runs", "data-testid": "runs-table" },
        h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", {}, c)))),
        tbody,
      ),
      emptyNote,
      moreButton,
    ),
  );

  const matchesFilter = (run) => (!state.status || run.status === state.status) && (!state.kind || run.kind === state.kind);

  const updateCounts = () => {
    countLabel.textContent = `${state.total} run${state.total === 1 ? "" : "s"}`;
    emptyNote.classList.toggle("hidden", state.runs.size > 0);
    moreButton.classList.toggle("hidden", state.runs.size >= state.total);
    compareButton.disabled = state.selected.size < 2;
    compareButton.textContent = state.selected.size ? `Compare (${state.selected.size})` : "Compare";
  };

  const rowFromHtml = (run) => {
    const template = document.createElement("template");
    template.innerHTML = rowHtml(run, state.selected.has(run.id));
    return template.content.firstElementChild;
  };

  const upsert = (run) => {
    const known = state.rows.get(run.id);
    if (!matchesFilter(run)) {
      if (known) remove(run.id);
      return;
    }
    const oldestLoaded = [...state.rows.keys()].reduce((a, b) => Math.min(a, b), Infinity);
    if (!known && state.runs.size < state.total && run.id < oldestLoaded) return; // "Load more" brings it
    state.runs.set(run.id, { ...(state.runs.get(run.id) || {}), ...run });
    const row = rowFromHtml(state.runs.get(run.id));
    if (known) known.replaceWith(row);
    else {
      // Newest first: put it before the first row with a smaller id.
      const next = [...state.rows.entries()].filter(([id]) => id < run.id).sort((a, b) => b[0] - a[0])[0];
      if (next) next[1].before(row);
      else tbody.append(row);
      state.total += 1;
    }
    state.rows.set(run.id, row);
  };

  const remove = (id) => {
    const row = state.rows.get(id);
    if (!row) return;
    row.remove();
    state.rows.delete(id);
    state.runs.delete(id);
    state.selected.delete(id);
    state.total = Math.max(0, state.total - 1);
  };

  const applyEvent = (name, data) => {
    if (name === "deleted") remove(data.id);
    else if (data && data.id !== undefined) upsert(data);
    updateCounts();
  };

  const fetchPage = (offset) =>
    api("/api/runs", { query: { status: state.status, kind: state.kind, limit: PAGE_SIZE, offset } });

  const addRuns = (runs) => {
    const html = [];
    for (const run of runs) {
      if (state.runs.has(run.id)) continue;
      state.runs.set(run.id, run);
      html.push(rowHtml(run, state.selected.has(run.id)));
    }
    // One parse for the whole batch: 1,000 rows render in a few milliseconds.
    tbody.insertAdjacentHTML("beforeend", html.join(""));
    for (const row of tbody.querySelectorAll("tr[data-run-id]")) state.rows.set(Number(row.dataset.runId), row);
  };

  const loadMore = async () => {
    const page = await fetchPage(state.runs.size);
    if (state.disposed) return;
    state.total = page.count;
    addRuns(page.data);
    updateCounts();
  };

  const reload = async () => {
    const generation = ++state.generation;
    state.loaded = false;
    const first = await fetchPage(0);
    const offsets = [];
    for (let offset = PAGE_SIZE; offset < Math.min(first.count, FIRST_ROWS); offset += PAGE_SIZE) offsets.push(offset);
    const rest = await Promise.all(offsets.map(fetchPage));
    if (state.disposed || generation !== state.generation) return;
    state.runs.clear();
    state.rows.clear();
    tbody.replaceChildren();
    state.total = first.count;
    addRuns([first, ...rest].flatMap((page) => page.data));
    state.loaded = true;
    for (const [name, data] of state.pending.splice(0)) applyEvent(name, data);
    updateCounts();
    root.dataset.loaded = "true";
  };

  const onEvent = (name) => (data) => {
    if (!state.loaded) state.pending.push([name, data]);
    else applyEvent(name, data);
  };
  // The list stream has no replay: after a reconnect (or when the server says we fell behind), reload.
  let dropped = false;
  const stream = openEventStream("/api/events", {
    created: onEvent("created"),
    status: onEvent("status"),
    progress: onEvent("progress"),
    deleted: onEvent("deleted"),
    resync: () => reload().catch(showError),
    error: () => {
      dropped = true;
    },
    open: () => {
      if (dropped) reload().catch(showError);
      dropped = false;
    },
  });

  const syncUrl = () => {
    const params = new URLSearchParams();
    if (state.status) params.set("status", state.status);
    if (state.kind) params.set("kind", state.kind);
    const search = params.toString();
    history.replaceState(null, "", search ? `/?${search}` : "/");
  };
  const onFilter = () => {
    state.status = statusSelect.value;
    state.kind = kindSelect.value;
    syncUrl();
    reload().catch(showError);
  };
  statusSelect.addEventListener("change", onFilter);
  kindSelect.addEventListener("change", onFilter);

  tbody.addEventListener("change", (event) => {
    const box = event.target.closest("input[data-select]");
    if (!box) return;
    const id = Number(box.dataset.select);
    if (box.checked) state.selected.add(id);
    else state.selected.delete(id);
    updateCounts();
  });
  compareButton.addEventListener("click", () => navigate(`/compare?ids=${[...state.selected].sort((a, b) => a - b).join(",")}`));
  moreButton.addEventListener("click", () => loadMore().catch(showError));

  function showError(error) {
    if (state.disposed) return;
    root.append(h("p", { class: "form-error", "data-testid": "page-error" }, `Could not load runs: ${error.message}`));
  }

  reload().catch(showError);
  return () => {
    state.disposed = true;
    stream.close();
  };
}

/** One table row as HTML. */
export function rowHtml(run, selected) {
  const config = configOf(run);
  const p = progressOf(run);
  const id = Number(run.id);
  const acc = bestTestAccuracy(run);
  return (
    `<tr data-run-id="${id}" data-testid="run-row" data-status="${escapeHtml(run.status)}">` +
    `<td><input type="checkbox" data-select="${id}" data-testid="select-run" aria-label="select run ${id}"${selected ? " checked" : ""}></td>` +
    `<td class="num">${id}</td>` +
    `<td class="name"><a href="/runs/${id}" data-testid="run-link">${escapeHtml(displayName(run))}</a></td>` +
    `<td>${escapeHtml(run.kind ?? config.kind ?? "")}</td>` +
    `<td>${escapeHtml(config.model ?? "")}</td>` +
    `<td>${escapeHtml(config.dataset ?? "")}</td>` +
    `<td>${statusBadgeHtml(run.status)}</td>` +
    `<td>${progressHtml(run)}</td>` +
    `<td class="num">${formatRate(p.imagesPerS)}</td>` +
    `<td class="num" data-testid="best-acc">${acc === null ? "–" : formatPercent(acc)}</td>` +
    `<td>${escapeHtml(run.device ?? config.device ?? "")}</td>` +
    `<td>${formatDate(run.created_at)}</td>` +
    `</tr>`
  );
}
