// The map's own basemap, drawn from Lookout's data only (nothing from the internet):
// county fills and lines come from the counties tiles (layers.js); this module adds
// city (prefecture) boundaries and the province outline, county and city names,
// the Fen River 汾河 and the city cores, all from GET /basemap.geojson (the
// server derives the boundaries and label points from the county polygons,
// lookout_layers::boundaries).

import { getLang, setRegionNames } from './i18n.js';
import { regionBounds, setRegionBounds } from './mapview.js';
import { api } from './util.js';
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
 * Loads /basemap.geojson: the river, the city cores, the region's outline,
 * the city boundaries and the county label points, derived on the server
 * from the county polygons (the browser never downloads those: the county
 * fills come from the tiles). A failure is reported, not fatal.
 */
let places = { cities: [], counties: [] };

/** The city cores and county label points of the last loadBasemap (empty before). */
export const basemapPlaces = () => places;

/** The county a point [lon, lat] lies in, asked of the server (GET /basemap/place), or null. */
export async function countyAt(pt) {
  try {
    const answer = await api(`/basemap/place?lon=${pt[0]}&lat=${pt[1]}`);
    return answer?.county?.name ?? null;
  } catch {
    return null;
  }
}

const ofKind = (features, kind) => ({ type: 'FeatureCollection', features: features.filter((f) => f.properties?.kind === kind) });

export async function loadBasemap(map) {
  const problems = [];
  const basemap = await api('/basemap.geojson').catch((err) => {
    problems.push(err.message);
    return EMPTY;
  });
  // The region being served: its title and default view (region.toml).
  if (basemap?.region) {
    setRegionNames(basemap.region);
    if (setRegionBounds(basemap.region.bounds)) map.fitBounds(regionBounds(), { padding: 24, duration: 0 });
  }
  const features = basemap?.features ?? [];
  map.getSource('bm-water').setData(ofKind(features, 'river'));
  map.getSource('bm-cities').setData(ofKind(features, 'city_line'));
  map.getSource('bm-province').setData(ofKind(features, 'outline'));
  const counties = ofKind(features, 'county');
  map.getSource('bm-county-labels').setData(counties);

  // city cores from the server; where it has none, the population-weighted centre of the city's county label points
  const byCity = new Map(); // city -> { x, y, w, population }
  for (const f of counties.features) {
    const p = f.properties;
    const c = byCity.get(p.city) ?? { x: 0, y: 0, w: 0, population: 0 };
    const w = Math.max(1, Number(p.population) || 1);
    c.x += f.geometry.coordinates[0] * w;
    c.y += f.geometry.coordinates[1] * w;
    c.w += w;
    c.population += Number(p.population) || 0;
    byCity.set(p.city, c);
  }
  let cores = features.filter((f) => f.properties?.kind === 'city' && f.geometry?.type === 'Point');
  if (!cores.length) {
    cores = [...byCity.entries()].filter(([name]) => name).map(([name, c]) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [c.x / c.w, c.y / c.w] },
      properties: { kind: 'city', name_zh: name, name_en: null },
    }));
  }
  cores = cores.map((f) => ({ ...f, properties: { population: byCity.get(f.properties.name_zh)?.population ?? 0, ...f.properties } }));
  map.getSource('bm-city-cores').setData({ type: 'FeatureCollection', features: cores });
  places = { cities: cores, counties: counties.features };
  return { problems, ...places };
}
