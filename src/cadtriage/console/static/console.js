// The supervisor's console: signs in with an API key, shows what `Live` knows, and keeps it on screen: the map,
// the counts, the queues and the open calls, and the detail of whatever was chosen.

import { EventStream, Unauthorized, forgetKey, get, storeKey, storedKey } from "./api.js";
import { callDetail, unitDetail } from "./detail.js";
import { clockTime, h } from "./dom.js";
import { Live } from "./live.js";
import { UnitMap, legend } from "./map.js";
import { active, counts, queue, tickSince, tickUntil } from "./panels.js";

const ROLES = new Set(["dispatcher", "supervisor"]);
const $ = (id) => document.getElementById(id);
const page = { me: null, config: null, live: null, stream: null, map: null, selected: null, opener: null };

async function signIn(event) {
  event.preventDefault();
  const button = $("sign-in-form").querySelector("button[type=submit]");
  if (button.disabled) return; // a second Enter while the first sign-in runs
  button.disabled = true;
  const key = $("key").value.trim();
  $("sign-in-error").textContent = "";
  try {
    const me = await get("/v1/me", key);
    if (!me || !ROLES.has(me.role)) {
      const role = me ? `${/^[aeiou]/.test(me.role) ? "An" : "A"} ${me.role} key` : "This key";
      $("sign-in-error").textContent = `${role} cannot use the console: sign in with a dispatcher or supervisor key.`;
      return;
    }
    storeKey(key);
    $("key").value = "";
    await start(me);
  } catch (error) {
    $("sign-in-error").textContent =
      error instanceof Unauthorized ? "That key is not valid (or was revoked)." : `Cannot reach the service: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

function signOut(reason) {
  page.stream?.stop();
  page.stream = null;
  page.live = null;
  forgetKey();
  closeDetail();
  for (const id of ["alerts", "queue", "active", "counts", "problem"]) $(id).replaceChildren();
  document.body.dataset.signedIn = "false";
  $("console").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = reason || "";
  $("key").focus();
}

const refused = () => signOut("Signed out: the key was refused.");

async function start(me) {
  page.stream?.stop(); // never two streams, whatever signed in twice
  page.me = me;
  page.config ??= await (await fetch("/console/config.json", { cache: "no-store" })).json();
  $("who").textContent = `${me.name} · ${me.role}`;
  $("sign-in").hidden = true;
  $("console").hidden = false;
  document.body.dataset.signedIn = "true";
  $("attribution").textContent = page.config.tile_attribution || "";
  $("legend").replaceChildren(legend());
  page.map ??= new UnitMap($("map"), page.config, select); // one map (and its resize observer) per page
  const live = new Live({ onChange: changed, onCoverage: showAlert, onProblem: showProblem });
  page.live = live;
  live.held = []; // the stream opens first: what it hears during the first load is applied after it
  page.stream = new EventStream({ onEvent: (event) => live.heard(event), onState: showConnection, onUnauthorized: refused });
  page.stream.start();
  await reload();
}

async function reload() {
  const live = page.live;
  if (!live) return;
  try {
    await live.reload();
    showProblem(null);
  } catch (error) {
    if (error instanceof Unauthorized) refused();
    else showProblem(error);
  }
}

function showProblem(error) {
  if (error instanceof Unauthorized) return refused();
  $("problem").textContent = error ? `Could not refresh: ${error.message}` : "";
}

function changed(what) {
  const live = page.live;
  if (!live) return;
  const focused = focusKey(document.activeElement);
  const units = [...live.units.values()];
  const calls = [...live.calls.values()];
  const moved = what !== "summary" && what !== "all" && outside(what);
  if (what === "all" || moved) page.map.fit([...units, ...calls].map((x) => [x.location.lat, x.location.lon]));
  page.map.draw(units, calls);
  $("counts").replaceChildren(counts(live.availability));
  $("queue").replaceChildren(...[queue(live.queue, live.now(), select)].flat());
  $("active").replaceChildren(active(calls, live.now(), select));
  $("active-count").textContent = String(calls.length);
  if (focused) document.querySelector(focused)?.focus(); // what the keyboard was on stays focused
  const chosen = page.selected;
  if (chosen && (what === "all" || (what.unit && what.unit === chosen.unit) || (what.call && what.call === chosen.call))) {
    showDetail(chosen);
  }
}

/** Whether the unit or call that changed now lies outside the map's view (it is then fitted again). */
function outside(what) {
  const item = what.unit ? page.live.units.get(what.unit) : page.live.calls.get(what.call);
  return Boolean(item) && page.map.outside(item.location.lat, item.location.lon);
}

/** A selector finding the same control again after the panels are redrawn. */
function focusKey(element) {
  const panel = element?.closest?.("#map, #queue, #active");
  if (!panel) return null;
  const target = element.closest("[data-call-id],[data-unit-id]");
  if (!target) return null;
  const marker = target.dataset.callId ? `[data-call-id="${target.dataset.callId}"]` : `[data-unit-id="${target.dataset.unitId}"]`;
  return `#${panel.id} ${marker}`;
}

function select(what) {
  page.selected = what;
  page.opener = focusKey(document.activeElement);
  showDetail(what);
}

async function showDetail(what) {
  const panel = $("detail");
  let content;
  try {
    if (what.unit) {
      const unit = page.live?.units.get(what.unit) || (await get(`/v1/units/${what.unit}`));
      const call = unit?.call_id ? page.live?.calls.get(unit.call_id) : null;
      content = unit ? unitDetail(unit, call, select) : [h("p", {}, "Unit not found.")];
    } else {
      const [call, events] = await Promise.all([get(`/v1/calls/${what.call}`), get(`/v1/calls/${what.call}/timeline`)]);
      content = call ? callDetail(call, events) : [h("p", {}, "Call not found.")];
    }
  } catch (error) {
    return showProblem(error);
  }
  if (page.selected !== what) return; // another was chosen meanwhile, or the detail was closed
  const close = h("button", { type: "button", class: "close", "aria-label": "close detail", onclick: closeDetail }, "×");
  const wasHidden = panel.hidden;
  panel.replaceChildren(close, ...content.filter(Boolean));
  panel.hidden = false;
  if (wasHidden) close.focus();
}

function closeDetail() {
  const opener = page.opener;
  page.selected = null;
  page.opener = null;
  $("detail").hidden = true;
  $("detail").replaceChildren(); // a caller's details do not linger in the page
  if (opener) document.querySelector(opener)?.focus(); // back to where the keyboard was
}

function showConnection(status, why) {
  const text = { live: "live", reconnecting: "reconnecting…", refused: "not live" }[status];
  $("connection").textContent = text;
  $("connection").dataset.state = status;
  $("connection").title = why || "";
  if (status === "refused") $("problem").textContent = `Live updates refused: ${why}. Retrying.`;
  else if ($("problem").textContent.startsWith("Live updates refused")) $("problem").textContent = "";
}

function showAlert(event) {
  const item = h("li", { class: event.kind === "coverage.lost" ? "alert lost" : "alert" }, `${clockTime(event.occurred_at)} ${event.kind}: ${event.reason || ""}`);
  $("alerts").prepend(item);
  while ($("alerts").children.length > 5) $("alerts").lastChild.remove();
}

function tick() {
  const at = page.live ? page.live.now() : Date.now();
  $("clock").textContent = clockTime(new Date(at).toISOString());
  document.querySelectorAll("[data-since]").forEach((node) => tickSince(node, at));
  document.querySelectorAll("[data-until]").forEach((node) => tickUntil(node, at));
}

/** A stored key from an earlier load of this tab: sign in again with it; only a refused key signs out. */
async function resume(key) {
  try {
    const me = await get("/v1/me", key);
    if (me && ROLES.has(me.role)) return await start(me);
    signOut();
  } catch (error) {
    if (error instanceof Unauthorized) return refused();
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = `Cannot reach the service (${error.message}); trying again…`;
    setTimeout(() => resume(key), 3000);
  }
}

$("sign-in-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", () => signOut("Signed out."));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && page.selected) closeDetail();
});
setInterval(tick, 1000);
setInterval(() => page.live && reload(), 60000); // a safety net for anything no event announced

const key = storedKey();
if (key) resume(key);
else signOut();
