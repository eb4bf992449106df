// Fetch wrapper for the REST API: JSON in and out, 422 details per field, sign-in when the server has a token.
//
// The page never holds the token: signing in trades it for an HttpOnly session cookie (POST /api/session),
// which the browser then sends with every request, event stream and download link of this origin.

/** An HTTP error answer: status, a readable message and the server's `detail` as sent. */
export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

/** Append query parameters (skipping null/undefined/"") to a path. */
export function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === "") continue;
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = params.toString();
  if (!text) return path;
  return `${path}${path.includes("?") ? "&" : "?"}${text}`;
}

/** Call the API; resolves to the parsed JSON (or text, or null for 204), rejects with ApiError. */
export async function api(path, { method = "GET", body, query, signal } = {}) {
  for (let attempt = 0; ; attempt += 1) {
    const headers = { Accept: "application/json" };
    // Every request that changes something declares JSON, with or without a body: the server refuses
    // mutations that a form on another site could have sent.
    if (body !== undefined || method !== "GET") headers["Content-Type"] = "application/json";
    const response = await fetch(withQuery(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    if (response.status === 401 && attempt === 0 && path !== "/api/session") {
      // The server wants a token: ask for it, sign in (a session cookie), and retry.
      await signIn();
      continue;
    }
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return null;
    const type = response.headers.get("content-type") || "";
    return type.includes("json") ? response.json() : response.text();
  }
}

async function errorFrom(response) {
  let detail = null;
  try {
    detail = (await response.json()).detail ?? null;
  } catch {
    detail = null;
  }
  let message = `${response.status} ${response.statusText}`;
  if (typeof detail === "string") message = detail;
  else if (Array.isArray(detail)) message = detail.map((d) => `${locName(d.loc) || "request"}: ${cleanMessage(d.msg)}`).join("; ");
  return new ApiError(response.status, message, detail);
}

/** The field a 422 `loc` names: its last string part that is not "body"/"query" (null when none). */
export function locName(loc) {
  const parts = (loc || []).filter((p) => typeof p === "string" && p !== "body" && p !== "query" && p !== "path");
  return parts.length ? parts[parts.length - 1] : null;
}

function cleanMessage(msg) {
  // pydantic prefixes messages from validators with "Value error, ".
  return String(msg || "").replace(/^Value error, /, "");
}

/**
 * Split a 422 ApiError into messages per field and general messages.
 * A message without a field that starts with a known field name ("batch_size 512 is larger...") goes to that field.
 */
export function fieldErrors(error, knownFields = []) {
  const byField = {};
  const general = [];
  const add = (field, msg) => (byField[field] ||= []).push(msg);
  if (!(error instanceof ApiError) || !Array.isArray(error.detail)) {
    general.push(error?.message || String(error));
    return { byField, general };
  }
  for (const item of error.detail) {
    const msg = cleanMessage(item.msg);
    let field = locName(item.loc);
    // A nested location (model_args.width) belongs to its outermost known field.
    if (field && knownFields.length && !knownFields.includes(field)) field = (item.loc || []).find((p) => knownFields.includes(p)) || null;
    if (!field) field = knownFields.find((name) => msg.startsWith(`${name} `) || msg.startsWith(`${name}:`)) || null;
    if (field) add(field, msg);
    else general.push(item.loc && item.loc.length > 1 ? `${item.loc.slice(1).join(".")}: ${msg}` : msg);
  }
  return { byField, general };
}

let signingIn = null; // one dialog for all the requests that met a 401 at once

/** Ask for the token and sign in with it; resolves once the session cookie is set. */
export function signIn() {
  signingIn ||= askForToken().finally(() => {
    signingIn = null;
  });
  return signingIn;
}

function askForToken(message = "") {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  const cancel = document.getElementById("token-cancel");
  const error = document.getElementById("token-error");
  if (!dialog || !input) return Promise.reject(new ApiError(401, "This server needs an API token", null));
  if (error) error.textContent = message;
  return new Promise((resolve, reject) => {
    const onClose = () => {
      cancel.removeEventListener("click", onCancel);
      const token = input.value.trim();
      input.value = "";
      if (dialog.returnValue === "ok" && token) {
        api("/api/session", { method: "POST", body: { token } })
          .then(resolve)
          .catch((failure) => (failure.status === 401 ? askForToken("That token is not this server's.") : Promise.reject(failure)))
          .then(resolve, reject);
      } else {
        reject(new ApiError(401, "This server needs an API token", null));
      }
    };
    const onCancel = () => dialog.close("cancel");
    dialog.addEventListener("close", onClose, { once: true });
    cancel.addEventListener("click", onCancel);
    input.value = "";
    dialog.returnValue = "";
    if (!dialog.open) dialog.showModal();
  });
}
