// Gas valve isolation on the map (docs/gas-isolation.md): for a gas_leak
// incident, the valves to close (ringed, numbered in closing order), the
// optional and inoperable/failed ones drawn differently, the isolated
// section's pipes, the pipes that lose gas and the area they serve (the
// service-area rule's 600 m band); in the incident panel the valve
// checklist ("closed" per valve: POST /incidents/{id}/valves, redrawn live
// from /events/stream through incident-state.js) and the what-if ("this
// valve fails": POST /gas/isolate with fail). Outside an incident, duty
// staff run a trace from a pipe or valve (its attribute panel) or from a
// point (right-click on the map) into a small panel of its own.

import { bus } from './ctx.js';
import { t, term, fmtNumber, fmtMinutes, fmtDistance, fmtTime } from './i18n.js';
import { api, el, button, toast, geometryBounds } from './util.js';
import { LABEL_FONT } from './layers.js';
import { map, addLayer } from './mapview.js';
import { onLayerClick } from './map-clicks.js';
import { closeFeaturePanel } from './feature-panel.js';
import { replayState } from './replay.js';
import { may } from './session.js';
import { S, panelChanged } from './incident-state.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const SERVICE_RADIUS_M = 600; // the server's service-area rule (layers/src/gas/mod.rs SERVICE_RADIUS_M)

/** What the map shows: the incident's trace, or a trace run outside an incident. */
const G = {
  whatIf: null, // { incident, fail: [ids], answer } for the shown incident
  standalone: null, // { body, answer } run from the map
  busy: new Set(), // valve ids being closed, 'what-if', 'run'
};

export function initGas() {
  addMapLayers();
  bus.on('incident-panel', draw);
  bus.on('incident-closed-panel', () => {
    G.whatIf = null;
    draw();
  });
  // a gas leak opened: show the whole isolation (valves, section, outage) and the zones together
  bus.on('incident-shown', (inc) => {
    if (inc?.gas_network && inc.gas_isolation && !inc.gas_isolation.unavailable) fitTrace(inc.gas_isolation, inc);
  });
  bus.on('lang', () => {
    renderStandalone();
    draw();
  });
  // a point: right-click (or long press) anywhere on the map
  map.on('contextmenu', (e) => {
    if (!may('analyse') || replayState()) return;
    runIsolation({ point: [Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))] });
  });
}

// ------------------------------------------------------------------ map

function addMapLayers() {
  for (const id of ['gas-area', 'gas-section', 'gas-outage', 'gas-valves', 'gas-leak']) map.addSource(id, { type: 'geojson', data: EMPTY });
  // The area that loses supply: every place within the service radius of a
  // pipe without gas (an upper bound of the service-area rule). Its width in
  // pixels follows the zoom; set per trace from the latitude (bandWidth).
  addLayer('area', {
    id: 'gas-area-band', type: 'line', source: 'gas-area',
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': '#f97316', 'line-opacity': 0.16, 'line-width': 4 },
  });
  addLayer('overlay', {
    id: 'gas-outage-line', type: 'line', source: 'gas-outage',
    layout: { 'line-join': 'round' },
    paint: { 'line-color': '#fb923c', 'line-width': 4, 'line-dasharray': [2, 1.5], 'line-opacity': 0.95 },
  });
  addLayer('overlay', {
    id: 'gas-section-casing', type: 'line', source: 'gas-section',
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': '#0a1220', 'line-width': 10, 'line-opacity': 0.9 },
  });
  addLayer('overlay', {
    id: 'gas-section-line', type: 'line', source: 'gas-section',
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': '#ff2e63', 'line-width': 6 },
  });
  // valves: to close (white disc, red ring, the order inside; green when
  // closed), optional (grey ring), passed through (inoperable or failed: a red ✕)
  addLayer('top', {
    id: 'gas-valves-ring', type: 'circle', source: 'gas-valves',
    paint: {
      'circle-radius': ['match', ['get', 'role'], 'close', 13, 'optional', 9, 8],
      'circle-color': ['match', ['get', 'role'], 'close', ['case', ['get', 'closed'], '#16a34a', '#ffffff'], 'optional', 'rgba(148,163,184,0.25)', 'rgba(0,0,0,0.6)'],
      'circle-stroke-color': ['match', ['get', 'role'], 'close', ['case', ['get', 'closed'], '#bbf7d0', '#e11d48'], 'optional', '#94a3b8', '#ef4444'],
      'circle-stroke-width': ['match', ['get', 'role'], 'close', 4, 2],
    },
  });
  addLayer('top', {
    id: 'gas-valves-label', type: 'symbol', source: 'gas-valves',
    layout: {
      'text-field': ['get', 'mark'], 'text-font': LABEL_FONT,
      'text-size': ['match', ['get', 'role'], 'close', 15, 12],
      'text-allow-overlap': true, 'text-ignore-placement': true,
    },
    paint: {
      'text-color': ['match', ['get', 'role'], 'close', ['case', ['get', 'closed'], '#ffffff', '#111827'], 'optional', '#e2e8f0', '#ef4444'],
    },
  });
  addLayer('top', {
    id: 'gas-leak-point', type: 'circle', source: 'gas-leak',
    paint: { 'circle-radius': 6, 'circle-color': '#ff2e63', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
  });
  onLayerClick('gas-valves-ring', (f) => {
    const row = document.querySelector(`[data-gas-valve="${f.properties.id}"]`);
    if (row) {
      row.scrollIntoView({ block: 'center' });
      row.classList.add('flash');
      setTimeout(() => row.classList.remove('flash'), 1200);
    }
  });
}

/** The trace the map should show now: a what-if, the incident's, or one run from the map. */
function shownTrace() {
  const inc = S.current;
  if (inc?.gas_network && inc.gas_isolation) {
    if (G.whatIf?.incident === inc.id) return { answer: G.whatIf.answer, closed: closedSet(inc), at: inc.location };
    if (!inc.gas_isolation.unavailable) return { answer: inc.gas_isolation, closed: closedSet(inc), at: inc.location };
  }
  if (G.standalone) return { answer: G.standalone.answer, closed: new Set(), at: G.standalone.answer.leak?.at };
  return null;
}

const closedSet = (inc) => new Set((inc.gas_isolation?.closed ?? []).map((c) => c.valve));

function draw() {
  if (!map?.getSource('gas-valves')) return;
  const shown = shownTrace();
  if (!shown) {
    for (const id of ['gas-area', 'gas-section', 'gas-outage', 'gas-valves', 'gas-leak']) map.getSource(id).setData(EMPTY);
    return;
  }
  const a = shown.answer;
  const line = (geometry) => (geometry?.coordinates?.length ? [{ type: 'Feature', geometry, properties: {} }] : []);
  map.getSource('gas-section').setData({ type: 'FeatureCollection', features: line(a.section?.geometry) });
  map.getSource('gas-outage').setData({ type: 'FeatureCollection', features: line(a.outage?.geometry) });
  map.getSource('gas-area').setData({ type: 'FeatureCollection', features: [...line(a.section?.geometry), ...line(a.outage?.geometry)] });
  const at = a.leak?.at ?? shown.at;
  if (Array.isArray(at)) map.setPaintProperty('gas-area-band', 'line-width', bandWidth(at[1]));
  map.getSource('gas-leak').setData({
    type: 'FeatureCollection',
    features: Array.isArray(at) ? [{ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: {} }] : [],
  });
  const valve = (v, role, mark) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: v.at },
    properties: { id: v.id, role, mark, closed: shown.closed.has(v.id) },
  });
  map.getSource('gas-valves').setData({
    type: 'FeatureCollection',
    features: [
      ...(a.passed_through ?? []).map((v) => valve(v, 'passed', '✕')),
      ...(a.optional_valves ?? []).map((v) => valve(v, 'optional', '○')),
      ...(a.valves_to_close ?? []).map((v) => valve(v, 'close', String(v.order ?? ''))),
    ],
  });
}

/** Line width (px) that covers SERVICE_RADIUS_M either side of a pipe at this latitude, at every zoom. */
function bandWidth(lat) {
  const metresPerPixelZ0 = (40075016.686 * Math.cos((lat * Math.PI) / 180)) / 512;
  const atZ0 = (2 * SERVICE_RADIUS_M) / metresPerPixelZ0;
  return ['interpolate', ['exponential', 2], ['zoom'], 4, atZ0 * 2 ** 4, 20, atZ0 * 2 ** 20];
}

function fitTrace(answer, inc = null) {
  let bounds = null;
  const valves = { type: 'MultiPoint', coordinates: (answer.valves_to_close ?? []).map((v) => v.at) };
  const zones = (inc?.zones?.zones ?? []).map((z) => z.polygon).filter(Boolean);
  for (const g of [answer.section?.geometry, answer.outage?.geometry, valves, ...zones]) {
    const b = g?.coordinates?.length ? geometryBounds(g) : null;
    if (!b) continue;
    bounds = bounds ? [[Math.min(bounds[0][0], b[0][0]), Math.min(bounds[0][1], b[0][1])], [Math.max(bounds[1][0], b[1][0]), Math.max(bounds[1][1], b[1][1])]] : b;
  }
  if (bounds) map.fitBounds(bounds, { padding: 120, maxZoom: 15, duration: 800 });
}

// ------------------------------------------------------------------ errors

/** An API refusal of the trace in the UI language (the server's reason follows). */
export function gasError(err) {
  const code = err?.body?.error;
  const reason = err?.body?.message ?? '';
  const key = {
    no_pipe_near: 'gas.error.noPipe', no_supply: 'gas.error.noSupply', not_found: 'gas.error.notFound',
    conflict: 'gas.error.conflict', bad_request: 'gas.error.badRequest',
  }[code];
  return key ? `${t(key)}${reason ? `（${reason}）` : ''}` : err?.message ?? String(err);
}

// ------------------------------------------------------------------ the incident panel

/** The incident's isolation: summary, valve checklist, what-if, other valves, limits. Null for other kinds. */
export function renderGasIsolation(inc, readonly) {
  const g = inc.gas_isolation;
  if (!inc.gas_network || !g) return null;
  const box = el('section', { class: 'gas-isolation', id: 'gas-isolation' });
  box.append(el('h3', 'gas-title', t('gas.title')));
  if (g.unavailable) {
    box.append(el('p', 'gas-unavailable', t('gas.unavailable', { reason: g.unavailable })));
    return box;
  }
  const closed = new Map((g.closed ?? []).map((c) => [c.valve, c]));
  const required = g.valves_to_close ?? [];
  const done = required.filter((v) => closed.has(v.id)).length;
  box.dataset.isolated = String(Boolean(g.section_isolated));
  box.append(el('div', `gas-status ${g.section_isolated ? 'isolated' : 'open'}`,
    g.section_isolated ? `✔ ${t('gas.isolated')}` : t('gas.progress', { done, n: required.length })));
  if (!g.isolated) box.append(el('p', 'gas-warn', t('gas.notIsolatable', { stations: (g.stations_in_section ?? []).map((s) => s.name).join('、') || '—' })));
  box.append(summaryTable(g));

  const responds = !readonly && may('respond');
  const analyses = !readonly && may('analyse');
  const list = el('ol', 'gas-checklist');
  for (const v of required) {
    const c = closed.get(v.id);
    const li = el('li', { class: `gas-valve ${c ? 'closed' : ''}`, dataset: { gasValve: String(v.id), order: String(v.order ?? '') } });
    li.append(el('span', 'gas-order', String(v.order ?? '·')));
    li.append(el('div', 'gas-valve-body',
      el('strong', null, t('gas.valve', { id: v.id })),
      el('span', 'muted', ` ${v.diameter_mm ? `DN${v.diameter_mm} · ` : ''}${term('pressureClass', v.pressure_class)}`),
      el('div', 'gas-crew', v.crew ? t('gas.crew', { name: v.crew.name, time: fmtMinutes(v.travel_time_s) }) : t('gas.noCrew')),
      c ? el('div', 'gas-closed-by', t('gas.closedBy', { who: c.actor, at: fmtTime(c.at) })) : null));
    const actions = el('div', 'gas-valve-actions');
    if (!c && responds) {
      const b = button(t('gas.close'), () => closeValve(inc, v.id), 'btn small primary gas-close-btn');
      b.disabled = G.busy.has(v.id);
      actions.append(b);
    }
    if (!c && analyses) {
      const failing = G.whatIf?.incident === inc.id && G.whatIf.fail.includes(v.id);
      actions.append(button(failing ? t('gas.whatIf.undo') : t('gas.whatIf.fail'), () => toggleFail(inc, v.id), `btn small ${failing ? 'warn' : ''} gas-fail-btn`));
    }
    li.append(actions);
    list.append(li);
  }
  if (!required.length) list.append(el('li', 'muted', t('gas.noValves')));
  box.append(list);
  if (G.whatIf?.incident === inc.id) box.append(renderWhatIf(G.whatIf));
  const others = [
    ...(g.optional_valves ?? []).map((v) => [v, 'optional']),
    ...(g.passed_through ?? []).map((v) => [v, 'passed']),
  ];
  if (others.length) {
    box.append(el('details', 'section gas-others',
      el('summary', null, t('gas.others', { n: others.length })),
      el('ul', null, ...others.map(([v, kind]) => el('li', `gas-other ${kind}`,
        `${kind === 'optional' ? '○' : '✕'} ${t('gas.valve', { id: v.id })} · ${reasonText(v.reason)}`)))));
  }
  if (g.limits?.length) box.append(el('details', 'section', el('summary', null, t('incident.limits')), el('ul', 'limits', ...g.limits.map((l) => el('li', null, l)))));
  return box;
}

function reasonText(reason) {
  const key = {
    'its far side reaches no supply point': 'gas.reason.noSupply',
    'its far side cannot feed the section (regulator outlet side)': 'gas.reason.cannotFeed',
    inoperable: 'gas.reason.inoperable',
    'failed (what-if)': 'gas.reason.failed',
  }[reason];
  return key ? t(key) : reason ?? '—';
}

function summaryTable(a) {
  const table = el('table', 'facts gas-facts');
  const row = (label, value) => table.append(el('tr', null, el('th', null, label), el('td', null, value)));
  row(t('gas.network'), a.network ?? '—');
  row(t('gas.section'), t('gas.sectionText', { n: a.section?.pipes?.length ?? 0, len: fmtDistance(a.section?.length_m), vol: fmtNumber(a.section?.volume_m3, 1) }));
  const o = a.outage ?? {};
  row(t('gas.outage'), t('gas.outageText', { n: o.pipes?.length ?? 0, len: fmtDistance(o.length_m), stations: o.stations?.length ?? 0 }));
  row(t('gas.people'), t('unit.people', { n: fmtNumber(o.population ?? 0) }));
  row(t('gas.enterprises'), fmtNumber(o.enterprises?.length ?? 0));
  if (o.hazard_sources?.length) row(t('gas.hazards'), o.hazard_sources.map((h) => h.name).join('、'));
  return table;
}

function renderWhatIf(w) {
  const box = el('div', { class: 'gas-whatif', role: 'status' });
  const d = w.answer.what_if;
  box.append(el('strong', null, t('gas.whatIf.title', { ids: w.fail.join(', ') })));
  if (d) {
    box.append(el('p', null, t('gas.whatIf.text', {
      growth: fmtNumber(d.section_growth, 2),
      from: fmtDistance(d.baseline.section_length_m), to: fmtDistance(d.with_failures.section_length_m),
      people: fmtNumber(d.extra_population),
      valves: d.with_failures.valves_to_close,
    })));
  }
  const next = (w.answer.valves_to_close ?? []).map((v) => `${v.order}. ${t('gas.valve', { id: v.id })}`).join('  ');
  box.append(el('p', 'gas-whatif-valves', `${t('gas.whatIf.valves')}: ${next || '—'}`));
  box.append(button(t('gas.whatIf.clear'), () => {
    G.whatIf = null;
    panelChanged();
  }, 'btn small'));
  return box;
}

async function closeValve(inc, valve) {
  G.busy.add(valve);
  panelChanged();
  try {
    const updated = await api(`/incidents/${inc.id}/valves`, { method: 'POST', body: { valve } });
    if (updated?.id === S.current?.id) S.current = updated;
    if (updated?.gas_isolation?.section_isolated) toast(t('gas.isolated'), { kind: 'ok' });
  } catch (err) {
    toast(gasError(err), { kind: 'error', timeout: 10000 });
  } finally {
    G.busy.delete(valve);
    panelChanged();
  }
}

async function toggleFail(inc, valve) {
  const before = G.whatIf?.incident === inc.id ? G.whatIf.fail : [];
  const fail = before.includes(valve) ? before.filter((v) => v !== valve) : [...before, valve];
  if (!fail.length) {
    G.whatIf = null;
    panelChanged();
    return;
  }
  try {
    const answer = await api('/gas/isolate', { method: 'POST', body: { point: inc.location, fail } });
    if (S.current?.id !== inc.id) return;
    G.whatIf = { incident: inc.id, fail, answer };
    fitTrace(answer);
  } catch (err) {
    toast(gasError(err), { kind: 'error', timeout: 10000 });
  }
  panelChanged();
}

// ------------------------------------------------------------------ outside an incident

/** "Isolation trace" for a gas pipe or valve's attribute panel (null when the role may not analyse). */
export function isolateButton(collectionId, feature) {
  if (!may('analyse') || replayState()) return null;
  const key = { gas_pipes: 'pipe', gas_valves: 'valve' }[collectionId];
  const id = Number(feature?.id ?? feature?.properties?.id);
  if (!key || !Number.isFinite(id)) return null;
  return button(t('gas.run'), () => runIsolation({ [key]: id }), 'btn primary gas-run-btn');
}

/** Runs POST /gas/isolate and shows the answer in the gas panel and on the map. */
export async function runIsolation(body) {
  G.busy.add('run');
  try {
    const answer = await api('/gas/isolate', { method: 'POST', body });
    G.standalone = { body, answer };
    closeFeaturePanel();
    renderStandalone();
    draw();
    fitTrace(answer);
    return answer;
  } catch (err) {
    toast(gasError(err), { kind: 'error', timeout: 10000 });
    return null;
  } finally {
    G.busy.delete('run');
  }
}

function closeStandalone() {
  G.standalone = null;
  renderStandalone();
  draw();
}

function standalonePanel() {
  let panel = document.getElementById('gas-panel');
  if (!panel) {
    panel = el('aside', { id: 'gas-panel', class: 'feature-panel gas-panel', hidden: true });
    document.getElementById('feature-panel').after(panel);
  }
  return panel;
}

function renderStandalone() {
  const panel = standalonePanel();
  const s = G.standalone;
  if (!s) {
    panel.hidden = true;
    panel.replaceChildren();
    return;
  }
  const a = s.answer;
  const what = s.body.pipe ? t('gas.at.pipe', { id: s.body.pipe }) : s.body.valve ? t('gas.at.valve', { id: s.body.valve }) : t('gas.at.point', { pipe: a.leak?.pipe ?? '—', m: fmtNumber(a.leak?.snapped_m ?? 0) });
  const list = el('ol', 'gas-checklist');
  for (const v of a.valves_to_close ?? []) {
    list.append(el('li', { class: 'gas-valve', dataset: { gasValve: String(v.id) } },
      el('span', 'gas-order', String(v.order ?? '·')),
      el('div', 'gas-valve-body', el('strong', null, t('gas.valve', { id: v.id })),
        el('div', 'gas-crew', v.crew ? t('gas.crew', { name: v.crew.name, time: fmtMinutes(v.travel_time_s) }) : t('gas.noCrew')))));
  }
  if (!(a.valves_to_close ?? []).length) list.append(el('li', 'muted', t('gas.noValves')));
  panel.replaceChildren(
    button('×', closeStandalone, 'panel-close', { 'aria-label': t('app.close'), title: t('app.close') }),
    el('h3', 'gas-title', t('gas.title')),
    el('p', 'muted', what),
    a.isolated ? null : el('p', 'gas-warn', t('gas.notIsolatable', { stations: (a.stations_in_section ?? []).map((x) => x.name).join('、') || '—' })),
    summaryTable(a),
    list,
    el('p', 'muted small', t('gas.areaNote', { m: SERVICE_RADIUS_M })),
  );
  panel.hidden = false;
}
