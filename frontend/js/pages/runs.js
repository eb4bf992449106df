// Runs page (/): every run in a table, updated live from /api/events; filter, tick to compare, launch.
// The table is runs-table.js; loading and following the list is runs-follow.js.

import { h } from "../dom.js";
import { navigate } from "../router.js";
import { STATUSES } from "../run-model.js";
import { followRunList } from "./runs-follow.js";
import { COLUMNS, RunsTable } from "./runs-table.js";

/** Mount the runs page; returns the cleanup function. */
export function mount(root, { query }) {
  const filter = { status: query.get("status") || "", kind: query.get("kind") || "" };
  let disposed = false;

  const statusSelect = h(
    "select",
    { id: "status-filter", "data-testid": "status-filter", "aria-label": "Filter by status" },
    h("option", { value: "" }, "all statuses"),
    STATUSES.map((s) => h("option", { value: s }, s)),
  );
  statusSelect.value = filter.status;
  const kindSelect = h(
    "select",
    { id: "kind-filter", "data-testid": "kind-filter", "aria-label": "Filter by kind" },
    h("option", { value: "" }, "all kinds"),
    h("option", { value: "train" }, "train"),
    h("option", { value: "lr_find" }, "lr_find"),
  );
  kindSelect.value = filter.kind;
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

  const table = new RunsTable(tbody, (run) => (!filter.status || run.status === filter.status) && (!filter.kind || run.kind === filter.kind));
  const updateCounts = () => {
    countLabel.textContent = `${table.total} run${table.total === 1 ? "" : "s"}`;
    emptyNote.classList.toggle("hidden", table.runs.size > 0);
    moreButton.classList.toggle("hidden", table.runs.size >= table.total);
    compareButton.disabled = table.selected.size < 2;
    compareButton.textContent = table.selected.size ? `Compare (${table.selected.size})` : "Compare";
  };
  const showError = (error) => {
    if (disposed) return;
    root.append(h("p", { class: "form-error", "data-testid": "page-error" }, `Could not load runs: ${error.message}`));
  };
  const list = followRunList(table, {
    query: () => ({ status: filter.status, kind: filter.kind }),
    changed: updateCounts,
    loaded: () => {
      root.dataset.loaded = "true";
    },
    failed: showError,
  });

  const syncUrl = () => {
    const params = new URLSearchParams();
    if (filter.status) params.set("status", filter.status);
    if (filter.kind) params.set("kind", filter.kind);
    const search = params.toString();
    history.replaceState(null, "", search ? `/?${search}` : "/");
  };
  const onFilter = () => {
    filter.status = statusSelect.value;
    filter.kind = kindSelect.value;
    syncUrl();
    list.reload();
  };
  statusSelect.addEventListener("change", onFilter);
  kindSelect.addEventListener("change", onFilter);

  tbody.addEventListener("change", (event) => {
    const box = event.target.closest("input[data-select]");
    if (!box) return;
    const id = Number(box.dataset.select);
    if (box.checked) table.selected.add(id);
    else table.selected.delete(id);
    updateCounts();
  });
  compareButton.addEventListener("click", () => navigate(`/compare?ids=${[...table.selected].sort((a, b) => a - b).join(",")}`));
  moreButton.addEventListener("click", () => list.loadMore());

  return () => {
    disposed = true;
    list.close();
  };
}
