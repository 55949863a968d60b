// Planner view: where a kind of rescue team reaches within N minutes by road
// (GET /coverage?kind=&minutes=), drawn on the map, with the major hazard
// sources and enterprises left outside (white rings on the map, listed); and
// the export of the current map as a PNG (title, time, risk colours, the
// fictional-data note), for risk-distribution and operational command maps.

import { bus } from './ctx.js';
import { t, term, fmtNumber, fmtMinutes, fmtTime } from './i18n.js';
import { api, el, button, toast } from './util.js';
import { TEAM_KINDS, RISK } from './layers.js';
import { map, addLayer, flyToGeometry } from './mapview.js';
import { layers, setLayerVisible } from './collections.js';
import { showFeature } from './feature-panel.js';
import { isDrillMode } from './mode.js';
import { S as incidents } from './incident-state.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const LIST_MAX = 100;

const P = { kind: 'hazmat', minutes: 30, result: null, running: false, error: null, outside: { enterprises: [], hazard_sources: [] } };

export function initPlanner() {
  map.addSource('cov-area', { type: 'geojson', data: EMPTY });
  addLayer('area', {
    id: 'cov-fill', type: 'fill', source: 'cov-area',
    paint: { 'fill-color': '#22c55e', 'fill-opacity': 0.2 },
  });
  addLayer('area', {
    id: 'cov-line', type: 'line', source: 'cov-area',
    paint: { 'line-color': '#4ade80', 'line-width': 2, 'line-opacity': 0.9 },
  });
  bus.on('lang', render);
  render();
  window.lookout && (window.lookout.exportPng = () => exportPng());
}

function render() {
  const pane = document.getElementById('planner-pane');
  if (!pane) return;
  const form = el('form', { class: 'planner-form', id: 'planner-form', novalidate: true });
  form.append(el('div', 'pane-head', el('h2', null, t('planner.title'))));
  const kind = el('select', { class: 'select', name: 'kind' });
  for (const k of TEAM_KINDS) {
    const o = el('option', { value: k.code }, term('teamKind', k.code));
    o.selected = k.code === P.kind;
    kind.append(o);
  }
  kind.addEventListener('change', () => (P.kind = kind.value));
  const minutes = el('input', { class: 'input', type: 'number', name: 'minutes', min: '1', max: '240', step: '1', value: String(P.minutes) });
  minutes.addEventListener('change', () => (P.minutes = Number(minutes.value) || 30));
  form.append(el('label', 'field', el('span', 'field-label', t('planner.kind')), kind));
  form.append(el('label', 'field', el('span', 'field-label', t('planner.minutes')), minutes));
  const run = el('button', { type: 'submit', class: 'btn primary big wide' }, P.running ? t('planner.running') : t('planner.run'));
  run.disabled = P.running;
  form.append(el('div', 'form-actions', run, P.result ? button(t('planner.clear'), clear, 'btn big') : null));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    P.kind = kind.value;
    P.minutes = Number(minutes.value) || 30;
    compute();
  });

  const out = el('div', { class: 'coverage-result', id: 'coverage-result' });
  if (P.error) out.append(el('p', 'error-note', P.error));
  const r = P.result;
  if (r) {
    const pct = r.population_total ? (100 * r.population_covered) / r.population_total : 0;
    out.append(el('p', 'coverage-summary', t('planner.summary', {
      n: fmtNumber(r.teams), min: fmtNumber(r.limit_s / 60), km2: fmtNumber(r.reachable_km2), pct: pct.toFixed(1),
    })));
    const legend = el('div', 'legend-block');
    const reach = el('span', 'swatch fill');
    reach.style.background = 'rgba(34, 197, 94, 0.35)';
    reach.style.borderColor = '#4ade80';
    const ring = el('span', 'swatch ring');
    ring.style.background = 'transparent';
    legend.append(el('div', 'legend-row', reach, el('span', null, t('planner.legend.reach', { min: fmtNumber(r.limit_s / 60) }))));
    legend.append(el('div', 'legend-row', ring, el('span', null, t('planner.legend.outside'))));
    out.append(legend);
    out.append(outsideList('hazard_sources', r.hazard_sources, 'planner.outside.hazard'));
    out.append(outsideList('enterprises', r.enterprises, 'planner.outside.enterprises'));
  }
  const exportBox = el('div', 'export-box',
    el('h2', 'sub', t('planner.export')),
    el('p', 'muted', t('planner.export.hint')),
    button(t('app.export'), () => exportPng().catch((err) => toast(t('app.export.failed', { msg: err.message }), { kind: 'error' })), 'btn big wide', { id: 'planner-export' }));
  pane.replaceChildren(form, out, exportBox);
}

function outsideList(collection, group, key) {
  const box = el('section', 'outside');
  box.dataset.collection = collection;
  const items = group?.items ?? [];
  const count = group?.count ?? items.length;
  box.append(el('h3', null, t(key, { n: fmtNumber(count) }), items.length < count ? el('span', 'muted', ` · ${t('planner.outside.listed', { n: items.length })}`) : null));
  const ul = el('ul', 'outside-list');
  for (const item of items.slice(0, LIST_MAX)) {
    const a = el('a', { href: '#', class: 'item-link' }, item.name ?? `#${item.id}`);
    a.addEventListener('click', (e) => {
      e.preventDefault();
      showFeature(collection, item.id).then((f) => f?.geometry && flyToGeometry(f.geometry, { zoom: 13 }));
    });
    ul.append(el('li', null, a, el('span', 'muted', ` · ${item.time_s === null || item.time_s === undefined ? t('planner.outside.never') : t('planner.outside.time', { min: fmtMinutes(item.time_s) })}`)));
  }
  if (items.length > LIST_MAX) ul.append(el('li', 'muted', t('app.more', { n: items.length - LIST_MAX })));
  box.append(ul);
  return box;
}

async function compute() {
  P.running = true;
  P.error = null;
  render();
  try {
    const r = await api(`/coverage?kind=${encodeURIComponent(P.kind)}&minutes=${encodeURIComponent(P.minutes)}`);
    P.result = r;
    map.getSource('cov-area').setData(r.reachable ? { type: 'Feature', geometry: r.reachable, properties: {} } : EMPTY);
    markOutside('enterprises', (r.enterprises?.items ?? []).map((i) => i.id));
    markOutside('hazard_sources', (r.hazard_sources?.items ?? []).map((i) => i.id));
    for (const id of ['enterprises', 'hazard_sources']) if (layers.get(id) && !layers.get(id).visible) setLayerVisible(id, true);
  } catch (err) {
    P.error = err.message;
  } finally {
    P.running = false;
    render();
  }
}

function markOutside(collection, ids) {
  if (!map.getSource(collection)) return;
  for (const id of P.outside[collection]) map.setFeatureState({ source: collection, sourceLayer: collection, id }, { outside: false });
  for (const id of ids) map.setFeatureState({ source: collection, sourceLayer: collection, id }, { outside: true });
  P.outside[collection] = ids;
}

function clear() {
  P.result = null;
  P.error = null;
  map.getSource('cov-area').setData(EMPTY);
  markOutside('enterprises', []);
  markOutside('hazard_sources', []);
  render();
}

// ------------------------------------------------------------------ export

/** The map as drawn now, with a title band and a footer, saved as a PNG download. */
export async function exportPng() {
  const shot = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no frame rendered')), 10_000);
    map.once('render', () => {
      clearTimeout(timer);
      // the drawing buffer is valid inside the render callback
      const src = map.getCanvas();
      const copy = document.createElement('canvas');
      copy.width = src.width;
      copy.height = src.height;
      copy.getContext('2d').drawImage(src, 0, 0);
      resolve(copy);
    });
    map.triggerRepaint();
  });
  const dpr = shot.width / map.getCanvas().clientWidth || 1;
  const head = Math.round(56 * dpr);
  const foot = Math.round(34 * dpr);
  const out = document.createElement('canvas');
  out.width = shot.width;
  out.height = shot.height + head + foot;
  const g = out.getContext('2d');
  const font = (px, weight = 600) => `${weight} ${Math.round(px * dpr)}px "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif`;
  g.fillStyle = '#0a1220';
  g.fillRect(0, 0, out.width, out.height);
  g.drawImage(shot, 0, head);

  const drill = isDrillMode();
  if (drill) {
    // the same red/yellow stripes as on screen: a drill map is never mistaken for a real one
    const stripe = 24 * dpr;
    for (let x = -out.height; x < out.width; x += stripe * 2) {
      g.fillStyle = '#c8102e';
      g.beginPath();
      g.moveTo(x, 0);
      g.lineTo(x + stripe, 0);
      g.lineTo(x + stripe + head, head);
      g.lineTo(x + head, head);
      g.fill();
    }
    g.fillStyle = 'rgba(250, 204, 21, 0.9)';
    g.globalCompositeOperation = 'destination-over';
    g.fillRect(0, 0, out.width, head);
    g.globalCompositeOperation = 'source-over';
  } else {
    g.fillStyle = '#0f1a2b';
    g.fillRect(0, 0, out.width, head);
  }
  const incident = incidents.current;
  const title = [t('app.export.heading'), drill ? t('drill.banner') : null, incident?.title].filter(Boolean).join(' · ');
  g.fillStyle = drill ? '#111827' : '#ffffff';
  g.font = font(22, 700);
  g.textBaseline = 'middle';
  if (drill) {
    g.fillStyle = 'rgba(17, 24, 39, 0.85)';
    const w = g.measureText(title).width + 24 * dpr;
    g.fillRect(10 * dpr, head / 2 - 18 * dpr, w, 36 * dpr);
    g.fillStyle = '#ffffff';
  }
  g.fillText(title, 22 * dpr, head / 2);
  g.font = font(14, 500);
  const when = fmtTime(new Date().toISOString(), true);
  g.textAlign = 'right';
  g.fillStyle = drill ? '#111827' : '#b7c7dc';
  if (drill) {
    g.fillStyle = 'rgba(17, 24, 39, 0.85)';
    const w = g.measureText(when).width + 20 * dpr;
    g.fillRect(out.width - w - 10 * dpr, head / 2 - 14 * dpr, w, 28 * dpr);
    g.fillStyle = '#ffffff';
  }
  g.fillText(when, out.width - 20 * dpr, head / 2);
  g.textAlign = 'left';

  // footer: the four risk colours and the data note
  const y = shot.height + head + foot / 2;
  g.fillStyle = '#0f1a2b';
  g.fillRect(0, shot.height + head, out.width, foot);
  let x = 16 * dpr;
  g.font = font(13, 600);
  for (const r of RISK) {
    g.fillStyle = r.color;
    g.beginPath();
    g.arc(x + 6 * dpr, y, 6 * dpr, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#dbe5f2';
    const label = `${term('riskColour', r.code)} ${term('risk', r.code)}`;
    g.fillText(label, x + 16 * dpr, y);
    x += g.measureText(label).width + 34 * dpr;
  }
  g.fillStyle = '#ffb020';
  g.fillText(`${t('app.fictional')} · ${t('app.fictional.long')}`, x + 10 * dpr, y);

  const blob = await new Promise((resolve) => out.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('canvas.toBlob');
  const url = URL.createObjectURL(blob);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const a = el('a', { href: url, download: `lookout-map-${stamp}${drill ? '-drill' : ''}.png` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  toast(t('app.export.done'), { kind: 'ok', timeout: 3000 });
  return { width: out.width, height: out.height, bytes: blob.size };
}

