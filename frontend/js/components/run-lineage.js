// Where a run stands among others: the run it continues, the runs that continue it, its seed group, the sweep
// it is a trial of, and
// "Compare with" (this run and the newest runs of its preset).

import { api } from "../api.js";
import { h } from "../dom.js";
import { navigate } from "../router.js";

const COMPARE_WITH = 4; // other runs of the same preset put beside this one

export class RunLineage {
  constructor(run) {
    this.run = run;
    this.el = h("div", { class: "run-lineage hidden", "data-testid": "run-lineage" });
    this.compareButton = h("button", { "data-testid": "compare-with", title: "Compare with the newest runs of the same preset", onclick: () => this.compareWith() }, "Compare with…");
    this.load().catch(() => {}); // the links are extras: a failed lookup leaves them out
  }

  async load() {
    const { id, parent_id: parentId, group_id: groupId } = this.run;
    const [children, group, sweeps] = await Promise.all([
      api(`/api/runs?parent=${id}&sort=created_at&limit=20`),
      groupId ? api(`/api/runs?group=${groupId}&sort=created_at&limit=32`) : null,
      api(`/api/sweeps?run=${id}&limit=1`),
    ]);
    const parts = [];
    const sweep = sweeps.data[0];
    if (sweep) {
      const trial = sweep.trial_list.find((t) => t.run_id === id);
      parts.push(h("span", { "data-testid": "lineage-sweep" }, `trial ${trial?.number ?? "?"} of sweep `, h("a", { href: `/sweeps/${sweep.id}` }, `#${sweep.id} ${sweep.name}`)));
    }
    if (parentId) parts.push(h("span", { "data-testid": "lineage-parent" }, "continues ", h("a", { href: `/runs/${parentId}` }, `#${parentId}`)));
    if (children.data.length) {
      const links = children.data.flatMap((c, i) => [i ? ", " : "", h("a", { href: `/runs/${c.id}` }, `#${c.id}`)]);
      parts.push(h("span", { "data-testid": "lineage-children" }, "continued by ", links));
    }
    if (group && group.data.length > 1) {
      const ids = group.data.map((r) => r.id).join(",");
      parts.push(h("span", { "data-testid": "lineage-group" }, "seed group ", h("a", { href: `/compare?ids=${ids}` }, `#${groupId} (${group.data.length} seeds, compare)`)));
    }
    this.el.replaceChildren(...parts);
    this.el.classList.toggle("hidden", parts.length === 0);
  }

  /** Open the compare page with this run and the newest other runs of its preset (or of its model). */
  async compareWith() {
    const { id, preset } = this.run;
    const filter = preset ? `preset=${encodeURIComponent(preset)}` : `q=${encodeURIComponent(this.run.config?.model || "")}`;
    const page = await api(`/api/runs?${filter}&kind=train&limit=${COMPARE_WITH + 1}`);
    const others = page.data.map((r) => r.id).filter((other) => other !== id).slice(0, COMPARE_WITH);
    navigate(`/compare?ids=${[id, ...others].join(",")}`);
  }
}
