// The printed command map (issue 18, item 6): a print sheet (A4 or A3,
// portrait or landscape) the browser prints to PDF. It holds the title,
// subtitle and date, the classification line, the map of the extent and the
// layers the user chose, a scale bar and a north arrow, the legend of the
// visible layers, the data notice and the extent.
//
// Templates pick layers by id from the live style and the collections:
//   risk    — risk distribution: the risk grid (`risk_grid`) when the map has
//             it, hazard sources by level, enterprises by colour, sensitive
//             sites and the safety distances;
//   command — an incident with its zones, teams, routes, shelters, warehouses.
// Other layers are hidden while the sheet is shown and restored after.
// Paper sizes are in print.css (@page named pages); the map image is the
// canvas read inside a render callback (the drawing buffer is valid there).

import { t, getLang, fmtNumber } from './i18n.js';
import { el, button, toast } from './util.js';
import { map } from './mapview.js';
import { layers, layerName, setLayerVisible } from './collections.js';
import { bus } from './ctx.js';

/** Paper sizes, mm (portrait). */
export const PAPERS = { A4: [210, 297], A3: [297, 420] };

/** The layers each template shows, by collection or style-layer id (missing ones are skipped). */
export const TEMPLATES = {
  risk: ['counties', 'risk_grid', 'disaster_zones', 'hazard_sources', 'enterprises', 'sensitive_sites', 'safety_distances'],
  command: ['counties', 'roads', 'incidents', 'rescue_teams', 'shelters', 'warehouses', 'hazard_sources'],
};

const MARGIN_MM = 10;
const HEAD_MM = 24;
const FOOT_MM = 16;
const LEGEND_MM = 52;
const PX_PER_MM = 96 / 25.4;

const P = { template: 'risk', paper: 'A4', orientation: 'landscape', title: '', subtitle: '', classification: '', restore: null };

export function initPrint() {
  document.getElementById('print-open')?.addEventListener('click', openDialog);
  window.lookout && (window.lookout.print = { prepare: preparePrint, close: closePrint, state: P });
}

function openDialog() {
  document.getElementById('print-dialog')?.remove();
  const form = el('form', { class: 'print-form', id: 'print-form', novalidate: true });
  const select = (name, options, value) => {
    const s = el('select', { class: 'select', name });
    for (const [code, label] of options) {
      const o = el('option', { value: code }, label);
      o.selected = code === value;
      s.append(o);
    }
    return s;
  };
  const field = (label, input) => el('label', 'field', el('span', 'field-label', label), input);
  const template = select('template', [['risk', t('print.template.risk')], ['command', t('print.template.command')]], P.template);
  const paper = select('paper', [['A4', 'A4'], ['A3', 'A3']], P.paper);
  const orientation = select('orientation', [['landscape', t('print.landscape')], ['portrait', t('print.portrait')]], P.orientation);
  const title = el('input', { class: 'input', name: 'title', value: P.title || t(`print.title.${P.template}`) });
  const subtitle = el('input', { class: 'input', name: 'subtitle', value: P.subtitle || t('print.subtitle.default') });
  const classification = el('input', { class: 'input', name: 'classification', value: P.classification || t('print.classification.default') });
  template.addEventListener('change', () => (title.value = t(`print.title.${template.value}`)));
  form.append(
    el('h2', null, t('print.dialog')),
    field(t('print.template'), template),
    field(t('print.paper'), paper),
    field(t('print.orientation'), orientation),
    field(t('print.titleField'), title),
    field(t('print.subtitleField'), subtitle),
    field(t('print.classification'), classification),
    el('p', 'muted', t('print.extentNote')),
  );
  const cancel = button(t('print.cancel'), () => dialog.remove(), 'btn big');
  const go = el('button', { type: 'submit', class: 'btn primary big', id: 'print-preview' }, t('print.preview'));
  form.append(el('div', 'form-actions', go, cancel));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    dialog.remove();
    preparePrint({
      template: template.value,
      paper: paper.value,
      orientation: orientation.value,
      title: title.value,
      subtitle: subtitle.value,
      classification: classification.value,
    }).catch((err) => toast(t('print.failed', { msg: err.message }), { kind: 'error' }));
  });
  const dialog = el('div', { class: 'print-dialog', id: 'print-dialog', role: 'dialog', 'aria-modal': 'true' }, form);
  document.body.append(dialog);
  title.focus();
}

/** The ids of the template that the map has: collections and style layers. */
function templateIds(template) {
  const styleIds = (map.getStyle()?.layers ?? []).map((l) => l.id);
  return (TEMPLATES[template] ?? []).filter((id) => layers.has(id) || styleIds.some((s) => s === id || s.startsWith(`${id}-`)));
}

/** Shows the template's layers, hides the other collections; returns how to undo it. */
function applyTemplate(template) {
  const wanted = new Set(templateIds(template));
  const before = new Map([...layers.entries()].map(([id, e]) => [id, e.visible]));
  const styleBefore = new Map();
  for (const id of layers.keys()) setLayerVisible(id, wanted.has(id));
  for (const l of map.getStyle()?.layers ?? []) {
    const owner = [...wanted].find((id) => !layers.has(id) && (l.id === id || l.id.startsWith(`${id}-`)));
    if (owner) {
      styleBefore.set(l.id, map.getLayoutProperty(l.id, 'visibility') ?? 'visible');
      map.setLayoutProperty(l.id, 'visibility', 'visible');
    }
  }
  return () => {
    for (const [id, visible] of before) if (layers.get(id)?.visible !== visible) setLayerVisible(id, visible);
    for (const [id, v] of styleBefore) map.getLayer(id) && map.setLayoutProperty(id, 'visibility', v);
  };
}

const idle = () =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, 15_000);
    map.once('idle', () => {
      clearTimeout(timer);
      resolve();
    });
    map.triggerRepaint();
  });

function snapshot() {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no frame rendered')), 10_000);
    map.once('render', () => {
      clearTimeout(timer);
      resolve(map.getCanvas().toDataURL('image/png'));
    });
    map.triggerRepaint();
  });
}

/** A round length for a scale bar at most `maxM` metres long. */
export function niceLength(maxM) {
  const p = 10 ** Math.floor(Math.log10(maxM));
  for (const k of [5, 2, 1]) if (k * p <= maxM) return k * p;
  return p;
}

/** Metres per CSS pixel at the map's centre (Web Mercator, 512-px tiles). */
function metresPerPixel() {
  const lat = map.getCenter().lat;
  return (40_075_016.686 * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** map.getZoom());
}

function northArrow() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 40 56');
  svg.setAttribute('class', 'print-north-svg');
  svg.setAttribute('aria-hidden', 'true');
  const left = document.createElementNS(ns, 'path');
  left.setAttribute('d', 'M20 4 L8 44 L20 36 Z');
  left.setAttribute('fill', '#111');
  const right = document.createElementNS(ns, 'path');
  right.setAttribute('d', 'M20 4 L32 44 L20 36 Z');
  right.setAttribute('fill', '#fff');
  right.setAttribute('stroke', '#111');
  svg.append(left, right);
  return el('div', { class: 'print-north', id: 'print-north' }, svg, el('span', 'print-north-label', t('print.north')));
}

function scaleBar(mmPerCssPx) {
  const mPerPx = metresPerPixel();
  const mPerMm = mPerPx / mmPerCssPx;
  const length = niceLength(mPerMm * 40);
  const barMm = length / mPerMm;
  const ratio = Math.round((mPerMm * 1000) / 100) * 100;
  const label = length >= 1000 ? `${fmtNumber(length / 1000, 1)} km` : `${fmtNumber(length)} m`;
  const bar = el('div', 'print-scale-bar');
  bar.style.width = `${barMm.toFixed(2)}mm`;
  return el(
    'div',
    { class: 'print-scale', id: 'print-scale' },
    el('span', 'print-scale-title', t('print.scale', { ratio: fmtNumber(ratio) })),
    bar,
    el('span', 'print-scale-label', `0 — ${label}`),
  );
}

function legend() {
  const source = document.getElementById('legend');
  const box = el('div', { class: 'print-legend', id: 'print-legend' }, el('h3', null, t('print.legend')));
  if (source) {
    const copy = source.cloneNode(true);
    copy.removeAttribute('id');
    for (const d of copy.querySelectorAll('details')) {
      d.open = true;
      // incident zones belong on the command map, not the risk map
      if (P.template !== 'command' && d.querySelector('summary')?.textContent === t('legend.incidentZones')) d.remove();
    }
    box.append(copy);
  }
  // the county / city choropleth, when shown (risk-layers.js)
  const choropleth = document.getElementById('choropleth-legend');
  if (choropleth?.children.length) {
    const copy = choropleth.cloneNode(true);
    copy.removeAttribute('id');
    box.append(copy);
  }
  return box;
}

/** Builds the sheet of the current view; resolves once it is ready to print. */
export async function preparePrint(options = {}) {
  closePrint();
  Object.assign(P, options);
  const [w, h] = PAPERS[P.paper] ?? PAPERS.A4;
  const [pageW, pageH] = P.orientation === 'portrait' ? [w, h] : [h, w];
  const frameW = pageW - 2 * MARGIN_MM - LEGEND_MM - 4;
  const frameH = pageH - 2 * MARGIN_MM - HEAD_MM - FOOT_MM;
  // The map is drawn at the frame's shape (96 CSS px per inch), round the
  // extent the user chose: the whole of it is on the sheet, and more of the
  // side the paper is longer on.
  const imgW = frameW - 1;
  const imgH = frameH - 1;
  const container = map.getContainer();
  const view = { bounds: map.getBounds(), center: map.getCenter(), zoom: map.getZoom(), width: container.style.width, height: container.style.height };
  const undoTemplate = applyTemplate(P.template);
  P.restore = () => {
    container.style.width = view.width;
    container.style.height = view.height;
    map.resize();
    map.jumpTo({ center: view.center, zoom: view.zoom });
    undoTemplate();
  };
  let image;
  try {
    container.style.width = `${Math.round(imgW * PX_PER_MM)}px`;
    container.style.height = `${Math.round(imgH * PX_PER_MM)}px`;
    map.resize();
    map.fitBounds(view.bounds, { animate: false, padding: 0 });
    await idle();
    image = await snapshot();
  } catch (err) {
    closePrint();
    throw err;
  }
  const mmPerCssPx = imgW / map.getCanvas().clientWidth;
  const b = map.getBounds();
  const date = new Date().toLocaleDateString(getLang() === 'zh' ? 'zh-CN' : 'en-GB', { year: 'numeric', month: 'long', day: 'numeric' });

  const img = el('img', { class: 'print-map-image', id: 'print-map-image', src: image, alt: P.title });
  img.style.width = `${imgW.toFixed(2)}mm`;
  img.style.height = `${imgH.toFixed(2)}mm`;
  const frame = el('div', 'print-map-frame', img, northArrow(), scaleBar(mmPerCssPx));
  frame.style.width = `${frameW}mm`;
  frame.style.height = `${frameH}mm`;
  const visible = [...layers.entries()].filter(([, e]) => e.visible).map(([id]) => layerName(id));
  const sheet = el(
    'div',
    { class: `print-sheet page-${P.paper}-${P.orientation}`, id: 'print-sheet', dataset: { paper: P.paper, orientation: P.orientation, template: P.template } },
    el('div', 'print-classification', P.classification),
    el('header', 'print-head', el('h1', { class: 'print-title', id: 'print-title' }, P.title), el('p', 'print-subtitle', P.subtitle), el('p', 'print-date', t('print.date', { date }))),
    el('div', 'print-body', frame, legend()),
    el(
      'footer',
      'print-foot',
      el('p', 'print-notice', t('print.notice')),
      el('p', 'print-extent', t('print.extent', { w: b.getWest().toFixed(3), s: b.getSouth().toFixed(3), e: b.getEast().toFixed(3), n: b.getNorth().toFixed(3) })),
      el('p', 'print-layers', t('print.layers', { list: visible.join('、') })),
    ),
  );
  sheet.style.width = `${pageW}mm`;
  // a hair under the paper, so that rounding never spills a second page
  sheet.style.height = `${pageH - 0.5}mm`;
  const bar = el(
    'div',
    { class: 'print-toolbar', id: 'print-toolbar' },
    button(t('print.print'), () => window.print(), 'btn primary big'),
    button(t('print.close'), closePrint, 'btn big'),
  );
  const overlay = el('div', { class: 'print-overlay', id: 'print-overlay' }, bar, sheet);
  document.body.append(overlay);
  document.body.classList.add('printing');
  await new Promise((resolve) => (img.complete ? resolve() : img.addEventListener('load', resolve, { once: true })));
  document.body.dataset.print = 'ready';
  bus.emit('print', P);
  return sheet;
}

export function closePrint() {
  document.getElementById('print-overlay')?.remove();
  document.body.classList.remove('printing');
  delete document.body.dataset.print;
  if (P.restore) {
    const undo = P.restore;
    P.restore = null;
    undo();
  }
}
