// Sweeps page (/sweeps): every sweep, newest first, with how far it is and its best trial.

import { api } from "../api.js";
import { statusBadgeHtml } from "../components/status.js";
import { h } from "../dom.js";
import { formatDate } from "../format.js";
import { formatMetric, sweepCounts } from "../sweep-model.js";

/** Mount the sweeps page; returns the cleanup function. */
export function mount(root) {
  let disposed = false;
  const tableHost = h("div", { class: "table-wrap", "data-testid": "sweeps-table" });
  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Sweeps"), h("span", { class: "spacer" }), h("a", { class: "button primary", href: "/launch?mode=sweep", "data-testid": "new-sweep" }, "New sweep")),
    h("section", { class: "panel" }, tableHost),
  );
  (async () => {
    const page = await api("/api/sweeps", { query: { limit: 200 } });
    if (disposed) return;
    if (!page.data.length) {
      tableHost.replaceChildren(h("p", { class: "empty-note" }, "No sweeps yet. ", h("a", { href: "/launch?mode=sweep" }, "Start one.")));
    } else {
      const header = h("tr", {}, ["id", "name", "status", "trials", "search", "best", "created"].map((c) => h("th", {}, c)));
      const rows = page.data.map((s) => {
        const counts = sweepCounts(s);
        return h("tr", { "data-testid": "sweep-row", "data-sweep-id": s.id },
          h("td", { class: "num" }, h("a", { href: `/sweeps/${s.id}` }, `#${s.id}`)),
          h("td", { class: "name" }, h("a", { href: `/sweeps/${s.id}` }, s.name)),
          h("td", { html: statusBadgeHtml(s.status) }),
          h("td", { class: "num" }, `${counts.ended}/${counts.total} (${counts.pruned} pruned)`),
          h("td", {}, `${s.sampler} + ${s.pruner}`),
          h("td", { class: "num" }, s.best ? `${formatMetric(s.metric, s.best.value)} (trial ${s.best.number})` : "–"),
          h("td", {}, formatDate(s.created_at)));
      });
      tableHost.replaceChildren(h("table", { class: "runs" }, h("thead", {}, header), h("tbody", {}, rows)));
    }
    root.dataset.loaded = "true";
  })().catch((error) => {
    if (!disposed) root.append(h("p", { class: "form-error", "data-testid": "page-error" }, `Could not load the sweeps: ${error.message}`));
  });
  return () => {
    disposed = true;
  };
}
