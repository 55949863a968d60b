// Reporting a new incident: place it on the map (a click, then a draggable
// marker), fill in what is known (the fields depend on the kind), and
// POST /incidents. The server draws the zones and answers the whole incident.

import { bus } from './ctx.js';
import { t, term, isZh, compassPoint } from './i18n.js';
import { api, el, button } from './util.js';
import { INCIDENT_KINDS } from './layers.js';
import { countyAt } from './basemap.js';
import { map } from './mapview.js';
import { interceptClicks } from './map-clicks.js';
import { closeFeaturePanel } from './feature-panel.js';
import { selectTab } from './chrome.js';
import { isDrillMode } from './mode.js';
import { replayState, exitReplay } from './replay.js';
import {
  S, panelChanged, refreshList, refreshZones, refreshRecommendation, clearDraft, closeIncident,
} from './incident-state.js';
import { CONTAINERS, KIND_FIELDS, WEATHER_REQUIRED, fmtLocation, field, numberInput, selectInput } from './incident-ui.js';
import { fitIncident } from './incident-map.js';
import { may } from './session.js';

export function initIncidentForm() {
  document.getElementById('new-incident')?.addEventListener('click', () => startPlacing());
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && S.placing) stopPlacing();
  });
}

export function startPlacing() {
  if (!may('respond')) return;
  if (replayState()) exitReplay();
  S.placing = true;
  closeFeaturePanel();
  const hint = document.getElementById('hint');
  hint.textContent = t('incident.place');
  hint.hidden = false;
  document.body.classList.add('placing');
  interceptClicks((e) => {
    placeAt([e.lngLat.lng, e.lngLat.lat]);
    return true;
  });
}

export function stopPlacing() {
  S.placing = false;
  interceptClicks(null);
  document.getElementById('hint').hidden = true;
  document.body.classList.remove('placing');
  map.getCanvas().style.cursor = '';
}

function placeAt(lngLat) {
  stopPlacing();
  const kind = S.draft?.kind ?? 'leak';
  S.draft = { ...(S.draft ?? {}), location: lngLat, kind };
  S.current = null;
  S.rec = null;
  bus.emit('incident-recommendation');
  if (!S.marker) {
    const node = el('div', 'draft-marker');
    S.marker = new window.maplibregl.Marker({ element: node, draggable: true }).setLngLat(lngLat).addTo(map);
    S.marker.on('dragend', () => {
      const p = S.marker.getLngLat();
      S.draft.location = [p.lng, p.lat];
      const loc = document.querySelector('#incident-form .loc-value');
      if (loc) loc.textContent = fmtLocation(S.draft.location);
    });
  } else {
    S.marker.setLngLat(lngLat);
  }
  S.panelOpen = true;
  panelChanged();
  refreshZones();
  document.querySelector('#incident-form [name=kind]')?.focus();
}


export function renderForm() {
  const d = S.draft;
  const form = el('form', { id: 'incident-form', class: 'incident-form', novalidate: true });
  const kind = d.kind ?? 'leak';
  const fields = new Set(KIND_FIELDS[kind] ?? ['cordon_m']);
  form.append(el('h2', 'panel-title', isDrillMode() ? el('span', 'drill-tag', t('mode.drill')) : null, t('incident.form.title')));
  const loc = el('div', 'field loc', el('span', 'field-label', t('incident.form.location')), el('span', 'loc-value', fmtLocation(d.location)),
    button(t('incident.form.replace'), () => startPlacing(), 'btn small'));
  form.append(loc);

  const kindSelect = selectInput('kind', INCIDENT_KINDS.map((k) => [k, term('incidentKind', k)]), kind);
  kindSelect.addEventListener('change', () => {
    saveDraft(form);
    S.draft.kind = kindSelect.value;
    if (S.draft.kind === 'gas_leak' && !S.draft.substance) S.draft.substance = 'natural_gas';
    panelChanged();
  });
  form.append(field('kind', 'incident.form.kind', kindSelect, { required: true }));
  form.append(field('title', 'incident.form.name', el('input', {
    class: 'input', name: 'title', type: 'text', value: d.title ?? '', placeholder: t('incident.form.name.placeholder'),
  })));

  if (fields.has('substance')) {
    const subs = S.substances.length ? S.substances.map((s) => [s.code, isZh() ? `${s.name_zh}（${s.name_en}）` : `${s.name_en} (${s.name_zh})`]) : [];
    const options = [['', t('incident.form.substance.unknown')], ...subs];
    const def = d.substance ?? (kind === 'gas_leak' ? 'natural_gas' : kind === 'leak' ? 'chlorine' : '');
    form.append(field('substance', 'incident.form.substance', selectInput('substance', options, def)));
  }
  if (fields.has('spill')) {
    form.append(field('spill', 'incident.form.spill', selectInput('spill', [['large', term('spill', 'large')], ['small', term('spill', 'small')]], d.spill ?? 'large')));
    // The container chooses the ERG large-spill row; unknown draws the worst row.
    const containers = ['', ...CONTAINERS].map((c) => [c, c ? term('container', c) : t('incident.form.container.unknown')]);
    form.append(field('container', 'incident.form.container', selectInput('container', containers, d.container ?? ''),
      { hint: t('incident.form.hint.container') }));
  }
  if (fields.has('release_rate_kg_s')) {
    form.append(field('release_rate_kg_s', 'incident.form.rate', numberInput('release_rate_kg_s', { value: d.release_rate_kg_s ?? '', min: 0, placeholder: '2.0' }),
      { hint: t('incident.form.hint.leak') }));
  }
  if (fields.has('mass_kg')) {
    form.append(field('mass_kg', 'incident.form.mass', numberInput('mass_kg', { value: d.mass_kg ?? '', min: 0, placeholder: '1000' }),
      { hint: t('incident.form.hint.mass') }));
  }
  form.append(field('cordon_m', 'incident.form.cordon', numberInput('cordon_m', { value: d.cordon_m ?? (fields.size === 1 ? 500 : ''), min: 0, step: 50, placeholder: '500' })));
  if (fields.has('weather')) {
    const w = d.weather ?? { wind_from_deg: 270, wind_speed_ms: 3, daytime: true };
    const fs = el('fieldset', 'weather');
    fs.append(el('legend', null, t('incident.form.weather'), WEATHER_REQUIRED.has(kind) ? el('span', 'req', ' *') : null));
    const dirs = [0, 45, 90, 135, 180, 225, 270, 315].map((deg) => [deg, `${term('compass', compassPoint(deg))} ${deg}°`]);
    const from = selectInput('wind_from_deg', dirs, Math.round(((Number(w.wind_from_deg) % 360) / 45)) * 45 % 360);
    fs.append(field('wind_from_deg', 'incident.form.windFrom', from, { required: WEATHER_REQUIRED.has(kind) }));
    fs.append(field('wind_speed_ms', 'incident.form.windSpeed', numberInput('wind_speed_ms', { value: w.wind_speed_ms ?? 3, min: 0, max: 60, step: 0.5 }),
      { required: WEATHER_REQUIRED.has(kind) }));
    fs.append(field('daytime', 'incident.form.daytime', selectInput('daytime', [['true', term('daytime', 'day')], ['false', term('daytime', 'night')]], String(w.daytime ?? true))));
    // Unknown sky: the server takes the most stable case (the larger zone).
    const skies = ['', 'clear', 'partly', 'overcast'].map((k) => [k, k ? term('sky', k) : t('incident.form.sky.unknown')]);
    fs.append(field('sky', 'incident.form.sky', selectInput('sky', skies, w.sky ?? '')));
    form.append(fs);
  }
  form.append(field('casualties', 'incident.form.casualties', numberInput('casualties', { value: d.casualties ?? 0, min: 0, step: 1 })));
  form.append(field('description', 'incident.form.description', el('textarea', { class: 'input', name: 'description', rows: 2 }, d.description ?? '')));
  if (S.formError) form.append(el('div', 'error-note', S.formError));
  const submit = el('button', { type: 'submit', class: 'btn danger big wide', name: 'submit' },
    S.busy.has('create') ? t('incident.form.submitting') : t('incident.form.submit'));
  submit.disabled = S.busy.has('create');
  form.append(el('div', 'form-actions', submit, button(t('app.cancel'), () => {
    clearDraft();
    closeIncident();
  }, 'btn big')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    saveDraft(form);
    createIncident();
  });
  return form;
}

export function saveDraft(form) {
  const d = S.draft;
  const v = (name) => form.querySelector(`[name=${name}]`)?.value;
  const num = (name) => {
    const x = v(name);
    return x === undefined || x === '' ? null : Number(x);
  };
  d.kind = v('kind') ?? d.kind;
  d.title = v('title') ?? d.title;
  if (form.querySelector('[name=substance]')) d.substance = v('substance');
  if (form.querySelector('[name=spill]')) d.spill = v('spill');
  if (form.querySelector('[name=container]')) d.container = v('container') || null;
  if (form.querySelector('[name=release_rate_kg_s]')) d.release_rate_kg_s = num('release_rate_kg_s');
  if (form.querySelector('[name=mass_kg]')) d.mass_kg = num('mass_kg');
  d.cordon_m = num('cordon_m');
  if (form.querySelector('[name=wind_from_deg]')) {
    d.weather = { wind_from_deg: num('wind_from_deg') ?? 0, wind_speed_ms: num('wind_speed_ms') ?? 0, daytime: v('daytime') !== 'false' };
    if (v('sky')) d.weather.sky = v('sky');
  }
  d.casualties = num('casualties') ?? 0;
  d.description = v('description') ?? '';
}

function draftBody() {
  const d = S.draft;
  const fields = new Set(KIND_FIELDS[d.kind] ?? ['cordon_m']);
  const body = { kind: d.kind, location: d.location.map((x) => Math.round(x * 1e6) / 1e6), drill: isDrillMode() };
  const place = countyAt(d.location);
  body.title = d.title?.trim() || t('incident.defaultTitle', { place: place ?? '', kind: term('incidentKind', d.kind) }).trim();
  if (fields.has('substance') && d.substance) body.substance = d.substance;
  if (fields.has('spill') && d.spill) body.spill = d.spill;
  if (fields.has('spill') && d.container) body.container = d.container;
  if (fields.has('release_rate_kg_s') && d.release_rate_kg_s) body.release_rate_kg_s = d.release_rate_kg_s;
  if (fields.has('mass_kg') && d.mass_kg) body.mass_kg = d.mass_kg;
  if (d.cordon_m) body.cordon_m = d.cordon_m;
  if (fields.has('weather') && d.weather) body.weather = d.weather;
  if (d.casualties) body.casualties = d.casualties;
  if (d.description) body.description = d.description;
  return body;
}

async function createIncident() {
  if (S.busy.has('create')) return;
  S.busy.add('create');
  S.formError = null;
  panelChanged();
  try {
    const inc = await api('/incidents', { method: 'POST', body: draftBody() });
    S.justCreated = inc.id;
    clearDraft();
    S.current = inc;
    S.rec = null;
    selectTab('incidents');
    panelChanged();
    fitIncident(inc);
    refreshList();
    refreshZones();
    refreshRecommendation();
  } catch (err) {
    S.formError = err.message;
  } finally {
    S.busy.delete('create');
    panelChanged();
  }
}
