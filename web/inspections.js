// Inspections on the map (issue 16 item 3, docs/ledger.md "Inspections").
//
// - The tab 检查 / Inspections: the coverage of the major hazard sources this
//   year (GET /inspections/coverage), in all and by city and county, and the
//   sources not inspected yet: listed (a click flies to one) and ringed on the
//   map (?f=geojson); for whoever may `supervise`, a form to record an
//   inspection (kind, inspectors, experts, checklist result, enforcement
//   measures) with the hidden dangers found, each entered in the ledger first
//   (POST /dangers, source `inspection`) and linked (POST /inspections).
// - An enterprise's attribute panel lists its inspections (enterpriseInspections).
// - An incident's panel suggests experts for its kind and substance, with their
//   phones (incidentExperts: GET /incidents/{id}/experts).
// Everything is fetched again when the live feed brings an inspection event.

import { bus } from './ctx.js';
import { t, term, fmtNumber } from './i18n.js';
import { api, el, button, toast, debounce } from './util.js';
import { map, addLayer } from './mapview.js';
import { onLayerClick } from './map-clicks.js';
import { may } from './session.js';
import { selectTab } from './chrome.js';

const SOURCE = 'inspections-uninspected';
const EMPTY = { type: 'FeatureCollection', features: [] };
const EVENTS = new Set(['inspection_recorded', 'inspection_planned', 'expert_added', 'expert_updated']);
const KINDS = ['routine', 'enforcement', 'unannounced', 'expert_consultation'];
const RESULTS = ['passed', 'problems', 'serious'];
const CATEGORIES = ['equipment', 'process', 'electrical', 'fire', 'management'];

let coverage = null;
let experts = [];
let failed = false;
let drawn = EMPTY;
/** The form's prefill: { enterprise, hazard_source, name }. */
let target = null;
/** Dangers to enter with the inspection, as typed. */
let found = [];
const year = () => new Date().getFullYear();
const today = () => new Date().toISOString().slice(0, 10);

export function initInspections() {
  const refreshSoon = debounce(refresh, 200);
  bus.on('live', (record) => EVENTS.has(record.event?.type) && refreshSoon());
  bus.on('live-state', (up) => up && refresh());
  bus.on('lang', render);
  bus.on('tab', (tab) => {
    showLayer(tab === 'inspections');
    if (tab === 'inspections') refresh();
  });
  addMapLayers();
  window.lookout && (window.lookout.inspections = () => ({ coverage, map: drawn, experts: experts.length }));
  refresh();
}

export async function refresh() {
  try {
    const [cov, geo, pool] = await Promise.all([
      api(`/inspections/coverage?year=${year()}`),
      api(`/inspections/coverage?year=${year()}&f=geojson`),
      api('/experts').catch(() => null),
    ]);
    coverage = cov;
    experts = pool?.experts ?? [];
    failed = false;
    drawn = geo ?? EMPTY;
    map?.getSource(SOURCE)?.setData(drawn);
  } catch (err) {
    console.warn(`inspections: ${err.message}`);
    failed = true;
  }
  render();
}

// ------------------------------------------------------------------ the map

function addMapLayers() {
  if (!map) return;
  map.addSource(SOURCE, { type: 'geojson', data: EMPTY });
  addLayer('points', {
    id: 'inspections-uninspected', type: 'circle', source: SOURCE,
    layout: { visibility: 'none' },
    paint: { 'circle-radius': 11, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-width': 3, 'circle-stroke-color': '#7c3aed' },
  });
  onLayerClick('inspections-uninspected', (f) => {
    selectTab('inspections');
    prefill(f.properties);
  });
}

function showLayer(on) {
  if (map?.getLayer('inspections-uninspected')) map.setLayoutProperty('inspections-uninspected', 'visibility', on ? 'visible' : 'none');
}

function flyTo(u) {
  if (u.location) map?.flyTo({ center: u.location, zoom: Math.max(map.getZoom(), 13) });
}

function prefill(u) {
  target = { enterprise: Number(u.enterprise_id), hazard_source: Number(u.id), name: `${u.enterprise_name} · ${u.name}` };
  render();
}

// ------------------------------------------------------------------ the pane

const pct = (share) => `${fmtNumber(Math.round((share ?? 0) * 1000) / 10)}%`;

function coverageBlock() {
  const box = el('section', 'inspections-coverage');
  if (!coverage) {
    box.append(el('p', 'muted', failed ? t('inspections.unavailable') : t('app.loading')));
    return box;
  }
  const c = coverage.total;
  const head = el('p', 'inspections-total', t('inspections.coverage', { year: coverage.year, inspected: fmtNumber(c.inspected), total: fmtNumber(c.total), share: pct(c.share) }));
  head.dataset.inspected = String(c.inspected);
  head.dataset.total = String(c.total);
  box.append(head);
  const table = el('table', 'facts inspections-cities');
  table.append(el('tr', null, el('th', null, t('inspections.city')), el('th', null, t('inspections.inspected')), el('th', null, t('inspections.share'))));
  for (const row of coverage.cities) {
    const tr = el('tr', null, el('td', null, row.city), el('td', null, `${fmtNumber(row.inspected)}/${fmtNumber(row.total)}`), el('td', null, pct(row.share)));
    tr.dataset.city = row.city;
    table.append(tr);
  }
  box.append(table);
  const counties = el('details', 'inspections-counties');
  counties.append(el('summary', null, t('inspections.byCounty')));
  const ul = el('ul');
  for (const row of coverage.counties) ul.append(el('li', null, `${row.city} ${row.county}: ${fmtNumber(row.inspected)}/${fmtNumber(row.total)} (${pct(row.share)})`));
  counties.append(ul);
  box.append(counties);
  const list = coverage.uninspected ?? [];
  box.append(el('h3', null, t('inspections.uninspected', { n: fmtNumber(list.length) })));
  const items = el('ul', 'inspections-uninspected');
  for (const u of list) {
    const li = el('li', { class: 'inspections-source', tabindex: '0' }, `${u.city} ${u.county} · ${u.enterprise_name} · ${u.name}`);
    li.dataset.source = String(u.id);
    const go = () => {
      flyTo(u);
      if (may('supervise')) prefill(u);
    };
    li.addEventListener('click', go);
    li.addEventListener('keydown', (e) => e.key === 'Enter' && go());
    items.append(li);
  }
  box.append(items);
  return box;
}

function field(label, input) {
  return el('label', 'field', el('span', null, label), input);
}

function options(name, codes, table, selected) {
  const s = el('select', { class: 'select', name });
  for (const c of codes) {
    const o = el('option', { value: c }, term(table, c));
    if (c === selected) o.selected = true;
    s.append(o);
  }
  return s;
}

function dangerLines() {
  const box = el('div', 'inspections-dangers');
  const redraw = () => box.replaceChildren(...lines());
  const lines = () => {
    const out = found.map((d, i) => {
      const desc = el('input', { class: 'input', name: `danger-${i}-description`, value: d.description, placeholder: t('inspections.danger.description') });
      desc.addEventListener('input', () => { d.description = desc.value; });
      const sev = options(`danger-${i}-severity`, ['general', 'major'], 'dangerSeverity', d.severity);
      sev.addEventListener('change', () => { d.severity = sev.value; });
      const cat = options(`danger-${i}-category`, CATEGORIES, 'dangerCategory', d.category);
      cat.addEventListener('change', () => { d.category = cat.value; });
      const due = el('input', { class: 'input', type: 'date', name: `danger-${i}-deadline`, value: d.deadline });
      due.addEventListener('change', () => { d.deadline = due.value; });
      return el('div', 'inspections-danger', desc, sev, cat, due,
        button('×', () => { found.splice(i, 1); redraw(); }, 'btn small', { 'aria-label': t('app.close') }));
    });
    out.push(button(t('inspections.addDanger'), () => {
      const due = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
      found.push({ description: '', severity: 'general', category: 'equipment', deadline: due });
      redraw();
    }, 'btn', { name: 'add-danger' }));
    return out;
  };
  redraw();
  return box;
}

/** What is typed in the form, kept across re-renders (language, live updates). */
let draft = {};

/** Keeps `input`'s value in the draft under its name, and restores it. */
function kept(input) {
  const name = input.getAttribute('name');
  const box = input.type === 'checkbox';
  if (name in draft) {
    if (box) input.checked = draft[name];
    else if (input.multiple) for (const o of input.options) o.selected = draft[name].includes(o.value);
    else input.value = draft[name];
  }
  const save = () => {
    draft[name] = box ? input.checked : input.multiple ? [...input.selectedOptions].map((o) => o.value) : input.value;
  };
  input.addEventListener('input', save);
  input.addEventListener('change', save);
  return input;
}

function recordForm() {
  const form = el('form', { class: 'inspections-form', name: 'record-inspection' });
  form.append(el('h3', null, t('inspections.record')));
  const enterprise = el('input', { class: 'input', type: 'number', min: '1', name: 'enterprise', value: target?.enterprise ?? '' });
  if (target) form.append(el('p', 'muted inspections-target', target.name));
  const date = kept(el('input', { class: 'input', type: 'date', name: 'date', value: today() }));
  const kind = kept(options('kind', KINDS, 'inspectionKind', 'enforcement'));
  const inspectors = kept(el('input', { class: 'input', name: 'inspectors', placeholder: t('inspections.inspectors.hint') }));
  const result = kept(options('result', RESULTS, 'checklistResult', 'passed'));
  const pool = el('select', { class: 'select', name: 'experts', multiple: true, size: String(Math.min(4, Math.max(1, experts.length))) });
  for (const x of experts) pool.append(el('option', { value: String(x.id) }, `${x.name} · ${term('expertSpecialty', x.specialty)} · ${x.county}`));
  kept(pool);
  const order = kept(el('input', { type: 'checkbox', name: 'order_to_rectify' }));
  const filed = kept(el('input', { type: 'checkbox', name: 'case_filed' }));
  const penalty = kept(el('input', { class: 'input', type: 'number', min: '0', step: '100', name: 'penalty_yuan' }));
  const notes = kept(el('input', { class: 'input', name: 'notes' }));
  enterprise.addEventListener('change', () => { target = null; });
  form.append(
    field(t('inspections.enterprise'), enterprise),
    field(t('inspections.date'), date),
    field(t('inspections.kind'), kind),
    field(t('inspections.inspectors'), inspectors),
    field(t('inspections.experts'), pool),
    field(t('inspections.result'), result),
    el('fieldset', 'inspections-enforcement', el('legend', null, t('inspections.enforcement')),
      el('label', null, order, t('inspections.order')), el('label', null, filed, t('inspections.case')),
      field(t('inspections.penalty'), penalty)),
    el('strong', null, t('inspections.dangersFound')),
    dangerLines(),
    field(t('inspections.notes'), notes),
  );
  const submit = el('button', { type: 'submit', class: 'btn primary', name: 'save-inspection' }, t('inspections.save'));
  form.append(submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const names = inspectors.value.split(/[,，、\s]+/).filter(Boolean);
    const ent = Number(enterprise.value);
    const enforcing = kind.value === 'enforcement' || kind.value === 'unannounced';
    try {
      const dangers = [];
      for (const d of found) {
        const made = await api('/dangers', { method: 'POST', body: {
          enterprise: ent, hazard_source: target?.enterprise === ent ? target.hazard_source : undefined,
          category: d.category, severity: d.severity, description: d.description,
          found_by: names.join('、') || '-', found_at: new Date(`${date.value}T00:00:00Z`).toISOString(), source: 'inspection',
          rectification: { deadline: new Date(`${d.deadline}T23:59:59Z`).toISOString() },
        } });
        dangers.push(made.id);
      }
      const body = {
        enterprise: ent, date: date.value, kind: kind.value, inspectors: names, result: result.value,
        experts: [...pool.selectedOptions].map((o) => Number(o.value)), dangers, notes: notes.value,
      };
      if (target?.enterprise === ent) body.hazard_sources = [target.hazard_source];
      if (enforcing && (order.checked || filed.checked || penalty.value !== '')) {
        body.enforcement = { order_to_rectify: order.checked, case_filed: filed.checked };
        if (penalty.value !== '') body.enforcement.penalty_yuan = Number(penalty.value);
      }
      const saved = await api('/inspections', { method: 'POST', body });
      toast(t('inspections.saved', { id: saved.id, n: dangers.length }), { kind: 'ok' });
      found = [];
      target = null;
      draft = {};
      bus.emit('inspection-saved', saved);
    } catch (err) {
      toast(err.message, { kind: 'error' });
    }
    submit.disabled = false;
    refresh();
  });
  return form;
}

function render() {
  const pane = document.getElementById('inspections-pane');
  if (!pane) return;
  const parts = [el('div', 'pane-head', el('h2', null, t('inspections.title')))];
  parts.push(coverageBlock());
  if (may('supervise')) parts.push(recordForm());
  pane.replaceChildren(...parts);
}

/** An enterprise's inspections, for its attribute panel: fetched when drawn. */
export function enterpriseInspections(enterpriseId) {
  const box = el('div', 'inspections-enterprise');
  box.append(el('strong', null, t('inspections.ofEnterprise')));
  const body = el('div', 'muted', t('app.loading'));
  box.append(body);
  api(`/inspections?enterprise=${encodeURIComponent(enterpriseId)}&limit=20`).then((answer) => {
    const list = answer?.inspections ?? [];
    if (!list.length) {
      body.replaceWith(el('p', 'muted', t('inspections.ofEnterprise.none')));
      return;
    }
    const ul = el('ul', 'inspections-history');
    for (const i of list) {
      const extra = [];
      if (i.dangers?.length) extra.push(t('inspections.nDangers', { n: i.dangers.length }));
      if (i.enforcement?.order_to_rectify) extra.push(t('inspections.order'));
      if (i.enforcement?.case_filed) extra.push(t('inspections.case'));
      if (i.enforcement?.penalty_yuan) extra.push(`${t('inspections.penalty')} ${fmtNumber(i.enforcement.penalty_yuan)}`);
      const li = el('li', null, [i.date, term('inspectionKind', i.kind), term('checklistResult', i.result), (i.inspectors ?? []).join('、'), ...extra].join(' · '));
      li.dataset.inspection = String(i.id);
      ul.append(li);
    }
    body.replaceWith(ul);
  }).catch((err) => body.replaceWith(el('p', 'muted', `${t('inspections.unavailable')} (${err.message})`)));
  return box;
}

/** The experts for an incident, for its panel: fetched when drawn. */
export function incidentExperts(inc) {
  const box = el('section', 'incident-experts');
  box.append(el('h3', null, t('inspections.experts.forIncident')));
  const body = el('div', 'muted', t('app.loading'));
  box.append(body);
  api(`/incidents/${encodeURIComponent(inc.id)}/experts?limit=5`).then((answer) => {
    const list = answer?.experts ?? [];
    if (!list.length) {
      body.replaceWith(el('p', 'muted', t('inspections.experts.none')));
      return;
    }
    const ul = el('ul', 'incident-experts-list');
    for (const m of list) {
      const x = m.expert;
      const why = (m.reasons ?? []).map((r) => t(`inspections.experts.why.${r}`)).join('、');
      const li = el('li', null, el('strong', null, x.name), ` · ${term('expertSpecialty', x.specialty)} · ${x.county} · `,
        el('a', { href: `tel:${x.phone}` }, x.phone), why ? ` (${why})` : '');
      li.dataset.expert = String(x.id);
      ul.append(li);
    }
    body.replaceWith(ul);
  }).catch(() => body.replaceWith(el('p', 'muted', t('inspections.unavailable'))));
  return box;
}
