// The sweep tab of the launch form: the searched fields (one row each: field, kind, bounds or choices) and
// how to search (trials, parallel, sampler, pruner, metric). Reads back the POST /api/sweeps body's parts.

import { h } from "../dom.js";

const KINDS = [["log", "log-uniform"], ["uniform", "uniform"], ["int", "integer"], ["intlog", "integer, log"], ["choice", "choice"]];
// Searchable fields the editor offers first, with a sensible starting spec.
const SUGGESTED = { lr: ["log", "1e-4", "1e-1"], momentum: ["uniform", "0.8", "0.99"], weight_decay: ["log", "1e-5", "1e-2"], batch_size: ["choice", "32,64,128"], pad_crop: ["choice", "true,false"] };
const UNSEARCHABLE = new Set(["kind", "name", "device", "worker_tags", "feature_layers", "model_args"]);

export class SpaceEditor {
  /** fields: the training config's field list (config-schema.js). */
  constructor(fields) {
    this.names = fields.map((f) => f.name).filter((n) => !UNSEARCHABLE.has(n));
    this.rows = [];
    this.rowsEl = h("div", { class: "space-rows", "data-testid": "space-rows" });
    this.error = h("div", { class: "form-error", "data-testid": "error-space", role: "alert" });
    const number = (name, value, attrs = {}) => h("input", { type: "number", "data-testid": `sweep-${name}`, value, style: "width: 5rem", ...attrs });
    const select = (name, options, value) => {
      const el = h("select", { "data-testid": `sweep-${name}` }, options.map((o) => h("option", { value: o }, o)));
      el.value = value;
      return el;
    };
    this.settings = {
      trials: number("trials", "16", { min: "1", max: "1000" }),
      parallel: number("parallel", "2", { min: "1", max: "64" }),
      sampler: select("sampler", ["tpe", "random", "grid"], "tpe"),
      pruner: select("pruner", ["asha", "hyperband", "median", "none"], "asha"),
      metric: select("metric", ["test_acc", "test_loss", "train_acc", "train_loss"], "test_acc"),
    };
    this.settingErrors = Object.fromEntries(Object.keys(this.settings).map((k) => [k, h("span", { class: "field-error", "data-testid": `error-sweep-${k}` })]));
    const addButton = h("button", { type: "button", "data-testid": "add-param", onclick: () => this.addRow() }, "+ parameter");
    this.el = h(
      "fieldset",
      { "data-group": "Sweep", "data-testid": "sweep-editor" },
      h("legend", {}, "Search space"),
      h("p", { class: "help muted" }, "Each trial is a run of the config above with these fields drawn by Optuna; the pruner stops trials that fall behind at an evaluation."),
      this.rowsEl,
      h("div", { class: "form-actions" }, addButton),
      this.error,
      h("div", { class: "form-actions", style: "margin-top: .8rem; flex-wrap: wrap" },
        Object.entries(this.settings).map(([k, el]) => h("label", { class: "inline-field" }, `${k} `, el, this.settingErrors[k]))),
    );
    this.addRow("lr");
  }

  /** Add a row for `name` (default: the first suggested field not yet searched). */
  addRow(name) {
    const used = new Set(this.rows.map((r) => r.field.value));
    name ||= Object.keys(SUGGESTED).find((n) => !used.has(n) && this.names.includes(n)) || this.names.find((n) => !used.has(n));
    const [kind, low, high] = SUGGESTED[name] || ["uniform", "0", "1"];
    const field = h("select", { "data-testid": "param-field" }, this.names.map((n) => h("option", { value: n }, n)));
    field.value = name;
    const kindSelect = h("select", { "data-testid": "param-kind" }, KINDS.map(([v, label]) => h("option", { value: v }, label)));
    kindSelect.value = kind;
    const lowInput = h("input", { type: "text", "data-testid": "param-low", value: kind === "choice" ? "" : low, size: "8", placeholder: "low" });
    const highInput = h("input", { type: "text", "data-testid": "param-high", value: kind === "choice" ? "" : high, size: "8", placeholder: "high" });
    const choicesInput = h("input", { type: "text", "data-testid": "param-choices", value: kind === "choice" ? low : "", size: "18", placeholder: "a,b,c" });
    const error = h("span", { class: "field-error", "data-testid": "param-error" });
    const row = { field, kind: kindSelect, low: lowInput, high: highInput, choices: choicesInput, error };
    const showKind = () => {
      const choice = kindSelect.value === "choice";
      lowInput.classList.toggle("hidden", choice);
      highInput.classList.toggle("hidden", choice);
      choicesInput.classList.toggle("hidden", !choice);
    };
    kindSelect.addEventListener("change", showKind);
    showKind();
    const remove = h("button", { type: "button", class: "small", title: "Remove", onclick: () => { this.rows = this.rows.filter((r) => r !== row); row.el.remove(); } }, "×");
    row.el = h("div", { class: "form-actions space-row", "data-testid": "param-row" }, field, kindSelect, lowInput, highInput, choicesInput, remove, error);
    this.rows.push(row);
    this.rowsEl.append(row.el);
  }

  /** The `space` of the body: field -> text spec, as the CLI writes them. */
  space() {
    const space = {};
    for (const r of this.rows) {
      space[r.field.value] = r.kind.value === "choice" ? `choice:${r.choices.value.replace(/\s+/g, "")}` : `${r.kind.value}:${r.low.value.trim()}:${r.high.value.trim()}`;
    }
    return space;
  }

  /** trials, parallel, sampler, pruner, metric. */
  options() {
    const s = this.settings;
    return { trials: Number(s.trials.value), parallel: Number(s.parallel.value), sampler: s.sampler.value, pruner: s.pruner.value, metric: s.metric.value };
  }

  /** Show 422 errors at their rows and settings; returns the ones it could not place. */
  showErrors(detail) {
    this.clearErrors();
    const rest = [];
    for (const item of detail) {
      const [where, name, field] = (item.loc || []).slice(1);
      const msg = String(item.msg || "").replace(/^Value error, /, "");
      if (where === "space" && field === undefined && name !== undefined) {
        const row = this.rows.find((r) => r.field.value === name);
        if (row) row.error.textContent = msg;
        else this.error.textContent = `${name}: ${msg}`;
      } else if (where === "space") {
        this.error.textContent = msg;
      } else if (this.settingErrors[where]) {
        this.settingErrors[where].textContent = msg;
      } else {
        rest.push(item);
      }
    }
    return rest;
  }

  clearErrors() {
    this.error.textContent = "";
    for (const r of this.rows) r.error.textContent = "";
    for (const e of Object.values(this.settingErrors)) e.textContent = "";
  }
}
