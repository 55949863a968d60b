// The audit panel (admins only: the 'administer' permission): GET /audit,
// every event with who made it (the authenticated user, and the token's name
// when it came through one), filtered by user, type and time, in pages. It
// loads when its tab is chosen and again, on the first page, as live events
// arrive while it is on screen.

import { bus } from './ctx.js';
import { t, term, isZh, fmtTime, fmtNumber } from './i18n.js';
import { api, el, button, debounce } from './util.js';
import { may } from './session.js';

const PAGE = 50;

/** The event types the filter offers (layers/src/event.rs, Event::kind). */
const TYPES = [
  'incident_opened', 'incident_updated', 'incident_closed', 'zones_computed', 'unit_dispatched', 'unit_status_changed',
  'note_added', 'inject_fired', 'valve_closed', 'hazard_regraded', 'feature_created', 'feature_replaced', 'feature_updated', 'feature_deleted',
  'signed_in', 'sign_in_failed', 'signed_out', 'user_created', 'user_updated', 'user_disabled',
  'token_created', 'token_revoked', 'token_used',
];

const A = {
  filter: { user: '', type: '', from: '', to: '' },
  offset: 0,
  entries: [],
  total: null,
  hasNext: false,
  loading: false,
  error: null,
  shown: false,
};

export function initAudit() {
  if (!may('administer') || !document.getElementById('audit-pane')) return;
  bus.on('tab', (tab) => {
    A.shown = tab === 'audit';
    if (A.shown) load();
  });
  bus.on('lang', render);
  bus.on('live', () => A.shown && A.offset === 0 && reloadSoon());
  render();
}

const reloadSoon = debounce(() => load(), 500);

/** The query of the current filter and page. */
function query() {
  const q = new URLSearchParams();
  const f = A.filter;
  if (f.user) q.set('user', f.user);
  if (f.type) q.set('type', f.type);
  // datetime-local inputs hold local times; the API takes RFC 3339
  if (f.from) q.set('from', new Date(f.from).toISOString());
  if (f.to) q.set('to', new Date(f.to).toISOString());
  q.set('limit', String(PAGE));
  q.set('offset', String(A.offset));
  return q;
}

async function load() {
  A.loading = true;
  render();
  try {
    const data = await api(`/audit?${query()}`);
    const entries = Array.isArray(data) ? data : data?.entries ?? data?.audit ?? data?.items ?? [];
    A.entries = entries;
    A.total = Number.isFinite(data?.numberMatched) ? data.numberMatched : null;
    A.hasNext = A.total !== null ? A.offset + entries.length < A.total : Boolean(data?.next) || entries.length === PAGE;
    A.error = null;
  } catch (err) {
    A.entries = [];
    A.error = t('audit.failed', { msg: err.message });
  } finally {
    A.loading = false;
    render();
  }
}

/** One line on what an entry concerns, from its detail (or the server's own summary, if it writes one). */
function summary(entry) {
  const own = isZh() ? entry.summary_zh : entry.summary_en;
  if (own || entry.summary) return own || entry.summary;
  const d = entry.detail ?? {};
  const parts = [];
  if (d.username) parts.push(d.username);
  if (d.role) parts.push(term('role', d.role));
  if (d.name) parts.push(d.name);
  if (d.token_id) parts.push(`#${d.token_id}`);
  if (d.disabled === true) parts.push(term('eventType', 'user_disabled'));
  if (d.password_changed) parts.push(isZh() ? '密码已更改' : 'password changed');
  if (d.reason) parts.push(String(d.reason));
  if (d.address) parts.push(String(d.address));
  if (d.collection) parts.push(`${d.collection}${d.id !== undefined && d.id !== null ? ` #${d.id}` : ''}`);
  if (d.drill) parts.push(t('mode.drill'));
  return parts.join(' · ') || '—';
}

function render() {
  const pane = document.getElementById('audit-pane');
  if (!pane) return;
  const focused = pane.contains(document.activeElement) ? document.activeElement.name : null;
  const head = el('div', 'pane-head', el('h2', null, t('audit.title')));

  const form = el('form', { class: 'audit-filter', id: 'audit-filter', novalidate: true });
  const user = el('input', { class: 'input', name: 'user', type: 'text', value: A.filter.user, autocomplete: 'off', spellcheck: 'false' });
  const type = el('select', { class: 'select', name: 'type' });
  type.append(el('option', { value: '' }, t('audit.type.any')));
  for (const k of TYPES) {
    const o = el('option', { value: k }, term('eventType', k));
    o.selected = k === A.filter.type;
    type.append(o);
  }
  const from = el('input', { class: 'input', name: 'from', type: 'datetime-local', value: A.filter.from });
  const to = el('input', { class: 'input', name: 'to', type: 'datetime-local', value: A.filter.to });
  const field = (label, input) => el('label', 'field', el('span', 'field-label', label), input);
  form.append(
    el('div', 'audit-filter-row', field(t('audit.user'), user), field(t('audit.type'), type)),
    el('div', 'audit-filter-row', field(t('audit.from'), from), field(t('audit.to'), to)),
    el('div', 'form-actions',
      el('button', { type: 'submit', class: 'btn primary', name: 'apply' }, t('audit.apply')),
      button(t('audit.reset'), () => {
        A.filter = { user: '', type: '', from: '', to: '' };
        A.offset = 0;
        load();
      }, 'btn')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    A.filter = { user: user.value.trim(), type: type.value, from: from.value, to: to.value };
    A.offset = 0;
    load();
  });

  const body = el('tbody');
  for (const entry of A.entries) {
    const tr = el('tr', { class: 'audit-row', dataset: { type: entry.type ?? '', seq: String(entry.seq ?? '') } });
    tr.append(
      el('td', 'audit-time', fmtTime(entry.at, true)),
      el('td', 'audit-user', entry.actor ?? '—'),
      el('td', 'audit-token', entry.token ?? ''),
      el('td', 'audit-type', term('eventType', entry.type)),
      el('td', 'audit-summary', summary(entry)));
    body.append(tr);
  }
  const table = el('table', { class: 'audit-table', id: 'audit-table' },
    el('thead', null, el('tr', null, ...['audit.time', 'audit.user', 'audit.token', 'audit.type', 'audit.summary'].map((k) => el('th', null, t(k))))),
    body);

  const status = A.error ? el('p', 'error-note', A.error)
    : A.loading && !A.entries.length ? el('p', 'muted', t('audit.loading'))
      : !A.entries.length ? el('p', 'muted empty', t('audit.empty')) : null;
  const first = A.offset + 1;
  const last = A.offset + A.entries.length;
  const pager = el('div', 'audit-pager',
    button(t('audit.prev'), () => {
      A.offset = Math.max(0, A.offset - PAGE);
      load();
    }, 'btn small', { name: 'prev', disabled: A.offset === 0 || A.loading }),
    el('span', 'muted', A.entries.length
      ? A.total !== null ? t('audit.page', { from: fmtNumber(first), to: fmtNumber(last), total: fmtNumber(A.total) }) : t('audit.pageOpen', { from: fmtNumber(first), to: fmtNumber(last) })
      : ''),
    button(t('audit.next'), () => {
      A.offset += PAGE;
      load();
    }, 'btn small', { name: 'next', disabled: !A.hasNext || A.loading }));

  pane.replaceChildren(...[head, form, status, A.entries.length ? table : null, pager].filter(Boolean));
  pane.dataset.loading = String(A.loading);
  if (focused) pane.querySelector(`[name=${focused}]`)?.focus();
}
