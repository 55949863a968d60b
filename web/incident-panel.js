// The incident panel on the right: a new incident's form, or an incident in
// the order of the work: a header (people in the zones, the largest zone,
// the domino warning), the units assigned, the recommended teams, the facts,
// the zones with their domino warnings, changed conditions (PATCH), the
// timeline, injects, notes and closing. It redraws on the
// incident-state events and keeps what the user is typing across a redraw.

import { bus } from './ctx.js';
import { t, term, isZh, getLang, fmtNumber, fmtTime, compassPoint } from './i18n.js';
import { api, el, button, toast } from './util.js';
import { map } from './mapview.js';
import { closeFeaturePanel } from './feature-panel.js';
import { isDrillMode, setMode } from './mode.js';
import { replayState } from './replay.js';
import {
  S, panelChanged, showIncident, closeIncident, clearDraft, refreshList, refreshZones, refreshRecommendation,
} from './incident-state.js';
import { KIND_FIELDS, fmtLocation, field, numberInput, selectInput, details } from './incident-ui.js';
import { fitIncident } from './incident-map.js';
import { renderForm, saveDraft, stopPlacing } from './incident-form.js';
import { renderZones, renderDomino } from './incident-zones.js';
import { renderRecommendation } from './dispatch.js';
import { renderUnits } from './units.js';
import { renderInjects, renderNotes, renderTimeline } from './incident-log.js';
import { may } from './session.js';
import { renderGasIsolation } from './gas.js';
import { incidentExperts } from './inspections.js';

export function initIncidentPanel() {
  bus.on('incident-open', (id) => openIncident(id));
  for (const name of ['incident-panel', 'incident-recommendation', 'lang']) bus.on(name, renderPanel);
  bus.on('incident-closed-panel', hidePanel);
}

/** Shows an incident (fetched, or as it was in the replay on screen) in the panel. */
export async function openIncident(id) {
  if (!Number.isFinite(id)) return;
  if (S.placing) stopPlacing();
  clearDraft();
  closeFeaturePanel();
  const replay = replayState();
  if (replay) {
    const inc = (replay.data?.incidents ?? []).find((i) => i.id === id);
    if (!inc) return;
    S.current = inc;
    S.panelOpen = true;
    panelChanged();
    fitIncident(inc);
    return;
  }
  try {
    const inc = await api(`/incidents/${id}`);
    if (Boolean(inc.drill) !== isDrillMode()) setMode(inc.drill ? 'drill' : 'real');
    showIncident(inc);
    refreshZones();
    fitIncident(inc);
    refreshRecommendation();
    bus.emit('incident-shown', inc);
  } catch (err) {
    toast(err.message, { kind: 'error' });
  }
}

function showPanel() {
  const panel = document.getElementById('incident-panel');
  if (!panel.dataset.wired) {
    panel.dataset.wired = '1';
    const mark = (e) => e.target?.name && e.target.closest('.edit-form') && (e.target.dataset.dirty = '1');
    panel.addEventListener('input', mark);
    panel.addEventListener('change', mark);
  }
  panel.hidden = false;
  document.body.classList.add('incident-open');
  requestAnimationFrame(() => map.resize());
}

function hidePanel() {
  const panel = document.getElementById('incident-panel');
  panel.hidden = true;
  panel.replaceChildren();
  document.body.classList.remove('incident-open');
  requestAnimationFrame(() => map.resize());
}

function renderPanel() {
  const panel = document.getElementById('incident-panel');
  if (!S.panelOpen) return;
  if (panel.hidden) showPanel();
  const scroll = panel.scrollTop;
  const focused = document.activeElement && panel.contains(document.activeElement) ? document.activeElement : null;
  // keep what is being typed: a live refresh must not wipe a note in progress
  const noteText = panel.querySelector('textarea[name=note]')?.value ?? S.noteDraft ?? '';
  const reasonText = panel.querySelector('input[name=reason]')?.value;
  if (S.draft && !S.current) {
    const form = panel.querySelector('#incident-form');
    if (form) saveDraft(form);
    panel.replaceChildren(closeButton(), renderForm());
    // keyboard users keep their place across a redraw (a kind chosen, substances loaded)
    if (focused?.name) panel.querySelector(`#incident-form [name=${focused.name}]`)?.focus();
  } else if (S.current) {
    // what the user is typing survives a live refresh of the panel
    const dirty = [...panel.querySelectorAll('[data-dirty][name]')].map((e) => [e.closest('form')?.className ?? '', e.name, e.value]);
    panel.replaceChildren(closeButton(), renderIncident(S.current));
    for (const [form, name, value] of dirty) {
      const input = panel.querySelector(`${form ? `form.${form.split(' ')[0]} ` : ''}[name=${name}]`);
      if (input) {
        input.value = value;
        input.dataset.dirty = '1';
      }
    }
    const note = panel.querySelector('textarea[name=note]');
    if (note) note.value = noteText;
    const reason = panel.querySelector('input[name=reason]');
    if (reason && reasonText !== undefined) reason.value = reasonText;
    if (focused?.name) panel.querySelector(`[name=${focused.name}]`)?.focus();
  } else {
    panel.replaceChildren(closeButton());
  }
  panel.scrollTop = scroll;
}

function closeButton() {
  return button('×', () => closeIncident(), 'panel-close', { 'aria-label': t('app.close'), title: t('app.close') });
}

function renderIncident(inc) {
  const root = el('div', 'incident');
  root.dataset.id = String(inc.id);
  root.dataset.status = inc.status;
  const replay = replayState();
  const readonly = Boolean(replay) || inc.status === 'closed';

  // header
  const head = el('header', 'inc-head');
  head.append(el('div', 'inc-chips',
    inc.drill ? el('span', 'drill-tag big', t('drill.banner')) : null,
    el('span', 'kind-chip big', term('incidentKind', inc.kind)),
    el('span', `status-badge ${inc.status}`, term('incidentStatus', inc.status)),
    replay ? el('span', 'replay-tag', t('incident.readonly')) : null));
  head.append(el('h2', 'inc-name', inc.title || term('incidentKind', inc.kind)));
  head.append(el('div', 'inc-actions',
    button(t('incident.flyTo'), () => fitIncident(inc), 'btn'),
    button(t('incident.report'), () => window.open(`/incidents/${inc.id}/report.html?lang=${getLang()}`, '_blank', 'noopener'), 'btn report-btn')));
  root.append(head);
  if (inc.status === 'closed') root.append(el('div', 'closed-note', t('incident.closed.banner', { reason: inc.close_reason ?? '—' })));
  if (inc.outside_region_m > 0) root.append(el('div', 'outside-note', t('incident.outsideRegion', { km: fmtNumber(inc.outside_region_m / 1000, 1) })));

  // In the order of the work: what is at stake, who is going, who else could,
  // the zones in detail, then the record.
  root.append(renderSummary(inc));
  root.append(renderUnits(inc));
  // a gas leak: the valves to close, before anything else is done (web/gas.js)
  const gas = renderGasIsolation(inc, readonly);
  if (gas) root.append(gas);
  const responds = !readonly && may('respond');
  if (!readonly) root.append(renderRecommendation(inc));
  if (!readonly) root.append(incidentExperts(inc)); // experts next to the teams (inspections.js)

  // facts
  const facts = el('table', 'facts');
  const row = (label, value) => value !== null && value !== undefined && value !== '' && facts.append(el('tr', null, el('th', null, label), el('td', null, value)));
  row(t('incident.opened'), `${fmtTime(inc.opened_at, true)}${inc.opened_by ? ` · ${inc.opened_by}` : ''}`);
  if (inc.closed_at) row(t('incident.closedAt'), fmtTime(inc.closed_at, true));
  row(t('incident.location'), fmtLocation(inc.location));
  if (inc.substance) row(t('incident.substance'), `${term('substance', inc.substance)}${inc.spill ? ` · ${term('spill', inc.spill)}` : ''}${inc.release_rate_kg_s ? ` · ${fmtNumber(inc.release_rate_kg_s, 2)} kg/s` : ''}${inc.mass_kg ? ` · ${fmtNumber(inc.mass_kg)} kg` : ''}`);
  if (inc.weather) {
    row(t('incident.weather'), t('incident.weather.text', {
      deg: fmtNumber(inc.weather.wind_from_deg), dir: term('compass', compassPoint(inc.weather.wind_from_deg)),
      speed: fmtNumber(inc.weather.wind_speed_ms, 1), day: term('daytime', inc.weather.daytime === false ? 'night' : 'day'),
    }));
  }
  if (inc.casualties) row(t('incident.casualties'), fmtNumber(inc.casualties));
  if (inc.needs?.length) row(t('incident.needs'), inc.needs.map((k) => term('teamKind', typeof k === 'string' ? k : k.kind)).join(isZh() ? '、' : ', '));
  if (inc.description) row(t('incident.form.description'), inc.description);
  root.append(details('facts', t('incident.facts'), facts, { open: true }));

  const zoneBody = el('div', 'zones-body', renderZones(inc));
  const domino = inc.zones?.domino ?? [];
  if (domino.length) zoneBody.append(renderDomino(domino));
  if (inc.zones?.limits?.length) {
    zoneBody.append(details('limits', t('incident.limits'), el('ul', 'limits', ...inc.zones.limits.map((l) => el('li', null, l)))));
  }
  root.append(zoneBody);
  // what the role may not do is not offered at all (docs/security.md, "respond")
  if (responds) root.append(renderEdit(inc));
  if (inc.timeline?.length) root.append(renderTimeline(inc));
  if (inc.drill) root.append(renderInjects(inc, readonly));
  root.append(renderNotes(inc, readonly));
  if (responds) root.append(renderClose(inc));
  return root;
}

/**
 * The panel's header: the people in the zones (to evacuate or shelter in
 * place), the largest zone, and the domino warning, before anything else.
 */
function renderSummary(inc) {
  const zones = (inc.zones?.zones ?? []).filter((z) => z.exposure);
  const box = el('section', { class: 'inc-summary', id: 'inc-summary' });
  if (!zones.length) {
    box.append(el('p', 'muted', t('incident.zones.none')));
    return box;
  }
  // zones nest (the cordon and the tiers inside the largest): the largest holds everyone
  const largest = zones.reduce((a, b) => ((b.exposure.area_km2 ?? 0) > (a.exposure.area_km2 ?? 0) ? b : a));
  const people = Math.max(...zones.map((z) => z.exposure.population ?? 0));
  box.append(el('div', 'summary-people',
    el('span', 'summary-k', t('incident.summary.people')),
    el('strong', 'summary-v', t('unit.people', { n: fmtNumber(people) }))));
  box.append(el('div', 'summary-zone',
    el('span', 'summary-k', t('incident.summary.largest')),
    el('span', 'summary-v', `${term('zoneTier', largest.tier)} · ${t('unit.km2', { n: fmtNumber(largest.exposure.area_km2 ?? 0, 2) })}`)));
  const domino = inc.zones?.domino ?? [];
  if (domino.length) {
    const warn = el('a', { href: '#', class: 'summary-domino', role: 'alert' }, `⚠ ${t('incident.summary.domino', { n: domino.length })}`);
    warn.addEventListener('click', (e) => {
      e.preventDefault();
      document.querySelector('#incident-panel .domino')?.scrollIntoView({ block: 'start' });
    });
    box.append(warn);
  }
  return box;
}

/** Changed conditions (wind turns, the release grows): PATCH the incident, the zones are computed again. */
function renderEdit(inc) {
  const fields = new Set(KIND_FIELDS[inc.kind] ?? ['cordon_m']);
  const form = el('form', { class: 'edit-form', novalidate: true });
  const w = inc.weather ?? { wind_from_deg: 270, wind_speed_ms: 3, daytime: true };
  if (fields.has('weather')) {
    const dirs = [0, 45, 90, 135, 180, 225, 270, 315].map((deg) => [deg, `${term('compass', compassPoint(deg))} ${deg}°`]);
    form.append(field('wind_from_deg', 'incident.form.windFrom', selectInput('wind_from_deg', dirs, (Math.round((Number(w.wind_from_deg) % 360) / 45) * 45) % 360)));
    form.append(field('wind_speed_ms', 'incident.form.windSpeed', numberInput('wind_speed_ms', { value: w.wind_speed_ms ?? 3, min: 0, max: 60, step: 0.5 })));
    form.append(field('daytime', 'incident.form.daytime', selectInput('daytime', [['true', term('daytime', 'day')], ['false', term('daytime', 'night')]], String(w.daytime ?? true))));
  }
  if (fields.has('release_rate_kg_s')) form.append(field('release_rate_kg_s', 'incident.form.rate', numberInput('release_rate_kg_s', { value: inc.release_rate_kg_s ?? '', min: 0 })));
  if (fields.has('mass_kg')) form.append(field('mass_kg', 'incident.form.mass', numberInput('mass_kg', { value: inc.mass_kg ?? '', min: 0 })));
  form.append(field('cordon_m', 'incident.form.cordon', numberInput('cordon_m', { value: inc.cordon_m ?? '', min: 0, step: 50 })));
  form.append(field('casualties', 'incident.form.casualties', numberInput('casualties', { value: inc.casualties ?? 0, min: 0, step: 1 })));
  const save = el('button', { type: 'submit', class: 'btn primary' }, t('incident.edit.save'));
  save.disabled = S.busy.has('edit');
  form.append(el('div', 'form-actions', save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (name) => form.querySelector(`[name=${name}]`)?.value;
    const num = (name) => (v(name) === undefined || v(name) === '' ? null : Number(v(name)));
    const body = { cordon_m: num('cordon_m'), casualties: num('casualties') ?? 0 };
    if (fields.has('weather')) body.weather = { wind_from_deg: num('wind_from_deg') ?? 0, wind_speed_ms: num('wind_speed_ms') ?? 0, daytime: v('daytime') !== 'false' };
    if (fields.has('release_rate_kg_s')) body.release_rate_kg_s = num('release_rate_kg_s');
    if (fields.has('mass_kg')) body.mass_kg = num('mass_kg');
    S.busy.add('edit');
    save.disabled = true;
    try {
      const updated = await api(`/incidents/${inc.id}`, { method: 'PATCH', body });
      for (const input of document.querySelectorAll('#incident-panel .edit-form [data-dirty]')) delete input.dataset.dirty;
      if (updated?.id === S.current?.id) S.current = updated;
      toast(t('incident.edit.done'), { kind: 'ok', timeout: 3000 });
      refreshZones();
      refreshRecommendation();
    } catch (err) {
      toast(err.message, { kind: 'error', timeout: 10000 });
    } finally {
      S.busy.delete('edit');
      panelChanged();
    }
  });
  return details('edit', t('incident.edit'), form);
}

function renderClose(inc) {
  const box = el('section', 'close-box');
  if (!S.closing) {
    box.append(button(t('incident.close'), () => {
      S.closing = true;
      panelChanged();
      document.querySelector('#incident-panel input[name=reason]')?.focus();
    }, 'btn wide close-btn'));
    return box;
  }
  const input = el('input', { class: 'input', name: 'reason', type: 'text', value: t('incident.close.reason.default'), 'aria-label': t('incident.close.reason') });
  const confirm = button(t('incident.close.confirm'), async () => {
    S.busy.add('close');
    confirm.disabled = true;
    try {
      const updated = await api(`/incidents/${inc.id}/close`, { method: 'POST', body: { reason: input.value.trim() || t('incident.close.reason.default') } });
      S.closing = false;
      if (updated?.id === S.current?.id) S.current = updated;
      S.rec = null;
      bus.emit('incident-recommendation');
      refreshList();
      refreshZones();
    } catch (err) {
      toast(err.message, { kind: 'error' });
    } finally {
      S.busy.delete('close');
      panelChanged();
    }
  }, 'btn danger');
  box.append(el('label', 'field', el('span', 'field-label', t('incident.close.reason')), input),
    el('div', 'form-actions', confirm, button(t('app.cancel'), () => {
      S.closing = false;
      panelChanged();
    }, 'btn')));
  return box;
}
