// Runs page, the keyboard: "/" focuses the search box, j/k move through the rows, enter opens the current
// one, c compares the ticked runs. Keys typed into a field are the field's.

import { navigate } from "../router.js";

/** Listen for the shortcuts on the document; returns the function that stops listening. */
export function bindRunKeys(tbody, { focusSearch, compare }) {
  let current = null; // the highlighted <tr>

  const move = (step) => {
    const rows = [...tbody.querySelectorAll("tr[data-run-id]")];
    if (!rows.length) return;
    const at = current && current.isConnected ? rows.indexOf(current) : -1;
    const next = rows[Math.max(0, Math.min(rows.length - 1, at < 0 ? 0 : at + step))];
    current?.classList.remove("current");
    current = next;
    current.classList.add("current");
    current.scrollIntoView({ block: "nearest" });
  };

  const onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    if (event.key === "/") {
      event.preventDefault();
      focusSearch();
    } else if (event.key === "j") move(1);
    else if (event.key === "k") move(-1);
    else if (event.key === "Enter" && current?.isConnected && !event.target.closest?.("a, button, th")) navigate(`/runs/${current.dataset.runId}`);
    else if (event.key === "c") compare();
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
