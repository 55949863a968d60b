// The incident list in the sidebar: the incidents of the current mode (real
// or drill, never mixed), open, closed or all; in a replay, those of that moment.

import { bus } from './ctx.js';
import { t, term, fmtNumber, fmtTime } from './i18n.js';
import { el, button } from './util.js';
import { currentMode } from './mode.js';
import { replayState } from './replay.js';
import { S, refreshList } from './incident-state.js';
import { startPlacing } from './incident-form.js';
import { may } from './session.js';

export function initIncidentList() {
  for (const name of ['incident-list', 'lang', 'incident-shown', 'incident-closed-panel']) bus.on(name, renderList);
  renderList();
}

function renderList() {
  const pane = document.getElementById('incident-list-pane');
  if (!pane) return;
  const head = el('div', 'pane-head');
  head.append(el('h2', null, currentMode() === 'drill' ? t('incident.list.drill') : t('incident.list')));
  const select = el('select', { class: 'select', 'aria-label': t('incident.show') });
  for (const s of ['open', 'closed', 'all']) {
    const o = el('option', { value: s }, t(`incident.status.${s}`));
    o.selected = s === S.statusFilter;
    select.append(o);
  }
  select.addEventListener('change', () => {
    S.statusFilter = select.value;
    refreshList();
  });
  head.append(select);
  const newButton = may('respond') ? button(currentMode() === 'drill' ? t('incident.new.drill') : t('incident.new'), () => startPlacing(), 'btn danger wide') : null;
  const replay = replayState();
  const items = replay ? replay.data?.incidents ?? [] : S.list;
  const list = el('ul', { class: 'incident-list', id: 'incident-list' });
  list.dataset.mode = currentMode();
  if (replay) list.append(el('li', 'replay-note', t('replay.at', { time: fmtTime(replay.at, true) })));
  if (S.listError) list.append(el('li', 'error-note', S.listError));
  else if (!items.length) list.append(el('li', 'muted empty', t('incident.list.empty')));
  for (const inc of items) list.append(listItem(inc));
  pane.replaceChildren(...[head, newButton, list].filter(Boolean));
}

function listItem(inc) {
  const li = el('li', { class: 'incident-item', tabindex: 0, role: 'button' });
  li.dataset.id = String(inc.id);
  li.classList.toggle('active', inc.id === S.current?.id);
  li.classList.toggle('closed', inc.status === 'closed');
  li.classList.toggle('drill', Boolean(inc.drill));
  const units = inc.units ?? [];
  const biggest = Math.max(0, ...(inc.zones?.zones ?? []).map((z) => z.exposure?.population ?? 0));
  li.append(
    el('div', 'inc-title', inc.drill ? el('span', 'drill-tag', t('mode.drill')) : null, inc.title || term('incidentKind', inc.kind)),
    el('div', 'inc-meta',
      el('span', 'kind-chip', term('incidentKind', inc.kind)),
      el('span', null, fmtTime(inc.opened_at)),
      inc.status === 'closed' ? el('span', 'closed-chip', t('incident.status.closed')) : null,
      units.length ? el('span', null, t('incident.units.count', { n: units.length })) : null,
      biggest ? el('span', null, t('unit.people', { n: fmtNumber(biggest) })) : null),
  );
  const open = () => bus.emit('incident-open', inc.id);
  li.addEventListener('click', open);
  li.addEventListener('keydown', (e) => e.key === 'Enter' && open());
  return li;
}
