// The run config form: one widget per config field, grouped; reads values back and shows errors per field.

import { h } from "../dom.js";

const GROUPS = [
  ["Run", ["name", "model", "dataset", "train_limit", "test_limit", "device", "seed"]],
  ["Optimization", ["epochs", "batch_size", "optimizer", "lr", "momentum", "nesterov", "weight_decay", "label_smoothing"]],
  ["Schedule", ["schedule", "warmup_epochs", "step_size_epochs", "step_gamma"]],
  ["Augmentation and input", ["pad_crop", "flip", "cutout", "normalize"]],
  ["LR range test", ["start_lr", "end_lr", "num_iter", "mode", "smooth", "diverge"]],
  ["Advanced", ["bf16", "log_every", "eval_every", "feature_layers"]],
];
const KINDS = [
  ["train", "Training run"],
  ["lr_find", "LR range test"],
];

export class ConfigForm {
  /** fieldsByKind: {train: Field[], lr_find: Field[]} from config-schema.js. */
  constructor(fieldsByKind) {
    this.fieldsByKind = fieldsByKind;
    this.kind = "train";
    this.widgets = new Map(); // name -> {field, input, error, wrapper}
    const all = new Map();
    for (const kind of Object.keys(fieldsByKind)) for (const f of fieldsByKind[kind]) if (f.name !== "kind" && !all.has(f.name)) all.set(f.name, f);
    this.kindButtons = KINDS.map(([kind, label]) =>
      h("button", { type: "button", "data-kind": kind, "data-testid": `kind-${kind}`, onclick: () => this.setKind(kind) }, label),
    );
    this.generalError = h("div", { class: "form-error", id: "form-error", "data-testid": "form-error", role: "alert" });
    this.datasetNote = h("div", { class: "dataset-note", "data-testid": "dataset-note" });

    const placed = new Set();
    const fieldsets = GROUPS.map(([title, names]) => {
      const members = names.filter((n) => all.has(n));
      members.forEach((n) => placed.add(n));
      return this.fieldset(title, members.map((n) => all.get(n)));
    });
    const rest = [...all.values()].filter((f) => !placed.has(f.name));
    if (rest.length) fieldsets.push(this.fieldset("Other", rest));
    this.el = h(
      "div",
      { class: "config-form" },
      h("div", { class: "form-actions", style: "margin-bottom: 1rem" }, h("div", { class: "toggle", "data-testid": "kind-toggle" }, this.kindButtons)),
      fieldsets,
    );
    this.widgets.get("dataset")?.wrapper.append(this.datasetNote);
    this.setKind("train");
    this.reset();
  }

  fieldset(title, fields) {
    return h("fieldset", { "data-group": title }, h("legend", {}, title), h("div", { class: "fields" }, fields.map((f) => this.widget(f))));
  }

  widget(field) {
    const id = `field-${field.name}`;
    let input;
    if (field.type === "enum") {
      input = h("select", { id, name: field.name, "data-testid": id }, field.options.map((o) => h("option", { value: o }, String(o))));
      if (field.nullable) input.prepend(h("option", { value: "" }, "(none)"));
    } else if (field.type === "bool") {
      input = h("input", { id, name: field.name, type: "checkbox", "data-testid": id });
    } else if (field.type === "int" || field.type === "number") {
      input = h("input", { id, name: field.name, type: "number", step: field.type === "int" ? "1" : "any", "data-testid": id });
      if (field.nullable) input.placeholder = "(none)";
    } else {
      input = h("input", { id, name: field.name, type: "text", "data-testid": id, autocomplete: "off" });
      if (field.type === "list") input.placeholder = "comma-separated; empty = default";
    }
    const error = h("div", { class: "field-error", id: `error-${field.name}`, "data-testid": `error-${field.name}`, role: "alert" });
    const help = field.help ? h("div", { class: "help" }, field.help) : null;
    const label = field.type === "bool"
      ? h("label", { for: id }, input, field.name)
      : h("label", { for: id }, field.name);
    const wrapper = h("div", { class: `field${field.type === "bool" ? " checkbox" : ""}`, "data-field": field.name }, label, field.type === "bool" ? null : input, help, error);
    input.addEventListener("input", () => this.clearError(field.name));
    input.addEventListener("change", () => this.clearError(field.name));
    this.widgets.set(field.name, { field, input, error, wrapper });
    return wrapper;
  }

  /** Names of the fields the current kind accepts. */
  fieldNames(kind = this.kind) {
    return (this.fieldsByKind[kind] || []).map((f) => f.name).filter((n) => n !== "kind");
  }

  /** Switch between a training run and an LR range test (hides the fields the kind does not take). */
  setKind(kind) {
    this.kind = kind;
    const accepted = new Set(this.fieldNames(kind));
    for (const [name, w] of this.widgets) w.wrapper.classList.toggle("hidden", !accepted.has(name));
    for (const fieldset of this.el.querySelectorAll("fieldset")) {
      fieldset.classList.toggle("hidden", !fieldset.querySelector(".field:not(.hidden)"));
    }
    for (const b of this.kindButtons) b.classList.toggle("on", b.dataset.kind === kind);
  }

  /** Put every field back to the default of the current kind. */
  reset() {
    const defaults = Object.fromEntries((this.fieldsByKind[this.kind] || []).map((f) => [f.name, f.default]));
    for (const [name, w] of this.widgets) this.setValue(name, name in defaults ? defaults[name] : w.field.default);
    this.clearErrors();
  }

  /** Set fields from a config object (unknown keys are ignored; 'kind' switches the kind). */
  setValues(values) {
    if (values.kind && values.kind !== this.kind) this.setKind(values.kind);
    for (const [name, value] of Object.entries(values)) if (this.widgets.has(name)) this.setValue(name, value);
  }

  setValue(name, value) {
    const { field, input } = this.widgets.get(name);
    if (field.type === "bool") input.checked = Boolean(value);
    else if (field.type === "list") input.value = Array.isArray(value) ? value.join(", ") : "";
    else input.value = value === null || value === undefined ? "" : String(value);
    this.onValueSet?.(name);
  }

  /** The value one field holds now (null for empty optional fields). */
  value(name) {
    const { field, input } = this.widgets.get(name);
    const text = input.value.trim();
    if (field.type === "bool") return input.checked;
    if (field.type === "list") return text ? text.split(",").map((s) => s.trim()).filter(Boolean) : null;
    if (field.type === "int" || field.type === "number") {
      // An empty or unparsable number goes to the server as null and comes back as that field's 422 message.
      return text === "" || !Number.isFinite(Number(text)) ? null : Number(text);
    }
    if (text === "" && (field.nullable || field.type === "enum")) return field.nullable ? null : text;
    return text;
  }

  /** The request body for POST /api/runs: the kind plus every field that kind accepts. */
  values() {
    const body = { kind: this.kind };
    for (const name of this.fieldNames()) if (this.widgets.has(name)) body[name] = this.value(name);
    return body;
  }

  /** Show messages next to their fields; the rest above the submit button. */
  showErrors({ byField, general }) {
    this.clearErrors();
    const unplaced = [...general];
    for (const [name, messages] of Object.entries(byField)) {
      const w = this.widgets.get(name);
      if (!w || w.wrapper.classList.contains("hidden")) {
        unplaced.push(`${name}: ${messages.join("; ")}`);
        continue;
      }
      w.error.textContent = messages.join("; ");
      w.input.classList.add("invalid");
      w.input.setAttribute("aria-invalid", "true");
    }
    this.generalError.textContent = unplaced.join("\n");
    const first = this.el.querySelector(".invalid");
    first?.focus();
  }

  clearError(name) {
    const w = this.widgets.get(name);
    if (!w) return;
    w.error.textContent = "";
    w.input.classList.remove("invalid");
    w.input.removeAttribute("aria-invalid");
  }

  clearErrors() {
    for (const name of this.widgets.keys()) this.clearError(name);
    this.generalError.textContent = "";
  }

  /** Annotate dataset options with availability and say how to get a missing one. */
  setDatasets(datasets) {
    const w = this.widgets.get("dataset");
    if (!w || w.field.type !== "enum") return;
    this.datasets = new Map(datasets.map((d) => [d.name, d]));
    for (const option of w.input.options) {
      const d = this.datasets.get(option.value);
      if (d) option.textContent = d.available ? d.name : `${d.name} (${d.status})`;
    }
    const update = () => {
      const d = this.datasets.get(w.input.value);
      this.datasetNote.textContent = d && !d.available ? `${d.name} is ${d.status}: ${d.hint || "see the README"}` : "";
    };
    w.input.addEventListener("change", update);
    this.onValueSet = (name) => name === "dataset" && update();
    update();
  }
}
