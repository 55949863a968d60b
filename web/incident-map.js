// The incidents on the map: the zones of every open incident by tier (the
// shown incident's drawn stronger), the incident points, the road routes
// of the units assigned to the shown incident and its units on scene. Redrawn from incident-state.js's events.

import { bus } from './ctx.js';
import { t, term, fmtMinutes, fmtFixed } from './i18n.js';
import { geometryBounds } from './util.js';
import { ZONE_TIERS, tierRank, LABEL_FONT, zoomed, statusColor } from './layers.js';
import { map, addLayer } from './mapview.js';
import { layers } from './collections.js';
import { onLayerClick } from './map-clicks.js';
import { replayState } from './replay.js';
import { S } from './incident-state.js';

const EMPTY = { type: 'FeatureCollection', features: [] };

export function initIncidentMap() {
  addMapLayers();
  bus.on('incident-list', drawPoints);
  bus.on('incident-panel', drawPoints);
  bus.on('incident-zones', drawZones);
  bus.on('incident-recommendation', drawRoutes);
  bus.on('incident-closed-panel', () => {
    drawRoutes();
    drawPoints();
  });
}

function addMapLayers() {
  map.addSource('inc-zones', { type: 'geojson', data: EMPTY });
  map.addSource('inc-points', { type: 'geojson', data: EMPTY });
  map.addSource('inc-routes', { type: 'geojson', data: EMPTY });
  map.addSource('inc-units', { type: 'geojson', data: EMPTY });
  const tierColorExpr = ['match', ['get', 'tier'], ...ZONE_TIERS.flatMap((z) => [z.code, z.color]), '#f59e0b'];
  addLayer('overlay', {
    id: 'inc-zones-fill', type: 'fill', source: 'inc-zones',
    layout: { 'fill-sort-key': ['get', 'rank'] },
    paint: {
      'fill-color': tierColorExpr,
      'fill-opacity': ['case', ['==', ['get', 'current'], true], 0.34, 0.2],
    },
  });
  addLayer('overlay', {
    id: 'inc-zones-line', type: 'line', source: 'inc-zones',
    filter: ['!=', ['get', 'tier'], 'cordon'],
    layout: { 'line-sort-key': ['get', 'rank'], 'line-join': 'round' },
    paint: { 'line-color': tierColorExpr, 'line-width': ['case', ['==', ['get', 'current'], true], 3, 2], 'line-opacity': 0.95 },
  });
  // An ERG "11+" zone: its outline doubled with a dashed red line (the zone can
  // reach further than drawn), and the words along it where the font allows.
  addLayer('overlay', {
    id: 'inc-zones-open', type: 'line', source: 'inc-zones',
    filter: ['==', ['get', 'open_ended'], true],
    layout: { 'line-join': 'round' },
    paint: { 'line-color': '#b91c1c', 'line-width': 4, 'line-dasharray': [1, 1.5], 'line-offset': -4 },
  });
  addLayer('overlay', {
    id: 'inc-zones-open-label', type: 'symbol', source: 'inc-zones',
    filter: ['==', ['get', 'open_ended'], true],
    layout: {
      'symbol-placement': 'line', 'symbol-spacing': 320, 'text-field': ['get', 'open_label'],
      'text-size': 13, 'text-font': LABEL_FONT,
    },
    paint: { 'text-color': '#7f1d1d', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
  });
  addLayer('overlay', {
    id: 'inc-zones-cordon', type: 'line', source: 'inc-zones',
    filter: ['==', ['get', 'tier'], 'cordon'],
    paint: { 'line-color': tierColorExpr, 'line-width': 3, 'line-dasharray': [3, 2] },
  });
  addLayer('overlay', {
    id: 'inc-routes-line', type: 'line', source: 'inc-routes',
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: {
      'line-color': ['case', ['==', ['get', 'assigned'], true], '#22d3ee', '#7dd3fc'],
      'line-width': zoomed(6, 3, 12, 5),
      'line-dasharray': [2, 1.2],
      'line-opacity': 0.95,
    },
  });
  addLayer('labels', {
    id: 'inc-routes-label', type: 'symbol', source: 'inc-routes',
    layout: {
      'symbol-placement': 'line-center',
      'text-field': ['get', 'label'],
      'text-font': LABEL_FONT,
      'text-size': 14,
      'text-allow-overlap': false,
    },
    paint: { 'text-color': '#e0f7ff', 'text-halo-color': '#04263a', 'text-halo-width': 2 },
  });
  addLayer('top', {
    id: 'inc-points-icon', type: 'symbol', source: 'inc-points',
    layout: {
      'icon-image': ['case', ['==', ['get', 'drill'], true], 'incident-drill', 'incident'],
      'icon-size': ['case', ['==', ['get', 'current'], true], 1.3, 1],
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
      'symbol-sort-key': ['case', ['==', ['get', 'current'], true], 1, 0],
    },
  });
  addLayer('top', {
    id: 'inc-points-label', type: 'symbol', source: 'inc-points',
    layout: {
      'text-field': ['get', 'title'],
      'text-font': LABEL_FONT,
      'text-size': 15,
      'text-offset': [0, 1.6],
      'text-anchor': 'top',
      'text-max-width': 14,
    },
    paint: { 'text-color': ['case', ['==', ['get', 'drill'], true], '#fde047', '#ffd1d8'], 'text-halo-color': '#0a1220', 'text-halo-width': 2 },
  });
  // units on scene: a ring round the incident and their names beside it
  addLayer('top', {
    id: 'inc-units-circle', type: 'circle', source: 'inc-units',
    paint: {
      'circle-radius': 18, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': statusColor('on_scene'), 'circle-stroke-width': 3,
    },
  });
  addLayer('top', {
    id: 'inc-units-label', type: 'symbol', source: 'inc-units',
    layout: {
      'text-field': ['get', 'names'], 'text-font': LABEL_FONT, 'text-size': 13,
      'text-anchor': 'left', 'text-offset': [1.8, 0], 'text-justify': 'left',
      'text-allow-overlap': true, 'text-ignore-placement': true,
    },
    paint: { 'text-color': '#bbf7d0', 'text-halo-color': '#0a1220', 'text-halo-width': 2 },
  });
  onLayerClick('inc-points-icon', (f) => bus.emit('incident-open', Number(f.properties.id)));
  onLayerClick('inc-zones-fill', (f) => f.properties?.incident !== undefined && bus.emit('incident-open', Number(f.properties.incident)));
  // the incidents collection's check box switches these layers
  const entry = layers.get('incidents');
  if (entry) entry.layerIds.push('inc-points-icon', 'inc-points-label');
}

/** Zones source: tier rank for drawing order; the open incident's zones drawn stronger. */
export function drawZones(features) {
  const current = S.current?.id;
  const out = features.map((f) => ({
    ...f,
    properties: {
      ...f.properties, rank: tierRank(f.properties?.tier), current: Number(f.properties?.incident) === current,
      ...openEnded(f.properties),
    },
  }));
  // the open incident's zones even if it is not in the list (closed, replay)
  if (S.current && !out.some((f) => f.properties.current)) {
    for (const z of S.current.zones?.zones ?? []) {
      if (!z.polygon) continue;
      out.push(zoneFeature(S.current, z, true));
    }
  }
  out.sort((a, b) => a.properties.rank - b.properties.rank);
  map.getSource('inc-zones')?.setData({ type: 'FeatureCollection', features: out });
}

/** An ERG "11+" zone is drawn at the printed distance, which can be larger. */
function openEnded(z) {
  const open = Boolean(z?.open_ended);
  return { open_ended: open, open_label: open ? t('zone.openEnded', { km: fmtFixed((z.downwind_m ?? 0) / 1000, 0) }) : '' };
}

export function zoneFeature(incident, z, current) {
  return {
    type: 'Feature',
    geometry: z.polygon,
    properties: {
      incident: incident.id, tier: z.tier, method: z.method, label_zh: z.label_zh, label_en: z.label_en,
      population: z.exposure?.population ?? null, rank: tierRank(z.tier), current,
      ...openEnded(z),
    },
  };
}

function drawPoints() {
  const replay = replayState();
  const items = replay ? (replay.data?.incidents ?? []).filter((i) => i.status !== 'closed') : S.list;
  const features = items.filter((i) => Array.isArray(i.location)).map((i) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: i.location },
    properties: { id: i.id, title: i.title || term('incidentKind', i.kind), kind: i.kind, drill: Boolean(i.drill), current: i.id === S.current?.id },
  }));
  if (S.current && !features.some((f) => f.properties.id === S.current.id) && Array.isArray(S.current.location)) {
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: S.current.location },
      properties: { id: S.current.id, title: S.current.title, kind: S.current.kind, drill: Boolean(S.current.drill), current: true },
    });
  }
  map.getSource('inc-points')?.setData({ type: 'FeatureCollection', features });
}

/**
 * Routes of the units assigned and still on their way (never of teams only
 * recommended), and the units on scene drawn at the incident.
 */
function drawRoutes() {
  const features = [];
  const onScene = [];
  const rec = S.current && S.rec?.incident === S.current.id ? S.rec : null;
  for (const unit of rec?.assigned ?? []) {
    if (unit.status === 'on_scene') onScene.push(unit);
    if (!unit.route) continue;
    features.push({
      type: 'Feature',
      geometry: unit.route,
      properties: { team: unit.id, assigned: true, label: `${unit.name} ${fmtMinutes(unit.travel_s)}` },
    });
  }
  map.getSource('inc-routes')?.setData({ type: 'FeatureCollection', features });
  const at = S.current?.location;
  map.getSource('inc-units')?.setData({
    type: 'FeatureCollection',
    features: Array.isArray(at) && onScene.length ? [{
      type: 'Feature',
      geometry: { type: 'Point', coordinates: at },
      properties: { teams: onScene.map((u) => u.id).join(','), names: onScene.map((u) => u.name).join('\n'), count: onScene.length },
    }] : [],
  });
}

export function fitIncident(inc) {
  const zones = (inc.zones?.zones ?? []).filter((z) => z.polygon);
  let bounds = null;
  for (const z of zones) {
    const b = geometryBounds(z.polygon);
    if (!b) continue;
    bounds = bounds ? [[Math.min(bounds[0][0], b[0][0]), Math.min(bounds[0][1], b[0][1])], [Math.max(bounds[1][0], b[1][0]), Math.max(bounds[1][1], b[1][1])]] : b;
  }
  if (bounds) map.fitBounds(bounds, { padding: 120, maxZoom: 14, duration: 900 });
  else if (Array.isArray(inc.location)) map.flyTo({ center: inc.location, zoom: Math.max(map.getZoom(), 12), duration: 900 });
}
