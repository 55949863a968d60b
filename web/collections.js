// The collections on the map: GET /collections and GET /catalog, one source
// per collection (its own vector tiles /tiles/{id}/{z}/{x}/{y}[?field=v1,v2],
// whose MVT layer is named by the collection id; GeoJSON pages for a
// collection the tile catalog does not list), its style layers, filters and
// visibility, and reloading its tiles when a live event says it changed.
//
// Point layers arrive clustered at low zoom (cluster: true, count, worst
// risk_level). Tiles carry flat properties only: fetchFullFeature gets the
// whole feature from /collections/{id}/items/{fid}.

import { bus } from './ctx.js';
import { t, hasString } from './i18n.js';
import { api, debounce, showError } from './util.js';
import { KNOWN, NOT_CLUSTER, genericDefinition, clusterLayerSpec } from './layers.js';
import { map, addLayer, SLOTS } from './mapview.js';

const TILE_MAXZOOM = 14; // deepest tile requested; MapLibre over-zooms beyond it
// GeoJSON fallback, only for a collection the tile catalog does not list
const PAGE_LIMIT = 5000;
const GEOJSON_MAX_FEATURES = 50000;

/** collection id -> { collection, def, tile, layerIds, visible, filters, filterValues, extraQuery, ... } */
export const layers = new Map();

/** A collection's name in the current language. */
export const layerName = (id, entry = layers.get(id)) => (hasString(`layer.${id}`) ? t(`layer.${id}`) : entry?.collection?.title || id);

const KNOWN_ORDER = Object.keys(KNOWN);
/** Panel and drawing order of a collection: the known ones first, as layers.js lists them. */
export const rank = (id) => (KNOWN[id] ? KNOWN_ORDER.indexOf(id) : -1);

const setRowState = (id, text, failed = false) => bus.emit('layer-state', { id, text, failed });

// ------------------------------------------------------------------ API

const fetchJson = (url) => api(url);

// The API is same-origin: keep only path and query of the server's absolute
// href, so a proxy or the server's own idea of its host name cannot mislead us.
export const samePath = (href) => {
  const url = new URL(href, location.href);
  return `${url.pathname}${url.search}`;
};

/** GET /catalog -> id -> tile layer, with the bounds from its TileJSON. An old server without tiles -> empty. */
export async function loadTileCatalog() {
  let catalog;
  try {
    catalog = await fetchJson('/catalog');
  } catch (err) {
    console.warn(`No tile catalog (${err.message}); falling back to GeoJSON`);
    return new Map();
  }
  const tiles = (catalog.tiles ?? []).filter((x) => x && x.id);
  await Promise.all(tiles.map(async (x) => {
    try {
      const tj = await fetchJson(x.tilejson ? samePath(x.tilejson) : `/tiles/${encodeURIComponent(x.id)}`);
      if (Array.isArray(tj.bounds) && tj.bounds.length === 4 && tj.bounds.every(Number.isFinite)) x.bounds = tj.bounds;
    } catch {
      // bounds are an optimisation only
    }
  }));
  return new Map(tiles.map((x) => [x.id, x]));
}

/** The query string of a collection's tiles: its filters, then what other modules asked for. */
function tileQuery(entry) {
  const params = new URLSearchParams();
  for (const [prop, selected] of Object.entries(entry.filters ?? {})) {
    // all values: no filter; none: the layer is hidden instead (applyVisibility)
    if (selected.size === entry.filterValues[prop].length || selected.size === 0) continue;
    params.set(prop, [...selected].join(','));
  }
  for (const [k, v] of Object.entries(entry.extraQuery ?? {})) if (v !== undefined && v !== null) params.set(k, v);
  const pairs = [...params.entries()].filter(([, v]) => v !== '').sort(([a], [b]) => a.localeCompare(b));
  return pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%2C/g, ',')}`).join('&')}` : '';
}

function tileUrl(id, entry) {
  return `${location.origin}/tiles/${encodeURIComponent(id)}/{z}/{x}/{y}${tileQuery(entry)}`;
}

/** The map source for a collection: its own vector tiles, or (untiled) GeoJSON. */
function sourceSpec(id, tile, entry) {
  if (!tile) return { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
  const minzoom = Math.max(0, tile.minzoom ?? 0);
  // Tiles outside [minzoom, maxzoom] answer 400: never ask for them.
  const maxzoom = Math.max(minzoom, Math.min(tile.maxzoom ?? TILE_MAXZOOM, TILE_MAXZOOM));
  return {
    type: 'vector',
    tiles: [tileUrl(id, entry)],
    minzoom,
    maxzoom,
    ...(tile.bounds ? { bounds: tile.bounds } : {}),
  };
}

/** After a filter or a module's query changed: point the source at the new URL (tiles reload). */
function updateTileUrl(id) {
  const entry = layers.get(id);
  const source = map.getSource(id);
  if (entry?.tile && source?.setTiles) {
    const url = tileUrl(id, entry);
    if (entry.tileUrl !== url) {
      entry.tileUrl = url;
      source.setTiles([url]);
      // MapLibre drops the "data changed" reload of a source whose layers change
      // visibility in the same moment (it re-parses the old tiles instead of
      // fetching the new URL): show or hide the layers once the new tiles are asked for.
      let done = false;
      const apply = () => {
        if (done) return;
        done = true;
        map.off('sourcedata', onData);
        setTimeout(() => applyVisibility(id), 0);
      };
      const onData = (e) => e.sourceId === id && e.sourceDataType === 'content' && apply();
      map.on('sourcedata', onData);
      setTimeout(apply, 1500);
      return;
    }
  }
  applyVisibility(id);
}

/** Reload a collection's tiles in place (after a live change): no flicker, the ETag says if anything changed. */
export function refreshTiles(id) {
  const source = map?.getSource(id);
  if (!source) return;
  if (typeof map.refreshTiles === 'function' && source.type === 'vector') map.refreshTiles(id);
  else if (source.setTiles) source.setTiles([...source.tiles]);
}

export function setTileQuery(id, extra) {
  const entry = layers.get(id);
  if (!entry) return;
  entry.extraQuery = { ...(entry.extraQuery ?? {}), ...extra };
  updateTileUrl(id);
}

/** Untiled collections only: fetch every page into its GeoJSON source. */
export async function loadCollection(id) {
  const entry = layers.get(id);
  if (entry.tile) return undefined;
  if (entry.loading) return entry.loading;
  if (entry.count > GEOJSON_MAX_FEATURES) {
    entry.loaded = 0;
    setRowState(id, t('layers.tooLarge'), true);
    return undefined;
  }
  entry.loading = (async () => {
    const features = [];
    let url = `/collections/${encodeURIComponent(id)}/items?limit=${PAGE_LIMIT}`;
    try {
      while (url) {
        const page = await fetchJson(url);
        const batch = page.features ?? [];
        features.push(...batch);
        map.getSource(id).setData({ type: 'FeatureCollection', features });
        entry.count = page.numberMatched ?? entry.count;
        const next = (page.links ?? []).find((l) => l.rel === 'next');
        url = batch.length > 0 && next?.href ? samePath(next.href) : null;
        setRowState(id, url ? t('layers.loadingN', { n: features.length, total: entry.count }) : '');
      }
      entry.loaded = features.length;
    } catch (err) {
      entry.loading = null;
      setRowState(id, t('layers.failed', { msg: err.message }), true);
      throw err;
    }
  })();
  return entry.loading;
}

/** The full feature (nested properties and all), as the tiles carry flat properties only. */
const fullFeatures = new Map();

export function fetchFullFeature(collectionId, featureId, { fresh = false } = {}) {
  const k = `${collectionId}/${featureId}`;
  if (fresh) fullFeatures.delete(k);
  if (!fullFeatures.has(k)) {
    const promise = fetchJson(`/collections/${encodeURIComponent(collectionId)}/items/${encodeURIComponent(featureId)}`);
    promise.catch(() => fullFeatures.delete(k));
    fullFeatures.set(k, promise);
  }
  return fullFeatures.get(k);
}

// ------------------------------------------------------------------ style layers

function definitionFor(collection) {
  return KNOWN[collection.id] ?? genericDefinition(collection);
}
const isClustered = (tile) => Number.isFinite(tile?.clustered_below_zoom) && tile.clustered_below_zoom > (tile.minzoom ?? 0);

/** A collection's style layers: for tiles, with source-layer, zoom range and cluster split. */
function styleLayersFor(collection, def, tile) {
  if (!tile) return def.layers;
  const clustered = isClustered(tile);
  const specs = def.layers.map((spec) => {
    const minzoom = Math.max(spec.minzoom ?? 0, tile.minzoom ?? 0);
    return {
      ...spec,
      'source-layer': collection.id,
      ...(minzoom > 0 ? { minzoom } : {}),
      ...(clustered ? { filter: spec.filter ? ['all', NOT_CLUSTER, spec.filter] : NOT_CLUSTER } : {}),
    };
  });
  if (clustered) specs.push({ ...clusterLayerSpec(def, tile), 'source-layer': collection.id });
  return specs;
}

/** Filterable legend blocks -> { prop: [codes] }. */
function filterValuesOf(def) {
  const out = {};
  for (const block of def.legend ?? []) if (block.prop) out[block.prop] = block.items.map((i) => String(i.code));
  return out;
}

/** Adds a source per collection and all their style layers, each into its slot. */
export function addCollections(collections, tiles) {
  const styleLayers = [];
  for (const collection of collections) {
    const def = definitionFor(collection);
    const tile = tiles.get(collection.id) ?? null;
    const filterValues = filterValuesOf(def);
    const entry = {
      collection, def, tile, layerIds: [], visible: def.visible, loaded: null, loading: null, count: collection.featureCount,
      filterValues, filters: Object.fromEntries(Object.entries(filterValues).map(([p, v]) => [p, new Set(v)])), extraQuery: {},
    };
    layers.set(collection.id, entry);
    map.addSource(collection.id, sourceSpec(collection.id, tile, entry));
    entry.tileUrl = tile ? tileUrl(collection.id, entry) : null;
    styleLayersFor(collection, def, tile).forEach((spec, i) => {
      const id = `${collection.id}-${spec.suffix}`;
      entry.layerIds.push(id);
      styleLayers.push({ spec, id, collectionId: collection.id, order: [SLOTS.indexOf(spec.slot), -rank(collection.id), i] });
    });
  }
  styleLayers.sort((a, b) => compareOrder(a.order, b.order));
  for (const { spec, id, collectionId } of styleLayers) {
    const { suffix, slot, ...rest } = spec;
    const visibility = layers.get(collectionId).visible ? 'visible' : 'none';
    addLayer(slot, { ...rest, id, source: collectionId, layout: { ...(rest.layout ?? {}), visibility } });
  }
  if (map.lookoutExternalStyle && map.getLayer('counties-fill')) map.setPaintProperty('counties-fill', 'fill-opacity', 0.12);
}

function compareOrder(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** A layer is drawn when it is switched on and no filter of it has every value unticked. */
function applyVisibility(id) {
  const entry = layers.get(id);
  if (!entry) return;
  const emptied = Object.values(entry.filters ?? {}).some((selected) => selected.size === 0);
  const on = entry.visible && !emptied;
  for (const layerId of entry.layerIds) if (map.getLayer(layerId)) map.setLayoutProperty(layerId, 'visibility', on ? 'visible' : 'none');
}

export function setLayerVisible(id, visible) {
  const entry = layers.get(id);
  if (!entry) return;
  entry.visible = visible;
  applyVisibility(id);
  if (visible && !entry.tile && entry.loaded === null) loadCollection(id).catch((err) => showError(err.message));
  bus.emit('layer-visibility', id);
}

/** Shows only the features whose `prop` is one of `values` (none: the layer is hidden). */
export function setFilter(id, prop, values) {
  const entry = layers.get(id);
  entry.filters[prop] = new Set(values.map(String));
  updateTileUrl(id);
}

// ------------------------------------------------------------------ live

/** Features changed somewhere: reload the tiles of the collections the server says the event changes. */
const pendingRefresh = new Set();
const flushRefresh = debounce(() => {
  const ids = [...pendingRefresh];
  pendingRefresh.clear();
  for (const id of ids) refreshTiles(id);
  bus.emit('collections-changed', ids);
}, 200);

bus.on('live', (record) => {
  for (const id of record.collections ?? []) {
    if (!layers.has(id)) continue;
    pendingRefresh.add(id);
    flushRefresh();
  }
});
