// How each collection is drawn: colours, canvas icons, MapLibre style layers,
// legend blocks and the filters the tile URLs accept (?field=v1,v2).
// Words live in i18n.js; this module holds codes and colours only.

import { t, term } from './i18n.js';

// ------------------------------------------------------------------ colours

/** The standard four safety-risk colours 红橙黄蓝. */
export const RISK = [
  { code: 'red', color: '#e60012' },
  { code: 'orange', color: '#ff8c00' },
  { code: 'yellow', color: '#ffd700' },
  { code: 'blue', color: '#1e6fd9' },
];

/** The risk grid's class breaks (blue | yellow | orange | red); risk-layers.js sets those in force. */
export const riskGridBreaks = [25, 50, 75];

/** Major hazard source levels, 一级 (1) most severe, in the risk colours. */
export const HAZARD_LEVELS = [
  { code: 1, color: '#e60012' },
  { code: 2, color: '#ff8c00' },
  { code: 3, color: '#ffd700' },
  { code: 4, color: '#1e6fd9' },
];

export const TEAM_STATUS = [
  { code: 'available', color: '#22c55e' },
  { code: 'dispatched', color: '#22d3ee' },
  { code: 'en_route', color: '#a78bfa' },
  { code: 'on_scene', color: '#f472b6' },
  { code: 'returning', color: '#94a3b8' },
  { code: 'out_of_service', color: '#4b5563' },
];
/** The outline of a team cluster with any member busy (dispatched, en route, on scene). */
export const BUSY_COLOR = '#f472b6';
export const statusColor = (code) => TEAM_STATUS.find((s) => s.code === code)?.color ?? '#9aa5b1';

export const TEAM_KINDS = ['hazmat', 'mine_rescue', 'fire', 'forest_fire', 'medical', 'flood', 'general'].map((code) => ({ code }));

export const ZONE_KINDS = [
  { code: 'geological_hazard', color: '#c08552' },
  { code: 'flood', color: '#38bdf8' },
  { code: 'forest_fire', color: '#f97316' },
  { code: 'seismic', color: '#a78bfa' },
];

export const ROAD_CLASSES = [
  { code: 'expressway', color: '#f2b84b', width: 2.2 },
  { code: 'national', color: '#e3cf8f', width: 1.5 },
  { code: 'provincial', color: '#a9b6c8', width: 1.1 },
  { code: 'county', color: '#6f819b', width: 0.7 },
  { code: 'urban', color: '#5d6e86', width: 0.6 },
];

export const PRESSURE_CLASSES = [
  { code: 'high', color: '#ff4fa3', width: 2.4 },
  { code: 'sub_high', color: '#c77dff', width: 1.9 },
  { code: 'medium', color: '#4cc9f0', width: 1.4 },
  { code: 'low', color: '#80ffdb', width: 0.9 },
];

export const STATION_KINDS = [
  { code: 'gate', color: '#ff4fa3' },
  { code: 'regulator', color: '#c77dff' },
];

export const INDUSTRIES = ['hazardous_chemicals', 'coal_mine', 'non_coal_mine', 'tailings_pond', 'metallurgy', 'dust_explosion',
  'confined_space', 'fireworks', 'fuel_station', 'oil_depot', 'gas'].map((code) => ({ code }));

export const INCIDENT_KINDS = ['leak', 'gas_leak', 'fire', 'explosion', 'mine_accident', 'flood', 'landslide', 'road_accident', 'forest_fire'];

/** Incident zone tiers, least severe first: drawn in this order, the most severe on top. */
export const ZONE_TIERS = [
  { code: 'cordon', color: '#38bdf8', dash: true },
  { code: 'protective_action', color: '#f59e0b' },
  { code: 'tier1', color: '#facc15' },
  { code: 'tier2', color: '#f97316' },
  { code: 'isolation', color: '#ff2d55' },
  { code: 'tier3', color: '#b91c1c' },
];
export const tierRank = (code) => Math.max(0, ZONE_TIERS.findIndex((z) => z.code === code));
export const tierColor = (code) => ZONE_TIERS.find((z) => z.code === code)?.color ?? '#f59e0b';

export const COUNTY = { fill: '#14233b', line: '#3d5f8c' };
/** A slightly different ground tint per prefecture city, so each city reads as one area. */
export const CITY_TINTS = {
  太原市: '#172842', 大同市: '#152438', 朔州市: '#18283f', 忻州市: '#142236', 吕梁市: '#18263c', 晋中市: '#14243a',
  阳泉市: '#182a44', 长治市: '#152540', 晋城市: '#18273e', 临汾市: '#142338', 运城市: '#17273f',
};
export const POPULATION_RAMP = [[0, '#1b2d4f'], [50, '#34518c'], [150, '#7b4fa6'], [400, '#c2508a'], [1000, '#f08a5d']];
export const SHELTER_COLOR = '#14b8a6';
/** Sensitive sites (GB 36894-2018 highly sensitive protected objects), by kind. */
export const SENSITIVE_KINDS = [
  { code: 'school', color: '#e879f9' },
  { code: 'kindergarten', color: '#f472b6' },
  { code: 'hospital', color: '#f8fafc' },
  { code: 'care_home', color: '#a78bfa' },
];
export const WAREHOUSE_COLOR = '#d97706';
export const UNKNOWN_COLOR = '#9aa5b1';
export const INCIDENT_COLOR = '#ff1f3d';
export const DRILL_COLOR = '#facc15';

/** Label font: drawn in the browser (no glyph server); CJK fonts first. */
export const LABEL_FONT = ['Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', 'WenQuanYi Micro Hei', 'sans-serif'];

// ------------------------------------------------------------ expressions

export const zoomed = (...stops) => ['interpolate', ['linear'], ['zoom'], ...stops];

/** ['match', ['to-string', ['get', prop]], code1, value1, ..., fallback] from a code table. */
export function matchBy(prop, table, pickValue, fallback) {
  return ['match', ['to-string', ['get', prop]], ...table.flatMap((row) => [String(row.code), pickValue(row)]), fallback];
}

export const isPoint = ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false];
export const isLine = ['match', ['geometry-type'], ['LineString', 'MultiLineString'], true, false];
export const isPolygon = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false];

// Point tiles below a layer's clustered_below_zoom hold clusters instead of features.
export const IS_CLUSTER = ['==', ['get', 'cluster'], true];
export const NOT_CLUSTER = ['!=', ['get', 'cluster'], true];
const clusterCount = ['to-number', ['get', 'count'], 1];
const CLUSTER_RADIUS = ['interpolate', ['linear'], clusterCount, 1, 4, 10, 7, 100, 12, 1000, 19, 10000, 30];
const CLUSTER_OPACITY = ['interpolate', ['linear'], clusterCount, 1, 0.85, 50, 0.6, 1000, 0.45];

/** Planner: features left outside the coverage get a white ring (feature-state `outside`). */
const OUTSIDE = ['boolean', ['feature-state', 'outside'], false];
/** Search / selection: the chosen feature gets a bright ring (feature-state `selected`). */
const SELECTED = ['boolean', ['feature-state', 'selected'], false];

// ------------------------------------------------------------------ icons
// Point markers that are not plain circles are drawn on a canvas at start-up
// (no sprite file, nothing fetched). Each icon is also shown in the legend.

export const ICON_PX = 40; // drawn at pixelRatio 2, so 20 CSS px

export function drawIcon(shape, color) {
  const canvas = document.createElement('canvas');
  const big = shape === 'burst';
  const s = big ? ICON_PX * 1.5 : ICON_PX;
  canvas.width = canvas.height = s;
  const ctx = canvas.getContext('2d');
  ctx.lineJoin = 'round';
  ctx.lineWidth = 3;
  ctx.strokeStyle = '#ffffff';
  ctx.fillStyle = color;
  ctx.beginPath();
  if (shape === 'triangle') {
    ctx.moveTo(s / 2, 3);
    ctx.lineTo(s - 3, s - 5);
    ctx.lineTo(3, s - 5);
  } else if (shape === 'house') {
    ctx.moveTo(s / 2, 4);
    ctx.lineTo(s - 5, s / 2 - 2);
    ctx.lineTo(s - 8, s - 5);
    ctx.lineTo(8, s - 5);
    ctx.lineTo(5, s / 2 - 2);
  } else if (shape === 'diamond') {
    ctx.moveTo(s / 2, 5);
    ctx.lineTo(s - 9, s / 2);
    ctx.lineTo(s / 2, s - 5);
    ctx.lineTo(9, s / 2);
  } else if (shape === 'burst') {
    const spikes = 10;
    for (let i = 0; i < spikes * 2; i++) {
      const r = i % 2 ? s * 0.28 : s * 0.47;
      const a = (Math.PI * i) / spikes - Math.PI / 2;
      ctx[i ? 'lineTo' : 'moveTo'](s / 2 + r * Math.cos(a), s / 2 + r * Math.sin(a));
    }
  } else {
    ctx.roundRect(7, 7, s - 14, s - 14, 4);
  }
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = shape === 'triangle' || color === DRILL_COLOR ? '#111827' : '#ffffff';
  if (shape === 'triangle') {
    ctx.fillRect(s / 2 - 2, 14, 4, 12); // "!" without a font
    ctx.fillRect(s / 2 - 2, 28, 4, 4);
  } else if (shape === 'square') {
    ctx.fillRect(11, s / 2 - 2, s - 22, 4); // crate band
  } else if (shape === 'burst') {
    ctx.fillRect(s / 2 - 3, s / 2 - 11, 6, 14);
    ctx.fillRect(s / 2 - 3, s / 2 + 6, 6, 5);
  }
  return canvas;
}

/** name -> { shape, color } of every canvas icon the style uses. */
function iconCatalog() {
  const icons = {};
  for (const l of HAZARD_LEVELS) icons[`hazard-${l.code}`] = { shape: 'triangle', color: l.color };
  icons['hazard-unknown'] = { shape: 'triangle', color: UNKNOWN_COLOR };
  for (const k of STATION_KINDS) icons[`station-${k.code}`] = { shape: 'diamond', color: k.color };
  icons['station-unknown'] = { shape: 'diamond', color: UNKNOWN_COLOR };
  icons.shelter = { shape: 'house', color: SHELTER_COLOR };
  icons.warehouse = { shape: 'square', color: WAREHOUSE_COLOR };
  icons.incident = { shape: 'burst', color: INCIDENT_COLOR };
  icons['incident-drill'] = { shape: 'burst', color: DRILL_COLOR };
  return icons;
}

export const ICONS = iconCatalog();
const iconUrls = new Map();

export function iconUrl(name) {
  if (!iconUrls.has(name)) iconUrls.set(name, drawIcon(ICONS[name].shape, ICONS[name].color).toDataURL());
  return iconUrls.get(name);
}

export function addIcons(map) {
  for (const [name, { shape, color }] of Object.entries(ICONS)) {
    if (map.hasImage(name)) continue;
    const canvas = drawIcon(shape, color);
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    map.addImage(name, data, { pixelRatio: 2 });
  }
}

// ------------------------------------------------------------- the layers
// Each known collection: panel group, whether it is on at start, its panel
// swatch, legend blocks (a block with `prop` is also a filter: its rows have
// check boxes that go into the tile URL as ?prop=v1,v2), and its style layers.
// "slot" orders layers across collections (see SLOTS in app.js): area fills
// under boundaries under lines under overlays under points under labels.

export const GROUPS = ['incident', 'risk', 'resource', 'network', 'base', 'other'];

/** Team kind letters inside the team circles, in the current language. */
export const teamKindText = () => ['match', ['get', 'kind'], ...TEAM_KINDS.flatMap((k) => [k.code, term('teamKindShort', k.code)]), ''];

export const KNOWN = {
  incidents: {
    // drawn by incidents.js from the incident list of the current mode (real or drill);
    // this entry gives them a row in the layer panel and a legend
    group: 'incident', visible: true,
    swatch: { icon: 'incident' },
    legend: [{
      key: 'legend.incidents',
      items: [{ code: 'real', labelKey: 'mode.real', icon: 'incident' }, { code: 'drill', labelKey: 'mode.drill', icon: 'incident-drill' }],
    }],
    layers: [],
  },
  hazard_sources: {
    group: 'risk', visible: true,
    swatch: { icon: 'hazard-1' },
    legend: [{ key: 'legend.hazard_sources', table: 'hazardLevel', prop: 'level', items: HAZARD_LEVELS.map((l) => ({ ...l, icon: `hazard-${l.code}` })) }],
    layers: [
      {
        suffix: 'halo', type: 'circle', slot: 'points',
        paint: {
          'circle-radius': zoomed(5, ['case', ['any', OUTSIDE, SELECTED], 13, 9], 10, ['case', ['any', OUTSIDE, SELECTED], 18, 15], 14, ['case', ['any', OUTSIDE, SELECTED], 24, 20]),
          'circle-color': matchBy('level', HAZARD_LEVELS, (l) => l.color, UNKNOWN_COLOR),
          'circle-opacity': 0.18,
          'circle-stroke-color': ['case', ['any', OUTSIDE, SELECTED], '#ffffff', matchBy('level', HAZARD_LEVELS, (l) => l.color, UNKNOWN_COLOR)],
          'circle-stroke-width': ['case', ['any', OUTSIDE, SELECTED], 3, 1],
          'circle-stroke-opacity': ['case', ['any', OUTSIDE, SELECTED], 1, 0.7],
        },
      },
      {
        suffix: 'icon', type: 'symbol', slot: 'points',
        layout: {
          'icon-image': ['match', ['to-string', ['get', 'level']], ...HAZARD_LEVELS.flatMap((l) => [String(l.code), `hazard-${l.code}`]), 'hazard-unknown'],
          'icon-size': zoomed(5, 0.75, 10, 1, 14, 1.3),
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
          'symbol-sort-key': ['-', 10, ['to-number', ['get', 'level'], 5]],
        },
      },
    ],
  },
  enterprises: {
    group: 'risk', visible: true,
    unitKey: 'unit.enterprises',
    swatch: { dot: RISK[1].color },
    legend: [
      { key: 'legend.risk', table: 'risk', prop: 'risk_level', items: RISK.map((r) => ({ ...r, dot: r.color })) },
      { key: 'legend.enterprises.industry', table: 'industry', prop: 'industry', items: INDUSTRIES, collapsed: true },
      {
        key: 'legend.enterprises.cluster',
        items: [
          { code: 'dominant', labelKey: 'legend.cluster.dominant', dot: RISK[3].color },
          { code: 'anyRed', labelKey: 'legend.cluster.anyRed', dot: RISK[3].color, border: RISK[0].color },
        ],
      },
    ],
    // clusters take the colour of the class most of their members have
    // (`dominant`), with a red outline when any member is red (`n_red`):
    // at province scale the worst member would make almost every cluster red
    cluster: {
      color: matchBy('dominant', RISK, (r) => r.color, UNKNOWN_COLOR),
      stroke: ['case', ['>', ['to-number', ['get', 'n_red'], 0], 0], RISK[0].color, '#0a1220'],
      strokeWidth: zoomed(5, ['case', ['>', ['to-number', ['get', 'n_red'], 0], 0], 2, 0.6], 10, ['case', ['>', ['to-number', ['get', 'n_red'], 0], 0], 3, 1]),
      sortKey: ['+', matchBy('dominant', RISK, (r) => 4 - RISK.indexOf(r), 0), ['to-number', ['get', 'worst_share'], 0]],
    },
    layers: [
      {
        suffix: 'circle', type: 'circle', slot: 'points',
        paint: {
          // major risks drawn larger at province scale, so they stand out
          'circle-radius': zoomed(
            5, matchBy('risk_level', RISK, (r) => [3.2, 2.4, 1.7, 1.4][RISK.indexOf(r)], 1.4),
            9, matchBy('risk_level', RISK, (r) => [5, 4.2, 3.4, 3][RISK.indexOf(r)], 3),
            13, 6,
            16, 8,
          ),
          'circle-color': matchBy('risk_level', RISK, (r) => r.color, UNKNOWN_COLOR),
          'circle-stroke-color': ['case', ['any', OUTSIDE, SELECTED], '#ffffff', '#0a1220'],
          'circle-stroke-width': zoomed(6, ['case', ['any', OUTSIDE, SELECTED], 3, 0.2], 10, ['case', ['any', OUTSIDE, SELECTED], 3, 0.8]),
          'circle-opacity': 0.92,
        },
        layout: { 'circle-sort-key': matchBy('risk_level', RISK, (r) => 4 - RISK.indexOf(r), 0) },
      },
    ],
  },
  disaster_zones: {
    group: 'risk', visible: true,
    swatch: { fill: ZONE_KINDS[1].color },
    legend: [{ key: 'legend.disaster_zones', table: 'zoneKind', prop: 'kind', items: ZONE_KINDS.map((k) => ({ ...k, fill: k.color })) }],
    layers: [
      {
        suffix: 'fill', type: 'fill', slot: 'area',
        paint: { 'fill-color': matchBy('kind', ZONE_KINDS, (k) => k.color, UNKNOWN_COLOR), 'fill-opacity': 0.22 },
      },
      {
        suffix: 'line', type: 'line', slot: 'area',
        paint: {
          'line-color': matchBy('kind', ZONE_KINDS, (k) => k.color, UNKNOWN_COLOR),
          'line-width': zoomed(6, 1, 12, 2),
          'line-dasharray': [3, 2],
          'line-opacity': 0.85,
        },
      },
    ],
  },
  rescue_teams: {
    group: 'resource', visible: true,
    unitKey: 'unit.rescue_teams',
    // a cluster with any member dispatched, en route or on scene (`busy`) gets a thick outline in the on-scene colour
    cluster: {
      color: TEAM_STATUS[0].color,
      stroke: ['case', ['>', ['to-number', ['get', 'busy'], 0], 0], BUSY_COLOR, '#ffffff'],
      strokeWidth: zoomed(5, ['case', ['>', ['to-number', ['get', 'busy'], 0], 0], 3.5, 1], 10, ['case', ['>', ['to-number', ['get', 'busy'], 0], 0], 3.5, 1.5]),
      sortKey: ['+', clusterCount, ['*', 100000, ['to-number', ['get', 'busy'], 0]]],
    },
    swatch: { ring: TEAM_STATUS[0].color },
    legend: [
      { key: 'legend.rescue_teams', table: 'teamStatus', prop: 'status', items: TEAM_STATUS.map((s) => ({ ...s, ring: s.color })) },
      { key: 'legend.rescue_teams.kind', table: 'teamKind', prop: 'kind', items: TEAM_KINDS.map((k) => ({ ...k, letter: k.code })), collapsed: true },
      { key: 'legend.rescue_teams.cluster', items: [{ code: 'busy', labelKey: 'legend.cluster.busy', dot: TEAM_STATUS[0].color, border: BUSY_COLOR }] },
    ],
    layers: [
      {
        suffix: 'circle', type: 'circle', slot: 'resource',
        paint: {
          'circle-radius': zoomed(5, ['case', SELECTED, 8, 4.5], 8, ['case', SELECTED, 10, 6], 10, ['case', SELECTED, 12, 9], 14, ['case', SELECTED, 14, 11]),
          // a drill or a replay shows its own statuses through feature-state
          'circle-color': ['match', ['coalesce', ['feature-state', 'status'], ['get', 'status']],
            ...TEAM_STATUS.flatMap((s) => [s.code, s.color]), UNKNOWN_COLOR],
          'circle-stroke-color': ['case', SELECTED, '#ffe600', '#ffffff'],
          'circle-stroke-width': ['case', SELECTED, 4, 2],
        },
      },
      {
        suffix: 'kind', type: 'symbol', slot: 'resource', minzoom: 8,
        layout: {
          'text-field': teamKindText,
          'text-font': LABEL_FONT,
          'text-size': zoomed(8, 9, 12, 12),
          'text-allow-overlap': true,
          'text-ignore-placement': true,
        },
        paint: { 'text-color': '#0a1220' },
      },
    ],
  },
  shelters: {
    group: 'resource', visible: true,
    unitKey: 'unit.shelters',
    cluster: { color: SHELTER_COLOR, stroke: '#ffffff' },
    swatch: { icon: 'shelter' },
    layers: [iconLayer('shelter', 'resource')],
  },
  sensitive_sites: {
    group: 'risk', visible: false,
    unitKey: 'unit.sensitive_sites',
    swatch: { dot: SENSITIVE_KINDS[0].color },
    legend: [{ key: 'legend.sensitive_sites', table: 'sensitiveKind', prop: 'kind', items: SENSITIVE_KINDS.map((k) => ({ ...k, dot: k.color })) }],
    layers: [
      {
        suffix: 'circle', type: 'circle', slot: 'points',
        paint: {
          'circle-radius': zoomed(10, 4, 14, 7),
          'circle-color': matchBy('kind', SENSITIVE_KINDS, (k) => k.color, UNKNOWN_COLOR),
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
        },
      },
    ],
  },
  warehouses: {
    group: 'resource', visible: true,
    unitKey: 'unit.warehouses',
    cluster: { color: WAREHOUSE_COLOR, stroke: '#ffffff' },
    swatch: { icon: 'warehouse' },
    layers: [iconLayer('warehouse', 'resource')],
  },
  roads: {
    group: 'network', visible: true,
    swatch: { line: ROAD_CLASSES[0].color },
    legend: [{ key: 'legend.roads', table: 'roadClass', prop: 'road_class', items: ROAD_CLASSES.map((r) => ({ ...r, line: r.color })) }],
    layers: [
      {
        suffix: 'casing', type: 'line', slot: 'lines',
        filter: ['==', ['get', 'road_class'], 'expressway'],
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': '#5a3d0c', 'line-width': zoomed(5, 2.6, 10, 5, 14, 10) },
      },
      {
        suffix: 'line', type: 'line', slot: 'lines',
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: {
          'line-color': matchBy('road_class', ROAD_CLASSES, (r) => r.color, '#6f819b'),
          'line-width': zoomed(
            5, matchBy('road_class', ROAD_CLASSES, (r) => r.width * 0.6, 0.5),
            10, matchBy('road_class', ROAD_CLASSES, (r) => r.width * 1.4, 1),
            14, matchBy('road_class', ROAD_CLASSES, (r) => r.width * 3, 2),
          ),
          'line-opacity': zoomed(6, ['match', ['get', 'road_class'], ['county', 'urban'], 0.5, 1], 9, 1),
        },
      },
      {
        suffix: 'label', type: 'symbol', slot: 'labels', minzoom: 9,
        filter: ['match', ['get', 'road_class'], ['expressway', 'national', 'provincial'], true, false],
        layout: {
          'symbol-placement': 'line',
          'text-field': ['get', 'name'],
          'text-font': LABEL_FONT,
          'text-size': 12,
          'symbol-spacing': 400,
        },
        paint: { 'text-color': '#f4e2b0', 'text-halo-color': '#0a1220', 'text-halo-width': 1.6 },
      },
    ],
  },
  gas_pipes: {
    group: 'network', visible: true,
    swatch: { line: PRESSURE_CLASSES[0].color },
    legend: [{ key: 'legend.gas_pipes', table: 'pressureClass', prop: 'pressure_class', items: PRESSURE_CLASSES.map((p) => ({ ...p, line: p.color })) }],
    layers: [
      {
        suffix: 'line', type: 'line', slot: 'lines',
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: {
          'line-color': matchBy('pressure_class', PRESSURE_CLASSES, (p) => p.color, UNKNOWN_COLOR),
          'line-width': zoomed(
            6, matchBy('pressure_class', PRESSURE_CLASSES, (p) => p.width * 0.5, 0.5),
            12, matchBy('pressure_class', PRESSURE_CLASSES, (p) => p.width * 1.5, 1),
            16, matchBy('pressure_class', PRESSURE_CLASSES, (p) => p.width * 3, 2),
          ),
        },
      },
    ],
  },
  gas_stations: {
    group: 'network', visible: true,
    swatch: { icon: 'station-gate' },
    legend: [{ key: 'legend.gas_stations', table: 'stationKind', prop: 'kind', items: STATION_KINDS.map((k) => ({ ...k, icon: `station-${k.code}` })) }],
    layers: [
      {
        suffix: 'icon', type: 'symbol', slot: 'points',
        layout: {
          'icon-image': ['match', ['get', 'kind'], ...STATION_KINDS.flatMap((k) => [k.code, `station-${k.code}`]), 'station-unknown'],
          'icon-size': zoomed(5, 0.5, 10, 0.8, 14, 1.1),
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
        },
      },
    ],
  },
  gas_valves: {
    group: 'network', visible: true,
    swatch: { dot: '#e2e8f0' },
    legend: [{
      key: 'legend.gas_valves',
      items: [
        { code: 'operable', labelKey: 'legend.valveOperable', dot: '#e2e8f0' },
        { code: 'inoperable', labelKey: 'legend.valveInoperable', dot: '#ef4444' },
      ],
    }],
    layers: [
      {
        suffix: 'circle', type: 'circle', slot: 'points',
        paint: {
          'circle-radius': zoomed(6, 1.5, 12, 3.5, 16, 6),
          'circle-color': ['case', ['==', ['to-string', ['get', 'operable']], 'false'], '#ef4444', '#e2e8f0'],
          'circle-stroke-color': '#0a1220',
          'circle-stroke-width': 1,
        },
      },
    ],
  },
  // The risk grid (docs/risk-method.md): not a collection but a tile layer
  // of its own (/tiles/risk_grid), H3 cells in the method's four classes;
  // risk-layers.js adds it and writes the class bounds into the legend.
  risk_grid: {
    group: 'risk', visible: false,
    swatch: { fill: RISK[0].color },
    legend: [{
      key: 'legend.risk_grid',
      items: RISK.map((r, i) => ({
        code: r.code, fill: r.color,
        // the class and its score bounds (the method's breaks, most severe first)
        get label() {
          const b = [...riskGridBreaks].reverse(); // [red from, orange from, yellow from]
          const range = i === 0 ? `≥ ${b[0]}` : i === 3 ? `< ${b[2]}` : `${b[i]}–${b[i - 1]}`;
          return t('riskGrid.class', { colour: term('riskColour', r.code), risk: term('risk', r.code), range });
        },
      })),
    }],
    layers: [
      {
        suffix: 'fill', type: 'fill', slot: 'area',
        paint: {
          'fill-color': matchBy('class', RISK, (r) => r.color, UNKNOWN_COLOR),
          'fill-opacity': ['case', SELECTED, 0.75, 0.5],
          'fill-outline-color': 'rgba(0, 0, 0, 0)',
        },
      },
      {
        suffix: 'line', type: 'line', slot: 'area',
        paint: { 'line-color': ['case', SELECTED, '#ffffff', '#0a1220'], 'line-width': ['case', SELECTED, 2.5, 0.4], 'line-opacity': 0.7 },
      },
    ],
  },
  counties: {
    group: 'base', visible: true,
    swatch: { fill: COUNTY.fill, border: COUNTY.line },
    layers: [
      {
        suffix: 'fill', type: 'fill', slot: 'base',
        paint: { 'fill-color': ['match', ['get', 'city'], ...Object.entries(CITY_TINTS).flat(), COUNTY.fill], 'fill-opacity': 0.95 },
      },
      {
        suffix: 'line', type: 'line', slot: 'boundary',
        paint: { 'line-color': COUNTY.line, 'line-width': zoomed(5, 0.4, 9, 0.9, 13, 1.6), 'line-opacity': 0.9 },
      },
    ],
  },
  population: {
    group: 'base', visible: false,
    swatch: { fill: POPULATION_RAMP[3][1] },
    legend: [{
      key: 'legend.population',
      items: POPULATION_RAMP.map(([density, color], k) => ({
        code: String(density),
        label: k === 0 ? `< ${POPULATION_RAMP[1][0]}` : k === POPULATION_RAMP.length - 1 ? `${density.toLocaleString('en-US')}+` : density.toLocaleString('en-US'),
        fill: color,
      })),
    }],
    layers: [
      {
        // above the county fill, under the county lines
        suffix: 'fill', type: 'fill', slot: 'area',
        paint: {
          'fill-color': ['interpolate', ['linear'], ['to-number', ['get', 'density_per_km2'], 0], ...POPULATION_RAMP.flat()],
          'fill-opacity': zoomed(8, 0.45, 13, 0.3),
          'fill-outline-color': 'rgba(0, 0, 0, 0)',
        },
      },
    ],
  },
};

function iconLayer(icon, slot) {
  return {
    suffix: 'icon', type: 'symbol', slot,
    layout: {
      'icon-image': icon,
      'icon-size': zoomed(5, 0.6, 10, 0.9, 14, 1.2),
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
    },
  };
}

/** Style for a collection this page does not know: by geometry, in one colour from its id. */
export function genericDefinition(collection) {
  const color = colorFromId(collection.id);
  const count = collection.featureCount;
  return {
    group: 'other',
    visible: !(count > 5000),
    swatch: { dot: color },
    layers: [
      { suffix: 'fill', type: 'fill', slot: 'area', filter: isPolygon, paint: { 'fill-color': color, 'fill-opacity': 0.2 } },
      { suffix: 'line', type: 'line', slot: 'lines', filter: ['any', isLine, isPolygon], paint: { 'line-color': color, 'line-width': 1.2 } },
      {
        suffix: 'circle', type: 'circle', slot: 'points', filter: isPoint,
        paint: { 'circle-radius': zoomed(5, 3, 12, 6), 'circle-color': color, 'circle-stroke-color': '#0a1220', 'circle-stroke-width': 1 },
      },
    ],
  };
}

function colorFromId(id) {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.codePointAt(0)) % 360;
  return `hsl(${h}, 65%, 62%)`;
}

/** The cluster circle layer of a clustered point collection, in the slot of its points. */
export function clusterLayerSpec(def, tile) {
  const c = def.cluster ?? {};
  const color = c.color ?? def.swatch?.dot ?? def.swatch?.ring ?? UNKNOWN_COLOR;
  return {
    suffix: 'cluster', type: 'circle', slot: def.layers.at(-1).slot,
    maxzoom: tile.clustered_below_zoom,
    filter: IS_CLUSTER,
    layout: { 'circle-sort-key': c.sortKey ?? clusterCount },
    paint: {
      'circle-radius': CLUSTER_RADIUS,
      'circle-color': color,
      'circle-opacity': CLUSTER_OPACITY,
      'circle-stroke-color': c.stroke ?? color,
      'circle-stroke-width': c.strokeWidth ?? zoomed(5, 1, 10, 1.5),
      'circle-stroke-opacity': 0.95,
    },
  };
}
