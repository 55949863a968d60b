// The planners' risk layers on the map (issue 18 items 1–3, docs/risk-method.md):
//  - the risk grid: H3 cells from /tiles/risk_grid (resolution 5, 6 or 7 by
//    zoom), in the method's four classes; it joins the collections as a tile
//    layer of its own (withRiskGrid), so the layer panel, the presets and the
//    print sheet treat it like any layer. Its legend says the class bounds of
//    the method in force (GET /risk/method). A click on a cell shows its score
//    and parts (GET /risk/grid/{h3}).
//  - the county / city choropleth (GET /risk/choropleth): a fill over the
//    county tiles, by the score or a plain count, classes by quantiles, Jenks
//    natural breaks or fixed breaks, with the answer's legend.

import { bus } from './ctx.js';
import { t, term, fmtNumber } from './i18n.js';
import { api, el, debounce } from './util.js';
import { RISK, riskGridBreaks } from './layers.js';
import { map, addLayer } from './mapview.js';
import { layers, refreshTiles } from './collections.js';
import { onLayerClick } from './map-clicks.js';
import { openFeaturePanel, setSelected } from './feature-panel.js';

export const RISK_GRID = 'risk_grid';
/** What the grid counts: an edit of these changes its cells (docs/risk-method.md). */
const GRID_INPUTS = ['enterprises', 'hazard_sources', 'disaster_zones', 'population', 'counties'];
const CHOROPLETH = 'risk-choropleth';
const TRANSPARENT = 'rgba(0, 0, 0, 0)';

export const MEASURES = ['score', 'enterprises', 'red_enterprises', 'hazard_sources', 'dangers_open', 'dangers_overdue'];
export const PERS = ['total', '10k_people', 'km2'];
export const METHODS = ['quantiles', 'jenks', 'fixed'];

/** The choropleth's state: on or off, what it maps and how, and the last answer. */
const C = { on: false, level: 'county', measure: 'score', per: 'total', method: 'fixed', classes: 4, answer: null, error: null, serial: 0 };

/**
 * The collections and tile catalog the map starts from, with the risk grid
 * added (it is a tile layer, not a collection: /catalog does not list it).
 */
export function withRiskGrid(collections, tiles) {
  if (collections.some((c) => c.id === RISK_GRID)) return collections;
  tiles.set(RISK_GRID, { id: RISK_GRID, minzoom: 0, maxzoom: 14 });
  return [...collections, { id: RISK_GRID, title: 'risk grid', featureCount: null, description: '' }];
}

export function initRiskLayers() {
  api('/risk/method')
    .then((m) => {
      const breaks = m?.method?.class_breaks;
      if (Array.isArray(breaks) && breaks.length === 3 && breaks.every(Number.isFinite)) riskGridBreaks.splice(0, 3, ...breaks);
      bus.emit('layer-visibility', RISK_GRID); // redraws the legend with the bounds
    })
    .catch(() => {}); // the default bounds stay
  for (const suffix of ['fill', 'line']) if (map.getLayer(`${RISK_GRID}-${suffix}`)) onLayerClick(`${RISK_GRID}-${suffix}`, (f) => showCell(f));
  // The grid follows every edit of what it counts, and the hidden dangers of the ledger.
  const refresh = debounce(() => refreshTiles(RISK_GRID), 300);
  bus.on('collections-changed', (ids) => ids.some((id) => GRID_INPUTS.includes(id)) && refresh());
  bus.on('live', (record) => {
    const type = String(record?.event?.type ?? '');
    if (/danger|regrade/.test(type)) {
      refresh();
      if (C.on) loadChoropleth();
    }
  });
  bus.on('collections-changed', (ids) => C.on && ids.some((id) => GRID_INPUTS.includes(id)) && loadChoropleth());

  if (map.getSource('counties')) {
    addLayer('area', {
      id: CHOROPLETH, type: 'fill', source: 'counties', 'source-layer': 'counties',
      layout: { visibility: 'none' },
      paint: { 'fill-color': TRANSPARENT, 'fill-opacity': 0.72, 'fill-outline-color': '#0a1220' },
    });
  }
  renderChoroplethBlock();
  bus.on('lang', renderChoroplethBlock);
  Object.assign(window.lookout ?? {}, { risk: { setChoropleth, choropleth: C } });
}

// ------------------------------------------------------------------ a cell

const num = (v, digits = 2) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–');

async function showCell(feature) {
  const h3 = feature.properties?.h3;
  if (!h3) return;
  setSelected(null);
  openFeaturePanel(cellContent(feature.properties, null, t('feature.loading')));
  try {
    const cell = await api(`/risk/grid/${encodeURIComponent(h3)}`);
    openFeaturePanel(cellContent(cell.properties, cell.properties));
  } catch (err) {
    openFeaturePanel(cellContent(feature.properties, null, t('feature.unavailable', { msg: err.message })));
  }
}

/** A cell's score, class and parts (the points of each part and the counts behind them). */
function cellContent(p, full, note) {
  const box = el('div', { class: 'risk-cell', 'data-h3': p.h3 });
  const colour = RISK.find((r) => r.code === p.class)?.color ?? '#9aa5b1';
  const swatch = el('span', 'swatch dot');
  swatch.style.background = colour;
  box.append(el('h3', null, t('riskGrid.cell', { h3: p.h3 })));
  box.append(el('p', 'risk-cell-score', swatch, el('strong', null, t('riskGrid.score', { score: num(p.score, 1) })),
    ` · ${term('riskColour', p.class)} · ${term('risk', p.class)}`));
  if (note) box.append(el('p', 'muted', note));
  const rows = [];
  if (full) {
    const pts = full.points ?? {};
    rows.push([t('riskGrid.resolution'), `${full.resolution} · ${num(full.area_km2, 1)} km²`]);
    for (const part of ['enterprise', 'hazard', 'zone', 'danger']) rows.push([t(`riskGrid.points.${part}`), num(pts[part])]);
    rows.push([t('riskGrid.points.exposure'), `× ${num(pts.exposure)}`]);
    rows.push([t('riskGrid.points.total'), `${num(pts.total)} · ${num(pts.per_km2)} /km²`]);
    const parts = full.parts ?? {};
    const e = parts.enterprises ?? {};
    rows.push([t('riskGrid.parts.enterprises'), RISK.map((r) => `${term('riskColour', r.code)} ${fmtNumber(e[r.code] ?? 0)}`).join(' · ')]);
    const h = parts.hazard_sources ?? {};
    rows.push([t('riskGrid.parts.hazards'), [1, 2, 3, 4].map((l) => `${term('hazardLevel', l)} ${fmtNumber(h[l] ?? 0)}`).join(' · ')]);
    rows.push([t('riskGrid.parts.population'), fmtNumber(parts.population ?? 0)]);
    rows.push([t('riskGrid.parts.dangers'), t('riskGrid.parts.dangersValue', { open: fmtNumber(parts.dangers_open ?? 0), overdue: fmtNumber(parts.dangers_overdue ?? 0) })]);
  } else {
    rows.push([t('riskGrid.parts.enterprises'), fmtNumber(p.enterprises ?? 0)]);
    rows.push([t('riskGrid.parts.hazards'), fmtNumber(p.hazard_sources ?? 0)]);
  }
  const table = el('table', 'props risk-cell-parts');
  for (const [k, v] of rows) table.append(el('tr', null, el('th', null, k), el('td', null, v)));
  box.append(table);
  box.append(el('p', 'muted small', t('riskGrid.method')));
  return box;
}

// ------------------------------------------------------------------ choropleth

/** Shows or hides the choropleth (the risk preset and the panel's check box). */
export function setChoropleth(on) {
  C.on = Boolean(on);
  if (map.getLayer(CHOROPLETH)) map.setLayoutProperty(CHOROPLETH, 'visibility', C.on ? 'visible' : 'none');
  if (C.on) loadChoropleth();
  renderChoroplethBlock();
  bus.emit('choropleth', C.on);
}

export const choroplethOn = () => C.on;

async function loadChoropleth() {
  const serial = ++C.serial;
  const q = new URLSearchParams({ level: C.level, measure: C.measure, method: C.method, classes: String(C.classes) });
  if (C.measure !== 'score') q.set('per', C.per);
  try {
    const answer = await api(`/risk/choropleth?${q}`);
    if (serial !== C.serial) return;
    C.answer = answer;
    C.error = null;
    paintChoropleth();
  } catch (err) {
    if (serial !== C.serial) return;
    C.answer = null;
    C.error = err.message;
  }
  renderChoroplethBlock();
}

function paintChoropleth() {
  if (!map.getLayer(CHOROPLETH) || !C.answer) return;
  const regions = C.answer.regions ?? [];
  const pairs = [];
  const seen = new Set();
  for (const r of regions) {
    if (!r.colour) continue;
    const key = C.answer.level === 'city' ? String(r.name ?? r.id) : Number(r.id);
    if (seen.has(key) || (typeof key === 'number' && !Number.isFinite(key))) continue;
    seen.add(key);
    pairs.push(key, r.colour);
  }
  const by = C.answer.level === 'city' ? ['to-string', ['get', 'city']] : ['id'];
  map.setPaintProperty(CHOROPLETH, 'fill-color', pairs.length ? ['match', by, ...pairs, TRANSPARENT] : TRANSPARENT);
}

function renderChoroplethBlock() {
  let block = document.getElementById('risk-choropleth');
  const list = document.getElementById('layer-list');
  if (!list) return;
  if (!block) {
    block = el('div', { class: 'layer-group risk-choropleth', id: 'risk-choropleth' });
    list.after(block);
  }
  const select = (name, options, value, onChange) => {
    const s = el('select', { class: 'select', name });
    for (const [code, label] of options) {
      const o = el('option', { value: code }, label);
      o.selected = String(code) === String(value);
      s.append(o);
    }
    s.addEventListener('change', () => onChange(s.value));
    return s;
  };
  const change = (key) => (v) => {
    C[key] = key === 'classes' ? Number(v) : v;
    if (key === 'measure' && v === 'score' && C.method !== 'fixed') C.method = 'fixed';
    if (key === 'measure' && v !== 'score' && C.method === 'fixed') C.method = 'quantiles';
    if (C.on) loadChoropleth();
    else renderChoroplethBlock();
  };
  const box = el('input', { type: 'checkbox', name: 'choropleth' });
  box.checked = C.on;
  box.addEventListener('change', () => setChoropleth(box.checked));
  const head = el('label', 'layer-row', box, el('span', 'swatch fill'), el('span', 'name', t('choropleth.title')));
  head.querySelector('.swatch').style.background = 'linear-gradient(90deg, #1f6fd1, #f2d13a, #f08a24, #d7191c)';
  const field = (label, input) => el('label', 'field compact', el('span', 'field-label', label), input);
  const controls = el('div', 'choropleth-controls');
  controls.append(
    field(t('choropleth.level'), select('level', [['county', t('choropleth.level.county')], ['city', t('choropleth.level.city')]], C.level, change('level'))),
    field(t('choropleth.measure'), select('measure', MEASURES.map((m) => [m, t(`choropleth.measure.${m}`)]), C.measure, change('measure'))),
  );
  if (C.measure !== 'score') controls.append(field(t('choropleth.per'), select('per', PERS.map((p) => [p, t(`choropleth.per.${p}`)]), C.per, change('per'))));
  controls.append(
    field(t('choropleth.method'), select('method', METHODS.map((m) => [m, t(`choropleth.method.${m}`)]), C.method, change('method'))),
    field(t('choropleth.classes'), select('classes', [2, 3, 4, 5, 6, 7].map((k) => [k, String(k)]), C.classes, change('classes'))),
  );
  const legend = el('div', { class: 'legend-block choropleth-legend', id: 'choropleth-legend' });
  if (C.on && C.error) legend.append(el('p', 'error-note', t('choropleth.failed', { msg: C.error })));
  if (C.on && C.answer) {
    legend.append(el('h3', null, t('choropleth.legendTitle', {
      measure: t(`choropleth.measure.${C.answer.measure ?? C.measure}`),
      method: t(`choropleth.method.${C.answer.method ?? C.method}`),
    })));
    const rows = [...(C.answer.legend ?? [])].reverse(); // the highest class first, as in the other legends
    for (const row of rows) {
      const sw = el('span', 'swatch fill');
      sw.style.background = row.colour;
      sw.style.borderColor = row.colour;
      legend.append(el('div', 'legend-row', sw, el('span', null, t('choropleth.legendRow', { from: num(row.from), to: num(row.to), n: fmtNumber(row.count) }))));
    }
  }
  block.replaceChildren(el('h3', null, t('choropleth.group')), head, C.on ? controls : null, legend);
}

export const riskGridShown = () => Boolean(layers.get(RISK_GRID)?.visible);
