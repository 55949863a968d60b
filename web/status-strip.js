// The status strip under the top bar, always visible: the open real
// incidents and the people in their zones, the real teams by status, and a
// drill running elsewhere (GET /situation, fetched again whenever the live
// feed reports a change). A click on a figure filters the map and the lists:
// the incidents open the incident list (open, real); a team status shows
// only the teams of that status on the map (a second click shows all again);
// the drill switches to drill mode.

import { bus } from './ctx.js';
import { t, term, fmtNumber } from './i18n.js';
import { api, el, debounce } from './util.js';
import { statusColor } from './layers.js';
import { layers, setFilter, setLayerVisible } from './collections.js';
import { selectTab } from './chrome.js';
import { currentMode, setMode } from './mode.js';
import { S, refreshList } from './incident-state.js';
import { soundToggle } from './alerts.js';
import { alarmFigures } from './alarms.js';
import { ledgerFigures } from './ledger.js';

const TEAM_STATUSES = ['available', 'dispatched', 'en_route', 'on_scene'];

let situation = null;
let failed = false;
/** The team status the map is filtered to by the strip, or null. */
let teamFilter = null;

export function initStatusStrip() {
  const refreshSoon = debounce(refresh, 300);
  bus.on('live', refreshSoon);
  bus.on('live-state', (up) => up && refresh());
  bus.on('lang', render);
  bus.on('mode', render);
  refresh();
}

/** The figures as the server has them now. */
export async function refresh() {
  try {
    situation = await api('/situation');
    failed = false;
    bus.emit('situation', situation);
  } catch (err) {
    console.warn(`situation: ${err.message}`);
    failed = true;
  }
  render();
}

function figure(stat, label, value, onClick, { color, active = false, alarm = false } = {}) {
  const b = el('button', { type: 'button', class: `stat-btn${active ? ' active' : ''}${alarm ? ' alarm' : ''}`, 'aria-pressed': String(active) });
  b.dataset.stat = stat;
  if (color) {
    const dot = el('span', 'stat-dot');
    dot.style.background = color;
    b.append(dot);
  }
  b.append(el('span', 'stat-label', label), el('strong', 'stat-value', value));
  b.addEventListener('click', onClick);
  return b;
}

function showOpenIncidents() {
  if (currentMode() !== 'real') setMode('real');
  S.statusFilter = 'open';
  refreshList();
  selectTab('incidents');
}

function filterTeams(status) {
  const entry = layers.get('rescue_teams');
  if (!entry) return;
  teamFilter = teamFilter === status ? null : status;
  setLayerVisible('rescue_teams', true);
  setFilter('rescue_teams', 'status', teamFilter ? [teamFilter] : entry.filterValues?.status ?? TEAM_STATUSES);
  bus.emit('layer-visibility', 'rescue_teams');
  render();
}

function render() {
  const strip = document.getElementById('status-strip');
  if (!strip) return;
  if (!situation) {
    strip.replaceChildren(el('span', 'muted', failed ? t('status.unavailable') : t('app.loading')));
    return;
  }
  const s = situation;
  const open = s.incidents?.length ?? 0;
  const parts = [
    figure('incidents', t('status.incidents'), fmtNumber(open), showOpenIncidents, { alarm: open > 0 }),
    figure('people', t('status.people'), fmtNumber(s.people ?? 0), showOpenIncidents, { alarm: (s.people ?? 0) > 0 }),
    el('span', 'stat-sep', t('status.teams')),
    ...TEAM_STATUSES.map((code) => figure(`team-${code}`, term('teamStatus', code), fmtNumber(s.teams?.[code] ?? 0), () => filterTeams(code),
      { color: statusColor(code), active: teamFilter === code })),
  ];
  const drills = s.drills?.length ?? 0;
  if (drills && currentMode() === 'real') {
    parts.push(figure('drill', t('status.drill'), fmtNumber(drills), () => setMode('drill'), { color: '#facc15' }));
  }
  parts.push(...alarmFigures(s)); // sensor alarms by colour (alarms.js)
  parts.push(...ledgerFigures(s)); // overdue and open major hidden dangers (ledger.js)
  if (failed) parts.push(el('span', 'stat-stale', t('status.stale')));
  parts.push(soundToggle());
  strip.replaceChildren(...parts);
}
