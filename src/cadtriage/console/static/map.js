// The map: units and calls drawn in SVG over the service area's outline, in Web Mercator so that a centre's own
// tiles (CADTRIAGE_CONSOLE_TILE_URL) line up beneath them when it has a tile server. No tiles are needed.

import { h, label } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const TILE = 256;
const BUSY = new Set(["dispatched", "en_route", "on_scene", "transporting"]);

/** Web Mercator, in pixels of the whole world at zoom 0 (256 px wide). */
function world(lat, lon) {
  const sin = Math.sin((lat * Math.PI) / 180);
  return [((lon + 180) / 360) * TILE, (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * TILE];
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export class UnitMap {
  constructor(element, config, onSelect) {
    this.element = element;
    this.config = config;
    this.onSelect = onSelect;
    this.bounds = null; // [west, south, east, north] the view shows
    this.units = [];
    this.calls = [];
    new ResizeObserver(() => this.draw(this.units, this.calls)).observe(element);
  }

  /** Show the service area, or else everything there is to show, with a margin. */
  fit(points) {
    const area = this.config.service_area;
    if (area) {
      this.bounds = [area.west, area.south, area.east, area.north];
      return;
    }
    if (points.length === 0) return;
    const lats = points.map((p) => p[0]);
    const lons = points.map((p) => p[1]);
    const padLat = Math.max(0.005, (Math.max(...lats) - Math.min(...lats)) * 0.08);
    const padLon = Math.max(0.005, (Math.max(...lons) - Math.min(...lons)) * 0.08);
    this.bounds = [
      Math.min(...lons) - padLon,
      Math.min(...lats) - padLat,
      Math.max(...lons) + padLon,
      Math.max(...lats) + padLat,
    ];
  }

  /** Whether a point lies outside the view (the view is then fitted again). */
  outside(lat, lon) {
    if (!this.bounds) return true;
    const [west, south, east, north] = this.bounds;
    return lat < south || lat > north || lon < west || lon > east;
  }

  draw(units, calls) {
    this.units = units;
    this.calls = calls;
    if (!this.bounds) this.fit([...units, ...calls].map((item) => [item.location.lat, item.location.lon]));
    const width = this.element.clientWidth;
    const height = this.element.clientHeight;
    const view = svg("svg", { width, height, role: "group", "aria-label": "map of units and calls" });
    if (this.bounds && width > 0 && height > 0) {
      const place = this.projection(width, height);
      if (this.config.tile_url) view.append(this.tiles(place, width, height));
      view.append(this.outline(place));
      for (const [call, x, y] of spread(calls, place)) view.append(this.callMarker(call, x, y));
      const labelled = units.length <= 40; // beyond that, labels hide the markers: the title names each
      for (const [unit, x, y] of spread(units, place)) view.append(this.unitMarker(unit, x, y, labelled));
    }
    this.element.replaceChildren(view);
  }

  /** lat, lon -> screen pixels, the bounds centred and fitted to the element. */
  projection(width, height) {
    const [west, south, east, north] = this.bounds;
    const [x0, y0] = world(north, west);
    const [x1, y1] = world(south, east);
    const scale = Math.min(width / (x1 - x0), height / (y1 - y0));
    const offsetX = (width - (x1 - x0) * scale) / 2;
    const offsetY = (height - (y1 - y0) * scale) / 2;
    const place = (lat, lon) => {
      const [x, y] = world(lat, lon);
      return [offsetX + (x - x0) * scale, offsetY + (y - y0) * scale];
    };
    place.scale = scale;
    place.origin = [x0 - offsetX / scale, y0 - offsetY / scale];
    return place;
  }

  tiles(place, width, height) {
    const zoom = Math.max(0, Math.min(19, Math.round(Math.log2(place.scale))));
    const size = (TILE * place.scale) / 2 ** zoom; // a tile's width on screen
    const [ox, oy] = place.origin.map((v) => (v * 2 ** zoom) / TILE);
    const group = svg("g", { class: "tiles", "aria-hidden": "true" });
    for (let tx = Math.floor(ox); tx < ox + width / size; tx++) {
      for (let ty = Math.floor(oy); ty < oy + height / size; ty++) {
        const href = this.config.tile_url.replace("{z}", zoom).replace("{x}", tx).replace("{y}", ty);
        group.append(
          svg("image", { href, x: (tx - ox) * size, y: (ty - oy) * size, width: size + 0.5, height: size + 0.5 }),
        );
      }
    }
    return group;
  }

  outline(place) {
    const area = this.config.service_area;
    const group = svg("g", { class: "outline", "aria-hidden": "true" });
    if (!area) return group;
    const rings = area.polygons.length
      ? area.polygons.flat()
      : [[[area.west, area.south], [area.east, area.south], [area.east, area.north], [area.west, area.north]]];
    for (const ring of rings) {
      const d = ring.map(([lon, lat], i) => `${i ? "L" : "M"}${place(lat, lon).join(",")}`).join("") + "Z";
      group.append(svg("path", { d }));
    }
    return group;
  }

  unitMarker(unit, x, y, labelled) {
    const state = unit.status === "available" ? "available" : BUSY.has(unit.status) ? "busy" : "out";
    const name = `${unit.call_sign}, ${label(unit.unit_type)}, ${label(unit.status)}`;
    const marker = svg(
      "g",
      {
        class: `unit ${unit.unit_type} ${state}`,
        transform: `translate(${x},${y})`,
        tabindex: "0",
        role: "button",
        "aria-label": name,
        "data-unit-id": unit.id,
        "data-status": unit.status,
      },
      svg("title", {}, name),
      svg("circle", { r: 7 }),
    );
    if (labelled) marker.append(svg("text", { x: 10, y: 4 }, unit.call_sign));
    this.selectable(marker, { unit: unit.id });
    return marker;
  }

  callMarker(call, x, y) {
    const name = `call ${call.external_id}, priority ${call.priority}, ${label(call.status)}`;
    const marker = svg(
      "g",
      {
        class: `call p${call.priority} ${call.status}`,
        transform: `translate(${x},${y})`,
        tabindex: "0",
        role: "button",
        "aria-label": name,
        "data-call-id": call.id,
      },
      svg("title", {}, name),
      svg("rect", { x: -6, y: -6, width: 12, height: 12, transform: "rotate(45)" }),
    );
    this.selectable(marker, { call: call.id });
    return marker;
  }

  selectable(marker, what) {
    marker.addEventListener("click", () => this.onSelect(what));
    marker.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.onSelect(what);
      }
    });
  }
}

/** Units or calls with their screen positions; several at one place (a station, a beat's centre, one address)
 * fanned out around it so that each stays visible and can be clicked. */
function spread(items, place) {
  const order = { police: 0, co_responder: 1, civilian_crisis: 2 };
  const rank = (item) => order[item.unit_type] ?? 0;
  const sorted = [...items].sort((a, b) => rank(a) - rank(b) || a.id - b.id);
  const groups = new Map();
  for (const unit of sorted) {
    const [x, y] = place(unit.location.lat, unit.location.lon);
    const spot = `${Math.round(x / 6)},${Math.round(y / 6)}`;
    if (!groups.has(spot)) groups.set(spot, []);
    groups.get(spot).push([unit, x, y]);
  }
  return [...groups.values()].flatMap((group) =>
    group.length === 1
      ? group
      : group.map(([unit, x, y], i) => {
          const angle = (2 * Math.PI * i) / group.length - Math.PI / 2;
          const radius = 9 + group.length; // a larger ring for a larger group
          return [unit, x + radius * Math.cos(angle), y + radius * Math.sin(angle)];
        }),
  );
}

/** The map's legend: what the colours and shapes mean. */
export function legend() {
  const swatch = (cls, text) => h("li", {}, h("span", { class: `swatch ${cls}` }), text);
  return h(
    "ul",
    { class: "legend", "aria-label": "legend" },
    swatch("police", "police"),
    swatch("co_responder", "co-responder"),
    swatch("civilian_crisis", "civilian crisis"),
    swatch("ring", "busy"),
    swatch("out", "out of service"),
    swatch("diamond", "call (colour: priority)"),
  );
}
