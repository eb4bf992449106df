// The script tab of the launch form: a user's own command, run by a worker started with
// `trainboard worker --scripts DIR` from inside DIR (no shell; each {field} filled from the config).

import { api } from "../api.js";
import { h } from "../dom.js";

const FIELDS = [
  ["name", "text", "the run's name (default: the command)"],
  ["command", "text", "e.g. python train.py --lr {lr} --epochs {epochs}"],
  ["cwd", "text", "absolute folder the script runs in, inside a worker's --scripts folder"],
  ["config", "textarea", 'JSON that fills the {fields}, e.g. {"lr": 0.01, "epochs": 5}'],
  ["grace_s", "number", "seconds between SIGTERM and SIGKILL after a cancel (default 10)"],
  ["worker_tags", "text", "comma-separated tags a worker must carry"],
];

export class ScriptForm {
  constructor() {
    this.inputs = {};
    this.errors = {};
    this.where = h("p", { class: "help muted", "data-testid": "script-workers" });
    const rows = FIELDS.map(([name, type, placeholder]) => {
      const id = `script-${name}`;
      const input = type === "textarea"
        ? h("textarea", { id, "data-testid": id, rows: "3", placeholder })
        : h("input", { id, "data-testid": id, type, placeholder, autocomplete: "off", ...(type === "number" ? { step: "any" } : {}) });
      this.inputs[name] = input;
      this.errors[name] = h("div", { class: "field-error", "data-testid": `error-script-${name}`, role: "alert" });
      input.addEventListener("input", () => { this.errors[name].textContent = ""; });
      return h("div", { class: "field", "data-field": name }, h("label", { for: id }, name), input, this.errors[name]);
    });
    this.general = h("div", { class: "form-error", "data-testid": "script-error", role: "alert" });
    this.el = h("fieldset", { "data-group": "Script", "data-testid": "script-form" }, h("legend", {}, "Your own script"), this.where, h("div", { class: "fields" }, rows), this.general);
  }

  /** Say which live workers run scripts, and from where. */
  async showWorkers() {
    const workers = await api("/api/workers").catch(() => ({ data: [] }));
    const allowing = workers.data.filter((w) => w.alive && (w.capabilities?.script_dirs || []).length);
    this.where.textContent = allowing.length
      ? `Workers that run scripts: ${allowing.map((w) => `${w.name} (${w.capabilities.script_dirs.join(", ")})`).join("; ")}.`
      : "No live worker runs scripts: start one with `trainboard worker --scripts DIR`.";
  }

  /** The POST /api/runs/script body; null (with the error shown) when the config is not a JSON object. */
  body() {
    const text = (name) => this.inputs[name].value.trim();
    let config = {};
    if (text("config")) {
      try {
        config = JSON.parse(text("config"));
      } catch (error) {
        this.errors.config.textContent = `not JSON: ${error.message}`;
        return null;
      }
      if (typeof config !== "object" || config === null || Array.isArray(config)) {
        this.errors.config.textContent = "config must be a JSON object";
        return null;
      }
    }
    const body = { command: text("command"), cwd: text("cwd"), config };
    if (text("name")) body.name = text("name");
    if (text("grace_s")) body.grace_s = Number(text("grace_s"));
    if (text("worker_tags")) body.worker_tags = text("worker_tags").split(",").map((t) => t.trim()).filter(Boolean);
    return body;
  }

  /** Put the server's 422 messages under their fields. */
  showErrors({ byField, general }) {
    this.clearErrors();
    const rest = [...general];
    for (const [name, messages] of Object.entries(byField)) {
      if (this.errors[name]) this.errors[name].textContent = messages.join("; ");
      else rest.push(`${name}: ${messages.join("; ")}`);
    }
    this.general.textContent = rest.join("\n");
  }

  clearErrors() {
    for (const e of Object.values(this.errors)) e.textContent = "";
    this.general.textContent = "";
  }
}
