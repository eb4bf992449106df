// Client-side routing by location.pathname: the server answers every page path with index.html.

const routes = [];
let container = null;
let cleanup = null;
let renderToken = 0;

/**
 * Register a page: pattern is a RegExp on the pathname; load() resolves to a module with mount().
 * prefetch(params), if given, starts the page's requests while its module loads; mount gets the promise.
 */
export function route(pattern, load, prefetch = null) {
  routes.push({ pattern, load, prefetch });
}

/** Go to a path inside the app (pushes history unless replace). */
export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  render();
}

/** Start routing into `root`: handles in-app links, back/forward, and renders the current page. */
export function startRouter(root) {
  container = root;
  document.addEventListener("click", onLinkClick);
  window.addEventListener("popstate", render);
  render();
}

function onLinkClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || /^\/(api|static|docs|openapi)/.test(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

async function render() {
  const token = ++renderToken;
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  delete container.dataset.loaded; // each page sets it again once its data is on screen
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const match = routes.map((r) => ({ r, m: path.match(r.pattern) })).find((x) => x.m);
  markActiveNav(path);
  if (!match) {
    container.replaceChildren(notFound(path));
    return;
  }
  const params = match.m.groups || {};
  const query = new URLSearchParams(location.search);
  const prefetched = match.r.prefetch ? match.r.prefetch(params, query) : null;
  prefetched?.catch(() => {}); // the page reports failures; a page left before it mounts must not log them
  const page = await match.r.load();
  if (token !== renderToken) return; // a newer navigation won
  container.replaceChildren();
  window.scrollTo(0, 0);
  const result = page.mount(container, { params, query, prefetched });
  cleanup = typeof result === "function" ? result : null;
}

function markActiveNav(path) {
  for (const link of document.querySelectorAll(".topnav a")) {
    const target = new URL(link.href).pathname;
    link.classList.toggle("active", target === "/" ? path === "/" || path.startsWith("/runs") : path.startsWith(target));
  }
}

function notFound(path) {
  const p = document.createElement("p");
  p.textContent = `No page at ${path}.`;
  return p;
}
