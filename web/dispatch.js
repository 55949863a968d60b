// Recommendation and dispatch: the team kinds the incident needs, the nearest
// available teams by road (GET /incidents/{id}/recommendation) with their
// base, ID and duty phone, stocked warehouses, and POST
// /incidents/{id}/dispatch, from the panel or from a team's attribute panel.
// Dispatching all of them asks again, listing each team's time. The map
// draws the routes of the assigned units only (incident-map.js).

import { t, term, isZh, fmtNumber, fmtMinutes, fmtDistance } from './i18n.js';
import { api, el, button, toast } from './util.js';
import { isDrillMode } from './mode.js';
import { replayState } from './replay.js';
import { shownStatus, refreshDrillStatuses } from './team-status.js';
import { S, panelChanged, refreshRecommendation } from './incident-state.js';
import { details } from './incident-ui.js';
import { may } from './session.js';
import { teamContact } from './units.js';

export function renderRecommendation(inc) {
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
  const mayDispatch = may('respond');
  for (const team of teams) {
    const li = el('li', 'team');
    li.dataset.team = String(team.id);
    li.dataset.kind = team.kind;
    const kindChip = el('span', 'team-kind', term('teamKind', team.kind));
    const info = el('div', 'team-info',
      el('div', 'team-name', team.name),
      el('div', 'team-meta', kindChip, el('span', 'travel', t('incident.recommend.travel', { min: fmtMinutes(team.travel_s), km: fmtDistance(team.route_m ?? team.distance_m) }))),
      teamContact(team),
      avoidanceNote(team.avoidance),
      team.matches?.length ? el('div', 'team-matches', `${t('incident.recommend.matches')}：${team.matches.map((c) => term('capability', c)).join(isZh() ? '、' : ', ')}`) : null);
    li.append(info);
    if (mayDispatch) {
      const dispatch = button(t('incident.dispatch'), () => dispatchTeams([team.id]), 'btn primary big dispatch-btn', { 'data-team': String(team.id) });
      dispatch.disabled = S.busy.has(`dispatch-${team.id}`) || assigned.has(team.id);
      li.append(dispatch);
    }
    ul.append(li);
  }
  box.append(ul);
  if (mayDispatch && available.length > 1) {
    if (S.confirmAll === inc.id) {
      // Sending every recommended team, the far ones too, is asked again with the times.
      const list = el('ul', 'confirm-list', ...available.map((x) => el('li', null,
        el('strong', null, x.name), ` #${x.id} · ${term('teamKind', x.kind)} · ${fmtMinutes(x.travel_s)}`)));
      const confirm = el('div', { class: 'confirm-all', role: 'alertdialog', 'aria-label': t('incident.dispatch.confirm', { n: available.length }) },
        el('p', null, t('incident.dispatch.confirm', { n: available.length })), list,
        el('div', 'form-actions',
          button(t('incident.dispatch.confirm.yes', { n: available.length }), () => {
            S.confirmAll = null;
            dispatchTeams(available.map((x) => x.id));
          }, 'btn primary', { name: 'confirm-all' }),
          button(t('app.cancel'), () => {
            S.confirmAll = null;
            panelChanged();
          }, 'btn', { name: 'cancel-all' })));
      box.append(confirm);
    } else {
      box.append(button(`${t('incident.dispatch.all')}（${available.length}）`, () => {
        S.confirmAll = inc.id;
        panelChanged();
        requestAnimationFrame(() => document.querySelector('#incident-panel [name=confirm-all]')?.focus());
      }, 'btn wide dispatch-all'));
    }
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

export async function dispatchTeams(teamIds, incident = S.current) {
  if (!incident) return;
  for (const id of teamIds) S.busy.add(`dispatch-${id}`);
  panelChanged();
  try {
    const updated = await api(`/incidents/${incident.id}/dispatch`, { method: 'POST', body: { teams: teamIds } });
    if (updated?.id === S.current?.id) S.current = updated;
    const names = (updated?.units ?? []).filter((u) => teamIds.includes(u.team)).map((u) => u.name).join(isZh() ? '、' : ', ');
    toast(t('incident.dispatched', { name: names || teamIds.join(', ') }), { kind: 'ok', timeout: 4000 });
  } catch (err) {
    toast(err.message, { kind: 'error', timeout: 10000 });
  } finally {
    for (const id of teamIds) S.busy.delete(`dispatch-${id}`);
    panelChanged();
    refreshRecommendation();
    if (isDrillMode()) refreshDrillStatuses();
  }
}

/** The feature panel of an available team offers to dispatch it to the open incident. */
export function dispatchHereButton(feature) {
  const inc = S.current;
  if (!inc || inc.status === 'closed' || replayState() || !may('respond')) return null;
  const id = Number(feature.id);
  const status = shownStatus(id, feature.properties?.status);
  if (status !== 'available' || (inc.units ?? []).some((u) => u.team === id)) return null;
  return button(`${t('feature.dispatchHere')}：${inc.title ?? ''}`, () => dispatchTeams([id], inc), 'btn primary');
}

/** How the route went round other incidents' zones (docs/roads.md, hazard-aware routes). */
function avoidanceNote(a) {
  if (!a) return null;
  if (a.crosses_zone?.length) {
    const zones = a.crosses_zone.map((z) => `#${z.incident} ${isZh() ? z.label_zh : z.label_en}`).join(isZh() ? '、' : '; ');
    return el('div', 'team-avoid error-note', t('incident.recommend.crosses', { zones }));
  }
  if (a.changed && a.delay_s > 0) return el('div', 'team-avoid muted', t('incident.recommend.detour', { min: fmtMinutes(a.delay_s) }));
  return null;
}
