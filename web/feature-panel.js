// The attribute panel: the properties of one feature in plain words (nested
// ones as lists), drawn at once from the tile's flat properties and replaced
// by the full feature (GET /collections/{id}/items/{fid}) when it arrives;
// a cluster's count and worst risk; the selected feature highlighted.
// It follows live changes to the collection it shows.

import { bus } from './ctx.js';
import { t, term, fmtNumber, fmtTime, isZh, VALUE_TERMS, KIND_TERMS, hasTerm } from './i18n.js';
import { el, button, fmtCount } from './util.js';
import { RISK, HAZARD_LEVELS, ROAD_CLASSES, PRESSURE_CLASSES, statusColor } from './layers.js';
import { map, flyToGeometry } from './mapview.js';
import { layers, layerName, fetchFullFeature } from './collections.js';
import { shownStatus } from './team-status.js';
import { dispatchHereButton } from './dispatch.js';
import { isolateButton } from './gas.js';
import { sensorChart } from './sensor-chart.js';
import { enterpriseDangers } from './ledger.js';
import { enterpriseInspections } from './inspections.js';

export function initFeaturePanel() {
  document.querySelector('#feature-panel .panel-close').addEventListener('click', closeFeaturePanel);
  bus.on('lang', redrawFeaturePanel);
  bus.on('collections-changed', (ids) => ids.forEach(refreshFeaturePanel));
  bus.on('team-statuses', () => refreshFeaturePanel('rescue_teams'));
}

/** Attributes in the order a duty officer reads them; the rest follow as they come. */
const PROP_ORDER = ['title', 'kind', 'subtype', 'status', 'level', 'risk_level', 'severity', 'industry', 'r_value', 'enterprise_name',
  'city', 'county', 'address', 'base', 'phone', 'personnel', 'vehicles', 'capabilities', 'capacity', 'occupancy', 'tier',
  'people_within_500m', 'employees', 'supervisor', 'last_inspection', 'standardisation_grade', 'credit_code'];
const HIDDEN_KEYS = new Set(['name', 'label_point', 'cluster', 'county_id', 'from_node', 'to_node', 'enterprise_id', 'node']);

function featureTitle(feature, collectionId) {
  const p = feature.properties ?? {};
  return p.name ?? p.title ?? p.county ?? `${layerName(collectionId)} ${feature.id ?? ''}`.trim();
}

// MapLibre hands nested properties back as JSON strings.
function parseMaybeJson(value) {
  if (typeof value !== 'string' || !/^[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStructured = (v) => v !== null && typeof v === 'object';
const present = (v) => v !== null && v !== undefined && v !== '';
const listSep = () => (isZh() ? '、' : ', ');

function propertyLabel(key) {
  return hasTerm('prop', key) ? term('prop', key) : key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

function valueColor(collectionId, key, value) {
  const v = String(value);
  if (key === 'risk_level') return RISK.find((r) => r.code === v)?.color;
  if (key === 'level' && collectionId === 'hazard_sources') return HAZARD_LEVELS.find((l) => String(l.code) === v)?.color;
  if (key === 'status' && collectionId === 'rescue_teams') return statusColor(v);
  if (key === 'pressure_class') return PRESSURE_CLASSES.find((p) => p.code === v)?.color;
  if (key === 'road_class') return ROAD_CLASSES.find((r) => r.code === v)?.color;
  if (key === 'alarm') return RISK.find((r) => r.code === v)?.color; // a hazard source in alarm (alarms.js)
  return null;
}

/** A property value in plain words. */
function valueLabel(collectionId, key, value) {
  if (key === 'kind' && KIND_TERMS[collectionId]) return term(KIND_TERMS[collectionId], value);
  if (key === 'status' && collectionId === 'incidents') return term('incidentStatus', value);
  if (VALUE_TERMS[key] && hasTerm(VALUE_TERMS[key], value)) {
    if (key === 'risk_level') return `${term('riskColour', value)} · ${term('risk', value)}`;
    return term(VALUE_TERMS[key], value);
  }
  if (key === 'capabilities' && typeof value === 'string') return value.split(',').filter(Boolean).map((c) => term('capability', c)).join(listSep());
  if (key === 'standardisation_grade' && Number.isFinite(Number(value))) return isZh() ? `${['', '一', '二', '三'][Number(value)] ?? value}级` : `Grade ${value}`;
  if (typeof value === 'boolean' || value === 'true' || value === 'false') return String(value) === 'true' ? t('app.yes') : t('app.no');
  if (typeof value === 'number') return fmtNumber(value, 2);
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return fmtTime(value, true);
  return String(value);
}

function lineList(rows) {
  const ul = el('ul', 'lines');
  for (const parts of rows) if (parts) ul.append(el('li', null, ...parts));
  return ul;
}

const arrayOf = (value, required) =>
  Array.isArray(value) && value.length > 0 && value.every((x) => isObject(x) && required.every((k) => k in x));

/** Formatters for known nested shapes; each returns null when the shape does not match. */
const NESTED_FORMATS = {
  // [{substance, quantity_t}] -> "氯气 — 40.0 吨"
  substances: (v) => arrayOf(v, ['substance']) && lineList(v.map((s) => [
    el('span', 'term', term('substance', s.substance)),
    ...(present(s.quantity_t) ? [' — ', el('span', 'nowrap', t('unit.t', { n: Number(s.quantity_t).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) }))] : []),
  ])),
  // {principal: {name, phone}, technical, operational} -> "主要负责人：王伟 139…"
  responsible_persons: (v) => isObject(v) && Object.values(v).every((p) => p === null || isObject(p)) && lineList(
    [...['principal', 'technical', 'operational'], ...Object.keys(v).filter((k) => !['principal', 'technical', 'operational'].includes(k))]
      .map((role) => {
        const person = v[role];
        if (!person) return null;
        const parts = [el('span', 'key', `${term('personRole', role)}${isZh() ? '：' : ': '}`), person.name ?? '—'];
        if (present(person.phone)) {
          const tel = el('a', 'tel', String(person.phone));
          tel.href = `tel:${String(person.phone).replace(/[^\d+]/g, '')}`;
          parts.push(' ', tel);
        }
        return parts;
      }),
  ),
  // [{kind, point, unit, alarm_threshold}] -> "T-A12 液位 报警值 > 85 %"
  monitoring: (v) => arrayOf(v, ['kind']) && lineList(v.map((m) => [
    ...(present(m.point) ? [el('span', 'point', String(m.point)), ' '] : []),
    term('monitorKind', m.kind),
    ...(present(m.alarm_threshold) ? [' ', el('span', 'nowrap', t('feature.alarm', { v: `${fmtNumber(m.alarm_threshold, 3)}${present(m.unit) ? ` ${m.unit}` : ''}` }))] : []),
  ])),
  // [{item, count, unit}] -> "棉被 ×2,600 件"
  stock: (v) => arrayOf(v, ['item']) && lineList(v.map((s) => [
    term('stockItem', s.item),
    ...(present(s.count) ? [' ', el('span', 'nowrap', `×${fmtNumber(s.count)}${present(s.unit) ? ` ${term('stockUnit', s.unit)}` : ''}`)] : []),
  ])),
  capabilities: (v) => Array.isArray(v) && v.every((x) => !isStructured(x)) &&
    document.createTextNode(v.length ? v.map((c) => term('capability', c)).join(listSep()) : '—'),
};

function nestedValue(key, value) {
  return NESTED_FORMATS[key]?.(value) || genericNested(value);
}

function scalarText(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? t('app.yes') : t('app.no');
  if (typeof v === 'number') return fmtNumber(v, 6);
  return String(v);
}

function genericNested(value, depth = 0) {
  value = parseMaybeJson(value);
  if (!isStructured(value)) return document.createTextNode(scalarText(value));
  if (depth > 5) return document.createTextNode('…');
  if (Array.isArray(value)) {
    if (value.length === 0) return document.createTextNode('—');
    if (value.every((x) => !isStructured(parseMaybeJson(x)))) return document.createTextNode(value.map(scalarText).join(listSep()));
    return lineList(value.map((x) => {
      x = parseMaybeJson(x);
      if (isObject(x) && Object.values(x).every((y) => !isStructured(y))) {
        return Object.entries(x).filter(([, y]) => present(y))
          .flatMap(([k, y], i) => [...(i ? [' · '] : []), el('span', 'key', `${propertyLabel(k)}: `), scalarText(y)]);
      }
      return [genericNested(x, depth + 1)];
    }));
  }
  const entries = Object.entries(value).filter(([, y]) => present(y));
  if (entries.length === 0) return document.createTextNode('—');
  return lineList(entries.map(([k, y]) => [el('span', 'key', `${propertyLabel(k)}: `), genericNested(y, depth + 1)]));
}

/** The attribute panel of one feature; `note` (e.g. "loading details…") goes under the table. */
function featureContent(feature, collectionId, note) {
  const root = el('div', 'feature');
  const props = feature.properties ?? {};
  root.append(el('h2', 'feature-title', featureTitle(feature, collectionId)));
  root.append(el('div', 'feature-kind', layerName(collectionId)));
  if (collectionId === 'rescue_teams' && props.status) {
    const shown = shownStatus(feature.id, props.status);
    const chip = el('div', 'status-chip big', term('teamStatus', shown));
    chip.style.background = statusColor(shown);
    chip.dataset.status = shown;
    root.append(chip);
  }
  const table = el('table', 'attrs');
  const blocks = [];
  const order = (k) => (PROP_ORDER.includes(k) ? PROP_ORDER.indexOf(k) : PROP_ORDER.length);
  const entries = Object.entries(props).sort(([a], [b]) => order(a) - order(b));
  for (const [k, raw] of entries) {
    if (!present(raw) || HIDDEN_KEYS.has(k)) continue;
    const value = parseMaybeJson(raw);
    const tr = el('tr');
    tr.dataset.key = k;
    if (isStructured(value)) {
      const node = nestedValue(k, value);
      if (node.nodeType === Node.ELEMENT_NODE) {
        const head = el('tr', 'block-head', el('th', { colSpan: 2 }, propertyLabel(k)));
        const body = el('tr', 'block', el('td', { colSpan: 2 }, node));
        body.dataset.key = k;
        blocks.push(head, body);
        continue;
      }
      tr.append(el('th', null, propertyLabel(k)), el('td', null, node));
      table.append(tr);
      continue;
    }
    const td = el('td');
    const color = valueColor(collectionId, k, value);
    if (color) {
      const chip = el('span', 'chip');
      chip.style.background = color;
      td.append(chip);
    }
    td.append(valueLabel(collectionId, k, value));
    tr.append(el('th', null, propertyLabel(k)), td);
    table.append(tr);
  }
  table.append(...blocks);
  root.append(table);
  const actions = el('div', 'feature-actions');
  if (feature.geometry) actions.append(button(t('feature.zoomTo'), () => flyToGeometry(feature.geometry)));
  if (collectionId === 'rescue_teams') {
    const b = dispatchHereButton(feature);
    if (b) actions.append(b);
  }
  const isolate = isolateButton(collectionId, feature); // gas pipes and valves (web/gas.js)
  if (isolate) actions.append(isolate);
  if (actions.children.length) root.append(actions);
  if (collectionId === 'sensors' && feature.id !== undefined && feature.id !== null) root.append(sensorChart(feature.id));
  if (collectionId === 'enterprises' && feature.id !== undefined && feature.id !== null) root.append(enterpriseDangers(feature.id));
  // A major hazard source: the dangers of the enterprise that holds it (a
  // click on the ledger's mark over it opens this panel).
  const holder = feature.properties?.enterprise_id;
  if (collectionId === 'hazard_sources' && holder !== undefined && holder !== null) root.append(enterpriseDangers(holder));
  if (collectionId === 'enterprises' && feature.id !== undefined && feature.id !== null) root.append(enterpriseInspections(feature.id));
  if (note) root.append(el('div', 'note', note));
  return root;
}

const isClusterFeature = (f) => f.properties?.cluster === true || f.properties?.cluster === 'true';

function clusterContent(feature, at) {
  const id = feature.layer.source;
  const entry = layers.get(id);
  const count = Number(feature.properties.count ?? 0);
  const root = el('div', 'feature cluster');
  const unitKey = entry?.def.unitKey;
  const what = layerName(id, entry);
  root.append(el('h2', 'feature-title', unitKey ? t(unitKey, { n: fmtCount(count) }) : t('unit.generic', { n: fmtCount(count), what })));
  root.append(el('div', 'feature-kind', what));
  const risk = RISK.find((r) => r.code === feature.properties.risk_level);
  if (risk) {
    const chip = el('span', 'chip');
    chip.style.background = risk.color;
    root.append(el('div', 'worst', t('feature.cluster.worst'), chip, el('strong', null, term('riskColour', risk.code)), ` · ${term('risk', risk.code)}`));
  }
  // the share of each class (n_red …), as the cluster's colour is the dominant one
  if (RISK.every((r) => feature.properties[`n_${r.code}`] !== undefined)) {
    root.append(el('div', 'cluster-shares', t('feature.cluster.shares'), ...RISK.map((r) => {
      const chip = el('span', 'chip');
      chip.style.background = r.color;
      return el('span', 'share', chip, `${term('riskColour', r.code)} ${fmtCount(Number(feature.properties[`n_${r.code}`]))}`);
    })));
  }
  const busy = Number(feature.properties.busy);
  if (Number.isFinite(busy) && busy > 0) root.append(el('div', 'cluster-busy', t('feature.cluster.busy', { n: fmtCount(busy) })));
  const below = entry?.tile?.clustered_below_zoom;
  const target = Math.max(map.getZoom() + 1, Math.min(map.getZoom() + 2.5, below ?? Infinity));
  root.append(el('div', 'note', below ? t('feature.cluster.hint', { z: below }) : t('feature.cluster.hintPlain')));
  root.append(button(t('feature.cluster.zoomIn'), () => {
    closeFeaturePanel();
    map.easeTo({ center: at, zoom: target, duration: 600 });
  }, 'btn primary zoom-in'));
  return root;
}

let panelSerial = 0;
let selected = null; // { source, sourceLayer, id }
let panelFeature = null; // what the feature panel shows: { collectionId, id, feature }

/** Opens the panel with `content` (also for what is not a collection's feature: a risk-grid cell). */
export function openFeaturePanel(content) {
  const panel = document.getElementById('feature-panel');
  panel.querySelector('.feature-body').replaceChildren(content);
  panel.hidden = false;
}

export function closeFeaturePanel() {
  document.getElementById('feature-panel').hidden = true;
  panelSerial++;
  panelFeature = null;
  setSelected(null);
}

export function setSelected(next) {
  if (selected) map.setFeatureState(selected, { selected: false });
  selected = next;
  if (selected) map.setFeatureState(selected, { selected: true });
}

/** Tile feature -> panel from its flat properties at once, replaced by the full feature when it arrives. */
export function showTileFeature(feature, lngLat) {
  const sourceId = feature.layer.source;
  if (isClusterFeature(feature)) {
    panelSerial++;
    const at = feature.geometry?.type === 'Point' ? feature.geometry.coordinates : [lngLat.lng, lngLat.lat];
    openFeaturePanel(clusterContent(feature, at));
    return;
  }
  if (sourceId === 'incidents' && feature.id !== undefined) {
    bus.emit('incident-open', Number(feature.id));
    return;
  }
  const entry = layers.get(sourceId);
  const fetchable = Boolean(entry?.tile) && feature.id !== undefined && feature.id !== null;
  if (entry?.tile && fetchable) setSelected({ source: sourceId, sourceLayer: sourceId, id: feature.id });
  showFeature(sourceId, feature.id, { initial: feature, fetch: fetchable });
}

/** Opens the feature panel for a collection's feature (fetched). */
export function showFeature(collectionId, featureId, { initial = null, fetch = true, fresh = false } = {}) {
  const serial = ++panelSerial;
  const draw = (f, note) => {
    panelFeature = { collectionId, id: featureId, feature: f };
    openFeaturePanel(featureContent(f, collectionId, note));
  };
  if (initial) draw(initial, fetch ? t('feature.loading') : undefined);
  if (!fetch) return Promise.resolve(initial);
  return fetchFullFeature(collectionId, featureId, { fresh })
    .then((full) => {
      if (serial === panelSerial) draw(full);
      return full;
    })
    .catch((err) => {
      if (serial === panelSerial) draw(initial ?? { properties: {} }, t('feature.unavailable', { msg: err.message }));
      return null;
    });
}

/** The feature panel shows live data: redraw it when the shown feature changed. */
export function refreshFeaturePanel(collectionId) {
  if (!panelFeature || panelFeature.collectionId !== collectionId || document.getElementById('feature-panel').hidden) return;
  showFeature(collectionId, panelFeature.id, { initial: panelFeature.feature, fresh: true });
}

function redrawFeaturePanel() {
  if (panelFeature && !document.getElementById('feature-panel').hidden) {
    openFeaturePanel(featureContent(panelFeature.feature, panelFeature.collectionId));
  }
}
