// Building the page from data with the DOM's own methods: text is always set as text, never parsed as HTML, so a
// narrative or an address holding markup is shown, not run.

/** An element with attributes (`on*` functions become listeners) and children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** A value as people read it: `co_responder` -> `co-responder`, `en_route` -> `en route`. */
export function label(value) {
  if (value === null || value === undefined) return "—";
  return String(value).replace("co_responder", "co-responder").replaceAll("_", " ");
}

/** Seconds as m:ss, or h:mm:ss past an hour. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** A moment as the dispatch floor reads it: local time of day, to the second. */
export function clockTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** A definition list from [term, value] pairs, skipping pairs without a value. */
export function facts(pairs) {
  return h(
    "dl",
    {},
    pairs.filter(([, value]) => value !== null && value !== undefined && value !== "").map(([term, value]) => [
      h("dt", {}, term),
      h("dd", {}, value),
    ]),
  );
}
