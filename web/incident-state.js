// What the incident modules share: the incidents of the current mode, the one
// the panel shows, its recommendation, the draft being placed, and the calls
// that fetch them again (docs/incidents-api.md). Views redraw on the bus:
//   incident-list   the list (S.list) changed          -> list pane, incident points
//   incident-zones  the zones of open incidents, as GeoJSON features -> zone layers
//   incident-panel  the shown incident, draft or a busy flag changed -> panel, points
//   incident-recommendation  S.rec changed              -> routes, panel
//   incident-closed-panel    the panel closed           -> everything above
// Live records refresh what they concern; the server says which collections
// an event changes (record.collections) and which incident or team it names.

import { bus } from './ctx.js';
import { api, debounce, toast } from './util.js';
import { t, addTerms } from './i18n.js';
import { currentMode, drillParam } from './mode.js';
import { replayState } from './replay.js';
import { refreshDrillStatuses } from './team-status.js';

export const S = {
  list: [],
  listError: null,
  statusFilter: 'open',
  current: null,
  rec: null,
  recError: null,
  recLoading: false,
  placing: false,
  draft: null,
  formError: null,
  fieldErrors: {}, // the form's messages by field name
  confirmAll: null, // the incident whose "dispatch all" awaits confirmation
  marker: null,
  substances: [],
  busy: new Set(),
  panelOpen: false,
  closing: false,
  justCreated: null,
  noteDraft: '',
  openDetails: new Set(), // which <details> of the panel are open, by key
};

export const panelChanged = () => bus.emit('incident-panel');
const listChanged = () => bus.emit('incident-list');
const recommendationChanged = () => bus.emit('incident-recommendation');

let shownMode = null;

export function initIncidentState() {
  bus.on('mode', (mode) => {
    const changed = shownMode !== mode;
    shownMode = mode;
    if (changed && S.current && Boolean(S.current.drill) !== (mode === 'drill')) closeIncident();
    if (changed) refreshAll();
  });
  bus.on('live-state', (up) => up && refreshAll());
  bus.on('live', onLive);
  api('/impact/substances').then((data) => {
    S.substances = data?.substances ?? [];
    addTerms('substance', Object.fromEntries(S.substances.map((s) => [s.code, [s.name_zh, s.name_en]])));
    if (S.draft) panelChanged();
  }).catch((err) => console.warn(`substances: ${err.message}`));
}

// ------------------------------------------------------------------ data

export async function refreshAll() {
  if (replayState()) return;
  await Promise.all([refreshList(), refreshZones(), refreshDrillStatuses(), S.current ? refreshCurrent() : null]);
}

export async function refreshList() {
  if (replayState()) return;
  try {
    const data = await api(`/incidents?status=${S.statusFilter}&drill=${drillParam()}`);
    S.list = data?.incidents ?? [];
    S.listError = null;
  } catch (err) {
    S.list = [];
    S.listError = err.message;
  }
  listChanged();
}

export async function refreshZones() {
  if (replayState()) return;
  try {
    const fc = await api(`/incidents/zones?drill=${drillParam()}`);
    bus.emit('incident-zones', fc?.features ?? []);
  } catch (err) {
    console.warn(`zones: ${err.message}`);
  }
}

export async function refreshCurrent() {
  if (!S.current || replayState()) return;
  const id = S.current.id;
  try {
    const inc = await api(`/incidents/${id}`);
    if (S.current?.id !== id) return;
    S.current = inc;
    panelChanged();
    refreshZones();
  } catch (err) {
    if (err.status === 404) closeIncident();
  }
}

let recAsked = 0;

export async function refreshRecommendation() {
  const inc = S.current;
  if (!inc || inc.status === 'closed' || replayState()) {
    S.rec = null;
    recommendationChanged();
    return;
  }
  const id = inc.id;
  const asked = ++recAsked;
  S.recLoading = true;
  panelChanged();
  try {
    const rec = await api(`/incidents/${id}/recommendation?k=3`);
    // an answer to an older question (live changes came fast) is not shown
    if (S.current?.id !== id || asked !== recAsked) return;
    S.rec = rec;
    S.recError = null;
  } catch (err) {
    if (S.current?.id !== id) return;
    S.rec = null;
    S.recError = err.message;
  } finally {
    S.recLoading = false;
  }
  recommendationChanged();
}

/** Shows an incident just fetched (or from a replay) in the panel. */
export function showIncident(inc) {
  S.current = inc;
  S.rec = null;
  S.panelOpen = true;
  panelChanged();
}

/** The panel stops showing an incident or a draft. */
export function closeIncident() {
  S.panelOpen = false;
  S.current = null;
  S.rec = null;
  S.closing = false;
  if (S.draft) clearDraft();
  bus.emit('incident-closed-panel');
  refreshZones();
}

export function clearDraft() {
  S.draft = null;
  S.marker?.remove();
  S.marker = null;
}

// ------------------------------------------------------------------ live

const refreshListSoon = debounce(() => {
  refreshList();
  refreshZones();
}, 150);
const refreshCurrentSoon = debounce(() => refreshCurrent(), 120);
const refreshRecSoon = debounce(() => refreshRecommendation(), 300);
const refreshDrillSoon = debounce(() => refreshDrillStatuses(), 150);

const idOf = (v) => (v === undefined || v === null ? undefined : Number(typeof v === 'object' ? v.id : v));

function onLive(record) {
  if (replayState()) return;
  const ev = record.event ?? {};
  const collections = record.collections ?? [];
  const incident = idOf(ev.incident);
  const team = idOf(ev.team);
  const drill = typeof ev.drill === 'boolean' ? ev.drill : undefined;
  const ours = drill === undefined || drill === (currentMode() === 'drill');
  // an event that changes the incidents collection changes the list or the zones
  if (ours && collections.includes('incidents')) refreshListSoon();
  // the open incident: an event about it, or about one of its units
  if (S.current && (incident === S.current.id || (team !== undefined && (S.current.units ?? []).some((u) => u.team === team)))) {
    refreshCurrentSoon();
  }
  // a team changed (status, dispatch, or its feature): who is available changed
  if (team !== undefined || collections.includes('rescue_teams')) {
    if (S.current && S.current.status !== 'closed') refreshRecSoon();
    if (currentMode() === 'drill') refreshDrillSoon();
  }
  if (ev.type === 'incident_opened' && ours && record.news !== false && !S.busy.has('create') && incident !== S.justCreated) {
    const title = ev.spec?.title ?? ev.title ?? '';
    toast(t('incident.opened.toast', { title: title || `#${incident ?? ''}` }), { kind: 'warn' });
  }
}
