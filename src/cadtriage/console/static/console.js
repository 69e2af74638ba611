// The supervisor's console: signs in with an API key, loads units, open calls, queues and counts, then keeps them
// current from /v1/events. Each event refetches what it concerns (one unit, one call) and, shortly after, the
// queue and the counts; a full reload every minute catches anything a change did not announce.

import { EventStream, Unauthorized, forgetKey, get, getAll, storeKey, storedKey } from "./api.js";
import { callDetail, unitDetail } from "./detail.js";
import { h } from "./dom.js";
import { UnitMap, legend } from "./map.js";
import { active, counts, queue, tickSince, tickUntil } from "./panels.js";

const OPEN = ["on_desk", "with_clinician", "queued", "assigned", "en_route", "on_scene"];
const ROLES = new Set(["dispatcher", "supervisor"]);
const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  config: null,
  units: new Map(),
  calls: new Map(),
  queue: null,
  availability: null,
  selected: null, // {unit: id} or {call: id}
  timeline: null,
  skew: 0, // server clock minus this browser's, so waits tick from the server's times
  stream: null,
  map: null,
  pending: null, // events heard while the first load runs, applied after it
};

const now = () => Date.now() + state.skew;

async function signIn(event) {
  event.preventDefault();
  const key = $("key").value.trim();
  $("sign-in-error").textContent = "";
  try {
    const me = await get("/v1/me", key);
    if (!me || !ROLES.has(me.role)) {
      $("sign-in-error").textContent = `A ${me ? me.role : "refused"} key cannot use the console: sign in with a dispatcher or supervisor key.`;
      return;
    }
    storeKey(key);
    $("key").value = "";
    await start(me);
  } catch (error) {
    $("sign-in-error").textContent = error instanceof Unauthorized ? "That key is not valid (or was revoked)." : `Cannot reach the service: ${error.message}`;
  }
}

function signOut(reason) {
  state.stream?.stop();
  state.stream = null;
  forgetKey();
  state.units.clear();
  state.calls.clear();
  state.selected = null;
  document.body.dataset.signedIn = "false";
  $("console").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = reason || "";
  $("key").focus();
}

async function start(me) {
  state.me = me;
  state.config = await (await fetch("/console/config.json", { cache: "no-store" })).json();
  $("who").textContent = `${me.name} · ${me.role}`;
  $("sign-in").hidden = true;
  $("console").hidden = false;
  document.body.dataset.signedIn = "true";
  $("attribution").textContent = state.config.tile_attribution || "";
  $("legend").replaceChildren(legend());
  state.map ??= new UnitMap($("map"), state.config, select); // one map (and its resize observer) per page
  state.pending = [];
  state.stream = new EventStream({ onEvent: heard, onState: showConnection, onUnauthorized: () => signOut("Signed out: the key was refused.") });
  state.stream.start();
  await guard(reloadAll)();
  const heardMeanwhile = state.pending;
  state.pending = null;
  heardMeanwhile.forEach(heard);
}

/** Run `work`; a refused key signs out, any other failure is shown and retried by the next change or reload. */
function guard(work) {
  return async (...args) => {
    try {
      await work(...args);
      $("problem").textContent = "";
    } catch (error) {
      if (error instanceof Unauthorized) signOut("Signed out: the key was refused.");
      else $("problem").textContent = `Could not refresh: ${error.message}`;
    }
  };
}

async function reloadAll() {
  const [units, lists, queueData, availability] = await Promise.all([
    getAll("/v1/units?limit=500"),
    Promise.all(OPEN.map((status) => getAll(`/v1/calls?status=${status}&limit=500`))),
    get("/v1/queue"),
    get("/v1/availability"),
  ]);
  state.units = new Map((units || []).map((u) => [u.id, u]));
  state.calls = new Map(lists.flatMap((list) => list || []).map((c) => [c.id, c]));
  state.queue = queueData;
  if (queueData) state.skew = Date.parse(queueData.as_of) - Date.now();
  state.availability = availability;
  state.map.fit([...state.units.values(), ...state.calls.values()].map((x) => [x.location.lat, x.location.lon]));
  render();
  await refreshDetail();
}

const refreshSummary = debounce(guard(async () => {
  [state.queue, state.availability] = await Promise.all([get("/v1/queue"), get("/v1/availability")]);
  render();
}), 250);

function heard(event) {
  if (state.pending) {
    state.pending.push(event);
    return;
  }
  if (event.kind.startsWith("coverage.")) showAlert(event);
  if (event.unit_id && event.kind.startsWith("unit.")) guard(refreshUnit)(event.unit_id);
  if (event.call_id) guard(refreshCall)(event.call_id);
  refreshSummary();
}

async function refreshUnit(id) {
  const unit = await get(`/v1/units/${id}`);
  if (unit) state.units.set(id, unit);
  if (unit && state.map.outside(unit.location.lat, unit.location.lon)) state.map.fit([...state.units.values()].map((u) => [u.location.lat, u.location.lon]));
  render();
  if (state.selected?.unit === id) await refreshDetail();
}

async function refreshCall(id) {
  const call = await get(`/v1/calls/${id}`);
  if (call && OPEN.includes(call.status)) state.calls.set(id, call);
  else state.calls.delete(id);
  render();
  if (state.selected?.call === id) await refreshDetail();
}

function render() {
  const focused = focusKey(document.activeElement);
  const units = [...state.units.values()];
  const calls = [...state.calls.values()];
  state.map.draw(units, calls);
  $("counts").replaceChildren(counts(state.availability));
  $("queue").replaceChildren(...[queue(state.queue, now(), select)].flat());
  $("active").replaceChildren(active(calls, now(), select));
  $("active-count").textContent = String(calls.length);
  if (focused) document.querySelector(focused)?.focus(); // what the keyboard was on stays focused
}

/** A selector finding the same control again after the panels are redrawn. */
function focusKey(element) {
  const panel = element?.closest?.("[id]");
  if (!panel || !["map", "queue", "active"].includes(panel.id)) return null;
  const target = element.closest("[data-call-id],[data-unit-id]") || element;
  const marker = target.dataset.callId ? `[data-call-id="${target.dataset.callId}"]` : target.dataset.unitId ? `[data-unit-id="${target.dataset.unitId}"]` : null;
  return marker ? `#${panel.id} ${marker}` : null;
}

function select(what) {
  state.selected = what;
  state.timeline = null;
  guard(refreshDetail)();
}

async function refreshDetail() {
  const panel = $("detail");
  const what = state.selected;
  if (!what) {
    panel.hidden = true;
    return;
  }
  let content;
  if (what.unit) {
    const unit = state.units.get(what.unit) || (await get(`/v1/units/${what.unit}`));
    content = unit ? unitDetail(unit, select) : [h("p", {}, "Unit not found.")];
  } else {
    const [call, events] = await Promise.all([get(`/v1/calls/${what.call}`), get(`/v1/calls/${what.call}/timeline`)]);
    content = call ? callDetail(call, events) : [h("p", {}, "Call not found.")];
  }
  if (state.selected !== what) return; // another was chosen meanwhile
  const close = h("button", { type: "button", class: "close", "aria-label": "close detail", onclick: closeDetail }, "×");
  const wasHidden = panel.hidden;
  panel.replaceChildren(close, ...content);
  panel.hidden = false;
  if (wasHidden) close.focus();
}

function closeDetail() {
  state.selected = null;
  $("detail").hidden = true;
}

function showConnection(status) {
  $("connection").textContent = status === "live" ? "live" : "reconnecting…";
  $("connection").dataset.state = status;
}

function showAlert(event) {
  const item = h("li", { class: event.kind === "coverage.lost" ? "alert lost" : "alert" }, `${event.kind}: ${event.reason || ""}`);
  $("alerts").prepend(item);
  while ($("alerts").children.length > 5) $("alerts").lastChild.remove();
}

function debounce(work, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(work, ms);
  };
}

function tick() {
  const at = now();
  $("clock").textContent = new Date(at).toLocaleTimeString();
  document.querySelectorAll("[data-since]").forEach((node) => tickSince(node, at));
  document.querySelectorAll("[data-until]").forEach((node) => tickUntil(node, at));
}

$("sign-in-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", () => signOut("Signed out."));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.selected) closeDetail();
});
setInterval(tick, 1000);
setInterval(() => document.body.dataset.signedIn === "true" && guard(reloadAll)(), 60000);

const key = storedKey();
if (key) {
  get("/v1/me", key)
    .then((me) => (me && ROLES.has(me.role) ? start(me) : signOut()))
    .catch(() => signOut("Signed out: the key was refused."));
} else {
  signOut();
}
