// Pieces shared by the incident form and the incident panel: which fields
// each kind of incident uses, form inputs, and <details> that stay open
// across the panel's redraws.

import { t } from './i18n.js';
import { el } from './util.js';
import { S } from './incident-state.js';

/** Which form fields each kind uses. */
/** The containers of ERG Table 3 (and storage tanks, read as rail tank cars), largest first. */
export const CONTAINERS = ['storage_tank', 'rail_tank_car', 'road_tanker', 'nurse_tank', 'ton_cylinders', 'small_cylinders'];

export const KIND_FIELDS = {
  leak: ['substance', 'spill', 'release_rate_kg_s', 'cordon_m', 'weather'],
  gas_leak: ['substance', 'spill', 'release_rate_kg_s', 'cordon_m', 'weather'],
  fire: ['substance', 'mass_kg', 'cordon_m', 'weather'],
  explosion: ['substance', 'mass_kg', 'cordon_m', 'weather'],
  mine_accident: ['cordon_m'],
  flood: ['cordon_m'],
  landslide: ['cordon_m'],
  road_accident: ['substance', 'cordon_m'],
  forest_fire: ['cordon_m', 'weather'],
};
export const WEATHER_REQUIRED = new Set(['leak', 'gas_leak']);

export const fmtLocation = (loc) => (Array.isArray(loc) ? `${Number(loc[0]).toFixed(4)}°E, ${Number(loc[1]).toFixed(4)}°N` : '—');

export function field(name, labelKey, input, { hint, required } = {}) {
  const wrap = el('label', 'field');
  wrap.dataset.field = name;
  wrap.append(el('span', 'field-label', t(labelKey), required ? el('span', 'req', ' *') : null), input);
  if (hint) wrap.append(el('span', 'field-hint', hint));
  return wrap;
}

export function numberInput(name, { value = '', min, max, step = 'any', placeholder } = {}) {
  return el('input', { class: 'input', type: 'number', name, value: value === null ? '' : String(value), min, max, step, placeholder, inputmode: 'decimal' });
}

export function selectInput(name, options, value) {
  const s = el('select', { class: 'select', name });
  for (const [v, label] of options) {
    const o = el('option', { value: v }, label);
    if (String(v) === String(value)) o.selected = true;
    s.append(o);
  }
  return s;
}

/** Keeps which <details> the user opened across re-renders. */
export function details(key, summary, body, { open = false, className = '' } = {}) {
  const d = el('details', `section ${className}`.trim());
  d.dataset.key = key;
  d.open = S.openDetails.has(key) || (open && !S.openDetails.has(`!${key}`));
  d.addEventListener('toggle', () => {
    S.openDetails.delete(key);
    S.openDetails.delete(`!${key}`);
    S.openDetails.add(d.open ? key : `!${key}`);
  });
  d.append(el('summary', null, summary), body);
  return d;
}
