// Drills (应急演练): the scenario picker (GET /scenarios, POST /scenarios/{id}/start),
// the red/yellow "演习 DRILL" banner while drills are on screen, injects as
// toasts when inject_fired arrives, and the list of drill incidents with their
// after-action reports. The replay slider is replay.js.

import { bus } from './ctx.js';
import { t, isZh, getLang, fmtTime, term } from './i18n.js';
import { api, el, button, toast, debounce } from './util.js';
import { isDrillMode, setMode } from './mode.js';
import { map } from './mapview.js';
import { may } from './session.js';

const D = {
  scenarios: null,
  error: null,
  speed: 60,
  drills: [],
  starting: null,
};

export function initDrill() {
  bus.on('mode', (mode) => showBanner(mode === 'drill'));
  bus.on('lang', renderPane);
  bus.on('tab', (tab) => tab === 'drill' && refresh());
  bus.on('live', onLive);
  showBanner(isDrillMode());
  renderPane();
  refresh();
}

function showBanner(on) {
  const banner = document.getElementById('drill-banner');
  banner.hidden = !on;
  document.body.classList.toggle('drill-mode', on);
  requestAnimationFrame(() => map?.resize());
}

async function refresh() {
  await Promise.all([loadScenarios(), loadDrills()]);
  renderPane();
}

async function loadScenarios() {
  try {
    const data = await api('/scenarios');
    D.scenarios = data?.scenarios ?? [];
    D.error = null;
  } catch (err) {
    D.scenarios = D.scenarios ?? [];
    D.error = err.message;
  }
}

async function loadDrills() {
  try {
    const data = await api('/incidents?status=all&drill=true');
    D.drills = data?.incidents ?? [];
  } catch {
    D.drills = [];
  }
}

const refreshDrillsSoon = debounce(async () => {
  await loadDrills();
  renderPane();
}, 300);

function onLive(record) {
  const ev = record.event ?? {};
  // a drill's injects only on screens showing drills: never mixed with real incidents
  if (ev.type === 'inject_fired' && isDrillMode() && record.news !== false) {
    const title = (isZh() ? ev.title : ev.title_en ?? ev.title) ?? '';
    const text = (isZh() ? ev.text : ev.text_en ?? ev.text) ?? '';
    toast(text || title, { kind: 'inject', title: `${t('drill.inject')}${title && text ? ` · ${title}` : ''}`, timeout: 15000 });
  }
  // the drill list: a drill event that changes the incidents collection
  if (ev.drill === true && (record.collections ?? []).includes('incidents')) refreshDrillsSoon();
}

// ------------------------------------------------------------------ pane

function renderPane() {
  const pane = document.getElementById('drill-pane');
  if (!pane) return;
  pane.replaceChildren();
  pane.append(el('div', 'pane-head', el('h2', null, t('drill.scenarios'))));
  const runs = may('drill');
  if (runs) pane.append(el('p', 'muted', t('drill.hint')));
  const speed = el('label', 'field inline', el('span', 'field-label', t('drill.speed')));
  const select = el('select', { class: 'select', name: 'speed' });
  for (const n of [1, 10, 30, 60, 120]) {
    const o = el('option', { value: String(n) }, t('drill.speed.x', { n }));
    o.selected = n === D.speed;
    select.append(o);
  }
  select.addEventListener('change', () => (D.speed = Number(select.value)));
  speed.append(select);
  if (runs) pane.append(speed);
  if (D.error) pane.append(el('p', 'error-note', D.error));
  const list = el('ul', { class: 'scenario-list', id: 'scenario-list' });
  if (D.scenarios && !D.scenarios.length && !D.error) list.append(el('li', 'muted', t('drill.scenarios.none')));
  for (const s of D.scenarios ?? []) {
    const li = el('li', 'scenario');
    li.dataset.id = s.id;
    const title = (isZh() ? s.title_zh : s.title_en) || s.title_zh || s.title_en || s.id;
    li.append(el('div', 'scenario-title', title));
    li.append(el('div', 'scenario-meta',
      s.kind ? el('span', 'kind-chip', term('incidentKind', s.kind)) : null,
      Number.isFinite(s.injects) ? el('span', null, t('drill.injects', { n: s.injects })) : null,
      Number.isFinite(s.duration_min) ? el('span', null, t('drill.duration', { n: s.duration_min })) : null));
    const summary = (isZh() ? s.summary_zh : s.summary_en) || s.summary_zh || s.summary_en;
    if (summary) li.append(el('div', 'scenario-summary', summary));
    if (runs) {
      const start = button(t('drill.start'), () => startScenario(s), 'btn warn big start-btn', { 'data-scenario': s.id });
      start.disabled = D.starting === s.id;
      li.append(start);
    }
    list.append(li);
  }
  pane.append(list);

  pane.append(el('h2', 'sub', t('drill.list')));
  const drills = el('ul', { class: 'incident-list', id: 'drill-list' });
  if (!D.drills.length) drills.append(el('li', 'muted empty', t('incident.list.empty')));
  for (const inc of D.drills) {
    const li = el('li', 'incident-item drill');
    li.dataset.id = String(inc.id);
    li.classList.toggle('closed', inc.status === 'closed');
    li.append(el('div', 'inc-title', el('span', 'drill-tag', t('mode.drill')), inc.title || term('incidentKind', inc.kind)));
    li.append(el('div', 'inc-meta', el('span', null, fmtTime(inc.opened_at, true)), el('span', `status-badge ${inc.status}`, term('incidentStatus', inc.status)),
      button(t('incident.report'), (e) => {
        e.stopPropagation();
        window.open(`/incidents/${inc.id}/report.html?lang=${getLang()}`, '_blank', 'noopener');
      }, 'btn small report-btn')));
    li.addEventListener('click', () => bus.emit('incident-open', inc.id));
    drills.append(li);
  }
  pane.append(drills);
}

async function startScenario(s) {
  D.starting = s.id;
  renderPane();
  try {
    const inc = await api(`/scenarios/${encodeURIComponent(s.id)}/start`, { method: 'POST', body: { speed: D.speed } });
    setMode('drill');
    toast(t('drill.started', { title: inc.title ?? s.title_zh ?? s.id }), { kind: 'inject', timeout: 6000 });
    bus.emit('incident-open', inc.id);
  } catch (err) {
    toast(err.message, { kind: 'error', timeout: 10000 });
  } finally {
    D.starting = null;
    await loadDrills();
    renderPane();
  }
}
