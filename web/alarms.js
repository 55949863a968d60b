// Alarms of the sensors (issue 15): the duty desk's alarm list, a pulsing
// marker on the map for each place in alarm, an optional sound, and the
// alarm figures of the status strip.
//
// - The list (tab 报警 / Alarms) holds the active alarms (GET /alarms), most
//   serious first, then newest: red, orange, yellow, blue as the server
//   graded them (one step more serious at a level 1–2 major hazard source,
//   docs/monitoring.md "Grading"). It is fetched again whenever the live feed
//   (/events/stream) brings an alarm_* event, so every browser follows.
// - Each row: acknowledge (POST /alarms/{id}/acknowledge), open an incident
//   (the draft of GET /alarms/{id}/incident-draft is shown, then
//   POST /alarms/{id}/incident opens it with its zones and links the alarm),
//   fly to, and the sensor's panel (its reading chart, sensor-chart.js).
// - Markers: one per hazard source (or lone sensor) in alarm, in the colour
//   of its most serious alarm, pulsing (CSS, no map repaint) until every
//   alarm there is acknowledged.
// - Sound: off by default, a switch in the list's head, remembered in this
//   browser; a new alarm plays a tone (higher for red).
// - Drill alarms (from drill readings) show only in drill mode, marked 演练.
// - Replay (replay.js): the list and markers show the alarms active at the
//   replayed time (GET /replay's `alarms`), read-only; live alarms wait.

import { bus } from './ctx.js';
import { t, term, fmtNumber, fmtTime } from './i18n.js';
import { api, el, button, toast, debounce } from './util.js';
import { RISK } from './layers.js';
import { map } from './mapview.js';
import { currentMode, setMode } from './mode.js';
import { may } from './session.js';
import { selectTab } from './chrome.js';
import { showFeature } from './feature-panel.js';

const SOUND_KEY = 'lookout.alarmSound';
const RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };
export const alarmColor = (code) => RISK.find((r) => r.code === code)?.color ?? '#9aa5b1';

/** The active alarms as the server has them. */
let alarms = [];
let failed = false;
/** Alarm id → marker key it is drawn under. */
const markers = new Map();
/** The open-incident draft shown under a row: {id, draft} or null. */
let drafting = null;
let selectedId = null;
/** The replay on screen ({ at, data } from replay.js), or null when live. */
let replaying = null;

export const alarmSoundOn = () => {
  try {
    return localStorage.getItem(SOUND_KEY) === 'on';
  } catch {
    return false;
  }
};

function setSound(on) {
  try {
    localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  } catch {
    // private mode: for this page only
  }
}

export function initAlarms() {
  const refreshSoon = debounce(refresh, 150);
  bus.on('live', (record) => {
    const type = record.event?.type ?? '';
    if (!type.startsWith('alarm_')) return;
    if (type === 'alarm_raised' && record.news && alarmSoundOn() && shown(record.event)) tone(record.event.colour);
    refreshSoon();
  });
  bus.on('live-state', (up) => up && refresh());
  bus.on('replay', (next) => {
    replaying = next;
    drafting = null;
    if (next) {
      alarms = (next.data?.alarms ?? []).slice().sort(bySeverity);
      failed = false;
      render();
    } else {
      refresh();
    }
  });
  bus.on('mode', render);
  bus.on('lang', render);
  window.lookout && (window.lookout.alarms = () => alarms);
  refresh();
}

const shown = (a) => !a.drill || currentMode() === 'drill';

/** Most serious first, then newest. */
export const bySeverity = (a, b) => (RANK[b.colour] ?? 0) - (RANK[a.colour] ?? 0) || String(b.raised_at).localeCompare(String(a.raised_at));

async function refresh() {
  if (replaying) return; // the replayed alarms stay until the replay ends
  try {
    const answer = await api('/alarms?active=true');
    alarms = (answer?.alarms ?? []).slice().sort(bySeverity);
    failed = false;
  } catch (err) {
    console.warn(`alarms: ${err.message}`);
    failed = true;
  }
  render();
  bus.emit('alarms', alarms);
}

/** Two short tones (Web Audio: no file to fetch); red is higher. */
function tone(colour) {
  try {
    const ctx = new (window.AudioContext || window.webkitAudioContext)();
    [0, 0.3].forEach((delay) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = colour === 'red' ? 1320 : 660;
      gain.gain.value = 0.1;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + delay);
      osc.stop(ctx.currentTime + delay + 0.18);
    });
    setTimeout(() => ctx.close(), 1200);
  } catch (err) {
    console.warn(`alarm sound: ${err.message}`);
  }
}

function soundSwitch() {
  const b = el('button', { type: 'button', class: 'btn alarm-sound', name: 'alarm-sound' });
  const label = () => {
    b.textContent = alarmSoundOn() ? t('alarm.sound.on') : t('alarm.sound.off');
    b.setAttribute('aria-pressed', String(alarmSoundOn()));
  };
  b.addEventListener('click', () => {
    setSound(!alarmSoundOn());
    label();
    if (alarmSoundOn()) tone('orange');
  });
  label();
  return b;
}

const readingText = (a) => (Number.isFinite(a.value) ? fmtNumber(a.value, 3) : '—');

function ruleText(a) {
  if (a.rule === 'stale') return term('alarmRule', 'stale');
  if (a.rule === 'rate') return t('alarm.rate', { v: readingText(a), th: Number.isFinite(a.threshold) ? fmtNumber(a.threshold, 3) : '—' });
  return t('alarm.reading', { rule: term('alarmRule', a.rule), v: readingText(a), th: Number.isFinite(a.threshold) ? fmtNumber(a.threshold, 3) : '—' });
}

async function acknowledge(a, row) {
  row.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  try {
    await api(`/alarms/${a.id}/acknowledge`, { method: 'POST', body: { remark: '' } });
  } catch (err) {
    // 409: someone else was first; the list shows who when it is fetched again
    if (err.status !== 409) toast(err.message, { kind: 'error' });
  }
  refresh();
}

async function showDraft(a) {
  try {
    const draft = await api(`/alarms/${a.id}/incident-draft`);
    drafting = { id: a.id, draft };
  } catch (err) {
    toast(t('alarm.draft.failed', { msg: err.message }), { kind: 'error' });
    drafting = null;
  }
  render();
}

async function openIncident(a, box) {
  box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  try {
    const incident = await api(`/alarms/${a.id}/incident`, { method: 'POST' });
    drafting = null;
    const id = incident?.id ?? incident?.properties?.id;
    toast(t('alarm.incident.opened', { id }), { kind: 'ok' });
    if (a.drill && currentMode() !== 'drill') setMode('drill');
    if (id !== undefined) bus.emit('incident-open', Number(id));
  } catch (err) {
    toast(t('alarm.incident.failed', { msg: err.message }), { kind: 'error' });
  }
  refresh();
}

function draftBox(a, draft) {
  const w = draft.weather;
  const lines = [
    [t('alarm.draft.kind'), term('incidentKind', draft.kind)],
    [t('alarm.draft.substance'), draft.substance ? term('substance', draft.substance) : '—'],
    [t('alarm.draft.weather'), w ? t('alarm.draft.wind', { from: fmtNumber(w.wind_from_deg ?? w.wind_direction_deg ?? 0), speed: fmtNumber(w.wind_speed_ms ?? 0, 1) }) : t('alarm.draft.noWeather')],
  ];
  const box = el('div', { class: 'alarm-draft', role: 'group' });
  box.append(el('strong', null, t('alarm.draft.title')));
  const dl = el('dl');
  for (const [k, v] of lines) dl.append(el('dt', null, k), el('dd', null, v));
  box.append(dl, el('div', 'alarm-actions',
    button(t('alarm.incident.confirm'), () => openIncident(a, box), 'btn danger', { name: 'confirm-incident' }),
    button(t('app.cancel'), () => { drafting = null; render(); }, 'btn', { name: 'cancel-incident' })));
  return box;
}

function row(a) {
  const li = el('li', { class: `alarm-row colour-${a.colour}${a.acknowledged ? ' acked' : ''}${a.drill ? ' drill' : ''}${selectedId === a.id ? ' selected' : ''}` });
  li.dataset.alarm = String(a.id);
  li.dataset.colour = a.colour;
  const chip = el('span', 'alarm-chip', term('riskColour', a.colour));
  chip.style.background = alarmColor(a.colour);
  const head = el('div', 'alarm-head', chip);
  if (a.drill) head.append(el('span', 'alarm-drill', t('mode.drill')));
  head.append(el('strong', 'alarm-label', a.label), el('span', 'alarm-time', fmtTime(a.raised_at)));
  li.append(head, el('div', 'alarm-rule', ruleText(a)));
  if (a.acknowledged) {
    li.append(el('div', 'alarm-ack', t('alarm.acked', { by: a.acknowledged.by, at: fmtTime(a.acknowledged.at) })));
  } else if (a.escalated_at) {
    li.append(el('div', 'alarm-escalated', t('alarm.escalated', { at: fmtTime(a.escalated_at) })));
  }
  const actions = el('div', 'alarm-actions', button(t('alarm.flyTo'), () => flyTo(a), 'btn', { name: 'fly-to' }));
  // A sensor's alarm shows its readings; an overdue alarm (a danger's, an
  // obligation's, an inspection plan's) has no sensor.
  if (a.sensor !== undefined && a.sensor !== null) {
    actions.append(button(t('alarm.sensor'), () => showFeature('sensors', a.sensor), 'btn', { name: 'sensor' }));
  }
  if (replaying) {
    li.append(actions);
    return li;
  }
  if (may('respond') && !a.acknowledged) actions.append(button(t('alarm.ack'), () => acknowledge(a, li), 'btn primary', { name: 'acknowledge' }));
  if (a.incident !== null && a.incident !== undefined) {
    actions.append(button(t('alarm.incident.show', { id: a.incident }), () => bus.emit('incident-open', a.incident), 'btn', { name: 'show-incident' }));
  } else if (may('respond')) {
    actions.append(button(t('alarm.incident.open'), () => showDraft(a), 'btn danger', { name: 'open-incident' }));
  }
  li.append(actions);
  if (drafting?.id === a.id) li.append(draftBox(a, drafting.draft));
  return li;
}

function flyTo(a) {
  selectedId = a.id;
  map?.flyTo({ center: a.location, zoom: Math.max(map.getZoom(), 13) });
  render();
}

function render() {
  renderList();
  renderMarkers();
}

function renderList() {
  const pane = document.getElementById('alarm-pane');
  if (!pane) return;
  const list = alarms.filter(shown);
  const head = el('div', 'pane-head', el('h2', null, t('alarm.title')), soundSwitch());
  const counts = el('div', 'alarm-counts');
  for (const r of RISK) {
    const n = list.filter((a) => a.colour === r.code).length;
    const c = el('span', 'alarm-count', el('span', 'stat-dot', ''), `${term('riskColour', r.code)} ${fmtNumber(n)}`);
    c.dataset.colour = r.code;
    c.querySelector('.stat-dot').style.background = r.color;
    counts.append(c);
  }
  const body = list.length
    ? el('ul', { class: 'alarm-list', 'aria-live': 'polite' }, list.map(row))
    : el('p', 'muted alarm-empty', failed ? t('alarm.unavailable') : t('alarm.none'));
  const note = replaying
    ? el('p', { class: 'alarm-replay', role: 'status' }, t('alarm.replay', { time: fmtTime(replaying.at, true) }))
    : el('p', 'muted alarm-grading', t('alarm.grading'));
  pane.replaceChildren(head, counts, note, body);
}

/** Whether an alarm comes from the monitoring (a sensor's reading), not a ledger deadline. */
const fromMonitoring = (a) => (a.sensor !== undefined && a.sensor !== null) || (a.hazard_source !== undefined && a.hazard_source !== null);

/** Where an alarm's marker is shared: its hazard source, else its sensor, else what fell due (a danger, an obligation, an inspection plan). */
export function markerKey(a) {
  const has = (v) => v !== null && v !== undefined;
  if (has(a.hazard_source)) return `h${a.hazard_source}`;
  if (has(a.sensor)) return `s${a.sensor}`;
  if (has(a.danger)) return `d${a.danger}`;
  if (has(a.obligation)) return `o${a.obligation}`;
  if (has(a.inspection_plan)) return `p${a.inspection_plan}`;
  return `a${a.id}`;
}

/** One marker per hazard source (or lone sensor, or overdue item) in alarm: the most serious alarm there. */
function renderMarkers() {
  if (!map || !window.maplibregl) return;
  const places = new Map();
  // Markers for the monitoring's alarms only: an overdue alarm (a danger's,
  // an obligation's, an inspection plan's) is drawn by the ledger's layer,
  // and hundreds of markers would bury the map and its keyboard order.
  for (const a of alarms.filter(shown).filter(fromMonitoring)) {
    const key = markerKey(a);
    const place = places.get(key);
    if (!place) places.set(key, { key, top: a, all: [a] });
    else {
      place.all.push(a);
      if (bySeverity(a, place.top) < 0) place.top = a;
    }
  }
  for (const [key, m] of markers) {
    if (!places.has(key)) {
      m.remove();
      markers.delete(key);
    }
  }
  for (const [key, place] of places) {
    let m = markers.get(key);
    if (!m) {
      const node = el('div', { class: 'alarm-marker', role: 'button', tabindex: '0' }, el('span', 'alarm-pulse'), el('span', 'alarm-core'));
      node.addEventListener('click', (e) => {
        e.stopPropagation();
        const p = [...places.values()].find((x) => x.key === node.dataset.key) ?? place;
        selectedId = p.top.id;
        selectTab('alarms');
        render();
        document.querySelector(`.alarm-row[data-alarm="${p.top.id}"]`)?.scrollIntoView({ block: 'nearest' });
      });
      m = new window.maplibregl.Marker({ element: node }).setLngLat(place.top.location).addTo(map);
      markers.set(key, m);
    }
    const node = m.getElement();
    node.dataset.key = key;
    node.dataset.alarm = String(place.top.id);
    node.dataset.colour = place.top.colour;
    node.classList.toggle('pulsing', place.all.some((a) => !a.acknowledged));
    node.classList.toggle('drill', Boolean(place.top.drill));
    node.style.setProperty('--alarm-color', alarmColor(place.top.colour));
    node.title = `${term('riskColour', place.top.colour)} · ${place.top.label}`;
    m.setLngLat(place.top.location);
  }
}

/** The alarm figures of the status strip (GET /situation's `alarms`): one per colour, and the unacknowledged. */
export function alarmFigures(situation) {
  const s = situation?.alarms;
  if (!s) return [];
  const open = () => selectTab('alarms');
  const parts = [el('span', 'stat-sep', t('status.alarms'))];
  for (const r of RISK) {
    const n = s.by_colour?.[r.code] ?? 0;
    const b = el('button', { type: 'button', class: `stat-btn${n && r.code === 'red' ? ' alarm' : ''}`, 'aria-label': `${t('status.alarms')} ${term('riskColour', r.code)}` });
    b.dataset.stat = `alarm-${r.code}`;
    const dot = el('span', 'stat-dot');
    dot.style.background = r.color;
    b.append(dot, el('strong', 'stat-value', fmtNumber(n)));
    b.addEventListener('click', open);
    parts.push(b);
  }
  const u = el('button', { type: 'button', class: `stat-btn${s.unacknowledged ? ' alarm' : ''}` });
  u.dataset.stat = 'alarm-unacknowledged';
  u.append(el('span', 'stat-label', t('status.alarms.unacked')), el('strong', 'stat-value', fmtNumber(s.unacknowledged ?? 0)));
  u.addEventListener('click', open);
  parts.push(u);
  return parts;
}
