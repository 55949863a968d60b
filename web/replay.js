// Replay: the time slider under the map (GET /replay?at=&drill=) shows the
// record of the current mode as it was at a moment: incidents, zones and
// unit statuses. While a replay is on, the incident modules draw it read-only
// (they follow the 'replay' event) and live changes wait.

import { bus } from './ctx.js';
import { t, fmtTime, fmtNumber } from './i18n.js';
import { api, el, button, toast, debounce } from './util.js';
import { drillParam, currentMode } from './mode.js';

/** The replay on screen: { at, data } (data from GET /replay), or null when live. */
let replay = null;
export const replayState = () => replay;

const R = {
  range: null, // [the record's first event ms, now ms]
  replayAt: null,
  window: '1d', // how far back the slider reaches (WINDOWS)
};

/** How far back the slider reaches: a year of ledger history on a
 *  1000-step slider would make each step almost nine hours. */
const WINDOWS = { '1h': 3_600_000, '1d': 86_400_000, '7d': 7 * 86_400_000, all: Infinity };

/** The slider's span: the window back from now, not before the first event. */
function span() {
  if (!R.range) return null;
  return [Math.max(R.range[0], R.range[1] - WINDOWS[R.window]), R.range[1]];
}

export function initReplay() {
  bus.on('mode', () => {
    exitReplay({ quiet: true });
    loadRange();
    renderReplayBar();
  });
  bus.on('lang', renderReplayBar);
  bus.on('live', onLive);
  renderReplayBar();
  setInterval(() => {
    if (!replay && R.range) {
      R.range[1] = Date.now();
      renderReplayBar();
    }
  }, 30_000);
}

function setReplay(next) {
  replay = next;
  document.body.classList.toggle('replaying', Boolean(next));
  bus.emit('replay', next);
}

function onLive(record) {
  const ev = record.event ?? {};
  if (!replay && (ev.drill === undefined || ev.drill === (currentMode() === 'drill'))) {
    if (R.range) {
      R.range[1] = Date.now();
      renderReplayBar();
    } else {
      // the record's first event (an incident's, an alarm's…): the range begins
      loadRangeSoon();
    }
  }
}

/** The record's time range for the current mode: its first event to now. */
async function loadRange() {
  const drill = drillParam();
  try {
    const data = await api(`/events?after=0&limit=1&drill=${drill}`);
    const first = data?.events?.[0]?.at;
    R.range = first ? [new Date(first).getTime(), Date.now()] : null;
  } catch {
    R.range = null;
  }
  renderReplayBar();
}

const loadRangeSoon = debounce(() => loadRange(), 500);

const fetchReplay = debounce(async (atMs) => {
  const at = new Date(atMs).toISOString();
  const drill = drillParam();
  try {
    const data = await api(`/replay?at=${encodeURIComponent(at)}&drill=${drill}`);
    if (R.replayAt !== atMs) return;
    setReplay({ at, data });
    renderReplayBar();
  } catch (err) {
    toast(err.message, { kind: 'error' });
  }
}, 200);

export function exitReplay({ quiet = false } = {}) {
  R.replayAt = null;
  if (replay) setReplay(null);
  if (!quiet) renderReplayBar();
}

function renderReplayBar() {
  const bar = document.getElementById('replay-bar');
  if (!bar) return;
  const range = span();
  bar.classList.toggle('active', Boolean(replay));
  bar.replaceChildren();
  bar.append(el('span', 'replay-title', t("replay.title")));
  const slider = el('input', { type: 'range', id: 'replay-slider', class: 'replay-slider', min: '0', max: '1000', step: '1', 'aria-label': t('replay.title') });
  slider.disabled = !range || range[1] - range[0] < 1000;
  const pos = range && R.replayAt !== null ? Math.round(((R.replayAt - range[0]) / Math.max(1, range[1] - range[0])) * 1000) : 1000;
  slider.value = String(pos);
  const label = el('span', { class: 'replay-time', id: 'replay-time' },
    !range ? t('replay.empty') : replay ? t('replay.at', { time: fmtTime(replay.at, true) }) : t('replay.now'));
  slider.addEventListener('input', () => {
    if (!R.range) return;
    // A replay begins from the moment it is asked for: the span ends now,
    // not when the bar was last drawn (up to 30 s ago when nothing happened).
    if (!replay && R.replayAt === null) R.range[1] = Date.now();
    const range = span();
    const v = Number(slider.value);
    if (v >= 1000) {
      exitReplay();
      return;
    }
    const at = Math.round(range[0] + (v / 1000) * (range[1] - range[0]));
    R.replayAt = at;
    label.textContent = t('replay.at', { time: fmtTime(new Date(at).toISOString(), true) });
    fetchReplay(at);
  });
  const live = button(t('replay.live'), () => exitReplay(), `btn small live-btn${replay ? ' primary' : ''}`);
  live.disabled = !replay;
  const windows = el('select', { id: 'replay-window', class: 'replay-window', 'aria-label': t('replay.window') });
  for (const w of Object.keys(WINDOWS)) {
    const option = el('option', { value: w }, t(`replay.window.${w}`));
    option.selected = w === R.window;
    windows.append(option);
  }
  windows.addEventListener('change', () => {
    R.window = windows.value;
    exitReplay();
  });
  bar.append(windows, slider, label, live);
  if (replay) {
    const units = Object.keys(replay.data?.units ?? {}).length;
    bar.append(el('span', 'replay-units', t('replay.units', { n: fmtNumber(units) })));
  }
}
