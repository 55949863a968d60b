// Search by name: cities from the basemap (a dozen names, here), and the
// named features of every searched layer from the server (GET /search: by
// substring or pinyin, ranked and limited, so the browser never downloads a
// layer to search it); a hit flies there, pulses, and opens the feature's panel.

import { t } from './i18n.js';
import { api, el, debounce } from './util.js';
import { basemapPlaces } from './basemap.js';
import { map, flyToGeometry } from './mapview.js';
import { layers, layerName, setLayerVisible } from './collections.js';
import { showFeature, setSelected } from './feature-panel.js';

/** The cities whose name (Chinese or English) contains the query. */
function cityMatches(query) {
  const q = query.trim().toLowerCase();
  return (basemapPlaces().cities ?? [])
    .filter((f) => `${f.properties.name_zh ?? ''} ${f.properties.name_en ?? ''}`.toLowerCase().includes(q))
    .slice(0, 3)
    .map((f) => ({ name: f.properties.name_zh, collection: 'city', id: null, geometry: f.geometry, sub: f.properties.name_en ?? '' }));
}

/** GET /search: hits as the list shows them. */
async function serverMatches(query, signal) {
  const data = await api(`/search?q=${encodeURIComponent(query.trim())}&limit=12`, { signal });
  return (data?.hits ?? []).map((h) => ({
    name: h.name, collection: h.collection, id: h.id, sub: h.place,
    geometry: h.collection === 'counties' || h.collection === 'disaster_zones'
      ? { type: 'Polygon', coordinates: [[[h.bbox[0], h.bbox[1]], [h.bbox[2], h.bbox[1]], [h.bbox[2], h.bbox[3]], [h.bbox[0], h.bbox[3]], [h.bbox[0], h.bbox[1]]]] }
      : { type: 'Point', coordinates: h.point },
    point: h.point,
  }));
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
  let asking = null;
  const run = debounce(async () => {
    const q = input.value;
    asking?.abort();
    if (!q.trim()) {
      results = [];
      render();
      return;
    }
    asking = new AbortController();
    try {
      const hits = await serverMatches(q, asking.signal);
      if (input.value !== q) return;
      results = [...cityMatches(q), ...hits].slice(0, 12);
      active = results.length ? 0 : -1;
      render(results.length ? null : t('search.none'));
    } catch (err) {
      if (err.name === 'AbortError') return;
      render(t('search.failed', { msg: err.message }));
    }
  }, 150);
  const choose = (it) => {
    list.hidden = true;
    input.blur();
    input.value = it.name;
    goToResult(it);
  };
  input.addEventListener('focus', () => {
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
  const at = it.point ?? (it.geometry.type === 'Point' ? it.geometry.coordinates : null);
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
