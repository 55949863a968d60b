// An incident's zones in its panel, most severe first, each with what lies
// inside (people, enterprises by risk, hazard sources, shelters and their
// capacity, and the named features by layer), and the domino warnings.

import { t, term, isZh, fmtNumber, fmtFixed } from './i18n.js';
import { el } from './util.js';
import { RISK, tierRank, tierColor } from './layers.js';
import { flyToGeometry } from './mapview.js';
import { showFeature } from './feature-panel.js';
import { details } from './incident-ui.js';

function shelterCapacity(total) {
  if (Array.isArray(total)) return Number(total[1]) || 0;
  if (total && typeof total === 'object') return Number(total.capacity) || 0;
  return Number(total) || 0;
}

const exposureKeys = ['enterprises', 'hazard_sources', 'shelters', 'rescue_teams', 'gas_stations', 'gas_pipes', 'gas_valves', 'warehouses', 'disaster_zones'];

export function renderZones(inc) {
  const box = el('section', 'zones');
  box.append(el('h3', null, t('incident.zones')));
  const zones = [...(inc.zones?.zones ?? [])].sort((a, b) => tierRank(b.tier) - tierRank(a.tier));
  if (!zones.length) {
    box.append(el('p', 'muted', t('incident.zones.none')));
    return box;
  }
  const list = el('ul', { class: 'zone-list', id: 'zone-list' });
  for (const z of zones) {
    const e = z.exposure ?? {};
    const L = e.layers ?? {};
    const li = el('li', 'zone');
    li.dataset.tier = z.tier;
    const sw = el('span', 'zone-swatch');
    sw.style.background = tierColor(z.tier);
    const label = (isZh() ? z.label_zh : z.label_en) || term('zoneTier', z.tier);
    li.append(el('div', 'zone-head', sw, el('strong', null, term('zoneTier', z.tier)), el('span', 'zone-label', label)));
    if (z.open_ended) {
      // ERG prints "11+": the zone is drawn at that distance, and can reach further.
      li.append(el('div', 'zone-open', t('zone.openEnded', { km: fmtFixed((z.downwind_m ?? 0) / 1000, 0) })));
    }
    const stats = el('div', 'zone-stats');
    const stat = (key, value, cls = '') => stats.append(el('span', `stat ${cls}`.trim(), el('span', 'stat-k', key), el('span', 'stat-v', value)));
    stat(t('incident.zone.population'), t('unit.people', { n: fmtNumber(e.population ?? 0) }), (e.population ?? 0) > 0 ? 'warn' : '');
    if (e.area_km2 !== undefined) stat(t('incident.zone.area'), t('unit.km2', { n: fmtFixed(e.area_km2, 2) }));
    stat(t('incident.zone.enterprises'), fmtNumber(L.enterprises?.count ?? 0), (L.enterprises?.count ?? 0) > 0 ? 'warn' : '');
    stat(t('incident.zone.hazard_sources'), fmtNumber(L.hazard_sources?.count ?? 0), (L.hazard_sources?.count ?? 0) > 0 ? 'alarm' : '');
    const capacity = shelterCapacity(L.shelters?.total);
    const shelterText = `${fmtNumber(L.shelters?.count ?? 0)}${capacity ? ` · ${t('incident.zone.shelterCapacity', { n: fmtNumber(capacity) })}` : ''}`;
    stat(t('incident.zone.shelters'), shelterText);
    li.append(stats);
    const byRisk = L.enterprises?.by?.risk_level;
    if (byRisk && Object.keys(byRisk).length) {
      const chips = el('div', 'risk-counts');
      for (const r of RISK) {
        if (!byRisk[r.code]) continue;
        const dot = el('span', 'chip');
        dot.style.background = r.color;
        chips.append(el('span', 'risk-count', dot, `${term('riskColour', r.code)} ${fmtNumber(byRisk[r.code])}`));
      }
      li.append(chips);
    }
    // who / what is inside, by layer
    const inside = el('div', 'zone-items');
    for (const key of exposureKeys) {
      const layer = L[key];
      if (!layer?.count || !layer.items?.length) continue;
      const names = layer.items.slice(0, 30).map((item) => {
        const name = item.name ?? `${term('prop', key)} #${item.id}`;
        const a = el('a', { href: '#', class: 'item-link' }, name);
        a.addEventListener('click', (ev) => {
          ev.preventDefault();
          showFeature(key, item.id).then((f) => f?.geometry && flyToGeometry(f.geometry, { zoom: 15 }));
        });
        return a;
      });
      const more = layer.count > names.length ? el('span', 'muted', ` ${t('app.more', { n: layer.count - names.length })}`) : null;
      inside.append(el('div', 'zone-layer', el('span', 'zone-layer-name', `${t(`incident.zone.${key}`)}（${fmtNumber(layer.count)}）`),
        el('span', 'zone-layer-items', ...names.flatMap((n, i) => (i ? [isZh() ? '、' : ', ', n] : [n]))), more));
    }
    if (inside.children.length) li.append(details(`zone-${z.tier}`, t('incident.zone.inside'), inside, { className: 'zone-details' }));
    list.append(li);
  }
  box.append(list);
  box.append(el('p', 'zone-methods', el('a', { href: '/docs/impact-models', target: '_blank', rel: 'noopener', id: 'zone-methods-link' }, t('incident.zone.methods'))));
  return box;
}


export function renderDomino(domino) {
  const box = el('section', { class: 'domino', role: 'alert' });
  box.append(el('h3', null, `⚠ ${t('incident.domino')}（${domino.length}）`));
  const ul = el('ul');
  for (const d of domino.slice(0, 40)) {
    const grade = d.layer === 'hazard_sources' ? term('hazardLevel', d.grade) : term('pressureClass', d.grade);
    const name = d.layer === 'gas_pipes' ? t('incident.domino.pipe', { network: d.name ?? '' }) : d.name;
    const li = el('li', null, t('incident.domino.item', { name, grade, zone: term('zoneTier', d.zone) }));
    li.dataset.layer = d.layer;
    li.addEventListener('click', () => showFeature(d.layer, d.id).then((f) => f?.geometry && flyToGeometry(f.geometry, { zoom: 15 })));
    ul.append(li);
  }
  if (domino.length > 40) ul.append(el('li', 'muted', t('app.more', { n: domino.length - 40 })));
  box.append(ul);
  return box;
}
