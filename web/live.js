// Live push: GET /events/stream (Server-Sent Events). Every record is
// re-emitted on the bus as 'live' ({seq, at, actor, event: {type, ...}}).
// The browser reconnects by itself and sends Last-Event-ID, so no event is lost.

import { t } from './i18n.js';

export const EVENT_TYPES = [
  'feature_created', 'feature_replaced', 'feature_updated', 'feature_deleted',
  'incident_opened', 'incident_updated', 'incident_closed', 'zones_computed',
  'unit_dispatched', 'unit_status_changed', 'note_added', 'inject_fired',
];

let source = null;
let connected = false;

/**
 * Connects from "now": the stream sends the whole record to a client that says
 * nothing, so ask where the record ends (GET /replay gives last_seq) and start
 * after it. Reconnections send Last-Event-ID by themselves.
 */
export async function connectLive(ctx) {
  if (!('EventSource' in window)) return;
  let after = null;
  try {
    const res = await fetch(`/replay?at=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&drill=all`, { headers: { accept: 'application/json' } });
    if (res.ok) after = (await res.json())?.last_seq ?? null;
  } catch {
    // the stream from its start, then: records older than the page are not news (see isNews)
  }
  source = new EventSource(Number.isFinite(after) ? `/events/stream?after=${after}` : '/events/stream');
  const state = document.getElementById('live-state');
  const show = () => {
    state.textContent = connected ? `● ${t('app.live.on')}` : `○ ${t('app.live.off')}`;
    state.classList.toggle('on', connected);
  };
  source.addEventListener('open', () => {
    connected = true;
    show();
    ctx.emit('live-state', true);
  });
  source.addEventListener('error', () => {
    connected = source.readyState === EventSource.OPEN;
    show();
    ctx.emit('live-state', connected);
  });
  const deliver = (type) => (e) => {
    let record;
    try {
      record = JSON.parse(e.data);
    } catch {
      return;
    }
    if (!record.event) record.event = { type };
    if (!record.event.type) record.event.type = type;
    window.lookout && (window.lookout.lastEventSeq = record.seq);
    record.news = isNews(record);
    ctx.emit('live', record);
  };
  for (const type of EVENT_TYPES) source.addEventListener(type, deliver(type));
  source.addEventListener('message', deliver('message'));
  ctx.on('lang', show);
  show();
  window.addEventListener('pagehide', () => source?.close());
}

export const isLive = () => connected;

const pageStart = Date.now();
/** A record from before this page was opened is history, not something to announce. */
function isNews(record) {
  const at = Date.parse(record.at ?? '');
  return !Number.isFinite(at) || at > pageStart - 30_000;
}
