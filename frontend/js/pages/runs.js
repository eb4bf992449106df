// Runs page (/): every run in a table, updated live from /api/events; search, filter, sort, tick to compare,
// export, launch. The table is runs-table.js; loading and following the list is runs-follow.js; the filter
// bar is runs-filter-bar.js; keyboard shortcuts are runs-keys.js. Filters and sort live in the URL query.

import { h } from "../dom.js";
import { navigate } from "../router.js";
import { filtersFromQuery, filtersToParams, isFiltered, matchesFilters, runComparator, toggledSort } from "../run-filters.js";
import { FilterBar } from "./runs-filter-bar.js";
import { followRunList } from "./runs-follow.js";
import { bindRunKeys } from "./runs-keys.js";
import { COLUMNS, RunsTable } from "./runs-table.js";

function sortHeader([label, key]) {
  if (!key) return h("th", {}, label);
  return h("th", { class: "sortable", "data-sort-key": key, "data-testid": `sort-${key}`, tabindex: "0" }, label, h("span", { class: "sort-mark" }));
}

/** Mount the runs page; returns the cleanup function. */
export function mount(root, { query }) {
  let filters = filtersFromQuery(query);
  let disposed = false;

  const bar = new FilterBar(filters, (next) => apply(next));
  const compareButton = h("button", { id: "compare-selected", "data-testid": "compare-selected", disabled: true }, "Compare");
  const countLabel = h("span", { class: "sub", "data-testid": "runs-count" });
  const moreButton = h("button", { "data-testid": "load-more", class: "hidden" }, "Load more");
  const tbody = h("tbody", { id: "runs-body" });
  const headRow = h("tr", {}, COLUMNS.map(sortHeader));
  const emptyNote = h("p", { class: "empty-note hidden", "data-testid": "runs-empty" });

  root.append(
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Runs"),
      countLabel,
      h("span", { class: "spacer" }),
      compareButton,
      h("a", { href: "/launch", class: "button primary", "data-testid": "launch-button" }, "Launch run"),
    ),
    bar.el,
    h(
      "div",
      { class: "panel table-wrap" },
      h("table", { class: "runs", "data-testid": "runs-table" }, h("thead", {}, headRow), tbody),
      emptyNote,
      moreButton,
    ),
  );

  const table = new RunsTable(tbody, (run) => matchesFilters(run, filters), (a, b) => runComparator(filters.sort)(a, b));
  const showSort = () => {
    const key = filters.sort.replace(/^-/, "");
    for (const th of headRow.querySelectorAll("th[data-sort-key]")) {
      const on = th.dataset.sortKey === key;
      th.setAttribute("aria-sort", on ? (filters.sort.startsWith("-") ? "descending" : "ascending") : "none");
      th.querySelector(".sort-mark").textContent = on ? (filters.sort.startsWith("-") ? " ▼" : " ▲") : "";
    }
  };
  const showEmpty = () => {
    emptyNote.replaceChildren(
      ...(isFiltered(filters) ? ["No runs match these filters."] : ["No runs yet. ", h("a", { href: "/launch", "data-testid": "launch-link" }, "Launch one.")]),
    );
  };
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
    params: () => filtersToParams(filters),
    changed: updateCounts,
    loaded: () => {
      root.dataset.loaded = "true";
    },
    failed: showError,
  });

  function apply(next) {
    filters = next;
    const search = filtersToParams(filters).toString();
    history.replaceState(null, "", search ? `/?${search}` : "/");
    bar.show(filters);
    showSort();
    showEmpty();
    delete root.dataset.loaded;
    list.reload();
  }

  const sortBy = (event) => {
    const th = event.target.closest("th[data-sort-key]");
    if (th && (event.type === "click" || event.key === "Enter")) apply({ ...filters, sort: toggledSort(filters.sort, th.dataset.sortKey) });
  };
  headRow.addEventListener("click", sortBy);
  headRow.addEventListener("keydown", sortBy);
  tbody.addEventListener("click", (event) => {
    const chip = event.target.closest("[data-tag]");
    if (!chip) return;
    event.preventDefault(); // the chip's link is for opening in a new tab; here it adds the filter
    if (!filters.tags.includes(chip.dataset.tag)) apply({ ...filters, tags: [...filters.tags, chip.dataset.tag] });
  });
  tbody.addEventListener("change", (event) => {
    const box = event.target.closest("input[data-select]");
    if (!box) return;
    const id = Number(box.dataset.select);
    if (box.checked) table.selected.add(id);
    else table.selected.delete(id);
    updateCounts();
  });
  const compareSelected = () => {
    if (table.selected.size >= 2) navigate(`/compare?ids=${[...table.selected].sort((a, b) => a - b).join(",")}`);
  };
  compareButton.addEventListener("click", compareSelected);
  moreButton.addEventListener("click", () => list.loadMore());
  const unbindKeys = bindRunKeys(tbody, { focusSearch: () => bar.focusSearch(), compare: compareSelected });

  showSort();
  showEmpty();
  return () => {
    disposed = true;
    unbindKeys();
    bar.close();
    list.close();
  };
}
