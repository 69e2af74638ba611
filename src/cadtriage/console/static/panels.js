// The side panels: unit counts by type and status, each type's queue with its waits ticking, the active calls.

import { clockTime, duration, h, label } from "./dom.js";

const TYPES = ["police", "co_responder", "civilian_crisis"];
const BRIEF = { police: "police", co_responder: "co-resp.", civilian_crisis: "civilian" };
const STATUSES = ["available", "dispatched", "en_route", "on_scene", "transporting", "out_of_service"];
const SHORT = { available: "free", dispatched: "disp", en_route: "enrt", on_scene: "scn", transporting: "trn", out_of_service: "OOS" };

/** Units of each type in each status, and per capability how many hold it and how many are free. */
export function counts(availability) {
  if (!availability) return h("p", { class: "muted" }, "Not visible to this key's role.");
  const head = h("tr", {}, h("th", { scope: "col" }, "type"), STATUSES.map((s) => h("th", { scope: "col" }, h("abbr", { title: label(s) }, SHORT[s]))));
  const rows = TYPES.map((type) =>
    h(
      "tr",
      { "data-type": type },
      h("th", { scope: "row" }, h("span", { class: `swatch ${type}` }), label(type)),
      STATUSES.map((status) => {
        const n = availability.counts[type]?.[status] ?? 0;
        return h("td", { class: n ? "" : "zero", "data-status": status }, String(n));
      }),
    ),
  );
  const capabilities = Object.entries(availability.by_capability || {}).filter(([, c]) => c.active > 0);
  return h(
    "div",
    {},
    h("table", { class: "counts" }, h("thead", {}, head), h("tbody", {}, rows)),
    capabilities.length
      ? h(
          "p",
          { class: "capabilities" },
          capabilities.map(([name, c]) =>
            h("span", { class: c.available ? "capability" : "capability uncovered" }, `${name} ${c.available}/${c.active}`),
          ),
        )
      : null,
  );
}

/** Each type's queue, most urgent first, with the wait and the time left before the call escalates. */
export function queue(data, now, select) {
  if (!data) return h("p", { class: "muted" }, "Not visible to this key's role.");
  return TYPES.map((type) => {
    const kind = data.types[type];
    const calls = kind?.calls ?? [];
    const heading = h(
      "h3",
      {},
      h("span", { class: `swatch ${type}` }),
      `${label(type)} — `,
      h("span", { "data-depth": type }, String(kind?.depth ?? 0)),
      " waiting",
    );
    if (calls.length === 0) return h("section", { class: "queue", "data-type": type }, heading);
    const items = calls.map((call) => {
      const waited = (now - Date.parse(call.queued_at)) / 1000;
      return h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: `row p${call.priority}`, "data-call-id": call.call_id, onclick: () => select({ call: call.call_id }) },
          h("span", { class: "priority" }, `P${call.priority}`),
          h(
            "span",
            { class: "what", title: call.external_id },
            call.call_type || "(no call type)",
            h("span", { class: "muted small" }, ` ${call.external_id}`),
            call.required_capability ? ` · needs ${call.required_capability}` : "",
          ),
          h("span", { class: "wait", "data-since": call.queued_at }, duration(waited)),
          call.escalates_at ? escalation(call.escalates_at, now) : null,
        ),
      );
    });
    return h("section", { class: "queue", "data-type": type }, heading, h("ol", {}, items));
  });
}

/** The time left before a waiting call escalates; `tick` keeps it current. */
export function escalation(at, now) {
  const node = h("span", { class: "escalation", "data-until": at });
  return tickUntil(node, now);
}

/** Update a `data-until` element to the time left, or "escalation due". */
export function tickUntil(node, now) {
  const left = (Date.parse(node.dataset.until) - now) / 1000;
  node.textContent = left > 0 ? `escalates in ${duration(left)}` : "escalation due";
  node.classList.toggle("due", left <= 0);
  return node;
}

/** Update a `data-since` element to the time elapsed. */
export function tickSince(node, now) {
  node.textContent = duration((now - Date.parse(node.dataset.since)) / 1000);
}

/** Open calls, most urgent first, then oldest: status, what was sent, and the unit. */
export function active(calls, now, select) {
  if (calls === null) return h("p", { class: "muted" }, "Not visible to this key's role.");
  if (calls.length === 0) return h("p", { class: "muted" }, "No open calls.");
  const sorted = [...calls].sort((a, b) => a.priority - b.priority || Date.parse(a.received_at) - Date.parse(b.received_at));
  const head = h("tr", {}, ["P", "call", "type", "status", "unit", "age"].map((t) => h("th", { scope: "col" }, t)));
  const rows = sorted.map((call) =>
    h(
      "tr",
      { class: `p${call.priority}` },
      h("td", {}, `P${call.priority}`),
      h(
        "td",
        {},
        h(
          "button",
          { type: "button", class: "link", title: call.external_id, "data-call-id": call.id, onclick: () => select({ call: call.id }) },
          call.external_id,
        ),
        h("div", { class: "muted small" }, call.call_type || ""),
      ),
      h(
        "td",
        { title: label(call.requested_type) },
        h("span", { class: `swatch ${call.requested_type}` }),
        h("span", { class: "type-label" }, BRIEF[call.requested_type]),
      ),
      h("td", { "data-status": call.status }, label(call.status)),
      h("td", {}, call.assignment ? call.assignment.call_sign : "—"),
      h(
        "td",
        { title: `received ${clockTime(call.received_at)}`, "data-since": call.received_at },
        duration((now - Date.parse(call.received_at)) / 1000),
      ),
    ),
  );
  return h("table", { class: "active" }, h("thead", {}, head), h("tbody", {}, rows));
}
