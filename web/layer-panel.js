// The layers panel: a row per collection (grouped, with its count and a check
// box), the filters of a layer (a check box per value of each filterable
// property), the basemap parts, and the legend of what is switched on.

import { bus } from './ctx.js';
import { t, term } from './i18n.js';
import { el, button, hexAlpha, fmtCount } from './util.js';
import { GROUPS, RISK, ZONE_TIERS, iconUrl } from './layers.js';
import { BASEMAP_LAYERS } from './basemap.js';
import { map } from './mapview.js';
import { layers, layerName, rank, setLayerVisible, setFilter } from './collections.js';

/** Draws the panel and the legend, and keeps them in step with the map. */
export function initLayerPanel() {
  renderLayerList();
  renderLegend();
  bus.on('lang', () => {
    renderLayerList();
    renderLegend();
  });
  bus.on('layer-state', ({ id, text, failed }) => setRowState(id, text, failed));
  bus.on('layer-visibility', (id) => {
    const visible = layers.get(id)?.visible;
    const row = document.querySelector(`.layer-row[data-collection="${CSS.escape(id)}"]`);
    row?.classList.toggle('off', !visible);
    if (row) row.querySelector('input').checked = visible;
    updateZoomNotes();
    renderLegend();
  });
  map.on('zoomend', () => layers.size && updateZoomNotes());
}

/** A visible layer whose tiles start deeper than the current zoom says so in its row. */
function updateZoomNotes() {
  const zoom = map.getZoom();
  for (const [id, entry] of layers) {
    const minzoom = entry.tile?.minzoom ?? 0;
    const note = entry.visible && zoom < minzoom ? t('layers.zoomNote', { z: minzoom }) : '';
    if (note || entry.zoomNote) setRowState(id, note);
    entry.zoomNote = Boolean(note);
  }
}


function swatchElement(swatch) {
  if (swatch.icon) {
    const img = el('img', { class: 'swatch img', alt: '' });
    img.src = iconUrl(swatch.icon);
    return img;
  }
  const e = el('span');
  if (swatch.dot) {
    e.className = 'swatch dot';
    e.style.background = swatch.dot;
    if (swatch.border) e.style.boxShadow = `0 0 0 2px ${swatch.border}`; // a cluster's outline
  } else if (swatch.ring) {
    e.className = 'swatch ring';
    e.style.background = swatch.ring;
  } else if (swatch.line) {
    e.className = 'swatch line';
    e.style.borderTopColor = swatch.line;
    if (swatch.dash) e.style.borderTopStyle = 'dashed';
  } else if (swatch.letter) {
    e.className = 'swatch letter';
    e.textContent = term('teamKindShort', swatch.letter);
  } else if (swatch.fill) {
    e.className = 'swatch fill';
    e.style.background = swatch.border ? swatch.fill : hexAlpha(swatch.fill, 0.35);
    e.style.borderColor = swatch.border ?? swatch.fill;
  } else {
    e.className = 'swatch';
  }
  return e;
}


function itemLabel(block, item) {
  if (item.labelKey) return t(item.labelKey);
  if (item.label) return item.label;
  if (block.table) return block.table === 'risk' ? `${term('riskColour', item.code)} · ${term('risk', item.code)}` : term(block.table, item.code);
  return String(item.code);
}

function layerRow(id, entry) {
  const { def, collection } = entry;
  const row = el('label', { class: 'layer-row', title: collection.description || collection.title || id });
  row.dataset.collection = id;
  row.classList.toggle('off', !entry.visible);

  const box = el('input', { type: 'checkbox' });
  box.checked = entry.visible;
  box.addEventListener('change', () => setLayerVisible(id, box.checked));

  const name = el('span', 'name', layerName(id, entry));
  // a layer that is not a collection (the risk grid) has no count
  const count = el('span', 'count', collection.featureCount === null ? '' : `(${fmtCount(collection.featureCount)})`);
  count.dataset.count = String(collection.featureCount ?? '');

  row.append(box, swatchElement(def.swatch), name, count, el('span', 'state'));
  return row;
}

/** The filters of a layer: a check box per value of each filterable property. */
function filterBlock(id, entry) {
  const blocks = (entry.def.legend ?? []).filter((b) => b.prop);
  if (!blocks.length || !entry.tile) return null;
  const details = el('details', { class: 'layer-filter' });
  details.dataset.collection = id;
  const filtered = blocks.some((b) => entry.filters[b.prop].size !== entry.filterValues[b.prop].length);
  details.open = Boolean(entry.filterOpen);
  details.addEventListener('toggle', () => (entry.filterOpen = details.open));
  details.append(el('summary', null, t('layers.filter'), filtered ? el('span', 'filtered', ` · ${t('layers.filtered')}`) : null));
  for (const block of blocks) {
    const group = el('div', 'filter-group');
    group.dataset.prop = block.prop;
    const head = el('div', 'filter-head', el('span', null, t(block.key)));
    const all = button(t('layers.filter.all'), () => changeFilter(id, block.prop, entry.filterValues[block.prop]), 'link');
    const none = button(t('layers.filter.none'), () => changeFilter(id, block.prop, []), 'link');
    head.append(all, none);
    group.append(head);
    for (const item of block.items) {
      const code = String(item.code);
      const box = el('input', { type: 'checkbox', value: code });
      box.checked = entry.filters[block.prop].has(code);
      box.addEventListener('change', () => {
        const next = new Set(entry.filters[block.prop]);
        if (box.checked) next.add(code);
        else next.delete(code);
        changeFilter(id, block.prop, [...next]);
      });
      const label = el('label', 'filter-row', box, swatchElement(item.letter ? { letter: item.letter } : item), el('span', null, itemLabel(block, item)));
      group.append(label);
    }
    details.append(group);
  }
  return details;
}

function changeFilter(id, prop, values) {
  setFilter(id, prop, values);
  renderLayerList();
}

function renderLayerList() {
  const list = document.getElementById('layer-list');
  if (!layers.size) return;
  list.replaceChildren();
  for (const group of GROUPS) {
    const ids = [...layers.keys()]
      .filter((id) => layers.get(id).def.group === group)
      .sort((a, b) => rank(a) - rank(b));
    if (!ids.length) continue;
    const section = el('div', 'layer-group');
    section.append(el('h3', null, t(`group.${group}`)));
    for (const id of ids) {
      const entry = layers.get(id);
      section.append(layerRow(id, entry));
      const filter = filterBlock(id, entry);
      if (filter) section.append(filter);
    }
    list.append(section);
  }
  // the basemap parts that are not collections
  const base = el('div', 'layer-group');
  base.append(el('h3', null, t('layers.basemap')));
  for (const [key, ids] of [['cities', BASEMAP_LAYERS.cities], ['countyNames', BASEMAP_LAYERS.countyNames], ['river', BASEMAP_LAYERS.river]]) {
    const on = ids.every((lid) => map.getLayer(lid) && map.getLayoutProperty(lid, 'visibility') !== 'none');
    const box = el('input', { type: 'checkbox' });
    box.checked = on;
    box.addEventListener('change', () => {
      for (const lid of ids) if (map.getLayer(lid)) map.setLayoutProperty(lid, 'visibility', box.checked ? 'visible' : 'none');
    });
    const row = el('label', 'layer-row basemap-row', box, swatchElement(key === 'river' ? { line: '#3b9ff5' } : { line: '#8fb3e6' }),
      el('span', 'name', t(`layers.basemap.${key}`)));
    row.dataset.basemap = key;
    base.append(row);
  }
  list.append(base);
  updateZoomNotes();
}

function setRowState(id, text, failed = false) {
  const row = document.querySelector(`.layer-row[data-collection="${CSS.escape(id)}"]`);
  if (!row) return;
  row.querySelector('.state').textContent = text;
  row.classList.toggle('failed', failed);
}

function legendBlock(title, rows, className = '') {
  const block = el('div', `legend-block ${className}`.trim());
  if (title) block.append(el('h3', null, title));
  for (const { swatch, label } of rows) block.append(el('div', 'legend-row', swatchElement(swatch), el('span', null, label)));
  return block;
}

function renderLegend() {
  const legend = document.getElementById('legend');
  if (!legend) return;
  const riskRows = RISK.map((r) => ({ swatch: { dot: r.color }, label: `${term('riskColour', r.code)} · ${term('risk', r.code)}` }));
  legend.replaceChildren(legendBlock(t('legend.risk'), riskRows, 'legend-risk'));

  const ids = [...layers.keys()].filter((id) => layers.get(id).visible).sort((a, b) => rank(a) - rank(b));
  for (const id of ids) {
    for (const block of layers.get(id).def.legend ?? []) {
      if (block.table === 'risk' || block.table === 'industry') continue;
      const details = el('details');
      details.open = ['hazard_sources', 'rescue_teams'].includes(id) && !block.collapsed;
      details.append(el('summary', null, t(block.key)));
      details.append(legendBlock('', block.items.map((item) => ({ swatch: item.letter ? { letter: item.letter } : item, label: itemLabel(block, item) }))));
      legend.append(details);
    }
  }
  const zones = el('details');
  zones.append(el('summary', null, t('legend.incidentZones')));
  zones.append(legendBlock('', [...ZONE_TIERS].reverse().map((z) => ({ swatch: { fill: z.color }, label: term('zoneTier', z.code) }))));
  legend.append(zones);
  const base = el('details');
  base.append(el('summary', null, t('legend.basemap')));
  base.append(legendBlock('', [
    { swatch: { line: '#d6e4fa' }, label: t('legend.province') },
    { swatch: { line: '#8fb3e6' }, label: t('legend.cityBoundary') },
    { swatch: { line: '#3d5f8c' }, label: t('legend.countyBoundary') },
    { swatch: { line: '#3b9ff5' }, label: t('legend.river') },
    { swatch: { ring: '#0a1220' }, label: t('legend.cityCore') },
  ]));
  legend.append(base);
}
