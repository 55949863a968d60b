// The supervision ledger on the map (issue 16, docs/ledger.md): hidden
// dangers (隐患) and their deadlines, as the duty desk and the inspectors
// follow them.
//
// - The tab 隐患 / Dangers: the signed-in user's inbox (GET /inbox: reminders
//   before a deadline, overdue alarms after it), then the ledger with filters
//   (city, industry, severity, status, overdue) and the counts of every match
//   (GET /dangers), overdue and major first. A row opens the danger: its
//   rectification, its history (who, when, why) and, for whoever may
//   `supervise`, the moves it may make next (POST /dangers/{id}/transitions).
// - On the map: every enterprise with open dangers matching the filters
//   (GET /dangers?f=geojson), by its worst open severity (major red, general
//   orange), larger with more open dangers, with a dark ring while any is
//   overdue. A click opens the ledger on that enterprise.
// - An open danger lists its photos and documents (thumbnails for images;
//   GET /dangers/{id}/attachments/{sha256}); whoever may `supervise` adds
//   one (POST /dangers/{id}/attachments, the file as the body).
// - Below the dangers: the other obligations (emergency plans, drill plans,
//   re-assessments; obligations.js). The inbox holds their reminders and
//   overdue alarms beside the dangers'; a click opens the obligation.
// - An enterprise's attribute panel lists its dangers (enterpriseDangers).
// - The status strip counts overdue and open major dangers (ledgerFigures).
// - Replay (replay.js): the map and the counts show the ledger as it was at the
//   replayed time (GET /replay's `dangers` and `danger_counts`), read-only.
// Everything is fetched again when the live feed brings a ledger event.

import { bus } from './ctx.js';
import { t, term, fmtNumber, fmtTime, getLang } from './i18n.js';
import { api, el, button, toast, debounce } from './util.js';
import { INDUSTRIES } from './layers.js';
import { map, addLayer } from './mapview.js';
import { onLayerClick } from './map-clicks.js';
import { may } from './session.js';
import { selectTab } from './chrome.js';
import { basemapPlaces } from './basemap.js';
import { initObligations, obligationsSection, refreshObligations, openObligation } from './obligations.js';

const SOURCE = 'ledger-dangers';
const EMPTY = { type: 'FeatureCollection', features: [] };
const LEDGER_EVENTS = new Set(['danger_reported', 'danger_status_changed', 'deadline_reminded', 'attachment_added', 'obligation_reminded', 'obligation_fulfilled', 'inspection_plan_reminded', 'inspection_recorded']);
/** The types an attachment may have (the server checks the content). */
const ATTACHMENT_TYPES = 'image/jpeg,image/png,image/webp,application/pdf';
export const SEVERITY_COLOR = { major: '#e60012', general: '#ff8c00' };
const STATUSES = ['reported', 'rectifying', 'submitted', 'rejected', 'verified', 'closed'];
const PAGE = 50;

/** The filters of the list and the map; '' is any. */
const filters = { city: '', industry: '', severity: '', status: '', overdue: '', enterprise: '' };
let page = null;
let inbox = null;
let failed = false;
let openId = null;
let openDanger = null;
/** The replay on screen ({ at, data } from replay.js), or null when live. */
let replaying = null;
let cities = [];
/** What the map layer draws now. */
let drawn = EMPTY;

export function initLedger() {
  const refreshSoon = debounce(refresh, 200);
  bus.on('live', (record) => {
    const e = record.event ?? {};
    if (LEDGER_EVENTS.has(e.type) || (e.type?.startsWith('alarm_') && (e.danger !== undefined || e.obligation !== undefined || e.rule === 'overdue'))) refreshSoon();
  });
  bus.on('live-state', (up) => up && refresh());
  bus.on('lang', render);
  bus.on('tab', (tab) => tab === 'ledger' && refresh());
  bus.on('replay', (next) => {
    replaying = next;
    drawMap(next ? next.data?.dangers ?? EMPTY : null);
    if (!next) refresh();
    else render();
  });
  bus.on('obligation-fulfilled', refresh);
  initObligations();
  addMapLayers();
  bus.on('ready', loadCities);
  window.lookout && (window.lookout.ledger = () => ({ page, inbox, filters: { ...filters }, map: drawn }));
  refresh();
}

/** The cities of the county polygons the base map loaded (basemap.js), for the filter. */
function loadCities() {
  const counties = basemapPlaces().counties ?? [];
  cities = [...new Set(counties.map((f) => f.properties?.city).filter(Boolean))].sort((x, y) => x.localeCompare(y, 'zh'));
  render();
}

function query(extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  return q.toString();
}

/** The list, the inbox and the map layer as the server has them now. */
export async function refresh() {
  if (replaying) return; // the replayed ledger stays until the replay ends
  try {
    const [list, box, geo] = await Promise.all([
      api(`/dangers?${query({ limit: PAGE })}`),
      api('/inbox').catch(() => null),
      api(`/dangers?${query({ f: 'geojson' })}`),
      refreshObligations(),
    ]);
    page = list;
    inbox = box;
    failed = false;
    drawMap(geo);
    if (openId !== null) openDanger = await api(`/dangers/${openId}`).catch(() => null);
  } catch (err) {
    console.warn(`ledger: ${err.message}`);
    failed = true;
  }
  render();
}

// ------------------------------------------------------------------ the map

function addMapLayers() {
  if (!map) return;
  map.addSource(SOURCE, { type: 'geojson', data: EMPTY });
  addLayer('points', {
    id: 'ledger-overdue', type: 'circle', source: SOURCE, filter: ['>', ['get', 'overdue'], 0],
    paint: { 'circle-radius': ['+', 9, ['min', 8, ['get', 'open']]], 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-width': 3, 'circle-stroke-color': '#450a0a' },
  });
  addLayer('points', {
    id: 'ledger-dangers', type: 'circle', source: SOURCE,
    paint: {
      'circle-radius': ['+', 4, ['min', 8, ['get', 'open']]],
      'circle-color': ['match', ['get', 'worst'], 'major', SEVERITY_COLOR.major, SEVERITY_COLOR.general],
      'circle-stroke-width': 1.5, 'circle-stroke-color': '#ffffff', 'circle-opacity': 0.9,
    },
  });
  const open = (f) => {
    filters.enterprise = String(f.properties.enterprise);
    selectTab('ledger');
    refresh();
  };
  onLayerClick('ledger-dangers', open);
  onLayerClick('ledger-overdue', open);
}

function drawMap(fc) {
  drawn = fc ?? EMPTY;
  map?.getSource(SOURCE)?.setData(drawn);
}

// ------------------------------------------------------------------ the pane

function select(name, value, options, label) {
  const s = el('select', { class: 'select', name, 'aria-label': label });
  s.append(el('option', { value: '' }, `${label}: ${t('ledger.any')}`));
  for (const [code, text] of options) {
    const o = el('option', { value: code }, text);
    if (String(code) === String(value)) o.selected = true;
    s.append(o);
  }
  s.addEventListener('change', () => {
    filters[name] = s.value;
    refresh();
  });
  return s;
}

function filterBar() {
  const bar = el('div', 'ledger-filters');
  bar.append(
    select('city', filters.city, cities.map((c) => [c, c]), t('ledger.city')),
    select('industry', filters.industry, INDUSTRIES.map((c) => [c, term('industry', c)]), t('ledger.industry')),
    select('severity', filters.severity, ['major', 'general'].map((c) => [c, term('dangerSeverity', c)]), t('ledger.severity')),
    select('status', filters.status, STATUSES.map((c) => [c, term('dangerStatus', c)]), t('ledger.status')),
    select('overdue', filters.overdue, [['true', t('ledger.overdue.only')], ['false', t('ledger.overdue.not')]], t('ledger.overdue')),
  );
  if (filters.enterprise) {
    const name = page?.dangers?.[0]?.place?.enterprise_name ?? filters.enterprise;
    bar.append(el('span', 'ledger-chip', t('ledger.enterprise', { name }),
      button('×', () => { filters.enterprise = ''; refresh(); }, 'btn small', { name: 'clear-enterprise', 'aria-label': t('app.close') })));
  }
  return bar;
}

function countsLine(c) {
  if (!c) return el('div', 'ledger-counts');
  const part = (key, n, cls = '') => {
    const s = el('span', `ledger-count ${cls}`, `${t(key)} ${fmtNumber(n ?? 0)}`);
    s.dataset.count = key.split('.').pop();
    return s;
  };
  const line = el('div', 'ledger-counts',
    part('ledger.count.total', c.total),
    part('ledger.count.overdue', c.overdue, c.overdue ? 'bad' : ''),
    part('ledger.count.majorOpen', c.major_open, c.major_open ? 'bad' : ''));
  const by = el('div', 'ledger-counts muted');
  for (const s of STATUSES) if (c.by_status?.[s]) by.append(el('span', 'ledger-count', `${term('dangerStatus', s)} ${fmtNumber(c.by_status[s])}`));
  return el('div', null, line, by);
}

const deadlineOf = (d) => d.report?.rectification?.deadline;

function dangerRow(d) {
  const li = el('li', { class: `ledger-row sev-${d.report.severity}${d.overdue ? ' overdue' : ''}${openId === d.id ? ' selected' : ''}`, tabindex: '0' });
  li.dataset.danger = String(d.id);
  const chip = el('span', 'alarm-chip', term('dangerSeverity', d.report.severity));
  chip.style.background = SEVERITY_COLOR[d.report.severity];
  const head = el('div', 'alarm-head', chip, el('strong', 'alarm-label', d.place?.enterprise_name ?? ''), el('span', 'ledger-status', term('dangerStatus', d.status)));
  const due = el('div', 'ledger-due', d.overdue ? t('ledger.overdueSince', { at: fmtTime(deadlineOf(d), true) }) : t('ledger.deadline', { at: fmtTime(deadlineOf(d), true) }));
  li.append(head, el('div', 'ledger-desc', d.report.description), due);
  const toggle = () => {
    openId = openId === d.id ? null : d.id;
    openDanger = openId === null ? null : d;
    render();
    if (openId !== null) api(`/dangers/${d.id}`).then((full) => { if (openId === d.id) { openDanger = full; render(); } }).catch(() => {});
  };
  li.addEventListener('click', (e) => e.target.closest('button, textarea, input, label, a') || toggle());
  li.addEventListener('keydown', (e) => e.key === 'Enter' && e.target === li && toggle());
  if (openId === d.id && openDanger) li.append(detail(openDanger));
  return li;
}

function detail(d) {
  const box = el('div', 'ledger-detail');
  const r = d.report.rectification ?? {};
  const dl = el('dl');
  const line = (k, v) => v !== undefined && v !== null && v !== '' && dl.append(el('dt', null, t(k)), el('dd', null, String(v)));
  line('ledger.category', term('dangerCategory', d.report.category));
  line('ledger.place', [d.place?.city, d.place?.county].filter(Boolean).join(' '));
  line('ledger.foundBy', `${d.report.found_by} · ${fmtTime(d.report.found_at, true)} · ${term('dangerSource', d.report.source)}`);
  line('ledger.measures', r.measures);
  line('ledger.responsible', r.responsible);
  line('ledger.interim', r.interim_measures);
  line('ledger.assignee', d.report.assignee);
  box.append(dl, attachmentsBlock(d));
  const history = el('ol', 'ledger-history');
  for (const h of d.history ?? []) {
    history.append(el('li', null, `${fmtTime(h.at, true)} · ${h.actor} · ${term('dangerStatus', h.from)} → ${term('dangerStatus', h.to)}${h.reason ? ` · ${h.reason}` : ''}`));
  }
  if (history.children.length) box.append(el('strong', null, t('ledger.history')), history);
  const actions = el('div', 'alarm-actions');
  actions.append(button(t('alarm.flyTo'), () => map?.flyTo({ center: d.place.location, zoom: Math.max(map.getZoom(), 13) }), 'btn', { name: 'fly-to' }));
  if (!replaying && may('supervise')) {
    const reason = el('input', { class: 'input', name: 'reason', placeholder: t('ledger.reason'), 'aria-label': t('ledger.reason') });
    for (const to of d.next ?? []) {
      actions.append(button(t('ledger.moveTo', { status: term('dangerStatus', to) }), () => move(d, to, reason.value, box), to === 'rejected' ? 'btn danger' : 'btn primary', { name: `to-${to}` }));
    }
    if ((d.next ?? []).length) box.append(reason);
  }
  box.append(actions);
  return box;
}

const fmtBytes = (n) => (n >= 1 << 20 ? `${fmtNumber(Math.round((n / (1 << 20)) * 10) / 10)} MB` : `${fmtNumber(Math.max(1, Math.round(n / 1024)))} KB`);

/** A danger's photos and documents: thumbnails for images, and a file picker for whoever may supervise. */
function attachmentsBlock(d) {
  const box = el('div', 'ledger-attachments');
  const list = d.attachments ?? [];
  box.append(el('strong', null, t('attach.title', { n: fmtNumber(list.length) })));
  const ul = el('ul', 'attachment-list');
  for (const a of list) {
    const href = `/dangers/${d.id}/attachments/${a.sha256}`;
    const li = el('li', 'attachment');
    li.dataset.sha256 = a.sha256;
    const thumb = a.media_type?.startsWith('image/')
      ? el('img', { class: 'attachment-thumb', src: href, alt: a.name, loading: 'lazy' })
      : el('span', 'attachment-thumb attachment-doc', 'PDF');
    li.append(el('a', { href, target: '_blank', rel: 'noopener', class: 'attachment-open' }, thumb),
      el('div', 'attachment-meta', el('a', { href, target: '_blank', rel: 'noopener', class: 'attachment-name' }, a.name),
        el('span', 'muted', `${fmtBytes(a.bytes)} · ${a.actor} · ${fmtTime(a.at, true)} · ${term('dangerStatus', a.status)}`)));
    ul.append(li);
  }
  if (list.length) box.append(ul);
  else box.append(el('p', 'muted', t('attach.none')));
  if (!replaying && may('supervise')) {
    const input = el('input', { type: 'file', name: 'attachment', accept: ATTACHMENT_TYPES, 'aria-label': t('attach.add') });
    input.addEventListener('change', () => input.files?.[0] && attach(d, input.files[0], input));
    box.append(el('label', 'attachment-add btn', t('attach.add'), input), el('p', 'muted small', t('attach.hint')));
  }
  return box;
}

async function attach(d, file, input) {
  input.disabled = true;
  try {
    await api(`/dangers/${d.id}/attachments?name=${encodeURIComponent(file.name)}`, { method: 'POST', file });
    toast(t('attach.added', { name: file.name }), { kind: 'ok' });
  } catch (err) {
    toast(err.message, { kind: 'error' });
  }
  refresh();
}

async function move(d, to, reason, box) {
  box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  try {
    await api(`/dangers/${d.id}/transitions`, { method: 'POST', body: { to, reason } });
    toast(t('ledger.moved', { status: term('dangerStatus', to) }), { kind: 'ok' });
  } catch (err) {
    toast(err.message, { kind: 'error' });
  }
  refresh();
}

function inboxBlock() {
  const entries = inbox?.entries ?? [];
  const box = el('section', 'ledger-inbox');
  box.append(el('h3', null, t('ledger.inbox', { n: fmtNumber(entries.length) })));
  if (!entries.length) {
    box.append(el('p', 'muted', t('ledger.inbox.empty')));
    return box;
  }
  const ul = el('ul', 'ledger-inbox-list');
  for (const x of entries.slice(0, 20)) {
    if (x.obligation !== undefined) {
      ul.append(obligationEntry(x));
      continue;
    }
    if (x.inspection_plan !== undefined) {
      ul.append(planEntry(x));
      continue;
    }
    const text = x.kind === 'reminder'
      ? t('ledger.inbox.reminder', { days: x.days_before, name: x.enterprise_name, at: fmtTime(x.deadline, true) })
      : t('ledger.inbox.overdue', { name: x.enterprise_name, at: fmtTime(x.deadline, true) });
    const li = el('li', { class: `ledger-inbox-item ${x.kind}`, tabindex: '0' }, text);
    li.dataset.danger = String(x.danger);
    const go = () => {
      openId = x.danger;
      openDanger = null;
      api(`/dangers/${x.danger}`).then((full) => { openDanger = full; filters.enterprise = String(full.report.enterprise); refresh(); }).catch((err) => toast(err.message, { kind: 'error' }));
    };
    li.addEventListener('click', go);
    li.addEventListener('keydown', (e) => e.key === 'Enter' && go());
    ul.append(li);
  }
  box.append(ul);
  return box;
}

/** An obligation's reminder or overdue alarm in the inbox; a click opens it. */
function obligationEntry(x) {
  const what = { kind: term('obligationKind', x.obligation_kind), name: x.enterprise_name, title: x.description, at: fmtTime(x.deadline, true), days: x.days_before };
  const text = x.kind === 'reminder' ? t('obligation.inbox.reminder', what) : t('obligation.inbox.overdue', what);
  const li = el('li', { class: `ledger-inbox-item obligation ${x.kind}`, tabindex: '0' }, text);
  li.dataset.obligation = String(x.obligation);
  const go = () => openObligation(x.obligation);
  li.addEventListener('click', go);
  li.addEventListener('keydown', (e) => e.key === 'Enter' && go());
  return li;
}

/** An inspection plan's reminder or overdue alarm in the inbox; a click opens the inspections tab. */
function planEntry(x) {
  const what = { name: x.enterprise_name, title: x.description, at: fmtTime(x.deadline, true), days: x.days_before };
  const text = x.kind === 'reminder' ? t('plan.inbox.reminder', what) : t('plan.inbox.overdue', what);
  const li = el('li', { class: `ledger-inbox-item plan ${x.kind}`, tabindex: '0' }, text);
  li.dataset.plan = String(x.inspection_plan);
  const go = () => selectTab('inspections');
  li.addEventListener('click', go);
  li.addEventListener('keydown', (e) => e.key === 'Enter' && go());
  return li;
}

function render() {
  renderTabBadge();
  const pane = document.getElementById('ledger-pane');
  if (!pane) return;
  const head = el('div', 'pane-head', el('h2', null, t('ledger.title')));
  if (!replaying) {
    head.append(el('a', { class: 'btn', href: `/dangers?${query({ f: 'xlsx' })}`, download: '' }, t('ledger.export')));
    // The month's printable report (GET /ledger/report), in the UI language.
    head.append(el('a', { class: 'btn', href: `/ledger/report?lang=${getLang() === 'en' ? 'en' : 'zh'}`, target: '_blank', rel: 'noopener' }, t('ledger.report')));
  }
  const parts = [head];
  if (replaying) {
    parts.push(el('p', { class: 'alarm-replay', role: 'status' }, t('ledger.replay', { time: fmtTime(replaying.at, true) })),
      countsLine(replaying.data?.danger_counts));
    pane.replaceChildren(...parts);
    return;
  }
  const obligations = obligationsSection(false);
  parts.push(inboxBlock(), filterBar(), countsLine(page?.counts));
  const list = page?.dangers ?? [];
  if (list.length) {
    parts.push(el('ul', { class: 'ledger-list', 'aria-live': 'polite' }, list.map(dangerRow)));
    if ((page.numberMatched ?? 0) > list.length) parts.push(el('p', 'muted', t('ledger.more', { n: fmtNumber(list.length), total: fmtNumber(page.numberMatched) })));
  } else {
    parts.push(el('p', 'muted ledger-empty', failed ? t('ledger.unavailable') : page ? t('ledger.none') : t('app.loading')));
  }
  parts.push(obligations);
  pane.replaceChildren(...parts);
}

function renderTabBadge() {
  const tab = document.querySelector('.tabs [data-tab="ledger"]');
  if (!tab) return;
  const n = inbox?.entries?.length ?? 0;
  tab.dataset.badge = n ? String(n) : '';
}

/** The ledger figures of the status strip (GET /situation's `dangers`). */
export function ledgerFigures(situation) {
  const s = situation?.dangers;
  if (!s) return [];
  const figure = (stat, label, n, onClick) => {
    const b = el('button', { type: 'button', class: `stat-btn${n ? ' alarm' : ''}` });
    b.dataset.stat = stat;
    b.append(el('span', 'stat-label', label), el('strong', 'stat-value', fmtNumber(n ?? 0)));
    b.addEventListener('click', onClick);
    return b;
  };
  const show = (patch) => () => {
    Object.assign(filters, { city: '', industry: '', severity: '', status: '', overdue: '', enterprise: '' }, patch);
    selectTab('ledger');
    refresh();
  };
  return [
    el('span', 'stat-sep', t('status.dangers')),
    figure('dangers-overdue', t('status.dangers.overdue'), s.overdue, show({ overdue: 'true' })),
    figure('dangers-major', t('status.dangers.major'), s.major_open, show({ severity: 'major' })),
  ];
}

/** An enterprise's dangers, for its attribute panel: fetched when drawn. */
export function enterpriseDangers(enterpriseId) {
  const box = el('div', 'ledger-enterprise');
  box.append(el('strong', null, t('ledger.ofEnterprise')));
  const body = el('div', 'muted', t('app.loading'));
  box.append(body);
  api(`/dangers?enterprise=${encodeURIComponent(enterpriseId)}&limit=20`).then((answer) => {
    const list = answer?.dangers ?? [];
    if (!list.length) {
      body.replaceWith(el('p', 'muted', t('ledger.ofEnterprise.none')));
      return;
    }
    const ul = el('ul', 'ledger-enterprise-list');
    for (const d of list) {
      const li = el('li', `sev-${d.report.severity}${d.overdue ? ' overdue' : ''}`,
        `${term('dangerSeverity', d.report.severity)} · ${term('dangerStatus', d.status)} · ${d.report.description}${d.overdue ? ` · ${t('ledger.count.overdue')}` : ''}`);
      li.dataset.danger = String(d.id);
      ul.append(li);
    }
    const all = button(t('ledger.openAll', { n: fmtNumber(answer.numberMatched ?? list.length) }), () => {
      Object.assign(filters, { city: '', industry: '', severity: '', status: '', overdue: '', enterprise: String(enterpriseId) });
      selectTab('ledger');
      refresh();
    }, 'btn', { name: 'open-ledger' });
    body.replaceWith(ul, all);
  }).catch((err) => body.replaceWith(el('p', 'muted', t('ledger.unavailable') + ` (${err.message})`)));
  return box;
}
