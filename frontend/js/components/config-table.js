// A run's config as a two-column key/value table.

import { h } from "../dom.js";
import { formatValue } from "../format.js";

/** Render config {field: value} as a key/value table. */
export function configTable(config) {
  const rows = Object.entries(config || {}).map(([key, value]) =>
    h("tr", { "data-field": key }, h("td", {}, key), h("td", {}, h("code", {}, formatValue(value)))),
  );
  return h("table", { class: "kv", "data-testid": "config-table" }, h("tbody", {}, rows));
}
