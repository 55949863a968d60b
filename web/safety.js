// The safety-distance check on the map (GET /safety/distances, /safety/violations;
// docs/safety-distances.md): each major hazard source's protection distance
// as a ring (style layers `safety_distances-fill` and `safety_distances-line`,
// coloured by the most sensitive class found inside), and in the planner tab
// the table of violations, most severe first, with the method's limits.

import { t, fmtNumber } from './i18n.js';
import { api, el, button } from './util.js';
import { map, addLayer, flyToGeometry } from './mapview.js';
import { bus } from './ctx.js';

const SOURCE = 'safety_distances';
const CLASS_COLOR = { highly_sensitive: '#dc2626', high_density: '#f97316', low_density: '#eab308' };
const S = { shown: false, rows: null, limits: [], error: null, loading: false };

export function initSafety() {
  render();
  bus.on('lang', render);
  window.lookout && (window.lookout.safety = { show: () => setShown(true), state: S });
}

function colorExpr() {
  return ['match', ['coalesce', ['get', 'worst_class'], ''], ...Object.entries(CLASS_COLOR).flat(), '#60a5fa'];
}

async function ensureLayer() {
  const data = await api('/safety/distances');
  if (map.getSource(SOURCE)) {
    map.getSource(SOURCE).setData(data);
    return;
  }
  map.addSource(SOURCE, { type: 'geojson', data });
  addLayer('overlay', { id: `${SOURCE}-fill`, type: 'fill', source: SOURCE, paint: { 'fill-color': colorExpr(), 'fill-opacity': 0.12 } });
  addLayer('overlay', { id: `${SOURCE}-line`, type: 'line', source: SOURCE, paint: { 'line-color': colorExpr(), 'line-width': 1.5, 'line-dasharray': [3, 2] } });
}

async function setShown(on) {
  S.shown = on;
  S.error = null;
  try {
    if (on) {
      S.loading = true;
      render();
      await ensureLayer();
      const v = await api('/safety/violations?limit=50');
      S.rows = v.violations;
      S.limits = v.limits;
      S.matched = v.numberMatched;
    }
    for (const id of [`${SOURCE}-fill`, `${SOURCE}-line`]) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  } catch (err) {
    S.error = t('safety.failed', { msg: err.message });
  } finally {
    S.loading = false;
    render();
  }
}

function render() {
  const pane = document.getElementById('safety-pane');
  if (!pane) return;
  const head = el('div', 'pane-head', el('h2', null, t('safety.title')));
  const toggle = button(S.shown ? t('safety.hide') : t('safety.show'), () => setShown(!S.shown), 'btn big');
  toggle.id = 'safety-toggle';
  toggle.disabled = S.loading;
  const out = [head, el('p', 'muted', t('safety.about')), toggle];
  if (S.error) out.push(el('p', 'error-note', S.error));
  if (S.shown && S.rows) {
    out.push(el('p', 'safety-summary', t('safety.summary', { n: fmtNumber(S.matched) })));
    const table = el('table', { class: 'safety-table', id: 'safety-table' });
    table.append(el('tr', null, ...['safety.col.class', 'safety.col.source', 'safety.col.target', 'safety.col.distance'].map((k) => el('th', null, t(k)))));
    for (const v of S.rows) {
      const row = el(
        'tr',
        { class: `safety-${v.class}` },
        el('td', null, t(`safety.class.${v.class}`)),
        el('td', null, `${v.hazard_source}（${v.level ? t('safety.level', { n: v.level }) : '—'}）`),
        el('td', null, `${v.target_name} · ${fmtNumber(v.persons)}${t('safety.persons')}`),
        el('td', null, `${fmtNumber(v.distance_m)} / ${fmtNumber(v.protection_distance_m)} m`),
      );
      row.addEventListener('click', () => {
        const f = map.querySourceFeatures(SOURCE).find((x) => x.properties.hazard_source_id === v.hazard_source_id);
        if (f) flyToGeometry(f.geometry, { zoom: 13 });
      });
      table.append(row);
    }
    out.push(table);
    const limits = el('details', 'safety-limits', el('summary', null, t('safety.limits')));
    for (const l of S.limits) limits.append(el('p', 'muted', l));
    limits.append(el('a', { href: '/docs/safety-distances', target: '_blank', rel: 'noopener' }, t('safety.docs')));
    out.push(limits);
  }
  pane.replaceChildren(...out);
}
