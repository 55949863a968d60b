// The ledger's other obligations on the map (issue 16 item 4, docs/ledger.md
// "Obligations"): enterprises' emergency plans (应急预案), drill plans (演练计划)
// and major hazard source re-assessments (重大危险源复评), with their due dates.
//
// - A section of the 隐患 / Dangers tab (ledger.js draws it below the inbox):
//   filters (kind, city, county, overdue), the counts of every match
//   (GET /obligations), overdue first, then the nearest due date.
// - A row (or an inbox entry, ledger.js) opens the obligation: its
//   enterprise, due date, history and, for whoever may `supervise` while
//   something is owed, "mark fulfilled" with a remark
//   (POST /obligations/{id}/fulfil): a plan or re-assessment moves on three
//   years, a drill is held.
// Fetched again when the live feed brings an obligation event.

import { bus } from './ctx.js';
import { t, term, fmtNumber, fmtTime } from './i18n.js';
import { api, el, button, toast, debounce } from './util.js';
import { may } from './session.js';
import { basemapPlaces } from './basemap.js';

const KINDS = ['emergency_plan', 'drill', 'reassessment'];
const PAGE = 30;
const EVENTS = new Set(['obligation_registered', 'obligation_updated', 'obligation_fulfilled', 'obligation_reminded']);

const filters = { kind: '', city: '', county: '', overdue: '' };
let page = null;
let failed = false;
let openId = null;
let open = null;
let readOnly = false;
/** What was typed as the remark of the open obligation: kept across re-renders (the live feed redraws the section). */
let remarkDraft = '';
/** The section, kept across the ledger pane's renders. */
const section = el('section', { class: 'obligations', 'aria-label': 'obligations' });

export function initObligations() {
  const soon = debounce(refreshObligations, 200);
  bus.on('live', (record) => {
    const e = record.event ?? {};
    if (EVENTS.has(e.type) || (e.type?.startsWith('alarm_') && e.obligation !== undefined)) soon();
  });
  bus.on('lang', render);
  bus.on('ready', render);
  window.lookout && (window.lookout.obligations = () => ({ page, open, filters: { ...filters } }));
}

/** The section to place in the ledger pane; `replaying` hides the writes. */
export function obligationsSection(replaying = false) {
  readOnly = replaying;
  render();
  return section;
}

function query() {
  const q = new URLSearchParams({ limit: String(PAGE) });
  for (const [k, v] of Object.entries(filters)) if (v !== '') q.set(k, v);
  return q.toString();
}

export async function refreshObligations() {
  try {
    page = await api(`/obligations?${query()}`);
    failed = false;
    if (openId !== null) open = await api(`/obligations/${openId}`).catch(() => null);
  } catch (err) {
    console.warn(`obligations: ${err.message}`);
    failed = true;
  }
  render();
}

/** Opens obligation `id` (from the inbox): its card at the top of the section. */
export async function openObligation(id) {
  if (openId !== id) remarkDraft = '';
  openId = id;
  try {
    open = await api(`/obligations/${id}`);
  } catch (err) {
    toast(err.message, { kind: 'error' });
  }
  render();
  section.scrollIntoView?.({ block: 'nearest' });
}

function select(name, options, label) {
  const s = el('select', { class: 'select', name: `obligation-${name}`, 'aria-label': label });
  s.append(el('option', { value: '' }, `${label}: ${t('ledger.any')}`));
  for (const [code, text] of options) {
    const o = el('option', { value: code }, text);
    if (String(code) === String(filters[name])) o.selected = true;
    s.append(o);
  }
  s.addEventListener('change', () => {
    filters[name] = s.value;
    if (name === 'city') filters.county = '';
    refreshObligations();
  });
  return s;
}

function filterBar() {
  const counties = basemapPlaces().counties ?? [];
  const cities = [...new Set(counties.map((f) => f.properties?.city).filter(Boolean))].sort((x, y) => x.localeCompare(y, 'zh'));
  const inCity = counties.filter((f) => !filters.city || f.properties?.city === filters.city)
    .map((f) => [String(f.properties?.id ?? ''), f.properties?.county ?? ''])
    .filter(([id, name]) => id && name)
    .sort((a, b) => a[1].localeCompare(b[1], 'zh'));
  return el('div', 'ledger-filters',
    select('kind', KINDS.map((k) => [k, term('obligationKind', k)]), t('obligation.kind')),
    select('city', cities.map((c) => [c, c]), t('ledger.city')),
    select('county', inCity, t('obligation.county')),
    select('overdue', [['true', t('ledger.overdue.only')], ['false', t('ledger.overdue.not')]], t('ledger.overdue')));
}

function counts(c) {
  const line = el('div', 'ledger-counts');
  if (!c) return line;
  const part = (key, n, cls = '') => {
    const s = el('span', `ledger-count ${cls}`, `${t(key)} ${fmtNumber(n ?? 0)}`);
    s.dataset.count = key.split('.').pop();
    return s;
  };
  line.append(part('ledger.count.total', c.total), part('ledger.count.overdue', c.overdue, c.overdue ? 'bad' : ''),
    part('obligation.count.dueSoon', c.due_soon));
  return line;
}

function dueText(o) {
  if (o.completed) return t('obligation.completed', { at: fmtTime(o.last_done, true) });
  return o.overdue ? t('obligation.overdueSince', { at: fmtTime(o.due, true) }) : t('obligation.due', { at: fmtTime(o.due, true) });
}

function row(o) {
  const li = el('li', { class: `obligation-row${o.overdue ? ' overdue' : ''}${o.completed ? ' done' : ''}${openId === o.id ? ' selected' : ''}`, tabindex: '0' });
  li.dataset.obligation = String(o.id);
  const chip = el('span', 'alarm-chip obligation-chip', term('obligationKind', o.kind ?? o.spec?.kind));
  li.append(el('div', 'alarm-head', chip, el('strong', 'alarm-label', o.place?.enterprise_name ?? '')),
    el('div', 'ledger-desc', o.spec?.title ?? ''), el('div', 'ledger-due', dueText(o)));
  const toggle = () => (openId === o.id ? close() : openObligation(o.id));
  li.addEventListener('click', (e) => e.target.closest('button, input, textarea') || toggle());
  li.addEventListener('keydown', (e) => e.key === 'Enter' && e.target === li && toggle());
  return li;
}

function close() {
  openId = null;
  open = null;
  render();
}

function card(o) {
  const box = el('div', { class: `ledger-detail obligation-detail${o.overdue ? ' overdue' : ''}` });
  box.dataset.obligation = String(o.id);
  const head = el('div', 'alarm-head', el('span', 'alarm-chip obligation-chip', term('obligationKind', o.kind ?? o.spec?.kind)),
    el('strong', 'alarm-label', `${o.place?.enterprise_name ?? ''} · ${o.spec?.title ?? ''}`),
    button('×', close, 'btn small', { name: 'close-obligation', 'aria-label': t('app.close') }));
  const dl = el('dl');
  const line = (k, v) => v !== undefined && v !== null && v !== '' && dl.append(el('dt', null, t(k)), el('dd', null, String(v)));
  line('ledger.place', [o.place?.city, o.place?.county].filter(Boolean).join(' '));
  line('obligation.dueAt', dueText(o));
  line('obligation.lastDone', o.last_done ? fmtTime(o.last_done, true) : '');
  line('ledger.assignee', o.spec?.assignee ?? o.registered_by);
  box.append(head, dl);
  const history = el('ol', 'ledger-history');
  for (const h of o.history ?? []) {
    history.append(el('li', null, `${fmtTime(h.at, true)} · ${h.actor} · ${t(`obligation.step.${h.kind}`)}${h.remark ? ` · ${h.remark}` : ''}`));
  }
  if (history.children.length) box.append(el('strong', null, t('ledger.history')), history);
  if (!readOnly && !o.completed && may('supervise')) {
    const remark = el('input', { class: 'input', name: 'remark', value: remarkDraft, placeholder: t('obligation.remark'), 'aria-label': t('obligation.remark') });
    remark.addEventListener('input', () => { remarkDraft = remark.value; });
    const act = button(t(`obligation.fulfil.${o.kind ?? o.spec?.kind}`), () => fulfil(o, remarkDraft, box), 'btn primary', { name: 'fulfil' });
    box.append(remark, el('div', 'alarm-actions', act));
  }
  return box;
}

async function fulfil(o, remark, box) {
  box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  try {
    await api(`/obligations/${o.id}/fulfil`, { method: 'POST', body: { remark } });
    remarkDraft = '';
    toast(t('obligation.fulfilled'), { kind: 'ok' });
  } catch (err) {
    toast(err.message, { kind: 'error' });
  }
  await refreshObligations();
  bus.emit?.('obligation-fulfilled', o.id);
}

function render() {
  const parts = [el('h3', null, t('obligation.title'))];
  if (open) parts.push(card(open));
  parts.push(filterBar(), counts(page?.counts));
  const list = page?.obligations ?? [];
  if (list.length) {
    parts.push(el('ul', { class: 'obligation-list' }, list.map(row)));
    if ((page.numberMatched ?? 0) > list.length) parts.push(el('p', 'muted', t('ledger.more', { n: fmtNumber(list.length), total: fmtNumber(page.numberMatched) })));
  } else {
    parts.push(el('p', 'muted', failed ? t('obligation.unavailable') : page ? t('obligation.none') : t('app.loading')));
  }
  section.replaceChildren(...parts);
}
