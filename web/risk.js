// The planners' risk maps (docs/risk-method.md): a hazard source regraded
// by GB 18218 (the hazard_regraded event, pushed live) is told on the map
// with its old and new level and R. (The grid's own layer and the planner
// mode are issue 18 item 3, still to come.)

import { bus } from './ctx.js';
import { t } from './i18n.js';
import { toast } from './util.js';

const level = (l) => (l === null || l === undefined ? '–' : String(l));

export function initRisk() {
  bus.on('live', (record) => {
    const e = record?.event;
    if (e?.type !== 'hazard_regraded' || !record.news) return;
    toast(t('risk.regraded.body', {
      name: e.name || `#${e.hazard_source}`,
      from: level(e.from_level), to: level(e.to_level),
      fromR: Number(e.from_r).toFixed(2), toR: Number(e.to_r).toFixed(2),
    }), { title: t('risk.regraded.title'), kind: 'info' });
  });
}
