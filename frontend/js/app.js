// Entry point: the page routes and the live-connection indicator.

import { loadPlotly } from "./charts/plotly-loader.js";
import { loadRunHistory } from "./run-history.js";
import { route, startRouter } from "./router.js";
import { onConnectionChange } from "./sse.js";
import { startThemeMode } from "./theme-mode.js";

startThemeMode(document.getElementById("theme-switch"));

route(/^\/$/, () => import("./pages/runs.js"));
route(/^\/launch$/, () => import("./pages/launch.js"));
// A run page's data is requested while its modules load; plotly.js compiles while the server thins the series.
route(
  /^\/runs\/(?<id>\d+)$/,
  () => import("./pages/run.js"),
  ({ id }) => loadRunHistory(Number(id), { whileWaiting: () => loadPlotly().catch(() => {}) }),
);
route(/^\/compare$/, () => import("./pages/compare.js"));
route(/^\/sweeps$/, () => import("./pages/sweeps.js"));
route(/^\/sweeps\/(?<id>\d+)$/, () => import("./pages/sweep.js"));
route(/^\/workers$/, () => import("./pages/workers.js"));

const indicator = document.getElementById("live-indicator");
onConnectionChange((open) => {
  indicator.hidden = false;
  indicator.textContent = open ? "live" : "reconnecting";
  indicator.classList.toggle("offline", !open);
});

startRouter(document.getElementById("app"));
