// What the map's modules share: the map, the collections' layers, the mode
// (real incidents or drills) and a small event bus between modules.
//
// Bus events: 'mode' (mode), 'lang' (lang), 'ready', 'incident-open' (id),
// 'incident-closed-panel', 'live' (record), 'live-state' (connected).

const bus = new EventTarget();

export const ctx = {
  /** maplibregl.Map */
  map: null,
  /** collection id -> { collection, def, tile, layerIds, visible, filters, extraQuery, ... } */
  layers: new Map(),
  /** 'real' | 'drill' */
  mode: 'real',
  /** A replay in progress: { at, data } or null (live). */
  replay: null,
  /** When set, a map click goes here first (placing an incident); return true to consume it. */
  clickInterceptor: null,
  /** Extra clickable style layers: layer id -> handler(feature, event). */
  clickHandlers: new Map(),

  on(type, fn) {
    const listener = (e) => fn(e.detail);
    bus.addEventListener(type, listener);
    return () => bus.removeEventListener(type, listener);
  },
  emit(type, detail) {
    bus.dispatchEvent(new CustomEvent(type, { detail }));
  },

  // filled in by app.js
  addLayer: null,
  refreshTiles: null,
  setTileQuery: null,
  showFeature: null,
  closeFeaturePanel: null,
  flyTo: null,
};
