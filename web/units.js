// The units assigned to an incident: each with its status, times and the
// buttons to move it on. Which statuses a unit may go to next is the server's
// rule (ops::next_statuses): the incident's detail lists them as unit.next.

import { t, term, fmtTime, fmtMinutes, fmtDistance } from './i18n.js';
import { api, el, button, toast } from './util.js';
import { statusColor } from './layers.js';
import { flyToGeometry } from './mapview.js';
import { showFeature } from './feature-panel.js';
import { isDrillMode } from './mode.js';
import { replayState } from './replay.js';
import { refreshDrillStatuses } from './team-status.js';
import { S, panelChanged, refreshCurrent } from './incident-state.js';
import { may } from './session.js';

export function renderUnits(inc) {
  const box = el('section', { class: 'units', id: 'units' });
  box.append(el('h3', null, t('incident.units')));
  const units = inc.units ?? [];
  if (!units.length) {
    box.append(el('p', 'muted', t('incident.units.none')));
    return box;
  }
  // base, phone and the road route of the units on their way: GET …/recommendation's `assigned`
  const more = new Map((S.rec?.incident === inc.id ? S.rec.assigned ?? [] : []).map((a) => [a.id, a]));
  const ul = el('ul', 'unit-list');
  // the active first, the finished ones after
  const ordered = [...units].sort((a, b) => Number(Boolean(a.available_at)) - Number(Boolean(b.available_at)));
  for (const u of ordered) {
    const info = more.get(u.team);
    const li = el('li', 'unit');
    li.dataset.team = String(u.team);
    li.dataset.status = u.status;
    const chip = el('span', 'status-chip', term('teamStatus', u.status));
    chip.style.background = statusColor(u.status);
    chip.dataset.status = u.status;
    const times = [];
    if (u.dispatched_at) times.push(`${term('teamStatus', 'dispatched')} ${fmtTime(u.dispatched_at)}`);
    if (u.on_scene_at) times.push(`${term('teamStatus', 'on_scene')} ${fmtTime(u.on_scene_at)}`);
    if (u.travel_s && ['dispatched', 'en_route'].includes(u.status)) {
      times.push(t('incident.unit.eta', { min: fmtMinutes(u.travel_s) }));
      const due = Date.parse(u.dispatched_at) + u.travel_s * 1000;
      if (Number.isFinite(due)) times.push(t('incident.unit.due', { time: fmtTime(new Date(due).toISOString()) }));
    }
    if (info?.route_m && ['dispatched', 'en_route'].includes(u.status)) times.push(t('incident.unit.route', { km: fmtDistance(info.route_m) }));
    const name = el('a', { href: '#', class: 'unit-name' }, u.name ?? `#${u.team}`);
    name.addEventListener('click', (e) => {
      e.preventDefault();
      showFeature('rescue_teams', u.team).then((f) => f?.geometry && flyToGeometry(f.geometry, { zoom: 13 }));
    });
    li.append(el('div', 'unit-head', name, el('span', 'team-kind', term('teamKind', u.kind)), chip));
    if (times.length) li.append(el('div', 'unit-times', times.join(' · ')));
    li.append(teamContact({ id: u.team, base: info?.base, phone: info?.phone }));
    if (!replayState() && may('respond')) {
      const next = u.next ?? [];
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

async function setUnitStatus(inc, unit, status) {
  S.busy.add(`status-${unit.team}`);
  panelChanged();
  try {
    await api(`/teams/${unit.team}/status`, { method: 'POST', body: { status, drill: Boolean(inc.drill) } });
    toast(t('incident.unit.changed', { name: unit.name ?? `#${unit.team}`, status: term('teamStatus', status) }), { kind: 'ok', timeout: 3000 });
  } catch (err) {
    toast(err.message, { kind: 'error', timeout: 10000 });
  } finally {
    S.busy.delete(`status-${unit.team}`);
    await refreshCurrent();
    if (isDrillMode()) refreshDrillStatuses();
  }
}

/** A team's ID, base and duty phone: what tells three teams of one name apart. */
export function teamContact({ id, base, phone }) {
  return el('div', 'team-contact',
    el('span', 'team-id', `#${id}`),
    base ? el('span', 'team-base', `${t('incident.team.base')} ${base}`) : null,
    phone ? el('a', { class: 'team-phone', href: `tel:${phone}` }, `☎ ${phone}`) : null);
}
