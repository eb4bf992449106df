// The run's log: lines with a level, appended live, kept scrolled to the end while the user is there.

import { h } from "../dom.js";

const MAX_LINES = 2000;

export class LogView {
  constructor() {
    this.el = h("pre", { class: "log", "data-testid": "log" });
  }

  /** Append one line; level is 'info', 'warning' or 'error'. */
  append(level, message) {
    const atEnd = this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - 4;
    const prefix = level && level !== "info" ? `[${level}] ` : "";
    this.el.append(h("span", { class: level || "info" }, `${prefix}${message}\n`));
    while (this.el.childNodes.length > MAX_LINES) this.el.firstChild.remove();
    if (atEnd) this.el.scrollTop = this.el.scrollHeight;
  }

  /** Replace everything with a block of text (the stored log of a finished run). */
  setText(text) {
    this.el.replaceChildren();
    for (const line of String(text || "").split("\n")) if (line) this.append("info", line);
  }
}
