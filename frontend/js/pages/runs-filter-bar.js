// Runs page, the filter bar: search box, status and kind, tags, creation dates, and export links that
// honour them. It reports each change as the whole new filter object; the page keeps it in the URL.

import { h } from "../dom.js";
import { STATUSES } from "../run-model.js";
import { filtersToParams } from "../run-filters.js";

const SEARCH_DELAY_MS = 250; // typing pauses this long before the list reloads

export class FilterBar {
  /** filters: as filtersFromQuery gives; onChange(next) gets each new filter object. */
  constructor(filters, onChange) {
    this.filters = filters;
    this.onChange = onChange;
    this.timer = null;
    this.search = h("input", { type: "search", placeholder: "Search runs  ( / )", title: "Name, tag, model, dataset or preset", "data-testid": "run-search", "aria-label": "Search runs", class: "search" });
    this.status = h(
      "select",
      { id: "status-filter", "data-testid": "status-filter", "aria-label": "Filter by status" },
      h("option", { value: "" }, "all statuses"),
      STATUSES.map((s) => h("option", { value: s }, s)),
    );
    this.kind = h(
      "select",
      { id: "kind-filter", "data-testid": "kind-filter", "aria-label": "Filter by kind" },
      h("option", { value: "" }, "all kinds"),
      h("option", { value: "train" }, "train"),
      h("option", { value: "lr_find" }, "lr_find"),
      h("option", { value: "external" }, "external (SDK)"),
      h("option", { value: "script" }, "script"),
    );
    this.tagInput = h("input", { type: "text", placeholder: "tag", size: "10", "data-testid": "tag-filter", "aria-label": "Filter by tag" });
    this.tagChips = h("span", { class: "chips", "data-testid": "active-tags" });
    this.after = h("input", { type: "date", "data-testid": "created-after", "aria-label": "Created from" });
    this.before = h("input", { type: "date", "data-testid": "created-before", "aria-label": "Created before" });
    this.csvLink = h("a", { class: "button", download: "runs.csv", "data-testid": "export-csv" }, "Export CSV");
    this.jsonLink = h("a", { class: "button", download: "runs.json", "data-testid": "export-json" }, "Export JSON");
    this.el = h(
      "div",
      { class: "filter-bar" },
      this.search,
      this.status,
      this.kind,
      this.tagInput,
      this.tagChips,
      h("label", { class: "sub" }, "from ", this.after),
      h("label", { class: "sub" }, "before ", this.before),
      h("span", { class: "spacer" }),
      this.csvLink,
      this.jsonLink,
    );

    this.search.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.change({ q: this.search.value.trim() }), SEARCH_DELAY_MS);
    });
    this.status.addEventListener("change", () => this.change({ status: this.status.value }));
    this.kind.addEventListener("change", () => this.change({ kind: this.kind.value }));
    this.after.addEventListener("change", () => this.change({ after: this.after.value }));
    this.before.addEventListener("change", () => this.change({ before: this.before.value }));
    this.tagInput.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const tag = this.tagInput.value.trim();
      this.tagInput.value = "";
      if (tag && !this.filters.tags.includes(tag)) this.change({ tags: [...this.filters.tags, tag] });
    });
    this.tagChips.addEventListener("click", (event) => {
      const chip = event.target.closest("[data-remove-tag]");
      if (chip) this.change({ tags: this.filters.tags.filter((t) => t !== chip.dataset.removeTag) });
    });
    this.show(filters);
  }

  change(part) {
    this.onChange({ ...this.filters, ...part });
  }

  /** Show `filters` (after a change from here or from the table: a tag chip, a column header). */
  show(filters) {
    this.filters = filters;
    if (document.activeElement !== this.search) this.search.value = filters.q;
    this.status.value = filters.status;
    this.kind.value = filters.kind;
    this.after.value = filters.after.slice(0, 10);
    this.before.value = filters.before.slice(0, 10);
    this.tagChips.replaceChildren(
      ...filters.tags.map((tag) =>
        h("button", { class: "chip on", "data-remove-tag": tag, "data-testid": "active-tag", title: `stop filtering by ${tag}` }, `${tag} ×`),
      ),
    );
    const params = filtersToParams(filters); // the sort too: the file lists the runs in the table's order
    this.csvLink.href = `/api/runs/export?format=csv&${params}`;
    this.jsonLink.href = `/api/runs/export?format=json&${params}`;
  }

  focusSearch() {
    this.search.focus();
    this.search.select();
  }

  close() {
    clearTimeout(this.timer);
  }
}
