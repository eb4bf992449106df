// The options of the chosen network (the run's model_args): one field per option the network declares,
// with its type and default, re-rendered when the network changes.

import { h } from "../dom.js";

export class ModelArgsFields {
  constructor() {
    this.el = h("div", { class: "model-args", "data-testid": "model-args" });
    this.specs = [];
    this.inputs = new Map(); // option name -> input element
    this.onEdit = null; // called when the user edits an option
    this.render([]);
  }

  /** Show the options of one network: specs = [{name, type, default, required, choices}]. */
  render(specs, values = {}) {
    this.specs = specs || [];
    this.inputs.clear();
    if (!this.specs.length) {
      this.el.replaceChildren(h("span", { class: "muted", "data-testid": "model-args-none" }, "This network has no options."));
      return;
    }
    this.el.replaceChildren(...this.specs.map((spec) => this.field(spec)));
    this.set(values);
  }

  field(spec) {
    const id = `model-arg-${spec.name}`;
    let input;
    if (spec.choices) {
      input = h("select", { id, "data-testid": id }, spec.choices.map((c) => h("option", { value: String(c) }, String(c))));
    } else if (spec.type === "bool") {
      input = h("input", { id, type: "checkbox", "data-testid": id });
    } else if (spec.type === "int" || spec.type === "float") {
      input = h("input", { id, type: "number", step: spec.type === "int" ? "1" : "any", "data-testid": id });
    } else {
      input = h("input", { id, type: "text", "data-testid": id, autocomplete: "off" });
    }
    if (spec.required && input.type !== "checkbox") input.placeholder = "(required)";
    input.addEventListener("input", () => this.onEdit?.());
    input.addEventListener("change", () => this.onEdit?.());
    this.inputs.set(spec.name, input);
    const label = `${spec.name} (${spec.type}${spec.required ? ", required" : ""})`;
    return spec.type === "bool"
      ? h("div", { class: "field checkbox" }, h("label", { for: id }, input, label))
      : h("div", { class: "field" }, h("label", { for: id }, label), input);
  }

  /** Fill the options from a model_args object; the others get their defaults. */
  set(values) {
    for (const spec of this.specs) {
      const input = this.inputs.get(spec.name);
      const value = values && spec.name in values ? values[spec.name] : spec.default;
      if (spec.type === "bool" && !spec.choices) input.checked = Boolean(value);
      else input.value = value === null || value === undefined ? "" : String(value);
    }
  }

  /** The model_args object: every option the form shows, typed; an empty or unparsable number goes as the text
   * typed, so the server's 422 names the option. */
  value() {
    const args = {};
    for (const spec of this.specs) {
      const input = this.inputs.get(spec.name);
      if (spec.type === "bool" && !spec.choices) {
        args[spec.name] = input.checked;
        continue;
      }
      const text = input.value.trim();
      if (text === "" && !spec.required) continue; // the network's default
      if (spec.type === "int" || spec.type === "float") args[spec.name] = text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
      else if (spec.type === "bool") args[spec.name] = text === "true";
      else args[spec.name] = text;
    }
    return args;
  }
}
