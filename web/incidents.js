// The incident workflow (docs/incidents-api.md): place an incident on the map,
// report it (POST /incidents), draw its zones by tier with what lies inside
// each, the domino warnings, the recommended teams with their road routes,
// dispatch, unit statuses, notes, close. The incident list (open incidents of
// the current mode: real or drill, never mixed) and the zones of every open
// incident (GET /incidents/zones) follow the event stream live.

import {
  t, term, isZh, fmtNumber, fmtFixed, fmtMinutes, fmtDistance, fmtTime, compassPoint, addTerms,
} from './i18n.js';
import { api, el, button, toast, debounce, geometryBounds } from './util.js';
import {
  INCIDENT_KINDS, ZONE_TIERS, tierRank, tierColor, statusColor, LABEL_FONT, zoomed, RISK,
} from './layers.js';

const EMPTY = { type: 'FeatureCollection', features: [] };

/** Unit status cycle: the statuses a unit may go to next (available comes back by itself). */
export const NEXT_STATUS = {
  dispatched: ['en_route', 'returning'],
  en_route: ['on_scene', 'returning'],
  on_scene: ['returning'],
  returning: ['available'],
};

/** Which form fields each kind uses. */
const KIND_FIELDS = {
  leak: ['substance', 'spill', 'release_rate_kg_s', 'cordon_m', 'weather'],
  gas_leak: ['substance', 'spill', 'release_rate_kg_s', 'cordon_m', 'weather'],
  fire: ['substance', 'mass_kg', 'cordon_m', 'weather'],
  explosion: ['substance', 'mass_kg', 'cordon_m', 'weather'],
  mine_accident: ['cordon_m'],
  flood: ['cordon_m'],
  landslide: ['cordon_m'],
  road_accident: ['substance', 'cordon_m'],
  forest_fire: ['cordon_m', 'weather'],
};
const WEATHER_REQUIRED = new Set(['leak', 'gas_leak']);

const S = {
  list: [],
  statusFilter: 'open',
  current: null,
  rec: null,
  recFor: null,
  recLoading: false,
  placing: false,
  draft: null,
  marker: null,
  substances: [],
  busy: new Set(),
  drillStatuses: new Map(), // team id -> status (drill mode)
  overridden: new Set(), // team ids with a feature-state status
  panelOpen: false,
  closing: false,
  openDetails: new Set(), // which <details> of the panel are open, by key
};

let ctx;
let map;

// ------------------------------------------------------------------ setup

export function initIncidents(context) {
  ctx = context;
  map = ctx.map;
  addMapLayers();
  ctx.setMode = setMode;
  ctx.openIncident = openIncident;
  ctx.applyReplay = applyReplay;
  ctx.currentIncident = () => S.current;
  ctx.refreshIncidents = refreshAll;
  ctx.teamStatusOverride = (id) => S.replayUnits?.get(Number(id)) ?? (ctx.mode === 'drill' ? S.drillStatuses.get(Number(id)) : undefined);
  ctx.dispatchFromFeature = dispatchFromFeature;
  ctx.on('incident-open', (id) => openIncident(id));
  ctx.on('live', onLive);
  ctx.on('lang', () => {
    renderList();
    renderPanel();
  });
  ctx.on('live-state', (up) => up && refreshAll());

  document.getElementById('new-incident').addEventListener('click', () => startPlacing());
  for (const b of document.querySelectorAll('.mode-btn')) b.addEventListener('click', () => setMode(b.dataset.mode));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && S.placing) stopPlacing();
  });

  api('/impact/substances').then((data) => {
    S.substances = data?.substances ?? [];
    addTerms('substance', Object.fromEntries(S.substances.map((s) => [s.code, [s.name_zh, s.name_en]])));
    if (S.draft) renderPanel();
  }).catch((err) => console.warn(`substances: ${err.message}`));

  const initial = new URLSearchParams(location.search).get('mode');
  setMode(initial === 'drill' ? 'drill' : 'real', { quiet: true });
}

function addMapLayers() {
  map.addSource('inc-zones', { type: 'geojson', data: EMPTY });
  map.addSource('inc-points', { type: 'geojson', data: EMPTY });
  map.addSource('inc-routes', { type: 'geojson', data: EMPTY });
  const tierColorExpr = ['match', ['get', 'tier'], ...ZONE_TIERS.flatMap((z) => [z.code, z.color]), '#f59e0b'];
  ctx.addLayer('overlay', {
    id: 'inc-zones-fill', type: 'fill', source: 'inc-zones',
    layout: { 'fill-sort-key': ['get', 'rank'] },
    paint: {
      'fill-color': tierColorExpr,
      'fill-opacity': ['case', ['==', ['get', 'current'], true], 0.34, 0.2],
    },
  });
  ctx.addLayer('overlay', {
    id: 'inc-zones-line', type: 'line', source: 'inc-zones',
    filter: ['!=', ['get', 'tier'], 'cordon'],
    layout: { 'line-sort-key': ['get', 'rank'], 'line-join': 'round' },
    paint: { 'line-color': tierColorExpr, 'line-width': ['case', ['==', ['get', 'current'], true], 3, 2], 'line-opacity': 0.95 },
  });
  ctx.addLayer('overlay', {
    id: 'inc-zones-cordon', type: 'line', source: 'inc-zones',
    filter: ['==', ['get', 'tier'], 'cordon'],
    paint: { 'line-color': tierColorExpr, 'line-width': 3, 'line-dasharray': [3, 2] },
  });
  ctx.addLayer('overlay', {
    id: 'inc-routes-line', type: 'line', source: 'inc-routes',
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: {
      'line-color': ['case', ['==', ['get', 'assigned'], true], '#22d3ee', '#7dd3fc'],
      'line-width': zoomed(6, 3, 12, 5),
      'line-dasharray': [2, 1.2],
      'line-opacity': 0.95,
    },
  });
  ctx.addLayer('labels', {
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
  ctx.addLayer('top', {
    id: 'inc-points-icon', type: 'symbol', source: 'inc-points',
    layout: {
      'icon-image': ['case', ['==', ['get', 'drill'], true], 'incident-drill', 'incident'],
      'icon-size': ['case', ['==', ['get', 'current'], true], 1.3, 1],
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
      'symbol-sort-key': ['case', ['==', ['get', 'current'], true], 1, 0],
    },
  });
  ctx.addLayer('top', {
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
  const openFromMap = (f) => f.properties?.incident !== undefined && openIncident(Number(f.properties.incident));
  ctx.clickHandlers.set('inc-points-icon', (f) => openIncident(Number(f.properties.id)));
  ctx.clickHandlers.set('inc-zones-fill', openFromMap);
  // the incidents collection's check box switches these layers
  const entry = ctx.layers.get('incidents');
  if (entry) entry.layerIds.push('inc-points-icon', 'inc-points-label');
}

// ------------------------------------------------------------------ mode

function setMode(mode, { quiet = false } = {}) {
  if (mode !== 'real' && mode !== 'drill') return;
  const changed = ctx.mode !== mode;
  ctx.mode = mode;
  document.body.classList.toggle('drill-mode', mode === 'drill');
  document.body.dataset.mode = mode;
  for (const b of document.querySelectorAll('.mode-btn')) {
    b.classList.toggle('active', b.dataset.mode === mode);
    b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  }
  const newButton = document.getElementById('new-incident');
  newButton.dataset.i18n = mode === 'drill' ? 'incident.new.drill' : 'incident.new';
  newButton.textContent = t(newButton.dataset.i18n);
  if (changed && S.current && Boolean(S.current.drill) !== (mode === 'drill')) closePanel();
  ctx.emit('mode', mode);
  if (changed || quiet) refreshAll();
}

const drillParam = () => (ctx.mode === 'drill' ? 'true' : 'false');

// ------------------------------------------------------------------ data

async function refreshAll() {
  if (ctx.replay) return;
  await Promise.all([refreshList(), refreshZones(), refreshDrillStatuses(), S.current ? refreshCurrent() : null]);
}

async function refreshList() {
  if (ctx.replay) return;
  try {
    const data = await api(`/incidents?status=${S.statusFilter}&drill=${drillParam()}`);
    S.list = data?.incidents ?? [];
    S.listError = null;
  } catch (err) {
    S.list = [];
    S.listError = err.message;
  }
  renderList();
  drawPoints();
}

async function refreshZones() {
  if (ctx.replay) return;
  try {
    const fc = await api(`/incidents/zones?drill=${drillParam()}`);
    drawZones(fc?.features ?? []);
  } catch (err) {
    console.warn(`zones: ${err.message}`);
  }
}

/** Zones source: tier rank for drawing order; the open incident's zones drawn stronger. */
function drawZones(features) {
  const current = S.current?.id;
  const out = features.map((f) => ({
    ...f,
    properties: { ...f.properties, rank: tierRank(f.properties?.tier), current: Number(f.properties?.incident) === current },
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

function zoneFeature(incident, z, current) {
  return {
    type: 'Feature',
    geometry: z.polygon,
    properties: {
      incident: incident.id, tier: z.tier, method: z.method, label_zh: z.label_zh, label_en: z.label_en,
      population: z.exposure?.population ?? null, rank: tierRank(z.tier), current,
    },
  };
}

function drawPoints() {
  const items = ctx.replay ? (ctx.replay.data?.incidents ?? []).filter((i) => i.status !== 'closed') : S.list;
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

async function refreshCurrent() {
  if (!S.current || ctx.replay) return;
  const id = S.current.id;
  try {
    const inc = await api(`/incidents/${id}`);
    if (S.current?.id !== id) return;
    S.current = inc;
    renderPanel();
    drawPoints();
    refreshZones();
  } catch (err) {
    if (err.status === 404) closePanel();
  }
}

async function refreshRecommendation() {
  const inc = S.current;
  if (!inc || inc.status === 'closed' || ctx.replay) {
    S.rec = null;
    drawRoutes();
    renderPanel();
    return;
  }
  const id = inc.id;
  S.recLoading = true;
  renderPanel();
  try {
    const rec = await api(`/incidents/${id}/recommendation?k=3`);
    if (S.current?.id !== id) return;
    S.rec = rec;
    S.recError = null;
  } catch (err) {
    if (S.current?.id !== id) return;
    S.rec = null;
    S.recError = err.message;
  } finally {
    S.recLoading = false;
  }
  drawRoutes();
  renderPanel();
}

/** Routes of the recommended teams and of the assigned units still travelling. */
function drawRoutes() {
  const features = [];
  for (const team of S.rec?.teams ?? []) {
    if (!team.route) continue;
    features.push({
      type: 'Feature',
      geometry: team.route,
      properties: { team: team.id, assigned: false, label: `${team.name} ${fmtMinutes(team.travel_s)}` },
    });
  }
  map.getSource('inc-routes')?.setData({ type: 'FeatureCollection', features });
}

/** Drill mode: the teams whose drill status differs from their real one, as feature-state. */
async function refreshDrillStatuses() {
  if (ctx.replay) return;
  if (ctx.mode !== 'drill') {
    S.drillStatuses = new Map();
    applyTeamOverrides(new Map());
    return;
  }
  try {
    const data = await api('/teams/status?drill=true');
    S.drillStatuses = new Map(Object.entries(data?.teams ?? {}).map(([id, v]) => [Number(id), v.status]));
  } catch (err) {
    console.warn(`drill statuses: ${err.message}`);
  }
  applyTeamOverrides(S.drillStatuses);
}

/** Team colours from feature-state (drill or replay statuses); every other team shows its tile status. */
function applyTeamOverrides(statuses) {
  if (!map.getSource('rescue_teams')) return;
  const target = { source: 'rescue_teams', sourceLayer: 'rescue_teams' };
  for (const id of S.overridden) if (!statuses.has(id)) map.removeFeatureState({ ...target, id }, 'status');
  for (const [id, status] of statuses) map.setFeatureState({ ...target, id }, { status });
  S.overridden = new Set(statuses.keys());
  ctx.refreshFeaturePanel?.('rescue_teams');
}

// ------------------------------------------------------------------ live

const refreshListSoon = debounce(() => {
  refreshList();
  refreshZones();
}, 150);
const refreshCurrentSoon = debounce(() => refreshCurrent(), 120);
const refreshRecSoon = debounce(() => refreshRecommendation(), 300);
const refreshDrillSoon = debounce(() => refreshDrillStatuses(), 150);

function incidentIdOf(ev) {
  const v = ev.incident ?? ev.incident_id ?? (String(ev.type).startsWith('incident_') || ev.type === 'zones_computed' ? ev.id : undefined);
  if (v && typeof v === 'object') return Number(v.id);
  return v === undefined || v === null ? undefined : Number(v);
}

function onLive(record) {
  const ev = record.event ?? {};
  const type = ev.type;
  const incident = incidentIdOf(ev);
  const drill = typeof ev.drill === 'boolean' ? ev.drill : undefined;
  const ours = drill === undefined || drill === (ctx.mode === 'drill');
  const incidentish = ['incident_opened', 'incident_updated', 'incident_closed', 'zones_computed', 'unit_dispatched',
    'unit_status_changed', 'note_added', 'inject_fired'].includes(type);
  if (!incidentish && !(type === 'feature_updated' && (ev.collection ?? ev.layer) === 'rescue_teams')) return;
  if (ctx.replay) return;
  if (ours && ['incident_opened', 'incident_updated', 'incident_closed', 'zones_computed', 'unit_dispatched', 'unit_status_changed'].includes(type)) {
    refreshListSoon();
  }
  if (S.current && (incident === S.current.id || incident === undefined) && incidentish) refreshCurrentSoon();
  if (type === 'unit_dispatched' || type === 'unit_status_changed' || type === 'feature_updated') {
    if (S.current && S.current.status !== 'closed') refreshRecSoon();
    if (ctx.mode === 'drill') refreshDrillSoon();
  }
  if (type === 'incident_opened' && ours && record.news !== false && !S.busy.has('create') && incident !== S.justCreated) {
    const title = ev.spec?.title ?? ev.title ?? '';
    toast(t('incident.opened.toast', { title: title || `#${incident ?? ''}` }), { kind: 'warn' });
  }
}

// ------------------------------------------------------------------ list

function renderList() {
  const pane = document.getElementById('incident-list-pane');
  if (!pane) return;
  const head = el('div', 'pane-head');
  head.append(el('h2', null, ctx.mode === 'drill' ? t('incident.list.drill') : t('incident.list')));
  const select = el('select', { class: 'select', 'aria-label': t('incident.show') });
  for (const s of ['open', 'closed', 'all']) {
    const o = el('option', { value: s }, t(`incident.status.${s}`));
    o.selected = s === S.statusFilter;
    select.append(o);
  }
  select.addEventListener('change', () => {
    S.statusFilter = select.value;
    refreshList();
  });
  head.append(select);
  const newButton = button(ctx.mode === 'drill' ? t('incident.new.drill') : t('incident.new'), () => startPlacing(), 'btn danger wide');
  const items = ctx.replay ? ctx.replay.data?.incidents ?? [] : S.list;
  const list = el('ul', { class: 'incident-list', id: 'incident-list' });
  list.dataset.mode = ctx.mode;
  if (ctx.replay) list.append(el('li', 'replay-note', t('replay.at', { time: fmtTime(ctx.replay.at, true) })));
  if (S.listError) list.append(el('li', 'error-note', S.listError));
  else if (!items.length) list.append(el('li', 'muted empty', t('incident.list.empty')));
  for (const inc of items) list.append(listItem(inc));
  pane.replaceChildren(head, newButton, list);
}

function listItem(inc) {
  const li = el('li', { class: 'incident-item', tabindex: 0, role: 'button' });
  li.dataset.id = String(inc.id);
  li.classList.toggle('active', inc.id === S.current?.id);
  li.classList.toggle('closed', inc.status === 'closed');
  li.classList.toggle('drill', Boolean(inc.drill));
  const units = inc.units ?? [];
  const biggest = Math.max(0, ...(inc.zones?.zones ?? []).map((z) => z.exposure?.population ?? 0));
  li.append(
    el('div', 'inc-title', inc.drill ? el('span', 'drill-tag', t('mode.drill')) : null, inc.title || term('incidentKind', inc.kind)),
    el('div', 'inc-meta',
      el('span', 'kind-chip', term('incidentKind', inc.kind)),
      el('span', null, fmtTime(inc.opened_at)),
      inc.status === 'closed' ? el('span', 'closed-chip', t('incident.status.closed')) : null,
      units.length ? el('span', null, t('incident.units.count', { n: units.length })) : null,
      biggest ? el('span', null, t('unit.people', { n: fmtNumber(biggest) })) : null),
  );
  const open = () => openIncident(inc.id);
  li.addEventListener('click', open);
  li.addEventListener('keydown', (e) => e.key === 'Enter' && open());
  return li;
}

// ------------------------------------------------------------------ placing

function startPlacing() {
  if (ctx.replay) ctx.exitReplay?.();
  S.placing = true;
  ctx.closeFeaturePanel?.();
  const hint = document.getElementById('hint');
  hint.textContent = t('incident.place');
  hint.hidden = false;
  document.body.classList.add('placing');
  ctx.clickInterceptor = (e) => {
    placeAt([e.lngLat.lng, e.lngLat.lat]);
    return true;
  };
}

function stopPlacing() {
  S.placing = false;
  ctx.clickInterceptor = null;
  document.getElementById('hint').hidden = true;
  document.body.classList.remove('placing');
  map.getCanvas().style.cursor = '';
}

function placeAt(lngLat) {
  stopPlacing();
  const kind = S.draft?.kind ?? 'leak';
  S.draft = { ...(S.draft ?? {}), location: lngLat, kind };
  S.current = null;
  S.rec = null;
  drawRoutes();
  if (!S.marker) {
    const node = el('div', 'draft-marker');
    S.marker = new window.maplibregl.Marker({ element: node, draggable: true }).setLngLat(lngLat).addTo(map);
    S.marker.on('dragend', () => {
      const p = S.marker.getLngLat();
      S.draft.location = [p.lng, p.lat];
      const loc = document.querySelector('#incident-form .loc-value');
      if (loc) loc.textContent = fmtLocation(S.draft.location);
    });
  } else {
    S.marker.setLngLat(lngLat);
  }
  openPanel();
  renderPanel();
  refreshZones();
  document.querySelector('#incident-form [name=kind]')?.focus();
}

function clearDraft() {
  S.draft = null;
  S.marker?.remove();
  S.marker = null;
}

const fmtLocation = (loc) => (Array.isArray(loc) ? `${Number(loc[0]).toFixed(4)}°E, ${Number(loc[1]).toFixed(4)}°N` : '—');

function field(name, labelKey, input, { hint, required } = {}) {
  const wrap = el('label', 'field');
  wrap.dataset.field = name;
  wrap.append(el('span', 'field-label', t(labelKey), required ? el('span', 'req', ' *') : null), input);
  if (hint) wrap.append(el('span', 'field-hint', hint));
  return wrap;
}

function numberInput(name, { value = '', min, max, step = 'any', placeholder } = {}) {
  return el('input', { class: 'input', type: 'number', name, value: value === null ? '' : String(value), min, max, step, placeholder, inputmode: 'decimal' });
}

function selectInput(name, options, value) {
  const s = el('select', { class: 'select', name });
  for (const [v, label] of options) {
    const o = el('option', { value: v }, label);
    if (String(v) === String(value)) o.selected = true;
    s.append(o);
  }
  return s;
}

function renderForm() {
  const d = S.draft;
  const form = el('form', { id: 'incident-form', class: 'incident-form', novalidate: true });
  const kind = d.kind ?? 'leak';
  const fields = new Set(KIND_FIELDS[kind] ?? ['cordon_m']);
  form.append(el('h2', 'panel-title', ctx.mode === 'drill' ? el('span', 'drill-tag', t('mode.drill')) : null, t('incident.form.title')));
  const loc = el('div', 'field loc', el('span', 'field-label', t('incident.form.location')), el('span', 'loc-value', fmtLocation(d.location)),
    button(t('incident.form.replace'), () => startPlacing(), 'btn small'));
  form.append(loc);

  const kindSelect = selectInput('kind', INCIDENT_KINDS.map((k) => [k, term('incidentKind', k)]), kind);
  kindSelect.addEventListener('change', () => {
    saveDraft(form);
    S.draft.kind = kindSelect.value;
    if (S.draft.kind === 'gas_leak' && !S.draft.substance) S.draft.substance = 'natural_gas';
    renderPanel();
  });
  form.append(field('kind', 'incident.form.kind', kindSelect, { required: true }));
  form.append(field('title', 'incident.form.name', el('input', {
    class: 'input', name: 'title', type: 'text', value: d.title ?? '', placeholder: t('incident.form.name.placeholder'),
  })));

  if (fields.has('substance')) {
    const subs = S.substances.length ? S.substances.map((s) => [s.code, isZh() ? `${s.name_zh}（${s.name_en}）` : `${s.name_en} (${s.name_zh})`]) : [];
    const options = [['', t('incident.form.substance.unknown')], ...subs];
    const def = d.substance ?? (kind === 'gas_leak' ? 'natural_gas' : kind === 'leak' ? 'chlorine' : '');
    form.append(field('substance', 'incident.form.substance', selectInput('substance', options, def)));
  }
  if (fields.has('spill')) {
    form.append(field('spill', 'incident.form.spill', selectInput('spill', [['large', term('spill', 'large')], ['small', term('spill', 'small')]], d.spill ?? 'large')));
  }
  if (fields.has('release_rate_kg_s')) {
    form.append(field('release_rate_kg_s', 'incident.form.rate', numberInput('release_rate_kg_s', { value: d.release_rate_kg_s ?? '', min: 0, placeholder: '2.0' }),
      { hint: t('incident.form.hint.leak') }));
  }
  if (fields.has('mass_kg')) {
    form.append(field('mass_kg', 'incident.form.mass', numberInput('mass_kg', { value: d.mass_kg ?? '', min: 0, placeholder: '1000' }),
      { hint: t('incident.form.hint.mass') }));
  }
  form.append(field('cordon_m', 'incident.form.cordon', numberInput('cordon_m', { value: d.cordon_m ?? (fields.size === 1 ? 500 : ''), min: 0, step: 50, placeholder: '500' })));
  if (fields.has('weather')) {
    const w = d.weather ?? { wind_from_deg: 270, wind_speed_ms: 3, daytime: true };
    const fs = el('fieldset', 'weather');
    fs.append(el('legend', null, t('incident.form.weather'), WEATHER_REQUIRED.has(kind) ? el('span', 'req', ' *') : null));
    const dirs = [0, 45, 90, 135, 180, 225, 270, 315].map((deg) => [deg, `${term('compass', compassPoint(deg))} ${deg}°`]);
    const from = selectInput('wind_from_deg', dirs, Math.round(((Number(w.wind_from_deg) % 360) / 45)) * 45 % 360);
    fs.append(field('wind_from_deg', 'incident.form.windFrom', from, { required: WEATHER_REQUIRED.has(kind) }));
    fs.append(field('wind_speed_ms', 'incident.form.windSpeed', numberInput('wind_speed_ms', { value: w.wind_speed_ms ?? 3, min: 0, max: 60, step: 0.5 }),
      { required: WEATHER_REQUIRED.has(kind) }));
    fs.append(field('daytime', 'incident.form.daytime', selectInput('daytime', [['true', term('daytime', 'day')], ['false', term('daytime', 'night')]], String(w.daytime ?? true))));
    form.append(fs);
  }
  form.append(field('casualties', 'incident.form.casualties', numberInput('casualties', { value: d.casualties ?? 0, min: 0, step: 1 })));
  form.append(field('description', 'incident.form.description', el('textarea', { class: 'input', name: 'description', rows: 2 }, d.description ?? '')));
  if (S.formError) form.append(el('div', 'error-note', S.formError));
  const submit = el('button', { type: 'submit', class: 'btn danger big wide', name: 'submit' },
    S.busy.has('create') ? t('incident.form.submitting') : t('incident.form.submit'));
  submit.disabled = S.busy.has('create');
  form.append(el('div', 'form-actions', submit, button(t('app.cancel'), () => {
    clearDraft();
    closePanel();
  }, 'btn big')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    saveDraft(form);
    createIncident();
  });
  return form;
}

function saveDraft(form) {
  const d = S.draft;
  const v = (name) => form.querySelector(`[name=${name}]`)?.value;
  const num = (name) => {
    const x = v(name);
    return x === undefined || x === '' ? null : Number(x);
  };
  d.kind = v('kind') ?? d.kind;
  d.title = v('title') ?? d.title;
  if (form.querySelector('[name=substance]')) d.substance = v('substance');
  if (form.querySelector('[name=spill]')) d.spill = v('spill');
  if (form.querySelector('[name=release_rate_kg_s]')) d.release_rate_kg_s = num('release_rate_kg_s');
  if (form.querySelector('[name=mass_kg]')) d.mass_kg = num('mass_kg');
  d.cordon_m = num('cordon_m');
  if (form.querySelector('[name=wind_from_deg]')) {
    d.weather = { wind_from_deg: num('wind_from_deg') ?? 0, wind_speed_ms: num('wind_speed_ms') ?? 0, daytime: v('daytime') !== 'false' };
  }
  d.casualties = num('casualties') ?? 0;
  d.description = v('description') ?? '';
}

function draftBody() {
  const d = S.draft;
  const fields = new Set(KIND_FIELDS[d.kind] ?? ['cordon_m']);
  const body = { kind: d.kind, location: d.location.map((x) => Math.round(x * 1e6) / 1e6), drill: ctx.mode === 'drill' };
  const place = ctx.countyAt?.(d.location);
  body.title = d.title?.trim() || t('incident.defaultTitle', { place: place ?? '', kind: term('incidentKind', d.kind) }).trim();
  if (fields.has('substance') && d.substance) body.substance = d.substance;
  if (fields.has('spill') && d.spill) body.spill = d.spill;
  if (fields.has('release_rate_kg_s') && d.release_rate_kg_s) body.release_rate_kg_s = d.release_rate_kg_s;
  if (fields.has('mass_kg') && d.mass_kg) body.mass_kg = d.mass_kg;
  if (d.cordon_m) body.cordon_m = d.cordon_m;
  if (fields.has('weather') && d.weather) body.weather = d.weather;
  if (d.casualties) body.casualties = d.casualties;
  if (d.description) body.description = d.description;
  return body;
}

async function createIncident() {
  if (S.busy.has('create')) return;
  S.busy.add('create');
  S.formError = null;
  renderPanel();
  try {
    const inc = await api('/incidents', { method: 'POST', body: draftBody() });
    S.justCreated = inc.id;
    clearDraft();
    S.current = inc;
    S.rec = null;
    ctx.selectTab?.('incidents');
    renderPanel();
    fitIncident(inc);
    refreshList();
    refreshZones();
    refreshRecommendation();
  } catch (err) {
    S.formError = err.message;
  } finally {
    S.busy.delete('create');
    renderPanel();
  }
}

// ------------------------------------------------------------------ panel

async function openIncident(id) {
  if (!Number.isFinite(id)) return;
  if (S.placing) stopPlacing();
  clearDraft();
  ctx.closeFeaturePanel?.();
  if (ctx.replay) {
    const inc = (ctx.replay.data?.incidents ?? []).find((i) => i.id === id);
    if (!inc) return;
    S.current = inc;
    openPanel();
    renderPanel();
    drawPoints();
    fitIncident(inc);
    return;
  }
  try {
    const inc = await api(`/incidents/${id}`);
    if (Boolean(inc.drill) !== (ctx.mode === 'drill')) setMode(inc.drill ? 'drill' : 'real');
    S.current = inc;
    S.rec = null;
    openPanel();
    renderPanel();
    renderList();
    drawPoints();
    refreshZones();
    fitIncident(inc);
    refreshRecommendation();
    ctx.emit('incident-shown', inc);
  } catch (err) {
    toast(err.message, { kind: 'error' });
  }
}

function fitIncident(inc) {
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

function openPanel() {
  const panel = document.getElementById('incident-panel');
  if (!panel.dataset.wired) {
    panel.dataset.wired = '1';
    const mark = (e) => e.target?.name && e.target.closest('.edit-form') && (e.target.dataset.dirty = '1');
    panel.addEventListener('input', mark);
    panel.addEventListener('change', mark);
  }
  panel.hidden = false;
  S.panelOpen = true;
  document.body.classList.add('incident-open');
  requestAnimationFrame(() => map.resize());
}

function closePanel() {
  const panel = document.getElementById('incident-panel');
  panel.hidden = true;
  panel.replaceChildren();
  S.panelOpen = false;
  S.current = null;
  S.rec = null;
  S.closing = false;
  if (S.draft) clearDraft();
  document.body.classList.remove('incident-open');
  drawRoutes();
  drawPoints();
  refreshZones();
  renderList();
  requestAnimationFrame(() => map.resize());
  ctx.emit('incident-closed-panel');
}

/** Keeps which <details> the user opened across re-renders. */
function details(key, summary, body, { open = false, className = '' } = {}) {
  const d = el('details', `section ${className}`.trim());
  d.dataset.key = key;
  d.open = S.openDetails.has(key) || (open && !S.openDetails.has(`!${key}`));
  d.addEventListener('toggle', () => {
    S.openDetails.delete(key);
    S.openDetails.delete(`!${key}`);
    S.openDetails.add(d.open ? key : `!${key}`);
  });
  d.append(el('summary', null, summary), body);
  return d;
}

function renderPanel() {
  const panel = document.getElementById('incident-panel');
  if (!S.panelOpen) return;
  const scroll = panel.scrollTop;
  const focused = document.activeElement && panel.contains(document.activeElement) ? document.activeElement : null;
  // keep what is being typed: a live refresh must not wipe a note in progress
  const noteText = panel.querySelector('textarea[name=note]')?.value ?? S.noteDraft ?? '';
  const reasonText = panel.querySelector('input[name=reason]')?.value;
  if (S.draft && !S.current) {
    const form = panel.querySelector('#incident-form');
    if (form) saveDraft(form);
    panel.replaceChildren(closeButton(), renderForm());
  } else if (S.current) {
    // what the user is typing survives a live refresh of the panel
    const dirty = [...panel.querySelectorAll('[data-dirty][name]')].map((e) => [e.closest('form')?.className ?? '', e.name, e.value]);
    panel.replaceChildren(closeButton(), renderIncident(S.current));
    for (const [form, name, value] of dirty) {
      const input = panel.querySelector(`${form ? `form.${form.split(' ')[0]} ` : ''}[name=${name}]`);
      if (input) {
        input.value = value;
        input.dataset.dirty = '1';
      }
    }
    const note = panel.querySelector('textarea[name=note]');
    if (note) note.value = noteText;
    const reason = panel.querySelector('input[name=reason]');
    if (reason && reasonText !== undefined) reason.value = reasonText;
    if (focused?.name) panel.querySelector(`[name=${focused.name}]`)?.focus();
  } else {
    panel.replaceChildren(closeButton());
  }
  panel.scrollTop = scroll;
}

function closeButton() {
  return button('×', () => closePanel(), 'panel-close', { 'aria-label': t('app.close'), title: t('app.close') });
}

function renderIncident(inc) {
  const root = el('div', 'incident');
  root.dataset.id = String(inc.id);
  root.dataset.status = inc.status;
  const readonly = Boolean(ctx.replay) || inc.status === 'closed';

  // header
  const head = el('header', 'inc-head');
  head.append(el('div', 'inc-chips',
    inc.drill ? el('span', 'drill-tag big', t('drill.banner')) : null,
    el('span', 'kind-chip big', term('incidentKind', inc.kind)),
    el('span', `status-badge ${inc.status}`, term('incidentStatus', inc.status)),
    ctx.replay ? el('span', 'replay-tag', t('incident.readonly')) : null));
  head.append(el('h2', 'inc-name', inc.title || term('incidentKind', inc.kind)));
  head.append(el('div', 'inc-actions',
    button(t('incident.flyTo'), () => fitIncident(inc), 'btn'),
    button(t('incident.report'), () => window.open(`/incidents/${inc.id}/report.html`, '_blank', 'noopener'), 'btn report-btn')));
  root.append(head);
  if (inc.status === 'closed') root.append(el('div', 'closed-note', t('incident.closed.banner', { reason: inc.close_reason ?? '—' })));

  // facts
  const facts = el('table', 'facts');
  const row = (label, value) => value !== null && value !== undefined && value !== '' && facts.append(el('tr', null, el('th', null, label), el('td', null, value)));
  row(t('incident.opened'), `${fmtTime(inc.opened_at, true)}${inc.opened_by ? ` · ${inc.opened_by}` : ''}`);
  if (inc.closed_at) row(t('incident.closedAt'), fmtTime(inc.closed_at, true));
  row(t('incident.location'), fmtLocation(inc.location));
  if (inc.substance) row(t('incident.substance'), `${term('substance', inc.substance)}${inc.spill ? ` · ${term('spill', inc.spill)}` : ''}${inc.release_rate_kg_s ? ` · ${fmtNumber(inc.release_rate_kg_s, 2)} kg/s` : ''}${inc.mass_kg ? ` · ${fmtNumber(inc.mass_kg)} kg` : ''}`);
  if (inc.weather) {
    row(t('incident.weather'), t('incident.weather.text', {
      deg: fmtNumber(inc.weather.wind_from_deg), dir: term('compass', compassPoint(inc.weather.wind_from_deg)),
      speed: fmtNumber(inc.weather.wind_speed_ms, 1), day: term('daytime', inc.weather.daytime === false ? 'night' : 'day'),
    }));
  }
  if (inc.casualties) row(t('incident.casualties'), fmtNumber(inc.casualties));
  if (inc.needs?.length) row(t('incident.needs'), inc.needs.map((k) => term('teamKind', typeof k === 'string' ? k : k.kind)).join(isZh() ? '、' : ', '));
  if (inc.description) row(t('incident.form.description'), inc.description);
  root.append(facts);

  root.append(renderZones(inc));
  const domino = inc.zones?.domino ?? [];
  if (domino.length) root.append(renderDomino(domino));
  if (inc.zones?.limits?.length) {
    root.append(details('limits', t('incident.limits'), el('ul', 'limits', ...inc.zones.limits.map((l) => el('li', null, l)))));
  }
  if (!readonly) root.append(renderEdit(inc));
  if (!readonly) root.append(renderRecommendation(inc));
  root.append(renderUnits(inc, readonly));
  if (inc.drill) root.append(renderInjects(inc, readonly));
  root.append(renderNotes(inc, readonly));
  if (inc.timeline?.length) root.append(renderTimeline(inc));
  if (!readonly) root.append(renderClose(inc));
  return root;
}

/** Shelter capacity inside a zone: the server sums it as ["capacity", n]. */
function shelterCapacity(total) {
  if (Array.isArray(total)) return Number(total[1]) || 0;
  if (total && typeof total === 'object') return Number(total.capacity) || 0;
  return Number(total) || 0;
}

const exposureKeys = ['enterprises', 'hazard_sources', 'shelters', 'rescue_teams', 'gas_stations', 'gas_pipes', 'gas_valves', 'warehouses', 'disaster_zones'];

function renderZones(inc) {
  const box = el('section', 'zones');
  box.append(el('h3', null, t('incident.zones')));
  const zones = [...(inc.zones?.zones ?? [])].sort((a, b) => tierRank(b.tier) - tierRank(a.tier));
  if (!zones.length) {
    box.append(el('p', 'muted', t('incident.zones.none')));
    return box;
  }
  const list = el('ul', { class: 'zone-list', id: 'zone-list' });
  for (const z of zones) {
    const e = z.exposure ?? {};
    const L = e.layers ?? {};
    const li = el('li', 'zone');
    li.dataset.tier = z.tier;
    const sw = el('span', 'zone-swatch');
    sw.style.background = tierColor(z.tier);
    const label = (isZh() ? z.label_zh : z.label_en) || term('zoneTier', z.tier);
    li.append(el('div', 'zone-head', sw, el('strong', null, term('zoneTier', z.tier)), el('span', 'zone-label', label)));
    const stats = el('div', 'zone-stats');
    const stat = (key, value, cls = '') => stats.append(el('span', `stat ${cls}`.trim(), el('span', 'stat-k', key), el('span', 'stat-v', value)));
    stat(t('incident.zone.population'), t('unit.people', { n: fmtNumber(e.population ?? 0) }), (e.population ?? 0) > 0 ? 'warn' : '');
    if (e.area_km2 !== undefined) stat(t('incident.zone.area'), t('unit.km2', { n: fmtFixed(e.area_km2, 2) }));
    stat(t('incident.zone.enterprises'), fmtNumber(L.enterprises?.count ?? 0), (L.enterprises?.count ?? 0) > 0 ? 'warn' : '');
    stat(t('incident.zone.hazard_sources'), fmtNumber(L.hazard_sources?.count ?? 0), (L.hazard_sources?.count ?? 0) > 0 ? 'alarm' : '');
    const capacity = shelterCapacity(L.shelters?.total);
    const shelterText = `${fmtNumber(L.shelters?.count ?? 0)}${capacity ? ` · ${t('incident.zone.shelterCapacity', { n: fmtNumber(capacity) })}` : ''}`;
    stat(t('incident.zone.shelters'), shelterText);
    li.append(stats);
    const byRisk = L.enterprises?.by?.risk_level;
    if (byRisk && Object.keys(byRisk).length) {
      const chips = el('div', 'risk-counts');
      for (const r of RISK) {
        if (!byRisk[r.code]) continue;
        const dot = el('span', 'chip');
        dot.style.background = r.color;
        chips.append(el('span', 'risk-count', dot, `${term('riskColour', r.code)} ${fmtNumber(byRisk[r.code])}`));
      }
      li.append(chips);
    }
    // who / what is inside, by layer
    const inside = el('div', 'zone-items');
    for (const key of exposureKeys) {
      const layer = L[key];
      if (!layer?.count || !layer.items?.length) continue;
      const names = layer.items.slice(0, 30).map((item) => {
        const name = item.name ?? `${term('prop', key)} #${item.id}`;
        const a = el('a', { href: '#', class: 'item-link' }, name);
        a.addEventListener('click', (ev) => {
          ev.preventDefault();
          ctx.showFeature(key, item.id).then((f) => f?.geometry && ctx.flyTo(f.geometry, { zoom: 15 }));
        });
        return a;
      });
      const more = layer.count > names.length ? el('span', 'muted', ` ${t('app.more', { n: layer.count - names.length })}`) : null;
      inside.append(el('div', 'zone-layer', el('span', 'zone-layer-name', `${t(`incident.zone.${key}`)}（${fmtNumber(layer.count)}）`),
        el('span', 'zone-layer-items', ...names.flatMap((n, i) => (i ? [isZh() ? '、' : ', ', n] : [n]))), more));
    }
    if (inside.children.length) li.append(details(`zone-${z.tier}`, t('incident.zone.inside'), inside, { className: 'zone-details' }));
    list.append(li);
  }
  box.append(list);
  return box;
}

/** Changed conditions (wind turns, the release grows): PATCH the incident, the zones are computed again. */
function renderEdit(inc) {
  const fields = new Set(KIND_FIELDS[inc.kind] ?? ['cordon_m']);
  const form = el('form', { class: 'edit-form', novalidate: true });
  const w = inc.weather ?? { wind_from_deg: 270, wind_speed_ms: 3, daytime: true };
  if (fields.has('weather')) {
    const dirs = [0, 45, 90, 135, 180, 225, 270, 315].map((deg) => [deg, `${term('compass', compassPoint(deg))} ${deg}°`]);
    form.append(field('wind_from_deg', 'incident.form.windFrom', selectInput('wind_from_deg', dirs, (Math.round((Number(w.wind_from_deg) % 360) / 45) * 45) % 360)));
    form.append(field('wind_speed_ms', 'incident.form.windSpeed', numberInput('wind_speed_ms', { value: w.wind_speed_ms ?? 3, min: 0, max: 60, step: 0.5 })));
    form.append(field('daytime', 'incident.form.daytime', selectInput('daytime', [['true', term('daytime', 'day')], ['false', term('daytime', 'night')]], String(w.daytime ?? true))));
  }
  if (fields.has('release_rate_kg_s')) form.append(field('release_rate_kg_s', 'incident.form.rate', numberInput('release_rate_kg_s', { value: inc.release_rate_kg_s ?? '', min: 0 })));
  if (fields.has('mass_kg')) form.append(field('mass_kg', 'incident.form.mass', numberInput('mass_kg', { value: inc.mass_kg ?? '', min: 0 })));
  form.append(field('cordon_m', 'incident.form.cordon', numberInput('cordon_m', { value: inc.cordon_m ?? '', min: 0, step: 50 })));
  form.append(field('casualties', 'incident.form.casualties', numberInput('casualties', { value: inc.casualties ?? 0, min: 0, step: 1 })));
  const save = el('button', { type: 'submit', class: 'btn primary' }, t('incident.edit.save'));
  save.disabled = S.busy.has('edit');
  form.append(el('div', 'form-actions', save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (name) => form.querySelector(`[name=${name}]`)?.value;
    const num = (name) => (v(name) === undefined || v(name) === '' ? null : Number(v(name)));
    const body = { cordon_m: num('cordon_m'), casualties: num('casualties') ?? 0 };
    if (fields.has('weather')) body.weather = { wind_from_deg: num('wind_from_deg') ?? 0, wind_speed_ms: num('wind_speed_ms') ?? 0, daytime: v('daytime') !== 'false' };
    if (fields.has('release_rate_kg_s')) body.release_rate_kg_s = num('release_rate_kg_s');
    if (fields.has('mass_kg')) body.mass_kg = num('mass_kg');
    S.busy.add('edit');
    save.disabled = true;
    try {
      const updated = await api(`/incidents/${inc.id}`, { method: 'PATCH', body });
      for (const input of document.querySelectorAll('#incident-panel .edit-form [data-dirty]')) delete input.dataset.dirty;
      if (updated?.id === S.current?.id) S.current = updated;
      toast(t('incident.edit.done'), { kind: 'ok', timeout: 3000 });
      refreshZones();
      refreshRecommendation();
    } catch (err) {
      toast(err.message, { kind: 'error', timeout: 10000 });
    } finally {
      S.busy.delete('edit');
      renderPanel();
    }
  });
  return details('edit', t('incident.edit'), form);
}

function renderDomino(domino) {
  const box = el('section', { class: 'domino', role: 'alert' });
  box.append(el('h3', null, `⚠ ${t('incident.domino')}（${domino.length}）`));
  const ul = el('ul');
  for (const d of domino.slice(0, 40)) {
    const grade = d.layer === 'hazard_sources' ? term('hazardLevel', d.grade) : term('pressureClass', d.grade);
    const name = d.layer === 'gas_pipes' ? t('incident.domino.pipe', { network: d.name ?? '' }) : d.name;
    const li = el('li', null, t('incident.domino.item', { name, grade, zone: term('zoneTier', d.zone) }));
    li.dataset.layer = d.layer;
    li.addEventListener('click', () => ctx.showFeature(d.layer, d.id).then((f) => f?.geometry && ctx.flyTo(f.geometry, { zoom: 15 })));
    ul.append(li);
  }
  if (domino.length > 40) ul.append(el('li', 'muted', t('app.more', { n: domino.length - 40 })));
  box.append(ul);
  return box;
}

function renderRecommendation(inc) {
  const box = el('section', { class: 'recommend', id: 'recommendation' });
  box.append(el('h3', null, t('incident.recommend')));
  if (S.recLoading && !S.rec) {
    box.append(el('p', 'muted', t('incident.recommend.loading')));
    return box;
  }
  if (S.recError) box.append(el('p', 'error-note', S.recError));
  const rec = S.rec;
  if (!rec) return box;
  if (rec.needs?.length) {
    box.append(el('div', 'needs', ...rec.needs.map((n) => el('span', 'need-chip', term('teamKind', n.kind)))));
  }
  const teams = rec.teams ?? [];
  if (!teams.length) box.append(el('p', 'muted', t('incident.recommend.none')));
  const assigned = new Set((inc.units ?? []).map((u) => u.team));
  const ul = el('ul', { class: 'team-list', id: 'team-list' });
  const available = teams.filter((x) => !assigned.has(x.id));
  for (const team of teams) {
    const li = el('li', 'team');
    li.dataset.team = String(team.id);
    li.dataset.kind = team.kind;
    const kindChip = el('span', 'team-kind', term('teamKind', team.kind));
    const info = el('div', 'team-info',
      el('div', 'team-name', team.name),
      el('div', 'team-meta', kindChip, el('span', 'travel', t('incident.recommend.travel', { min: fmtMinutes(team.travel_s), km: fmtDistance(team.route_m ?? team.distance_m) }))),
      team.matches?.length ? el('div', 'team-matches', `${t('incident.recommend.matches')}：${team.matches.map((c) => term('capability', c)).join(isZh() ? '、' : ', ')}`) : null);
    const busy = S.busy.has(`dispatch-${team.id}`);
    const dispatch = button(t('incident.dispatch'), () => dispatch_([team.id]), 'btn primary big dispatch-btn', { 'data-team': String(team.id) });
    dispatch.disabled = busy || assigned.has(team.id);
    li.append(info, dispatch);
    li.addEventListener('mouseenter', () => highlightRoute(team.id));
    li.addEventListener('mouseleave', () => highlightRoute(null));
    ul.append(li);
  }
  box.append(ul);
  if (available.length > 1) {
    box.append(button(`${t('incident.dispatch.all')}（${available.length}）`, () => dispatch_(available.map((x) => x.id)), 'btn primary wide'));
  }
  if (rec.warehouses?.length) {
    const wl = el('ul', 'warehouse-list');
    for (const w of rec.warehouses) {
      const items = (w.items ?? []).slice(0, 6).map((i) => `${term('stockItem', i.item)}×${fmtNumber(i.count)}`).join(isZh() ? '、' : ', ');
      wl.append(el('li', null, el('strong', null, w.name), ` · ${fmtMinutes(w.travel_s)} · `, el('span', 'muted', items)));
    }
    box.append(details('warehouses', t('incident.recommend.warehouses'), wl));
  }
  return box;
}

function highlightRoute(teamId) {
  if (!map.getLayer('inc-routes-line')) return;
  map.setPaintProperty('inc-routes-line', 'line-width', teamId === null
    ? zoomed(6, 3, 12, 5)
    : ['case', ['==', ['get', 'team'], teamId], 8, 2]);
}

function renderUnits(inc, readonly) {
  const box = el('section', { class: 'units', id: 'units' });
  box.append(el('h3', null, t('incident.units')));
  const units = inc.units ?? [];
  if (!units.length) {
    box.append(el('p', 'muted', t('incident.units.none')));
    return box;
  }
  const ul = el('ul', 'unit-list');
  for (const u of units) {
    const li = el('li', 'unit');
    li.dataset.team = String(u.team);
    li.dataset.status = u.status;
    const chip = el('span', 'status-chip', term('teamStatus', u.status));
    chip.style.background = statusColor(u.status);
    chip.dataset.status = u.status;
    const times = [];
    if (u.dispatched_at) times.push(`${term('teamStatus', 'dispatched')} ${fmtTime(u.dispatched_at)}`);
    if (u.on_scene_at) times.push(`${term('teamStatus', 'on_scene')} ${fmtTime(u.on_scene_at)}`);
    if (u.travel_s && ['dispatched', 'en_route'].includes(u.status)) times.push(t('incident.unit.eta', { min: fmtMinutes(u.travel_s) }));
    const name = el('a', { href: '#', class: 'unit-name' }, u.name ?? `#${u.team}`);
    name.addEventListener('click', (e) => {
      e.preventDefault();
      ctx.showFeature('rescue_teams', u.team).then((f) => f?.geometry && ctx.flyTo(f.geometry, { zoom: 13 }));
    });
    li.append(el('div', 'unit-head', name, el('span', 'team-kind', term('teamKind', u.kind)), chip));
    if (times.length) li.append(el('div', 'unit-times', times.join(' · ')));
    if (!ctx.replay) {
      const next = NEXT_STATUS[u.status] ?? [];
      if (next.length) {
        const actions = el('div', 'unit-actions');
        for (const s of next) {
          const b = button(t('incident.unit.to', { status: term('teamStatus', s) }), () => setUnitStatus(inc, u, s), 'btn status-btn', {
            'data-team': String(u.team), 'data-next': s,
          });
          b.style.borderColor = statusColor(s);
          b.disabled = S.busy.has(`status-${u.team}`);
          actions.append(b);
        }
        li.append(actions);
      }
    }
    ul.append(li);
  }
  box.append(ul);
  return box;
}

function renderInjects(inc, readonly) {
  const box = el('section', { class: 'injects', id: 'injects' });
  box.append(el('h3', null, t('incident.injects')));
  const injects = inc.injects ?? [];
  if (!injects.length) box.append(el('p', 'muted', t('incident.injects.none')));
  const ul = el('ul', 'inject-list');
  for (const i of [...injects].reverse()) {
    ul.append(el('li', 'inject', el('div', 'inject-head', el('strong', null, i.title ?? ''), el('span', 'muted', ` ${fmtTime(i.at)}${Number.isFinite(i.at_min) ? ` · T+${i.at_min}′` : ''}`)),
      i.text ? el('div', 'inject-text', i.text) : null));
  }
  box.append(ul);
  if (!readonly) {
    const b = button(t('incident.injects.next'), async () => {
      S.busy.add('inject');
      b.disabled = true;
      try {
        const updated = await api(`/incidents/${inc.id}/injects/next`, { method: 'POST', body: {} });
        if (updated?.id === S.current?.id) S.current = updated;
      } catch (err) {
        toast(err.message, { kind: 'error' });
      } finally {
        S.busy.delete('inject');
        renderPanel();
      }
    }, 'btn warn', { id: 'next-inject' });
    box.append(b);
  }
  return box;
}

function renderNotes(inc, readonly) {
  const box = el('section', { class: 'notes', id: 'notes' });
  box.append(el('h3', null, t('incident.notes')));
  const notes = inc.notes ?? [];
  const ul = el('ul', 'note-list');
  if (!notes.length) ul.append(el('li', 'muted', t('incident.notes.none')));
  for (const n of [...notes].reverse()) {
    ul.append(el('li', 'note-item', el('span', 'note-meta', `${fmtTime(n.at)}${n.actor ? ` · ${n.actor}` : ''}`), el('span', 'note-text', n.text)));
  }
  box.append(ul);
  if (!readonly) {
    const form = el('form', 'note-form');
    const area = el('textarea', { class: 'input', name: 'note', rows: 2, placeholder: t('incident.notes.placeholder') });
    area.addEventListener('input', () => (S.noteDraft = area.value));
    const add = el('button', { type: 'submit', class: 'btn primary' }, t('incident.notes.add'));
    add.disabled = S.busy.has('note');
    form.append(area, add);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text) return;
      S.busy.add('note');
      add.disabled = true;
      try {
        const updated = await api(`/incidents/${inc.id}/notes`, { method: 'POST', body: { text } });
        S.noteDraft = '';
        area.value = '';
        if (updated?.id === S.current?.id) S.current = updated;
      } catch (err) {
        toast(err.message, { kind: 'error' });
      } finally {
        S.busy.delete('note');
        renderPanel();
      }
    });
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
    });
    box.append(form);
  }
  return box;
}

function renderTimeline(inc) {
  const ul = el('ul', 'timeline');
  for (const item of [...inc.timeline].reverse()) {
    const summary = (isZh() ? item.summary_zh : item.summary_en) || item.summary_en || t(`tl.${item.type}`);
    ul.append(el('li', null, el('span', 'tl-time', fmtTime(item.at)), el('span', 'tl-type', t(`tl.${item.type}`)), el('span', 'tl-text', summary),
      item.actor ? el('span', 'tl-actor', item.actor) : null));
  }
  return details('timeline', `${t('incident.timeline')}（${inc.timeline.length}）`, ul);
}

function renderClose(inc) {
  const box = el('section', 'close-box');
  if (!S.closing) {
    box.append(button(t('incident.close'), () => {
      S.closing = true;
      renderPanel();
      document.querySelector('#incident-panel input[name=reason]')?.focus();
    }, 'btn wide close-btn'));
    return box;
  }
  const input = el('input', { class: 'input', name: 'reason', type: 'text', value: t('incident.close.reason.default'), 'aria-label': t('incident.close.reason') });
  const confirm = button(t('incident.close.confirm'), async () => {
    S.busy.add('close');
    confirm.disabled = true;
    try {
      const updated = await api(`/incidents/${inc.id}/close`, { method: 'POST', body: { reason: input.value.trim() || t('incident.close.reason.default') } });
      S.closing = false;
      if (updated?.id === S.current?.id) S.current = updated;
      S.rec = null;
      drawRoutes();
      refreshList();
      refreshZones();
    } catch (err) {
      toast(err.message, { kind: 'error' });
    } finally {
      S.busy.delete('close');
      renderPanel();
    }
  }, 'btn danger');
  box.append(el('label', 'field', el('span', 'field-label', t('incident.close.reason')), input),
    el('div', 'form-actions', confirm, button(t('app.cancel'), () => {
      S.closing = false;
      renderPanel();
    }, 'btn')));
  return box;
}

// ------------------------------------------------------------------ actions

async function dispatch_(teamIds, incident = S.current) {
  if (!incident) return;
  for (const id of teamIds) S.busy.add(`dispatch-${id}`);
  renderPanel();
  try {
    const updated = await api(`/incidents/${incident.id}/dispatch`, { method: 'POST', body: { teams: teamIds } });
    if (updated?.id === S.current?.id) S.current = updated;
    const names = (updated?.units ?? []).filter((u) => teamIds.includes(u.team)).map((u) => u.name).join(isZh() ? '、' : ', ');
    toast(t('incident.dispatched', { name: names || teamIds.join(', ') }), { kind: 'ok', timeout: 4000 });
  } catch (err) {
    toast(err.message, { kind: 'error', timeout: 10000 });
  } finally {
    for (const id of teamIds) S.busy.delete(`dispatch-${id}`);
    renderPanel();
    refreshRecommendation();
    if (ctx.mode === 'drill') refreshDrillStatuses();
  }
}

async function setUnitStatus(inc, unit, status) {
  S.busy.add(`status-${unit.team}`);
  renderPanel();
  try {
    await api(`/teams/${unit.team}/status`, { method: 'POST', body: { status, drill: Boolean(inc.drill) } });
    toast(t('incident.unit.changed', { name: unit.name ?? `#${unit.team}`, status: term('teamStatus', status) }), { kind: 'ok', timeout: 3000 });
  } catch (err) {
    toast(err.message, { kind: 'error', timeout: 10000 });
  } finally {
    S.busy.delete(`status-${unit.team}`);
    await refreshCurrent();
    if (ctx.mode === 'drill') refreshDrillStatuses();
  }
}

/** The feature panel of an available team offers to dispatch it to the open incident. */
function dispatchFromFeature(feature) {
  const inc = S.current;
  if (!inc || inc.status === 'closed' || ctx.replay) return null;
  const id = Number(feature.id);
  const status = ctx.teamStatusOverride(id) ?? feature.properties?.status;
  if (status !== 'available' || (inc.units ?? []).some((u) => u.team === id)) return null;
  return button(`${t('feature.dispatchHere')}：${inc.title ?? ''}`, () => dispatch_([id], inc), 'btn primary');
}

// ------------------------------------------------------------------ replay

/** Shows the record as at a moment (data from GET /replay) or, with null, the live state again. */
function applyReplay(replay) {
  ctx.replay = replay;
  document.body.classList.toggle('replaying', Boolean(replay));
  if (!replay) {
    S.replayUnits = null;
    applyTeamOverrides(new Map());
    if (S.current) {
      const id = S.current.id;
      S.current = null;
      openIncident(id);
    }
    refreshAll();
    return;
  }
  const incidents = replay.data?.incidents ?? [];
  // the zones and points of the incidents open at that moment
  const zones = [];
  for (const inc of incidents) {
    if (inc.status === 'closed') continue;
    for (const z of inc.zones?.zones ?? []) if (z.polygon) zones.push(zoneFeature(inc, z, inc.id === S.current?.id));
  }
  zones.sort((a, b) => a.properties.rank - b.properties.rank);
  map.getSource('inc-zones')?.setData({ type: 'FeatureCollection', features: zones });
  // unit statuses at that moment; teams not listed were available
  const units = new Map(Object.entries(replay.data?.units ?? {}).map(([id, v]) => [Number(id), v.status]));
  for (const f of map.querySourceFeatures('rescue_teams', { sourceLayer: 'rescue_teams' })) {
    const id = Number(f.id);
    if (!units.has(id) && f.properties?.status && f.properties.status !== 'available' && f.properties.status !== 'out_of_service') units.set(id, 'available');
  }
  for (const id of S.overridden) if (!units.has(id)) units.set(id, S.drillStatuses.has(id) ? 'available' : undefined);
  for (const [id, s] of units) if (s === undefined) units.delete(id);
  S.replayUnits = units;
  applyTeamOverrides(units);
  if (S.current) {
    const at = incidents.find((i) => i.id === S.current.id);
    if (at) S.current = at;
  }
  S.rec = null;
  drawRoutes();
  drawPoints();
  renderList();
  renderPanel();
}

