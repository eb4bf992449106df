// The run config form: one widget per config field, grouped; reads values back and shows errors per field.

import { h } from "../dom.js";
import { ModelArgsFields } from "./model-args.js";

const GROUPS = [
  ["Run", ["name", "model", "model_args", "dataset", "image_size", "train_limit", "test_limit", "device", "seed"]],
  ["Optimization", ["epochs", "batch_size", "optimizer", "lr", "momentum", "nesterov", "weight_decay", "label_smoothing"]],
  ["Schedule", ["schedule", "warmup_epochs", "step_size_epochs", "step_gamma"]],
  ["Augmentation and input", ["pad_crop", "flip", "cutout", "normalize"]],
  ["LR range test", ["start_lr", "end_lr", "num_iter", "mode", "smooth", "diverge"]],
  ["Divergence watchdog", ["watchdog", "watchdog_loss_factor", "watchdog_grad_factor", "lr_suggestion"]],
  ["Advanced", ["bf16", "channels_last", "compile", "log_every", "log_every_s", "eval_every", "feature_layers", "worker_tags"]],
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
    if (field.type === "object") {
      // model_args: the chosen network's own options (rendered by setCatalog once the networks are known).
      this.modelArgs = new ModelArgsFields();
      this.modelArgs.onEdit = () => this.clearError(field.name);
      input = this.modelArgs.el;
      input.id = id;
    } else if (field.type === "enum") {
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
    // The network first: choosing it renders its options, which model_args then fills.
    const entries = Object.entries(values).sort(([a], [b]) => (b === "model") - (a === "model"));
    for (const [name, value] of entries) if (this.widgets.has(name)) this.setValue(name, value);
  }

  setValue(name, value) {
    const { field, input } = this.widgets.get(name);
    if (field.type === "object") this.modelArgs.set(value || {});
    else if (field.type === "bool") input.checked = Boolean(value);
    else if (field.type === "list") input.value = Array.isArray(value) ? value.join(", ") : "";
    else input.value = value === null || value === undefined ? "" : String(value);
    this.onValueSet?.(name);
  }

  /** The value one field holds now (null for empty optional fields). */
  value(name) {
    const { field, input } = this.widgets.get(name);
    if (field.type === "object") return this.modelArgs.value();
    const text = input.value.trim();
    if (field.type === "bool") return input.checked;
    if (field.type === "list") return text ? text.split(",").map((s) => s.trim()).filter(Boolean) : field.nullable ? null : [];
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

  /** Make fields read-only (with `why` as their tooltip), and the kind fixed: a continued run keeps them. */
  lock(names, why) {
    for (const name of names) {
      const w = this.widgets.get(name);
      if (!w) continue;
      const inputs = w.field.type === "object" ? w.wrapper.querySelectorAll("input, select") : [w.input];
      for (const input of inputs) input.disabled = true;
      w.wrapper.classList.add("locked");
      w.wrapper.title = why;
    }
    for (const b of this.kindButtons) b.disabled = true;
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

  /** Offer the networks and datasets of the catalogue (GET /api/models, /api/datasets) as choices: each
   * network with its options as fields, each dataset with whether it is available and where. */
  setCatalog(models, datasets) {
    this.models = new Map(models.map((m) => [m.name, m]));
    this.datasets = new Map(datasets.map((d) => [d.name, d]));
    const model = this.selectFor("model", models.map((m) => [m.name, modelLabel(m), m.description || ""]));
    const dataset = this.selectFor("dataset", datasets.map((d) => [d.name, datasetLabel(d), d.description || ""]));
    const showArgs = (keep) => {
      const m = this.models.get(model.value);
      this.modelArgs?.render(m?.args || [], keep ? this.modelArgs.value() : {});
    };
    const showDataset = () => {
      const d = this.datasets.get(dataset.value);
      this.datasetNote.textContent = d && !d.available ? `${d.name} is ${d.status}: ${d.hint || "see the README"}` : d?.where || "";
    };
    model.addEventListener("change", () => showArgs(false));
    dataset.addEventListener("change", showDataset);
    this.onValueSet = (name) => {
      if (name === "model") showArgs(false);
      if (name === "dataset") showDataset();
    };
    showArgs(false);
    showDataset();
  }

  /** Turn field `name` into a select of [value, label, title] choices, keeping its value (added if unknown). */
  selectFor(name, choices) {
    const w = this.widgets.get(name);
    const current = w.input.value;
    const select = h(
      "select",
      { id: w.input.id, name, "data-testid": w.input.dataset.testid },
      choices.map(([value, label, title]) => h("option", { value, title }, label)),
    );
    if (current && !choices.some(([value]) => value === current)) select.append(h("option", { value: current }, `${current} (not offered)`));
    select.value = current || choices[0]?.[0] || "";
    select.addEventListener("input", () => this.clearError(name));
    select.addEventListener("change", () => this.clearError(name));
    w.input.replaceWith(select);
    w.input = select;
    return select;
  }
}

/** A network's choice label: its name, and for one that only workers offer, how many. */
function modelLabel(m) {
  if (m.source === "builtin") return m.name;
  return m.workers?.length ? `${m.name} (plugin, ${m.workers.length} worker${m.workers.length === 1 ? "" : "s"})` : `${m.name} (no live worker)`;
}

function datasetLabel(d) {
  return d.available ? d.name : `${d.name} (${d.status})`;
}
