// Layer presets (issue 22 item 3, issue 18 item 3): a few sets of layers for
// the work at hand instead of every layer at once.
//   command   — incidents (with their zones), rescue teams, major hazard
//               sources, shelters, on roads and counties: the dispatch desk;
//   risk      — the risk grid (or the county choropleth), major hazard
//               sources, enterprises, disaster-prone zones: planner mode,
//               without the operational layers (teams, shelters, warehouses);
//   resources — rescue teams, warehouses, shelters (and experts, when the
//               data has them);
//   gas       — the city gas network: pipes, valves, stations.
// The start: ?preset=NAME in the URL, else the user's last pick (localStorage,
// per user name), else the role's default (planners: risk; everyone else:
// command). A layer switched by hand afterwards leaves the picker on "custom".
// Incidents are in every preset: a new real incident is drawn for everyone.

import { bus } from './ctx.js';
import { t } from './i18n.js';
import { el } from './util.js';
import { layers, setLayerVisible } from './collections.js';
import { currentUser } from './session.js';
import { setChoropleth, choroplethOn } from './risk-layers.js';

export const PRESETS = {
  command: ['counties', 'roads', 'incidents', 'rescue_teams', 'hazard_sources', 'shelters'],
  risk: ['counties', 'incidents', 'risk_grid', 'hazard_sources', 'enterprises', 'disaster_zones'],
  resources: ['counties', 'roads', 'incidents', 'rescue_teams', 'warehouses', 'shelters', 'experts'],
  gas: ['counties', 'roads', 'incidents', 'gas_pipes', 'gas_valves', 'gas_stations'],
};
export const PRESET_NAMES = Object.keys(PRESETS);

/** The preset a role starts from when the user has not picked one. */
export const roleDefault = (role) => (role === 'planner' ? 'risk' : 'command');

const storageKey = () => `lookout.preset.${currentUser()?.username ?? '-'}`;
let current = null;
let applying = false;

function stored() {
  try {
    const v = localStorage.getItem(storageKey());
    return PRESETS[v] ? v : null;
  } catch {
    return null;
  }
}

/** The preset the map starts from (see the head of this file). */
export function initialPreset() {
  const asked = new URLSearchParams(location.search).get('preset');
  if (PRESETS[asked]) return asked;
  return stored() ?? roleDefault(currentUser()?.role);
}

/** The preset shown now, or null when layers were switched by hand since. */
export const currentPreset = () => current;

/** Switches the layers to a preset; `remember`: store it as this user's choice. */
export function applyPreset(name, { remember = false } = {}) {
  const ids = PRESETS[name];
  if (!ids) return;
  applying = true;
  try {
    for (const [id, entry] of layers) {
      const on = ids.includes(id);
      if (entry.visible !== on) setLayerVisible(id, on);
    }
    if (name !== 'risk' && choroplethOn()) setChoropleth(false);
  } finally {
    applying = false;
  }
  current = name;
  document.body.dataset.preset = name;
  if (remember) {
    try {
      localStorage.setItem(storageKey(), name);
    } catch {
      // private mode: the choice lasts for this page only
    }
  }
  renderPicker();
  bus.emit('preset', name);
}

/** The picker above the layer list: one button per preset. */
function renderPicker() {
  const list = document.getElementById('layer-list');
  if (!list) return;
  let picker = document.getElementById('preset-picker');
  if (!picker) {
    picker = el('div', { class: 'preset-picker', id: 'preset-picker', role: 'group' });
    list.before(picker);
  }
  picker.setAttribute('aria-label', t('preset.title'));
  const buttons = PRESET_NAMES.map((name) => {
    const b = el('button', { type: 'button', class: `btn preset-btn${name === current ? ' active' : ''}`, 'data-preset': name, title: t(`preset.${name}.hint`) }, t(`preset.${name}`));
    b.setAttribute('aria-pressed', String(name === current));
    b.addEventListener('click', () => applyPreset(name, { remember: true }));
    return b;
  });
  picker.replaceChildren(el('span', 'preset-label', t('preset.title')), ...buttons,
    current ? null : el('span', 'preset-custom muted', t('preset.custom')));
}

/** Applies the starting preset (before the layer panel is drawn) and keeps the picker true. */
export function initPresets() {
  applyPreset(initialPreset());
  bus.on('layer-visibility', () => {
    if (applying || !current) return;
    const ids = PRESETS[current];
    const same = [...layers].every(([id, e]) => e.visible === ids.includes(id));
    if (!same) {
      current = null;
      delete document.body.dataset.preset;
      renderPicker();
    }
  });
  bus.on('lang', renderPicker);
  Object.assign(window.lookout ?? {}, { presets: { apply: applyPreset, current: currentPreset, PRESETS } });
}
