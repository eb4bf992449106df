// Runs page, the following half: load the first pages of the filtered list, then keep the table live from
// /api/events. The list stream has no replay: after a reconnect, or when the server says the page fell
// behind, the list is loaded again. Events that arrive before the first load are applied after it.

import { api } from "../api.js";
import { openEventStream } from "../sse.js";

const PAGE_SIZE = 500; // the API's largest page
const FIRST_ROWS = 1000; // rows loaded up front; the rest on "Load more"

/**
 * Follow the run list into `table`; `params()` gives the filters and sort as query parameters (the API's),
 * `changed()` is called after every change. Live events go through the table, which applies the same
 * filters and sort to each run (run-filters.js), so a filtered, sorted view stays what a reload would show.
 */
export function followRunList(table, { params, changed, loaded, failed }) {
  const state = { loaded: false, generation: 0, pending: [], disposed: false };
  const fetchPage = (offset) => {
    const query = params();
    query.set("limit", String(PAGE_SIZE));
    query.set("offset", String(offset));
    return api(`/api/runs?${query}`);
  };

  const applyEvent = (name, data) => {
    if (name === "deleted") table.remove(data.id);
    else if (data && data.id !== undefined) table.upsert(data);
    changed();
  };

  const reload = async () => {
    const generation = ++state.generation; // a slow older reload must not overwrite a newer one
    state.loaded = false;
    const first = await fetchPage(0);
    const offsets = [];
    for (let offset = PAGE_SIZE; offset < Math.min(first.count, FIRST_ROWS); offset += PAGE_SIZE) offsets.push(offset);
    const rest = await Promise.all(offsets.map(fetchPage));
    if (state.disposed || generation !== state.generation) return;
    table.clear();
    table.total = first.count;
    table.append([first, ...rest].flatMap((page) => page.data));
    state.loaded = true;
    for (const [name, data] of state.pending.splice(0)) applyEvent(name, data);
    changed();
    loaded();
  };

  const loadMore = async () => {
    const page = await fetchPage(table.runs.size);
    if (state.disposed) return;
    table.total = page.count;
    table.append(page.data);
    changed();
  };

  const onEvent = (name) => (data) => {
    if (!state.loaded) state.pending.push([name, data]);
    else applyEvent(name, data);
  };
  let dropped = false;
  const stream = openEventStream("/api/events", {
    created: onEvent("created"),
    status: onEvent("status"),
    progress: onEvent("progress"),
    deleted: onEvent("deleted"),
    resync: () => reload().catch(failed),
    error: () => {
      dropped = true;
    },
    open: () => {
      if (dropped) reload().catch(failed);
      dropped = false;
    },
  });

  reload().catch(failed);
  return {
    reload: () => reload().catch(failed),
    loadMore: () => loadMore().catch(failed),
    close() {
      state.disposed = true;
      stream.close();
    },
  };
}
