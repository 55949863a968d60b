// An incident's record in its panel: the notes (and adding one), a drill's
// injects (and firing the next), and the timeline the server writes in both
// languages.

import { t, isZh, fmtTime } from './i18n.js';
import { api, el, button, toast } from './util.js';
import { S, panelChanged } from './incident-state.js';
import { details } from './incident-ui.js';
import { may } from './session.js';

export function renderInjects(inc, readonly) {
  const box = el('section', { class: 'injects', id: 'injects' });
  box.append(el('h3', null, t('incident.injects')));
  const injects = inc.injects ?? [];
  if (!injects.length) box.append(el('p', 'muted', t('incident.injects.none')));
  const ul = el('ul', 'inject-list');
  for (const i of [...injects].reverse()) {
    const title = (isZh() ? i.title : i.title_en ?? i.title) ?? '';
    const text = isZh() ? i.text : i.text_en ?? i.text;
    ul.append(el('li', 'inject', el('div', 'inject-head', el('strong', null, title), el('span', 'muted', ` ${fmtTime(i.at)}${Number.isFinite(i.at_min) ? ` · T+${i.at_min}′` : ''}`)),
      text ? el('div', 'inject-text', text) : null));
  }
  box.append(ul);
  if (!readonly && may('drill')) {
    const b = button(t('incident.injects.next'), async () => {
      S.busy.add('inject');
      b.disabled = true;
      try {
        const updated = await api(`/incidents/${inc.id}/injects/next`, { method: 'POST', body: {} });
        if (updated?.id === S.current?.id) S.current = updated;
      } catch (err) {
        toast(err.message, { kind: 'error' });
      } finally {
        S.busy.delete('inject');
        panelChanged();
      }
    }, 'btn warn', { id: 'next-inject' });
    box.append(b);
  }
  return box;
}

export function renderNotes(inc, readonly) {
  const box = el('section', { class: 'notes', id: 'notes' });
  box.append(el('h3', null, t('incident.notes')));
  const notes = inc.notes ?? [];
  const ul = el('ul', 'note-list');
  if (!notes.length) ul.append(el('li', 'muted', t('incident.notes.none')));
  for (const n of [...notes].reverse()) {
    ul.append(el('li', 'note-item', el('span', 'note-meta', `${fmtTime(n.at)}${n.actor ? ` · ${n.actor}` : ''}`), el('span', 'note-text', n.text)));
  }
  box.append(ul);
  if (!readonly && may('respond')) {
    const form = el('form', 'note-form');
    const area = el('textarea', { class: 'input', name: 'note', rows: 2, placeholder: t('incident.notes.placeholder') });
    area.addEventListener('input', () => (S.noteDraft = area.value));
    const add = el('button', { type: 'submit', class: 'btn primary' }, t('incident.notes.add'));
    add.disabled = S.busy.has('note');
    form.append(area, add);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text) return;
      S.busy.add('note');
      add.disabled = true;
      try {
        const updated = await api(`/incidents/${inc.id}/notes`, { method: 'POST', body: { text } });
        S.noteDraft = '';
        area.value = '';
        if (updated?.id === S.current?.id) S.current = updated;
      } catch (err) {
        toast(err.message, { kind: 'error' });
      } finally {
        S.busy.delete('note');
        panelChanged();
      }
    });
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
    });
    box.append(form);
  }
  return box;
}

export function renderTimeline(inc) {
  const ul = el('ul', 'timeline');
  for (const item of [...inc.timeline].reverse()) {
    const summary = (isZh() ? item.summary_zh : item.summary_en) || item.summary_en || t(`tl.${item.type}`);
    ul.append(el('li', null, el('span', 'tl-time', fmtTime(item.at)), el('span', 'tl-type', t(`tl.${item.type}`)), el('span', 'tl-text', summary),
      item.actor ? el('span', 'tl-actor', item.actor) : null));
  }
  return details('timeline', `${t('incident.timeline')}（${inc.timeline.length}）`, ul);
}
