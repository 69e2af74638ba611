// A unit's or a call's detail: for a call, its triage decision (rules, reasons, evidence), what was decided
// against what was sent, its unit and why, and its timeline. Caller details appear only when the API returned
// them, which it does only for roles that may see them.

import { clockTime, facts, h, label } from "./dom.js";

/** A unit: call sign, type, status, capabilities and its current call (`call`, when the console has it). */
export function unitDetail(unit, call, select) {
  const capabilities = unit.capabilities.length
    ? h(
        "ul",
        { class: "tags" },
        unit.capabilities.map((c) =>
          h("li", { class: c.active ? "" : "lapsed" }, c.id, c.expires ? ` (until ${c.expires})` : "", c.active ? "" : " — lapsed"),
        ),
      )
    : "none recorded";
  const current = unit.call_id
    ? h(
        "button",
        { type: "button", class: "link", onclick: () => select({ call: unit.call_id }) },
        call ? `${call.external_id} (${call.call_type || "no call type"})` : `call ${unit.call_id}`,
      )
    : "none";
  return [
    h("h2", { id: "detail-title" }, unit.call_sign),
    facts([
      ["type", label(unit.unit_type)],
      ["status", label(unit.status)],
      ["capabilities", capabilities],
      ["current call", current],
      ["position", `${unit.location.lat.toFixed(5)}, ${unit.location.lon.toFixed(5)}`],
      ["position reported", clockTime(unit.location_updated_at)],
    ]),
  ];
}

function evidence(items) {
  if (!items.length) return h("p", { class: "muted" }, "No evidence recorded: the call type alone decided.");
  return h(
    "ul",
    { class: "evidence" },
    items.map((e) => {
      const said = e.source === "screening" ? `${e.field} = ${e.value}` : `“${e.text}” in the ${label(e.source)}`;
      const notes = [e.negated && "negated", e.historical && "in the past", e.unanswered && "left open"].filter(Boolean);
      return h("li", {}, h("strong", {}, label(e.fact)), ": ", said, notes.length ? ` (${notes.join(", ")})` : "");
    }),
  );
}

function decision(call) {
  const d = call.decision;
  const sent = call.dispatched_type ? label(call.dispatched_type) : "nothing yet";
  return h(
    "section",
    { "aria-labelledby": "decision-title" },
    h("h3", { id: "decision-title" }, "Triage decision"),
    facts([
      ["decided", `${label(d.response_type)}, priority ${d.priority}${d.notify_ems ? ", notify EMS" : ""}`],
      ["requested now", label(call.requested_type)],
      ["sent", sent],
      ["divergence", call.divergence ? `${label(call.divergence)}: ${call.divergence_detail || ""}` : null],
      ["protocol", d.protocol_version],
      ["rules", d.rules.join(", ")],
    ]),
    h("ul", { class: "reasons" }, d.reasons.map((reason) => h("li", {}, reason))),
    h("h4", {}, "Evidence"),
    evidence(d.evidence),
  );
}

function assignment(call) {
  const a = call.assignment;
  if (!a) return null;
  const r = a.recommendation;
  return h(
    "section",
    {},
    h("h3", {}, "Unit"),
    facts([
      ["unit", `${a.call_sign} at ${Math.round(a.distance_m)} m`],
      ["assigned", clockTime(a.assigned_at)],
      ["why", r ? r.reason : null],
      ["nearest", r && r.nearest ? `${r.nearest.call_sign} at ${Math.round(r.nearest.distance_m)} m` : null],
    ]),
  );
}

function caller(call) {
  if (!call.caller) return null;
  return h(
    "section",
    {},
    h("h3", {}, "Caller"),
    facts([
      ["name", call.caller.name],
      ["phone", call.caller.phone],
    ]),
  );
}

function timeline(events) {
  if (!events) return null;
  return h(
    "section",
    {},
    h("h3", {}, "Timeline"),
    h(
      "ol",
      { class: "timeline" },
      events.map((e) =>
        h(
          "li",
          { "data-kind": e.kind },
          h("time", { datetime: e.occurred_at }, clockTime(e.occurred_at)),
          " ",
          h("strong", {}, e.kind),
          e.reason ? ` — ${e.reason}` : "",
          h("span", { class: "muted small" }, ` (${e.actor})`),
        ),
      ),
    ),
  );
}

/** A call: what was received, the decision and why, what was sent and why, and its timeline. */
export function callDetail(call, events) {
  return [
    h("h2", { id: "detail-title" }, `Call ${call.external_id}`),
    facts([
      ["status", label(call.status)],
      ["call type", call.call_type],
      ["narrative", call.narrative],
      ["address", call.location.address],
      ["language", call.language],
      ["received", clockTime(call.received_at)],
      ["waiting for", call.required_capability],
    ]),
    caller(call),
    decision(call),
    assignment(call),
    timeline(events),
  ];
}
