// Field staff: a user linked to a rescue team (PATCH /users/{name} {team}) is
// told which incident that team is assigned to (GET /auth/me's `team`). On a
// phone (≤ 700 px) the map opens that incident by itself, so the layout shows
// the map, the status strip and the assigned incident with its notes; on any
// screen a chip in the top bar names the team and its status, and a click on
// it opens the incident.

import { bus } from './ctx.js';
import { t, term } from './i18n.js';
import { api, el } from './util.js';
import { currentMode } from './mode.js';
import { S } from './incident-state.js';
import { replayState } from './replay.js';

const PHONE = window.matchMedia('(max-width: 700px)');
/** GET /auth/me's team: {id, name, real, drill} or null. */
let team = null;
/** The assignment last opened by itself, so a user who closes it is not sent back to it. */
let opened = null;

const assignment = () => (team ? team[currentMode()] ?? null : null);

async function refresh() {
  try {
    const me = await api('/auth/me', { quiet401: true });
    team = me?.team ?? null;
  } catch {
    team = null;
  }
  render();
  follow();
}

/** On a phone, shows the incident the team is assigned to, once per assignment. */
function follow() {
  const a = assignment();
  if (!a || !PHONE.matches || replayState()) return;
  const key = `${currentMode()}:${a.incident}`;
  if (opened === key || S.current?.id === a.incident || S.draft) return;
  opened = key;
  bus.emit('incident-open', a.incident);
}

function render() {
  let chip = document.getElementById('field-team');
  if (!team) {
    chip?.remove();
    document.body.classList.remove('field-staff');
    return;
  }
  document.body.classList.add('field-staff');
  if (!chip) {
    chip = el('button', { id: 'field-team', class: 'field-team', type: 'button' });
    chip.addEventListener('click', () => {
      const a = assignment();
      if (a) bus.emit('incident-open', a.incident);
    });
    (document.querySelector('.topbar') ?? document.body).append(chip);
  }
  const a = assignment();
  chip.dataset.incident = a ? String(a.incident) : '';
  chip.disabled = !a;
  chip.replaceChildren(
    el('span', 'field-team-name', team.name ?? `#${team.id}`),
    el('span', 'field-team-status', a ? `${term('teamStatus', a.status)} · ${t('field.incident', { id: a.incident })}` : t('field.unassigned')),
  );
}

const UNIT_EVENTS = new Set(['unit_dispatched', 'unit_status_changed', 'incident_closed']);

export function initField() {
  bus.on('ready', refresh);
  bus.on('session', refresh);
  bus.on('mode', () => (render(), follow()));
  bus.on('lang', render);
  bus.on('live', (record) => {
    if (UNIT_EVENTS.has(record?.event?.type)) refresh();
  });
  PHONE.addEventListener('change', follow);
  window.lookout && (window.lookout.field = () => ({ team, assignment: assignment() }));
}
