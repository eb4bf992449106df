// Workers page (/workers): every registered worker with its device, whether it is alive, the run it holds
// and that run's latest load (the system/... series), refreshed every few seconds.

import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate } from "../format.js";

const REFRESH_MS = 3000; // the workers sample their load every 5 s

/** "CPU 97 % · RSS 812 MB · GPU 88 % · GPU mem 5,120 MB · data wait 3 %" from a worker's load ({} = idle). */
export function loadText(load) {
  const parts = [];
  const number = (v) => Math.round(v).toLocaleString("en-US");
  if (load["system/cpu_percent"] !== undefined) parts.push(`CPU ${number(load["system/cpu_percent"])} %`);
  if (load["system/rss_mb"] !== undefined) parts.push(`RSS ${number(load["system/rss_mb"])} MB`);
  if (load["system/gpu_util_percent"] !== undefined) parts.push(`GPU ${number(load["system/gpu_util_percent"])} %`);
  if (load["system/gpu_memory_mb"] !== undefined) parts.push(`GPU mem ${number(load["system/gpu_memory_mb"])} MB`);
  if (load["system/data_wait_share"] !== undefined) parts.push(`data wait ${number(100 * load["system/data_wait_share"])} %`);
  return parts.join(" · ");
}

function row(worker) {
  const run = worker.run_id ? h("a", { href: `/runs/${worker.run_id}`, "data-testid": "worker-run" }, `#${worker.run_id}`) : h("span", { class: "muted" }, "idle");
  const load = worker.run_id ? loadText(worker.load || {}) || "sampling…" : "";
  return h(
    "tr",
    { "data-worker-id": String(worker.id), "data-alive": String(worker.alive) },
    h("td", {}, worker.name),
    h("td", {}, worker.device),
    h("td", {}, h("span", { class: `badge ${worker.alive ? "running" : "cancelled"}` }, worker.alive ? "alive" : "gone")),
    h("td", {}, run),
    h("td", { "data-testid": "worker-load" }, load),
    h("td", {}, formatDate(worker.last_seen_at)),
  );
}

/** Mount the workers page; returns the cleanup function. */
export function mount(root) {
  const body = h("tbody");
  const error = h("div", { class: "form-error", "data-testid": "workers-error" });
  const empty = h("p", { class: "empty-note hidden", "data-testid": "workers-empty" }, "No worker has registered yet: start one with `trainboard worker --server URL`.");
  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Workers")),
    error,
    empty,
    h(
      "table",
      { class: "runs", "data-testid": "workers-table" },
      h("thead", {}, h("tr", {}, ["name", "device", "state", "run", "load", "last seen"].map((c) => h("th", {}, c)))),
      body,
    ),
  );
  let disposed = false;
  const refresh = async () => {
    try {
      const workers = await api("/api/workers");
      if (disposed) return;
      error.textContent = "";
      body.replaceChildren(...workers.data.map(row));
      empty.classList.toggle("hidden", workers.count > 0);
      root.dataset.loaded = "true";
    } catch (failure) {
      if (!disposed) error.textContent = `Could not load the workers: ${failure.message}`;
    }
  };
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => {
    disposed = true;
    clearInterval(timer);
  };
}
