// The page's only door to the server: the /v1 API, with the bearer key when the server wants one.
//
// A "session" is one person on the page. Switching user starts a new session: every request of the
// old one is aborted and any answer that still arrives is dropped (Stale), so one user's data can
// never land in another user's view.

export class ApiError extends Error {
  constructor(status, message, param = null, code = null) {
    super(message);
    this.status = status;
    this.param = param;
    this.code = code;
  }
}

export class Stale extends Error {}

export const session = {
  user: null,
  key: sessionStorage.getItem("rapport.key") || null,
  epoch: 0,
  controller: new AbortController(),
};

export function startSession(user, key = session.key) {
  session.controller.abort();
  session.controller = new AbortController();
  session.epoch += 1;
  session.user = user;
  session.key = key || null;
  return session.epoch;
}

// Keep the key for this tab only (never on disk), once the server accepted it.
export function keepKey() {
  if (session.key) sessionStorage.setItem("rapport.key", session.key);
}

export function dropKey() {
  session.key = null;
  sessionStorage.removeItem("rapport.key");
}

export function endSession() {
  startSession(null);
}

function headers(extra = {}) {
  const all = { ...extra };
  if (session.key) all.Authorization = `Bearer ${session.key}`;
  return all;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON: fall through */
  }
  const error = body && body.error ? body.error : {};
  return new ApiError(response.status, error.message || `${response.status} ${response.statusText}`, error.param, error.code);
}

// One JSON request on behalf of the current session; throws ApiError, or Stale once the session changed.
export async function request(method, path, body = undefined, { anonymous = false } = {}) {
  const epoch = session.epoch;
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
  if (anonymous) delete init.headers.Authorization;
  if (body !== undefined) init.body = JSON.stringify(body);
  init.signal = session.controller.signal;
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (epoch !== session.epoch) throw new Stale();
    throw new ApiError(0, `cannot reach the server (${error.message})`);
  }
  if (epoch !== session.epoch) throw new Stale();
  if (!response.ok) throw await errorFrom(response);
  const data = response.status === 204 ? null : await response.json();
  if (epoch !== session.epoch) throw new Stale();
  return data;
}

// Paths under the current user, each part escaped.
export function userPath(...parts) {
  if (!session.user) throw new Stale();
  return ["/v1/users", session.user, ...parts].map((p, i) => (i === 0 ? p : encodeURIComponent(p))).join("/");
}

// A streamed chat turn: calls onEvent({type: "token"|"recalled"|"tool"|"done", ...}) as chunks arrive.
export async function streamChat(message, threadId, onEvent) {
  const epoch = session.epoch;
  const response = await fetch("/v1/chat/completions", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json", "X-Rapport-Thread": threadId }),
    body: JSON.stringify({ model: "rapport", user: session.user, stream: true, messages: [{ role: "user", content: message }] }),
    signal: session.controller.signal,
  }).catch((error) => {
    if (epoch !== session.epoch) throw new Stale();
    throw new ApiError(0, `cannot reach the server (${error.message})`);
  });
  if (epoch !== session.epoch) throw new Stale();
  if (!response.ok) throw await errorFrom(response);
  onEvent({ type: "open" });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    let part;
    try {
      part = await reader.read();
    } catch (error) {
      if (epoch !== session.epoch) throw new Stale();
      throw new ApiError(0, `the reply was cut off (${error.message})`);
    }
    if (epoch !== session.epoch) {
      reader.cancel().catch(() => {});
      throw new Stale();
    }
    if (part.done) break;
    buffer += decoder.decode(part.value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (!data) continue;
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new ApiError(500, chunk.error.message, chunk.error.param, chunk.error.code);
      const extra = chunk.rapport || {};
      const choice = (chunk.choices || [])[0] || {};
      if (extra.recalled) onEvent({ type: "recalled", memories: extra.recalled });
      if (extra.tool) onEvent({ type: "tool", tool: extra.tool });
      if (choice.delta && choice.delta.content) onEvent({ type: "token", text: choice.delta.content });
      if (choice.finish_reason) onEvent({ type: "done", threadId: extra.thread_id, timings: extra.timings || {} });
    }
  }
}
