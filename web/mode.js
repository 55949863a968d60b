// Real incidents or drills: the map shows one or the other, never both. The
// mode buttons in the top bar, ?mode=drill at start, and the 'mode' event.

import { bus } from './ctx.js';
import { t } from './i18n.js';

let mode = 'real';

/** 'real' | 'drill' */
export const currentMode = () => mode;
export const isDrillMode = () => mode === 'drill';
/** The mode as the API's ?drill= value. */
export const drillParam = () => (mode === 'drill' ? 'true' : 'false');

export function initMode() {
  for (const b of document.querySelectorAll('.mode-btn')) b.addEventListener('click', () => setMode(b.dataset.mode));
  const initial = new URLSearchParams(location.search).get('mode');
  setMode(initial === 'drill' ? 'drill' : 'real');
}

/** Switches the map to real incidents or drills; publishes 'mode' (also when it stays the same). */
export function setMode(next) {
  if (next !== 'real' && next !== 'drill') return;
  mode = next;
  document.body.classList.toggle('drill-mode', mode === 'drill');
  document.body.dataset.mode = mode;
  for (const b of document.querySelectorAll('.mode-btn')) {
    b.classList.toggle('active', b.dataset.mode === mode);
    b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  }
  const newButton = document.getElementById('new-incident'); // absent for a role that may not respond
  if (newButton) {
    newButton.dataset.i18n = mode === 'drill' ? 'incident.new.drill' : 'incident.new';
    newButton.textContent = t(newButton.dataset.i18n);
  }
  bus.emit('mode', mode);
}
