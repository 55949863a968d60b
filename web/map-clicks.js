// What a click on the map does: a module that is placing something takes it
// first; a layer with its own handler (the incident layers) gets its
// features; anything else opens the attribute panel. Also the hover cursor,
// the coordinate readout and the "whole province" button.

import { t } from './i18n.js';
import { map, regionBounds } from './mapview.js';
import { layers } from './collections.js';
import { showTileFeature, closeFeaturePanel } from './feature-panel.js';

/** When set, a map click goes here first (placing an incident); it returns true to consume the click. */
let interceptor = null;
/** Extra clickable style layers: layer id -> handler(feature, event). */
const layerHandlers = new Map();
/** Of those, the markers drawn over a collection's point (the ledger's marks on
 *  an enterprise): a click on that point opens the point, not the marker. */
const overPoints = new Set();

/** Sends map clicks to fn until called again with null; the cursor is a crosshair meanwhile. */
export function interceptClicks(fn) {
  interceptor = fn;
}

/** Makes a style layer that is not a collection's clickable: fn(feature, event).
 *  `yieldsToPoints`: a collection's point under the click wins over it (the
 *  point's panel then leads on to the marker's subject). */
export function onLayerClick(layerId, fn, { yieldsToPoints = false } = {}) {
  layerHandlers.set(layerId, fn);
  if (yieldsToPoints) overPoints.add(layerId);
  else overPoints.delete(layerId);
}

/** The feature a click opens: the topmost, unless it is a marker that yields
 *  to a collection's point under it. */
function clicked(hits) {
  const [top] = hits;
  if (!top || !overPoints.has(top.layer.id)) return top;
  const point = hits.find((f) => !layerHandlers.has(f.layer.id) && f.geometry?.type === 'Point');
  return point ?? top;
}

/** The style layers a click or hover can hit: the visible collections' (not their labels) and the extra ones. */
function interactiveLayerIds() {
  const ids = [...layers.values()].filter((e) => e.visible).flatMap((e) => e.layerIds)
    .filter((id) => map.getLayer(id)?.type !== 'symbol' || !id.endsWith('-label'));
  for (const id of layerHandlers.keys()) if (map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none') ids.push(id);
  return ids;
}

function featuresNear(point, radius = 5) {
  const box = [[point.x - radius, point.y - radius], [point.x + radius, point.y + radius]];
  return map.queryRenderedFeatures(box, { layers: interactiveLayerIds() });
}

export function initMapClicks() {
  map.on('click', (e) => {
    if (interceptor && interceptor(e)) return;
    const top = clicked(featuresNear(e.point));
    if (!top) {
      closeFeaturePanel();
      return;
    }
    const handler = layerHandlers.get(top.layer.id);
    if (handler) handler(top, e);
    else showTileFeature(top, e.lngLat);
  });
  const readout = document.getElementById('readout');
  const base = new Set(['counties', 'population']);
  map.on('mousemove', (e) => {
    if (interceptor) {
      map.getCanvas().style.cursor = 'crosshair';
    } else {
      const hit = featuresNear(e.point, 4).some((f) => !base.has(f.layer.source));
      map.getCanvas().style.cursor = hit ? 'pointer' : '';
    }
    readout.textContent = t('app.coords', { lon: e.lngLat.lng.toFixed(4), lat: e.lngLat.lat.toFixed(4), z: map.getZoom().toFixed(1) });
  });
  map.getCanvas().addEventListener('mouseleave', () => (readout.textContent = ''));
  document.getElementById('fit-shanxi').addEventListener('click', () => map.fitBounds(regionBounds(), { padding: 24 }));
}
