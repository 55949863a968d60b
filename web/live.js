// Live push: GET /events/stream (Server-Sent Events), read with fetch so the
// page needs no list of event types. The first message, `hello`, says the
// last stored event; each record after it is published on the bus as 'live':
// {seq, at, actor, event: {type, ...}, collections: [the feature collections
// it changes], news}. After a drop the stream is opened again, after the
// server's `retry:` delay, with Last-Event-ID, so no event is lost. The
// session cookie goes with it (same origin); a 401 ends the session (the
// sign-in page shows) and the stream waits for the next sign-in.

import { bus } from './ctx.js';
import { t } from './i18n.js';
import { currentUser, sessionEnded } from './session.js';

let connected = false;
let stopped = false;
let controller = null;
let retryMs = 2000;
/** The last event this page has: hello's seq, then each record's. */
let lastSeq = null;
/** hello's seq on the first connection: what came after it happened while the page was open. */
let firstSeq = null;
/** hello's seq on this connection: where the record stood when it opened. */
let helloSeq = null;

export function connectLive() {
  const state = document.getElementById('live-state');
  const show = () => {
    state.textContent = connected ? `● ${t('app.live.on')}` : `○ ${t('app.live.off')}`;
    state.classList.toggle('on', connected);
  };
  bus.on('live-state', show);
  bus.on('lang', show);
  show();
  window.addEventListener('pagehide', () => {
    stopped = true;
    controller?.abort();
  });
  run();
}

/** Resolves once someone is signed in again (at once if they are). */
function signedInAgain() {
  if (currentUser()) return Promise.resolve();
  return new Promise((resolve) => {
    const off = bus.on('session', (s) => {
      if (!s) return;
      off();
      resolve();
    });
  });
}

function setConnected(up) {
  if (connected === up) return;
  connected = up;
  bus.emit('live-state', up);
}

async function run() {
  while (!stopped) {
    try {
      await readStream();
    } catch (err) {
      // dropped or refused: try again after the retry delay
      if (err?.status === 401) {
        setConnected(false);
        sessionEnded();
        await signedInAgain();
      }
    }
    if (stopped) return;
    setConnected(false);
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

async function readStream() {
  controller = new AbortController();
  const headers = { accept: 'text/event-stream' };
  if (lastSeq !== null) headers['last-event-id'] = String(lastSeq);
  const res = await fetch('/events/stream', { headers, signal: controller.signal, cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok || !res.body) throw Object.assign(new Error(`GET /events/stream: HTTP ${res.status}`), { status: res.status });
  setConnected(true);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let message = { event: '', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === '') {
        if (message.data.length) deliver(message.event || 'message', message.data.join('\n'));
        message = { event: '', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue; // keep-alive comment
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') message.event = v;
      else if (field === 'data') message.data.push(v);
      else if (field === 'retry' && /^\d+$/.test(v)) retryMs = Number(v);
    }
  }
}

function deliver(name, data) {
  let body;
  try {
    body = JSON.parse(data);
  } catch {
    return;
  }
  if (name === 'hello') {
    helloSeq = body.seq ?? 0;
    if (firstSeq === null) firstSeq = helloSeq;
    if (lastSeq === null) lastSeq = helloSeq;
    window.lookout && (window.lookout.lastEventSeq = lastSeq);
    return;
  }
  if (name === 'reset') {
    // the events after our last one are no longer kept: everything reloads its state as it is now
    lastSeq = helloSeq;
    bus.emit('live-state', true);
    return;
  }
  const record = body;
  if (!record.event) record.event = { type: name };
  if (!record.event.type) record.event.type = name;
  if (Number.isFinite(record.seq)) lastSeq = Math.max(lastSeq ?? 0, record.seq);
  window.lookout && (window.lookout.lastEventSeq = lastSeq);
  record.news = firstSeq === null || record.seq > firstSeq;
  bus.emit('live', record);
}
