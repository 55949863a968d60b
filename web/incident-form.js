// Reporting a new incident: place it on the map (a click, then a draggable
// marker), by typed coordinates (decimal or degrees-minutes-seconds) or at
// the map's centre (keyboard only: arrow keys pan, then "map centre"), fill
// in what is known (the fields depend on the kind), and POST /incidents.
// The server draws the zones and answers the whole incident.
//
// The form cannot mislead: nothing about the weather is pre-filled, required
// fields are checked here with the message next to the field in the UI
// language, an empty number is never sent as 0, and the server's refusals
// are put next to the field they concern, in the UI language too.

import { bus } from './ctx.js';
import { t, term, isZh, compassPoint } from './i18n.js';
import { api, el, button, toast } from './util.js';
import { parseCoordinates } from './coords.js';
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
  hint.replaceChildren(el('span', 'hint-text', t('incident.place')), placeBox());
  hint.hidden = false;
  document.body.classList.add('placing');
  interceptClicks((e) => {
    placeAt([e.lngLat.lng, e.lngLat.lat]);
    return true;
  });
  hint.querySelector('input[name=coords]')?.focus();
}

/** Placement without the mouse: typed coordinates, or the map's centre. */
function placeBox() {
  const input = el('input', {
    class: 'input', name: 'coords', type: 'text', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'place-coords-help',
  });
  const error = el('span', { class: 'field-error', id: 'place-coords-error', role: 'alert' });
  const form = el('form', { class: 'place-box', novalidate: true },
    el('label', 'place-label', el('span', null, t('incident.place.coords')), input),
    el('button', { type: 'submit', class: 'btn', name: 'place' }, t('incident.place.go')),
    button(t('incident.place.centre'), () => {
      const c = map.getCenter();
      placeAt([c.lng, c.lat]);
    }, 'btn', { name: 'centre' }),
    el('span', { class: 'place-help', id: 'place-coords-help' }, t('incident.place.help')),
    error);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const at = parseCoordinates(input.value);
    if (!at) {
      error.textContent = input.value.trim() ? t('incident.place.bad') : t('incident.place.empty');
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    map.easeTo({ center: at, zoom: Math.max(map.getZoom(), 11) });
    placeAt(at);
  });
  return form;
}

export function stopPlacing() {
  S.placing = false;
  interceptClicks(null);
  const hint = document.getElementById('hint');
  hint.hidden = true;
  hint.replaceChildren();
  document.body.classList.remove('placing');
  map.getCanvas().style.cursor = '';
}

function placeAt(lngLat) {
  stopPlacing();
  const kind = S.draft?.kind ?? 'leak';
  S.draft = { ...(S.draft ?? {}), location: lngLat, kind };
  S.current = null;
  S.rec = null;
  S.fieldErrors = {};
  S.formError = null;
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
  const weatherRequired = WEATHER_REQUIRED.has(kind);
  const w = d.weather ?? {};
  form.append(el('h2', 'panel-title', isDrillMode() ? el('span', 'drill-tag', t('mode.drill')) : null, t('incident.form.title')));
  const loc = el('div', 'field loc', el('span', 'field-label', t('incident.form.location')), el('span', 'loc-value', fmtLocation(d.location)),
    button(t('incident.form.replace'), () => startPlacing(), 'btn small', { name: 'replace' }));
  loc.dataset.field = 'location';
  form.append(loc);

  const kindSelect = selectInput('kind', INCIDENT_KINDS.map((k) => [k, term('incidentKind', k)]), kind);
  kindSelect.addEventListener('change', () => {
    saveDraft(form);
    S.draft.kind = kindSelect.value;
    // the substance goes back to the new kind's default: a chlorine left from
    // a leak must not turn a fire into an impossible (or a wrong) report
    S.draft.substance = undefined;
    form.querySelector('[data-field=substance]')?.remove(); // so the redraw does not read it back
    S.fieldErrors = {};
    panelChanged();
  });
  form.append(field('kind', 'incident.form.kind', kindSelect, { required: true }));
  form.append(field('title', 'incident.form.name', el('input', {
    class: 'input', name: 'title', type: 'text', value: d.title ?? '', maxlength: 200,
  }), { hint: t('incident.form.name.hint') }));

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
    form.append(field('release_rate_kg_s', 'incident.form.rate', numberInput('release_rate_kg_s', { value: d.release_rate_kg_s ?? '', min: 0 }),
      { hint: t('incident.form.hint.leak') }));
  }
  if (fields.has('mass_kg')) {
    form.append(field('mass_kg', 'incident.form.mass', numberInput('mass_kg', { value: d.mass_kg ?? '', min: 0 }),
      { hint: t('incident.form.hint.mass') }));
  }
  form.append(field('cordon_m', 'incident.form.cordon', numberInput('cordon_m', { value: d.cordon_m ?? (fields.size === 1 ? 500 : ''), min: 0, step: 50 })));
  if (fields.has('weather')) {
    // Nothing pre-filled: a form nobody checked must not draw plausible zones.
    const fs = el('fieldset', 'weather');
    fs.append(el('legend', null, t('incident.form.weather'), weatherRequired ? el('span', 'req', ' *') : null));
    if (!weatherRequired) fs.append(el('p', 'field-hint', t('incident.form.weather.optional')));
    const choose = ['', t('incident.form.choose')];
    const dirs = [0, 45, 90, 135, 180, 225, 270, 315].map((deg) => [deg, `${term('compass', compassPoint(deg))} ${deg}°`]);
    fs.append(field('wind_from_deg', 'incident.form.windFrom', selectInput('wind_from_deg', [choose, ...dirs], w.wind_from_deg ?? ''), { required: weatherRequired }));
    fs.append(field('wind_speed_ms', 'incident.form.windSpeed', numberInput('wind_speed_ms', { value: w.wind_speed_ms ?? '', min: 0, max: 60, step: 0.5 }),
      { required: weatherRequired }));
    fs.append(field('daytime', 'incident.form.daytime', selectInput('daytime', [choose, ['true', term('daytime', 'day')], ['false', term('daytime', 'night')]], w.daytime ?? ''),
      { required: weatherRequired }));
    // Unknown sky: the server takes the most stable case (the larger zone).
    const skies = ['', 'clear', 'partly', 'overcast'].map((k) => [k, k ? term('sky', k) : t('incident.form.sky.unknown')]);
    fs.append(field('sky', 'incident.form.sky', selectInput('sky', skies, w.sky ?? '')));
    form.append(fs);
  }
  form.append(field('casualties', 'incident.form.casualties', numberInput('casualties', { value: d.casualties ?? '', min: 0, step: 1 }),
    { hint: t('incident.form.casualties.hint') }));
  form.append(field('description', 'incident.form.description', el('textarea', { class: 'input', name: 'description', rows: 2, maxlength: 4000 }, d.description ?? '')));
  showFieldErrors(form, S.fieldErrors ?? {});
  if (S.formError) form.append(el('div', { class: 'error-note', role: 'alert' }, S.formError));
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
    const errors = validateDraft(S.draft);
    S.fieldErrors = errors;
    S.formError = null;
    if (Object.keys(errors).length) {
      panelChanged();
      focusFirstError();
      return;
    }
    createIncident();
  });
  return form;
}

/** Puts each message next to its field (aria-invalid, aria-describedby). */
function showFieldErrors(form, errors) {
  for (const [name, message] of Object.entries(errors)) {
    const wrap = form.querySelector(`[data-field="${name}"]`);
    if (!wrap) continue;
    const id = `error-${name}`;
    wrap.classList.add('invalid');
    wrap.append(el('span', { class: 'field-error', id, role: 'alert' }, message));
    const input = wrap.querySelector('input, select, textarea');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', id);
    }
  }
}

function focusFirstError() {
  const first = document.querySelector('#incident-form .field.invalid');
  (first?.querySelector('input, select, textarea, button') ?? first)?.focus();
}

export function saveDraft(form) {
  const d = S.draft;
  const v = (name) => form.querySelector(`[name=${name}]`)?.value;
  // numbers stay as typed ('' when empty) until validateDraft reads them
  const raw = (name) => (v(name) ?? '').trim();
  d.kind = v('kind') ?? d.kind;
  d.title = v('title') ?? d.title;
  if (form.querySelector('[name=substance]')) d.substance = v('substance');
  if (form.querySelector('[name=spill]')) d.spill = v('spill');
  if (form.querySelector('[name=container]')) d.container = v('container') || null;
  if (form.querySelector('[name=release_rate_kg_s]')) d.release_rate_kg_s = raw('release_rate_kg_s');
  if (form.querySelector('[name=mass_kg]')) d.mass_kg = raw('mass_kg');
  d.cordon_m = raw('cordon_m');
  if (form.querySelector('[name=wind_from_deg]')) {
    d.weather = { wind_from_deg: raw('wind_from_deg'), wind_speed_ms: raw('wind_speed_ms'), daytime: raw('daytime'), sky: raw('sky') };
  }
  d.casualties = raw('casualties');
  d.description = v('description') ?? '';
}

/** A typed number, or NaN when the text is not one ('' is not 0). */
const numberOf = (text) => (String(text ?? '').trim() === '' ? NaN : Number(text));
const empty = (text) => String(text ?? '').trim() === '';

/**
 * The browser's checks of a draft: field name → message in the UI language.
 * Empty means it may be sent.
 */
export function validateDraft(d) {
  const errors = {};
  const fields = new Set(KIND_FIELDS[d.kind] ?? ['cordon_m']);
  if (!Array.isArray(d.location)) errors.location = t('incident.form.error.location');
  if (!d.kind) errors.kind = t('incident.form.error.required');
  const range = (name, { min = 0, max, minExclusive = true, integer = false }) => {
    const text = d[name];
    if (empty(text)) return;
    const x = numberOf(text);
    if (!Number.isFinite(x) || (minExclusive ? x <= min : x < min) || x > max || (integer && !Number.isInteger(x))) {
      errors[name] = t(integer ? 'incident.form.error.count' : 'incident.form.error.range', { min, max });
    }
  };
  if (fields.has('release_rate_kg_s')) range('release_rate_kg_s', { max: 100000 });
  if (fields.has('mass_kg')) range('mass_kg', { max: 1e9 });
  range('cordon_m', { max: 50000 });
  range('casualties', { min: 0, max: 1e6, minExclusive: false, integer: true });
  if (fields.has('weather')) {
    const w = d.weather ?? {};
    const required = WEATHER_REQUIRED.has(d.kind);
    const any = !empty(w.wind_from_deg) || !empty(w.wind_speed_ms) || !empty(w.daytime);
    if (required || any) {
      // optional weather is all or nothing: half a weather is a mistake
      const message = required ? t('incident.form.error.required') : t('incident.form.error.weatherPart');
      if (empty(w.wind_from_deg)) errors.wind_from_deg = message;
      if (empty(w.daytime)) errors.daytime = message;
      if (empty(w.wind_speed_ms)) {
        errors.wind_speed_ms = message;
      } else {
        const x = numberOf(w.wind_speed_ms);
        if (!Number.isFinite(x) || x < 0 || x > 60) errors.wind_speed_ms = t('incident.form.error.range', { min: 0, max: 60 });
      }
    }
  }
  return errors;
}

async function draftBody() {
  const d = S.draft;
  const fields = new Set(KIND_FIELDS[d.kind] ?? ['cordon_m']);
  const body = { kind: d.kind, location: d.location.map((x) => Math.round(x * 1e6) / 1e6), drill: isDrillMode() };
  const place = await countyAt(d.location);
  body.title = d.title?.trim() || t('incident.defaultTitle', { place: place ?? '', kind: term('incidentKind', d.kind) }).trim();
  const number = (name) => (empty(d[name]) ? null : numberOf(d[name]));
  if (fields.has('substance') && d.substance) body.substance = d.substance;
  if (fields.has('spill') && d.spill) body.spill = d.spill;
  if (fields.has('spill') && d.container) body.container = d.container;
  if (fields.has('release_rate_kg_s') && number('release_rate_kg_s') !== null) body.release_rate_kg_s = number('release_rate_kg_s');
  if (fields.has('mass_kg') && number('mass_kg') !== null) body.mass_kg = number('mass_kg');
  if (number('cordon_m') !== null) body.cordon_m = number('cordon_m');
  const w = d.weather;
  if (fields.has('weather') && w && !empty(w.wind_from_deg) && !empty(w.wind_speed_ms) && !empty(w.daytime)) {
    body.weather = { wind_from_deg: Number(w.wind_from_deg), wind_speed_ms: Number(w.wind_speed_ms), daytime: w.daytime === 'true' };
    if (w.sky) body.weather.sky = w.sky;
  }
  if (number('casualties') !== null) body.casualties = number('casualties');
  if (d.description) body.description = d.description;
  return body;
}

// The fields the server names in its reasons, most specific first.
const SERVER_FIELDS = [
  'wind_from_deg', 'wind_speed_ms', 'daytime', 'sky', 'release_rate_kg_s', 'mass_kg', 'cordon_m', 'casualties',
  'substance', 'container', 'spill', 'title', 'description', 'location', 'kind',
];

/**
 * A refusal of POST /incidents said in the UI language next to the field it
 * concerns: { field, message } (field null: the form as a whole). The
 * server's English reason goes to the console only.
 */
export function explainRefusal(err) {
  const reason = String(err?.body?.message ?? '');
  if (err?.status === 400 || err?.status === 422) {
    const outside = reason.match(/is ([\d.]+) km outside the region/);
    if (outside) return { field: 'location', message: t('incident.form.error.outsideRegion', { km: outside[1] }) };
    if (/flammable|substance/i.test(reason)) return { field: 'substance', message: t('incident.form.error.substance') };
    if (/weather/.test(reason) && !/wind_|daytime|sky/.test(reason)) {
      return { field: 'wind_speed_ms', message: t('incident.form.error.weather') };
    }
    const name = SERVER_FIELDS.find((f) => new RegExp(`\\b${f}\\b`).test(reason));
    if (name) {
      const tooLong = /longer than (\d+)/.exec(reason);
      return {
        field: name,
        message: tooLong ? t('incident.form.error.tooLong', { n: tooLong[1] }) : t('incident.form.error.rejected'),
      };
    }
    return { field: null, message: t('incident.form.error.server', { status: err.status }) };
  }
  if (err?.status === 401 || err?.status === 403 || err?.status === 429) return { field: null, message: err.message };
  return { field: null, message: t('incident.form.error.unavailable', { status: err?.status ?? '—' }) };
}

async function createIncident() {
  if (S.busy.has('create')) return;
  S.busy.add('create');
  S.formError = null;
  S.fieldErrors = {};
  panelChanged();
  try {
    const inc = await api('/incidents', { method: 'POST', body: await draftBody() });
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
    if (inc.outside_region_m > 0) {
      toast(t('incident.outsideRegion', { km: (inc.outside_region_m / 1000).toFixed(1) }), { kind: 'warn', timeout: 0 });
    }
  } catch (err) {
    console.warn(`POST /incidents refused: ${err.status} ${err.body?.message ?? err.message}`);
    const { field: name, message } = explainRefusal(err);
    if (name && document.querySelector(`#incident-form [data-field="${name}"]`)) S.fieldErrors = { [name]: message };
    else S.formError = message;
  } finally {
    S.busy.delete('create');
    panelChanged();
    if (Object.keys(S.fieldErrors ?? {}).length) focusFirstError();
  }
}
