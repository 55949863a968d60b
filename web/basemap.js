// The map's own basemap, drawn from Lookout's data only (nothing from the internet):
// county fills and lines come from the counties tiles (layers.js); this module adds
// city (prefecture) boundaries and the province outline, county and city names,
// the Fen River 汾河 and the city cores from GET /basemap.geojson.
//
// City boundaries are derived in the browser from the county polygons: the
// county polygons share their edges exactly, so an edge whose two counties lie
// in different cities is a city boundary and an edge used once is the province's.

import { getLang, setRegionNames } from './i18n.js';
import { regionBounds, setRegionBounds } from './mapview.js';
import { api, pointInGeometry } from './util.js';
import { LABEL_FONT, zoomed } from './layers.js';

const EMPTY = { type: 'FeatureCollection', features: [] };

export const BASEMAP_LAYERS = {
  cities: ['bm-city-line', 'bm-city-core', 'bm-city-label'],
  countyNames: ['bm-county-label'],
  river: ['bm-river', 'bm-river-label'],
  province: ['bm-province-line'],
};

/** Adds the basemap sources and layers into their slots; then loads the data. */
export function addBasemap(map, addLayer) {
  for (const id of ['bm-cities', 'bm-province', 'bm-county-labels', 'bm-city-cores', 'bm-water']) {
    map.addSource(id, { type: 'geojson', data: EMPTY });
  }
  addLayer('boundary', {
    id: 'bm-city-line', type: 'line', source: 'bm-cities',
    layout: { 'line-join': 'round' },
    paint: { 'line-color': '#8fb3e6', 'line-width': zoomed(5, 1.3, 9, 2.2, 13, 3), 'line-opacity': 0.9 },
  });
  addLayer('boundary', {
    id: 'bm-province-line', type: 'line', source: 'bm-province',
    layout: { 'line-join': 'round' },
    paint: { 'line-color': '#d6e4fa', 'line-width': zoomed(5, 2.2, 9, 3.5), 'line-opacity': 0.95 },
  });
  addLayer('water', {
    id: 'bm-river', type: 'line', source: 'bm-water',
    filter: ['==', ['get', 'kind'], 'river'],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': '#3b9ff5', 'line-width': zoomed(5, 2, 9, 3.5, 13, 6), 'line-opacity': 0.9 },
  });
  addLayer('labels', {
    id: 'bm-river-label', type: 'symbol', source: 'bm-water',
    filter: ['==', ['get', 'kind'], 'river'],
    layout: {
      'symbol-placement': 'line',
      'text-field': nameField(),
      'text-font': LABEL_FONT,
      'text-size': zoomed(5, 12, 10, 15),
      'symbol-spacing': 350,
      'text-letter-spacing': 0.3,
    },
    paint: { 'text-color': '#8cc8ff', 'text-halo-color': '#0a1220', 'text-halo-width': 1.8 },
  });
  addLayer('labels', {
    id: 'bm-county-label', type: 'symbol', source: 'bm-county-labels', minzoom: 7,
    layout: {
      'text-field': ['get', 'county'],
      'text-font': LABEL_FONT,
      'text-size': zoomed(7, 12, 11, 15),
      'text-padding': 4,
    },
    paint: { 'text-color': '#b7c7dc', 'text-halo-color': '#0a1220', 'text-halo-width': 1.6 },
  });
  addLayer('labels', {
    id: 'bm-city-core', type: 'circle', source: 'bm-city-cores', maxzoom: 11,
    paint: {
      'circle-radius': zoomed(5, 4, 10, 6),
      'circle-color': '#0a1220',
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 2,
    },
  });
  addLayer('labels', {
    id: 'bm-city-label', type: 'symbol', source: 'bm-city-cores',
    layout: {
      'text-field': nameField(),
      'text-font': LABEL_FONT,
      'text-size': zoomed(5, 16, 9, 20, 12, 22),
      'text-offset': [0, 1.1],
      'text-anchor': 'top',
      'text-allow-overlap': false,
      'text-padding': 2,
      'symbol-sort-key': ['-', 0, ['to-number', ['get', 'population'], 0]],
    },
    paint: { 'text-color': '#ffffff', 'text-halo-color': '#0a1220', 'text-halo-width': 2.2 },
  });
}

const nameField = () => ['coalesce', ['get', getLang() === 'zh' ? 'name_zh' : 'name_en'], ['get', 'name_zh'], ['get', 'name']];

/** City and river names follow the language. */
export function relabelBasemap(map) {
  for (const id of ['bm-river-label', 'bm-city-label']) if (map.getLayer(id)) map.setLayoutProperty(id, 'text-field', nameField());
}

/**
 * Loads /basemap.geojson (river, city cores) and the county polygons (for the
 * city boundaries and county names). Each part that fails is reported, not fatal.
 */
let places = { cities: [], counties: [] };

/** The city cores and county polygons of the last loadBasemap (empty before). */
export const basemapPlaces = () => places;

/** The county a point [lon, lat] lies in, by the county polygons, or null. */
export const countyAt = (pt) => places.counties.find((f) => pointInGeometry(pt, f.geometry))?.properties?.county ?? null;

export async function loadBasemap(map) {
  const problems = [];
  const [basemap, counties] = await Promise.all([
    api('/basemap.geojson').catch((err) => {
      problems.push(err.message);
      return EMPTY;
    }),
    api('/collections/counties/items?limit=1000').catch((err) => {
      problems.push(err.message);
      return EMPTY;
    }),
  ]);
  // The region being served: its title and default view (region.toml).
  if (basemap?.region) {
    setRegionNames(basemap.region);
    if (setRegionBounds(basemap.region.bounds)) map.fitBounds(regionBounds(), { padding: 24, duration: 0 });
  }
  const features = basemap?.features ?? [];
  map.getSource('bm-water').setData({ type: 'FeatureCollection', features: features.filter((f) => f.properties?.kind !== 'city') });

  const derived = deriveFromCounties(counties.features ?? []);
  map.getSource('bm-cities').setData(derived.cityLines);
  map.getSource('bm-province').setData(derived.provinceLine);
  map.getSource('bm-county-labels').setData(derived.countyLabels);

  // city cores from the server; where it has none, the centre of the city's counties
  let cores = features.filter((f) => f.properties?.kind === 'city' && f.geometry?.type === 'Point');
  if (!cores.length) cores = derived.cityCentres.features;
  const population = new Map(derived.cityCentres.features.map((f) => [f.properties.name_zh, f.properties.population]));
  cores = cores.map((f) => ({ ...f, properties: { population: population.get(f.properties.name_zh) ?? 0, ...f.properties } }));
  map.getSource('bm-city-cores').setData({ type: 'FeatureCollection', features: cores });
  places = { cities: cores, counties: counties.features ?? [] };
  return { problems, ...places };
}

const key = (c) => `${c[0].toFixed(6)},${c[1].toFixed(6)}`;

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

/** City boundary lines, the province outline, county label points and city centres from county polygons. */
export function deriveFromCounties(counties) {
  const edges = new Map(); // "a|b" -> { a, b, cities: Set, uses }
  const labels = [];
  const cities = new Map(); // city -> { x, y, w, population }
  for (const f of counties) {
    const p = f.properties ?? {};
    for (const ring of rings(f.geometry)) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const a = ring[i];
        const b = ring[i + 1];
        const ka = key(a);
        const kb = key(b);
        if (ka === kb) continue;
        const k = ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
        let e = edges.get(k);
        if (!e) edges.set(k, (e = { a, b, ka, kb, cities: new Set(), uses: 0 }));
        e.uses++;
        e.cities.add(p.city);
      }
    }
    let at = p.label_point;
    if (typeof at === 'string') {
      try {
        at = JSON.parse(at);
      } catch {
        at = null;
      }
    }
    if (!Array.isArray(at)) at = centreOf(f.geometry);
    if (at) {
      labels.push({ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: { county: p.county, city: p.city } });
      const c = cities.get(p.city) ?? { x: 0, y: 0, w: 0, population: 0 };
      const w = Math.max(1, Number(p.population) || 1);
      c.x += at[0] * w;
      c.y += at[1] * w;
      c.w += w;
      c.population += Number(p.population) || 0;
      cities.set(p.city, c);
    }
  }
  const cityEdges = [];
  const outerEdges = [];
  for (const e of edges.values()) {
    if (e.uses === 1) outerEdges.push(e);
    else if (e.cities.size > 1) cityEdges.push(e);
  }
  const cityCentres = [...cities.entries()].filter(([name]) => name).map(([name, c]) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [c.x / c.w, c.y / c.w] },
    properties: { kind: 'city', name_zh: name, name_en: null, population: c.population },
  }));
  return {
    cityLines: { type: 'FeatureCollection', features: chain(cityEdges).map(lineFeature) },
    provinceLine: { type: 'FeatureCollection', features: chain(outerEdges).map(lineFeature) },
    countyLabels: { type: 'FeatureCollection', features: labels },
    cityCentres: { type: 'FeatureCollection', features: cityCentres },
  };
}

const lineFeature = (coordinates) => ({ type: 'Feature', geometry: { type: 'LineString', coordinates }, properties: {} });

/** Joins edges that meet end to end into as few lines as possible. */
function chain(list) {
  const at = new Map(); // point key -> edge indices
  list.forEach((e, i) => {
    for (const k of [e.ka, e.kb]) {
      if (!at.has(k)) at.set(k, []);
      at.get(k).push(i);
    }
  });
  const used = new Uint8Array(list.length);
  const lines = [];
  const walk = (startKey, startCoord) => {
    const coords = [startCoord];
    let k = startKey;
    for (;;) {
      const next = (at.get(k) ?? []).find((i) => !used[i]);
      if (next === undefined) break;
      used[next] = 1;
      const e = list[next];
      const forward = e.ka === k;
      coords.push(forward ? e.b : e.a);
      k = forward ? e.kb : e.ka;
    }
    return coords;
  };
  // open chains start where the degree is not 2, then what is left are rings
  for (const [k, ids] of at) {
    if (ids.length === 2) continue;
    for (const i of ids) {
      if (used[i]) continue;
      const e = list[i];
      const coord = e.ka === k ? e.a : e.b;
      const coords = walk(k, coord);
      if (coords.length > 1) lines.push(coords);
    }
  }
  list.forEach((e, i) => {
    if (used[i]) return;
    const coords = walk(e.ka, e.a);
    if (coords.length > 1) lines.push(coords);
  });
  return lines;
}

function centreOf(geometry) {
  const ring = rings(geometry)[0];
  if (!ring?.length) return null;
  let x = 0;
  let y = 0;
  for (const c of ring) {
    x += c[0];
    y += c[1];
  }
  return [x / ring.length, y / ring.length];
}
