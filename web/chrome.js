// The page around the map: the language switch, the sidebar tabs and the
// export button in the top bar.

import { bus } from './ctx.js';
import { t, getLang, setLang, onLang, applyStatic } from './i18n.js';
import { toast } from './util.js';
import { exportPng } from './planner.js';

export function initChrome() {
  const langButton = document.getElementById('lang-toggle');
  langButton.addEventListener('click', () => setLang(getLang() === 'zh' ? 'en' : 'zh'));
  for (const tab of document.querySelectorAll('.tabs [data-tab]')) {
    tab.addEventListener('click', () => selectTab(tab.dataset.tab));
  }
  document.getElementById('export-png').addEventListener('click', () => exportPng().catch((err) => toast(t('app.export.failed', { msg: err.message }), { kind: 'error' })));
  onLang(() => {
    applyStatic();
    bus.emit('lang', getLang());
  });
}

export function selectTab(name) {
  for (const tab of document.querySelectorAll('.tabs [data-tab]')) {
    const on = tab.dataset.tab === name;
    tab.classList.toggle('active', on);
    tab.setAttribute('aria-selected', String(on));
  }
  for (const pane of document.querySelectorAll('[data-pane]')) pane.hidden = pane.dataset.pane !== name;
  bus.emit('tab', name);
}
