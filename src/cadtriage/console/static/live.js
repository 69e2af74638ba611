// What the console knows, kept current: a full load, then each event refetches what it concerns (one unit, one
// call) and, shortly after, the queue and the counts. Events heard while a full load runs are held and applied
// after it, so an older snapshot never overwrites a newer change; a reply older than one already applied for the
// same unit or call is dropped, so replies arriving out of order cannot leave a closed call listed.

import { get, getAll } from "./api.js";

const OPEN = ["on_desk", "with_clinician", "queued", "assigned", "en_route", "on_scene"];

export class Live {
  constructor({ onChange, onCoverage, onProblem }) {
    this.onChange = onChange; // (what) => void: "all", {unit: id} or {call: id}
    this.onCoverage = onCoverage;
    this.onProblem = onProblem; // (error or null) => void
    this.units = new Map();
    this.calls = new Map();
    this.queue = null;
    this.availability = null;
    this.skew = 0; // the server's clock minus this browser's
    this.held = null; // events heard during a full load
    this.asked = new Map(); // "call:7" -> how many refetches were started, to drop stale replies
    this.summaryTimer = null;
  }

  now() {
    return Date.now() + this.skew;
  }

  /** Load everything; events heard meanwhile are applied after it. */
  async reload() {
    this.held ??= [];
    try {
      const [units, lists, queue, availability] = await Promise.all([
        getAll("/v1/units?limit=500"),
        Promise.all(OPEN.map((status) => getAll(`/v1/calls?status=${status}&limit=500`))),
        get("/v1/queue"),
        get("/v1/availability"),
      ]);
      this.units = new Map((units || []).map((u) => [u.id, u]));
      this.calls = new Map(lists.flatMap((list) => list || []).map((c) => [c.id, c]));
      this.queue = queue;
      this.availability = availability;
      if (queue) this.skew = Date.parse(queue.as_of) - Date.now();
      this.asked.clear();
      this.onChange("all");
    } finally {
      const held = this.held;
      this.held = null;
      held.forEach((event) => this.heard(event));
    }
  }

  /** An event from the stream. */
  heard(event) {
    if (this.held) {
      this.held.push(event);
      return;
    }
    if (event.kind.startsWith("coverage.")) this.onCoverage(event);
    if (event.unit_id && event.kind.startsWith("unit.")) this.refresh("unit", event.unit_id);
    if (event.call_id) this.refresh("call", event.call_id);
    clearTimeout(this.summaryTimer);
    this.summaryTimer = setTimeout(() => this.refreshSummary(), 250);
  }

  async refresh(kind, id) {
    const key = `${kind}:${id}`;
    const ask = (this.asked.get(key) || 0) + 1;
    this.asked.set(key, ask);
    try {
      const found = await get(kind === "unit" ? `/v1/units/${id}` : `/v1/calls/${id}`);
      if (this.asked.get(key) !== ask || this.held) return; // a later reply, or a full load, supersedes this one
      const items = kind === "unit" ? this.units : this.calls;
      if (found && (kind === "unit" || OPEN.includes(found.status))) items.set(id, found);
      else items.delete(id);
      this.onProblem(null);
      this.onChange({ [kind]: id });
    } catch (error) {
      this.onProblem(error);
    }
  }

  async refreshSummary() {
    try {
      [this.queue, this.availability] = await Promise.all([get("/v1/queue"), get("/v1/availability")]);
      this.onProblem(null);
      this.onChange("summary");
    } catch (error) {
      this.onProblem(error);
    }
  }
}
