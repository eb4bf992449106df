// Entry point: the page routes and the live-connection indicator.

import { route, startRouter } from "./router.js";
import { onConnectionChange } from "./sse.js";

route(/^\/$/, () => import("./pages/runs.js"));
route(/^\/launch$/, () => import("./pages/launch.js"));
route(/^\/runs\/(?<id>\d+)$/, () => import("./pages/run.js"));
route(/^\/compare$/, () => import("./pages/compare.js"));

const indicator = document.getElementById("live-indicator");
onConnectionChange((open) => {
  indicator.hidden = false;
  indicator.textContent = open ? "live" : "reconnecting";
  indicator.classList.toggle("offline", !open);
});

startRouter(document.getElementById("app"));
