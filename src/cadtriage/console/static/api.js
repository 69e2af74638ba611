// The service's API as the console uses it: the key kept in sessionStorage (gone when the tab closes) and sent as
// the Bearer header; the event stream read with fetch, because EventSource cannot send that header.

const KEY = "cadtriage.console.key";

/** The key was refused (revoked, or never valid): the console signs out. */
export class Unauthorized extends Error {}

/** The service refused for now (429, 503): how long to wait, and why. */
export class RetryLater extends Error {
  constructor(seconds, message) {
    super(message);
    this.seconds = seconds;
  }
}

export const storedKey = () => sessionStorage.getItem(KEY);
export const storeKey = (key) => sessionStorage.setItem(KEY, key);
export const forgetKey = () => sessionStorage.removeItem(KEY);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const RECONNECT_MS = 2000; // the server's own `retry:` hint

/** GET a JSON resource; null when the key's role may not see it (403). */
export async function get(path, key = storedKey()) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${key}`, Accept: "application/json" },
    cache: "no-store",
  });
  if (response.status === 401) throw new Unauthorized(path);
  if (response.status === 403 || response.status === 404) return null;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

/** Every item of a keyset-paginated list, following `next_cursor`. */
export async function getAll(path) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page = await get(cursor ? `${path}${separator}cursor=${cursor}` : path);
    if (page === null) return null;
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/**
 * /v1/events, read until it ends or fails, then read again from the last event seen (Last-Event-ID), so that a
 * network blip, a worker restart or a stream the server ended loses nothing. `onState` hears "live" or
 * "reconnecting"; `onUnauthorized` is called once when the key is refused.
 */
export class EventStream {
  constructor({ onEvent, onState, onUnauthorized }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.onUnauthorized = onUnauthorized;
    this.lastId = null;
    this.stopped = false;
    this.controller = null;
  }

  start() {
    this.run();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  async run() {
    while (!this.stopped) {
      try {
        await this.readOnce();
      } catch (error) {
        if (error instanceof Unauthorized) {
          this.onUnauthorized();
          return;
        }
        if (error instanceof RetryLater) {
          if (this.stopped) return;
          this.onState("refused", error.message);
          await sleep(error.seconds * 1000);
          continue;
        }
      }
      if (this.stopped) return;
      this.onState("reconnecting");
      await sleep(RECONNECT_MS);
    }
  }

  async readOnce() {
    this.controller = new AbortController();
    const headers = { Authorization: `Bearer ${storedKey()}`, Accept: "text/event-stream" };
    if (this.lastId !== null) headers["Last-Event-ID"] = String(this.lastId);
    const response = await fetch("/v1/events", { headers, signal: this.controller.signal, cache: "no-store" });
    if (response.status === 401) throw new Unauthorized("/v1/events");
    if (response.status === 429 || response.status === 503) {
      const problem = await response.json().catch(() => ({}));
      const seconds = Number(response.headers.get("Retry-After")) || 5;
      throw new RetryLater(seconds, problem.detail || `the service refused the event stream (${response.status})`);
    }
    if (!response.ok) throw new Error(`events: HTTP ${response.status}`);
    this.onState("live");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        this.dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  dispatch(block) {
    let id = null;
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("id:")) id = line.slice(3).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    // An `id:` alone (the server names the last event when a stream starts) moves the resume point, as in
    // EventSource; a heartbeat comment or the retry hint carries nothing.
    if (id !== null) this.lastId = Number(id);
    if (data.length > 0) this.onEvent(JSON.parse(data.join("\n")));
  }
}
