// Search by name: cities and counties from the basemap, and the named
// features of the searchable collections (fetched once, on first focus);
// a hit flies there, pulses, and opens the feature's panel.

import { t } from './i18n.js';
import { api, el, debounce, geometryBounds } from './util.js';
import { basemapPlaces } from './basemap.js';
import { map, flyToGeometry } from './mapview.js';
import { layers, layerName, samePath, setLayerVisible } from './collections.js';
import { showFeature, setSelected } from './feature-panel.js';

const SEARCH_LAYERS = ['hazard_sources', 'rescue_teams', 'enterprises', 'shelters', 'warehouses', 'gas_stations', 'disaster_zones'];
let searchIndex = null; // Promise<[{ name, lower, collection, id, geometry, sub }]>

function buildSearchIndex() {
  if (searchIndex) return searchIndex;
  searchIndex = (async () => {
    const items = [];
    const basemapInfo = basemapPlaces();
    for (const f of basemapInfo.cities) {
      items.push({ name: f.properties.name_zh, alt: f.properties.name_en, collection: 'city', id: null, geometry: f.geometry, sub: '' });
    }
    for (const f of basemapInfo.counties) {
      items.push({ name: f.properties.county, collection: 'counties', id: f.id, geometry: f.geometry, sub: f.properties.city });
    }
    const wanted = SEARCH_LAYERS.filter((id) => layers.has(id));
    await Promise.all(wanted.map(async (id) => {
      let url = `/collections/${id}/items?limit=10000`;
      while (url) {
        const page = await api(url);
        for (const f of page.features ?? []) {
          const p = f.properties ?? {};
          if (!p.name) continue;
          items.push({ name: p.name, collection: id, id: f.id, geometry: f.geometry, sub: [p.city, p.county].filter(Boolean).join(' ') });
        }
        const next = (page.links ?? []).find((l) => l.rel === 'next');
        url = (page.features ?? []).length && next?.href ? samePath(next.href) : null;
      }
    }));
    for (const it of items) it.lower = `${it.name ?? ''} ${it.alt ?? ''}`.toLowerCase();
    return items;
  })();
  searchIndex.catch(() => (searchIndex = null));
  return searchIndex;
}

const SEARCH_ORDER = ['city', 'counties', 'hazard_sources', 'rescue_teams', 'enterprises', 'shelters', 'warehouses', 'gas_stations', 'disaster_zones'];

function searchMatches(items, query) {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits = [];
  for (const it of items) {
    const at = it.lower.indexOf(q);
    if (at < 0) continue;
    hits.push({ it, score: (at === 0 ? 0 : 1000) + SEARCH_ORDER.indexOf(it.collection) * 100 + Math.min(99, it.name.length) });
  }
  hits.sort((a, b) => a.score - b.score);
  return hits.slice(0, 12).map((h) => h.it);
}

function searchKindLabel(it) {
  if (it.collection === 'city') return t('search.city');
  if (it.collection === 'counties') return t('search.county');
  return layerName(it.collection);
}

export function initSearch() {
  const input = document.getElementById('search');
  const list = document.getElementById('search-results');
  let results = [];
  let active = -1;
  const render = (message) => {
    list.replaceChildren();
    if (message) list.append(el('li', 'search-note', message));
    results.forEach((it, i) => {
      const li = el('li', { class: `search-hit${i === active ? ' active' : ''}`, role: 'option' },
        el('span', 'hit-name', it.name), el('span', 'hit-kind', searchKindLabel(it)), it.sub ? el('span', 'hit-sub', it.sub) : null);
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        choose(it);
      });
      list.append(li);
    });
    list.hidden = !message && !results.length;
  };
  const run = debounce(async () => {
    const q = input.value;
    if (!q.trim()) {
      results = [];
      render();
      return;
    }
    render(searchIndex ? null : t('search.loading'));
    try {
      const items = await buildSearchIndex();
      if (input.value !== q) return;
      results = searchMatches(items, q);
      active = results.length ? 0 : -1;
      render(results.length ? null : t('search.none'));
    } catch (err) {
      render(t('search.failed', { msg: err.message }));
    }
  }, 120);
  const choose = (it) => {
    list.hidden = true;
    input.blur();
    input.value = it.name;
    goToResult(it);
  };
  input.addEventListener('focus', () => {
    buildSearchIndex().catch(() => {});
    if (input.value) run();
  });
  input.addEventListener('input', run);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!results.length) return;
      active = (active + (e.key === 'ArrowDown' ? 1 : -1) + results.length) % results.length;
      render();
      e.preventDefault();
    } else if (e.key === 'Enter') {
      if (results[active]) choose(results[active]);
      else run();
    } else if (e.key === 'Escape') {
      list.hidden = true;
      input.blur();
    }
  });
  input.addEventListener('blur', () => setTimeout(() => (list.hidden = true), 150));
}

let searchMarker = null;

function goToResult(it) {
  flyToGeometry(it.geometry, { zoom: it.collection === 'city' ? 10 : 14 });
  const b = geometryBounds(it.geometry);
  const at = it.geometry.type === 'Point' ? it.geometry.coordinates : b && [(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2];
  searchMarker?.remove();
  if (at) {
    searchMarker = new window.maplibregl.Marker({ element: el('div', 'search-pulse') }).setLngLat(at).addTo(map);
    const marker = searchMarker;
    setTimeout(() => marker.remove(), 8000);
  }
  if (it.collection === 'city') return;
  const entry = layers.get(it.collection);
  if (entry && !entry.visible) setLayerVisible(it.collection, true);
  if (entry?.tile && it.geometry.type === 'Point') setSelected({ source: it.collection, sourceLayer: it.collection, id: it.id });
  showFeature(it.collection, it.id);
}
