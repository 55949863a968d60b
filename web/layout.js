// Any screen: the side panel folds away (the ☰ button in the top bar), and on
// a screen narrower than 1600 px it folds by itself while an incident is open,
// so the map keeps at least 60 % of the width (1366×768: 966 of 1366 px). On
// a phone (≤ 700 px) the page is one column: the status strip, the map, then
// the incident (the one the user is assigned to, or opened) with its notes;
// the side panel opens over the map from the same button.

import { bus } from './ctx.js';
import { t } from './i18n.js';
import { map } from './mapview.js';

const NARROW = window.matchMedia('(max-width: 1599px)');
const PHONE = window.matchMedia('(max-width: 700px)');
/** The user's own choice, once made; until then the screen decides. */
let chosen = null;

function apply() {
  const incidentOpen = document.body.classList.contains('incident-open');
  const auto = PHONE.matches || (NARROW.matches && incidentOpen);
  const collapsed = chosen ?? auto;
  document.body.classList.toggle('sidebar-collapsed', collapsed);
  const toggle = document.getElementById('sidebar-toggle');
  if (toggle) {
    toggle.setAttribute('aria-expanded', String(!collapsed));
    toggle.title = collapsed ? t('layout.sidebar.open') : t('layout.sidebar.close');
    toggle.setAttribute('aria-label', toggle.title);
  }
  requestAnimationFrame(() => map.resize());
}

export function initLayout() {
  document.getElementById('sidebar-toggle')?.addEventListener('click', () => {
    chosen = !document.body.classList.contains('sidebar-collapsed');
    apply();
  });
  // an incident opening or closing changes what the screen can hold: the screen decides again
  for (const name of ['incident-shown', 'incident-closed-panel', 'incident-panel']) {
    bus.on(name, () => {
      const open = document.body.classList.contains('incident-open');
      if (open !== lastOpen) chosen = null;
      lastOpen = open;
      apply();
    });
  }
  bus.on('tab', () => PHONE.matches && chosen === null && (chosen = false, apply()));
  bus.on('lang', apply);
  // the banners and the status strip change the map's height without a window resize
  new ResizeObserver(() => map.resize()).observe(document.getElementById('map'));
  NARROW.addEventListener('change', apply);
  PHONE.addEventListener('change', apply);
  apply();
}

let lastOpen = false;
