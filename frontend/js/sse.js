// EventSource wrapper: named handlers, reconnect with backoff, and no event handled twice.
//
// The server replays every event after the id a client names (?last_event_id= or the Last-Event-ID
// header), so after a drop we reopen with the last id we handled and get exactly what we missed.

import { withQuery } from "./api.js";

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15000;
const listeners = new Set();

/** Subscribe to connection-state changes of every stream: fn(open: boolean). Returns an unsubscribe function. */
export function onConnectionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function announce(open) {
  for (const fn of listeners) fn(open);
}

/**
 * Open a Server-Sent Events stream.
 * handlers: {eventName: fn(data, id)}; data is parsed JSON (or the raw text).
 * options: lastEventId (resume after this id), closeOn (event names after which the stream is finished).
 * Returns {close(), lastEventId()}.
 */
export function openEventStream(url, handlers, { lastEventId = null, closeOn = ["end"] } = {}) {
  let source = null;
  let lastId = lastEventId;
  let retryMs = RETRY_MIN_MS;
  let timer = null;
  let closed = false;

  const dispatch = (name, event) => {
    const id = event.lastEventId;
    // Ids are per-stream and increasing; skip anything at or before what we already handled.
    if (id && lastId !== null && isNumeric(id) && isNumeric(lastId) && Number(id) <= Number(lastId)) return;
    if (id) lastId = id;
    let data = event.data;
    try {
      data = JSON.parse(event.data);
    } catch {
      // keep the raw text
    }
    try {
      handlers[name](data, id);
    } finally {
      if (closeOn.includes(name)) close();
    }
  };

  const connect = () => {
    if (closed) return;
    // A signed-in page's session cookie goes with the stream (EventSource sends this origin's cookies).
    source = new EventSource(withQuery(url, { last_event_id: lastId }));
    for (const name of Object.keys(handlers)) {
      if (name === "open" || name === "error") continue;
      source.addEventListener(name, (event) => dispatch(name, event));
    }
    source.onopen = () => {
      retryMs = RETRY_MIN_MS;
      announce(true);
      handlers.open?.();
    };
    source.onerror = () => {
      // Reconnect ourselves, so the resume point is always the last event we actually handled.
      source.close();
      if (closed) return;
      announce(false);
      handlers.error?.();
      timer = setTimeout(connect, retryMs);
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
    };
  };

  const close = () => {
    closed = true;
    clearTimeout(timer);
    source?.close();
  };

  connect();
  return { close, lastEventId: () => lastId };
}

function isNumeric(text) {
  return /^\d+$/.test(String(text));
}
