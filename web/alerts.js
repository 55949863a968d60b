// New incidents demand attention: a banner for each open incident nobody has
// acknowledged yet (GET /situation's `unacknowledged`, real ones always,
// drills in drill mode), which stays until a user acknowledges it (POST
// /incidents/{id}/acknowledge: an event with who and when, so the banner
// goes on every screen). "Fly to" opens the incident. An optional sound
// (off by default, remembered in this browser) plays when a new one arrives.

import { bus } from './ctx.js';
import { t, term, fmtTime } from './i18n.js';
import { api, el, button, toast } from './util.js';
import { currentMode } from './mode.js';
import { may } from './session.js';

const SOUND_KEY = 'lookout.alertSound';
let pending = [];
const heard = new Set();
let first = true;

export const soundOn = () => {
  try {
    return localStorage.getItem(SOUND_KEY) === 'on';
  } catch {
    return false;
  }
};

function setSound(on) {
  try {
    localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  } catch {
    // private mode: for this page only
  }
}

export function initAlerts() {
  bus.on('situation', (s) => {
    pending = s?.unacknowledged ?? [];
    const fresh = pending.filter((p) => !heard.has(p.id) && shown(p));
    for (const p of pending) heard.add(p.id);
    if (fresh.length && !first && soundOn()) beep();
    first = false;
    render();
  });
  bus.on('mode', render);
  bus.on('lang', render);
}

const shown = (p) => !p.drill || currentMode() === 'drill';

/** Two short tones (Web Audio: no file to fetch). */
function beep() {
  try {
    const ctx = new (window.AudioContext || window.webkitAudioContext)();
    [0, 0.35].forEach((delay) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + delay);
      osc.stop(ctx.currentTime + delay + 0.2);
    });
    setTimeout(() => ctx.close(), 1200);
  } catch (err) {
    console.warn(`alert sound: ${err.message}`);
  }
}

async function acknowledge(p, node) {
  node.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  try {
    await api(`/incidents/${p.id}/acknowledge`, { method: 'POST' });
  } catch (err) {
    // 409: someone else was first; the banner goes all the same
    if (err.status !== 409) {
      toast(err.message, { kind: 'error' });
      node.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      return;
    }
  }
  pending = pending.filter((x) => x.id !== p.id);
  render();
}

function render() {
  const box = document.getElementById('alert-banners');
  if (!box) return;
  const items = pending.filter(shown);
  box.hidden = items.length === 0;
  const rows = items.slice(0, 2).map((p) => {
    const row = el('div', { class: `alert-banner${p.drill ? ' drill' : ''}`, role: 'alert' });
    row.dataset.id = String(p.id);
    row.append(...[
      el('strong', 'alert-title', `${p.drill ? `${t('mode.drill')} · ` : ''}${t('alert.new')}`),
      el('span', 'alert-text', `${p.title || term('incidentKind', p.kind)} · ${term('incidentKind', p.kind)} · ${fmtTime(p.opened_at)}`),
      button(t('alert.flyTo'), () => bus.emit('incident-open', p.id), 'btn', { name: 'fly-to' }),
      // a user who may not acknowledge gets no button (append would write "null")
      may('respond') ? button(t('alert.ack'), () => acknowledge(p, row), 'btn primary', { name: 'acknowledge' }) : null,
    ].filter(Boolean));
    return row;
  });
  if (items.length > 2) rows.push(el('div', 'alert-more', t('app.more', { n: items.length - 2 })));
  box.replaceChildren(...rows);
}

/** The sound switch, for the status strip (off unless switched on here). */
export function soundToggle() {
  const b = el('button', { type: 'button', class: 'stat-btn alert-sound', name: 'alert-sound' });
  const label = () => {
    b.textContent = soundOn() ? t('alert.sound.on') : t('alert.sound.off');
    b.setAttribute('aria-pressed', String(soundOn()));
  };
  b.addEventListener('click', () => {
    setSound(!soundOn());
    label();
    if (soundOn()) beep();
  });
  label();
  return b;
}
