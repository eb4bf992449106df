// A run's labels on its page, editable in place: the name, tags as chips (add, remove) and the note.
// Each change is one PATCH /api/runs/{id}; the answer (and the `status` event it causes) shows the result.

import { api } from "../api.js";
import { h } from "../dom.js";

export class RunLabels {
  /** run: RunPublic; onSaved(run) gets the server's answer to each change; title: the heading a rename replaces. */
  constructor(run, onSaved, title) {
    this.run = run;
    this.title = title;
    this.onSaved = onSaved;
    this.error = h("div", { class: "form-error", "data-testid": "labels-error" });
    this.nameInput = h("input", { type: "text", class: "hidden", maxlength: "200", "data-testid": "name-input", "aria-label": "Run name" });
    this.renameButton = h("button", { class: "small", "data-testid": "rename-run", title: "Rename" }, "Rename");
    this.chips = h("span", { class: "chips", "data-testid": "run-tags" });
    this.tagInput = h("input", { type: "text", size: "12", maxlength: "40", placeholder: "add tag", "data-testid": "tag-input", "aria-label": "Add a tag" });
    this.note = h("textarea", { rows: "3", maxlength: "10000", placeholder: "Note (markdown): what this run is for", "data-testid": "note-input", "aria-label": "Note" });
    this.saveNote = h("button", { "data-testid": "save-note", disabled: true }, "Save note");
    this.noteState = h("span", { class: "sub", "data-testid": "note-state" });
    this.el = h(
      "div",
      { class: "run-labels", "data-testid": "run-labels" },
      h("div", { class: "tag-row" }, this.chips, this.tagInput),
      h("div", { class: "note-row" }, this.note, h("div", {}, this.saveNote, " ", this.noteState)),
      this.error,
    );

    this.renameButton.addEventListener("click", () => this.startRename());
    this.nameInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.finishRename(true);
      else if (event.key === "Escape") this.finishRename(false);
    });
    this.nameInput.addEventListener("blur", () => this.finishRename(true));
    this.tagInput.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const tag = this.tagInput.value.trim();
      if (tag) this.save({ tags: [...(this.run.tags || []), tag] }).then((ok) => ok && (this.tagInput.value = ""));
    });
    this.chips.addEventListener("click", (event) => {
      const button = event.target.closest("[data-remove-tag]");
      if (button) this.save({ tags: (this.run.tags || []).filter((t) => t !== button.dataset.removeTag) });
    });
    this.note.addEventListener("input", () => {
      this.saveNote.disabled = this.note.value === (this.run.note || "");
      this.noteState.textContent = this.saveNote.disabled ? "" : "unsaved";
    });
    this.saveNote.addEventListener("click", () => this.save({ note: this.note.value }).then((ok) => ok && (this.noteState.textContent = "saved")));
    this.update(run);
  }

  /** Show the run's labels; a note being edited is left as typed. */
  update(run) {
    this.run = { ...this.run, ...run };
    const tags = this.run.tags || [];
    this.chips.replaceChildren(
      ...tags.map((tag) =>
        h("span", { class: "chip", "data-testid": "tag-chip", "data-tag": tag }, tag, h("button", { "data-remove-tag": tag, "aria-label": `remove tag ${tag}`, "data-testid": "remove-tag" }, "×")),
      ),
    );
    if (this.saveNote.disabled && document.activeElement !== this.note) this.note.value = this.run.note || "";
  }

  startRename() {
    this.nameInput.value = this.run.name || "";
    this.nameInput.classList.remove("hidden");
    this.renameButton.classList.add("hidden");
    this.title.classList.add("hidden");
    this.nameInput.focus();
    this.nameInput.select();
  }

  async finishRename(keep) {
    if (this.nameInput.classList.contains("hidden")) return;
    const name = this.nameInput.value.trim();
    this.nameInput.classList.add("hidden");
    this.renameButton.classList.remove("hidden");
    this.title.classList.remove("hidden");
    if (keep && name && name !== this.run.name) await this.save({ name });
  }

  /** PATCH the run; true when the server took it (its 422 shows under the labels otherwise). */
  async save(changes) {
    this.error.textContent = "";
    try {
      const run = await api(`/api/runs/${this.run.id}`, { method: "PATCH", body: changes });
      if ("note" in changes) this.saveNote.disabled = true;
      this.update(run);
      this.onSaved(run);
      return true;
    } catch (error) {
      this.error.textContent = error.message;
      return false;
    }
  }
}
