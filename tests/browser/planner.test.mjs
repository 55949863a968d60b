// The map as a planner uses it (issue 18 items 1–3, 6; issue 22 item 3):
// planner mode (?preset=risk) starts from the risk layers with the
// operational ones hidden; the risk grid is drawn with its legend (the
// method's class bounds from GET /risk/method); a click on a cell shows its
// score and parts (GET /risk/grid/{h3}); the county choropleth by Jenks
// natural breaks has the API's classes in its legend; the risk map prints to
// PDF with title, legend, scale bar and north arrow (PDF and PNG kept in
// tests/browser/out/); and a preset picked by hand is remembered.
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/planner.test.mjs

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { launch, openPage, guarded, OUT, api, waitForIdle, clickMap } from './helpers.mjs';

function tool(name, args) {
  try {
    return execFileSync(name, args, { encoding: 'utf8' });
  } catch (err) {
    if (err.code === 'ENOENT') assert.fail(`${name} is missing: apt-get install -y poppler-utils (scripts/setup --test)`);
    throw err;
  }
}

/**
 * A point on screen where a click opens one risk-grid cell: the cell is the
 * top clickable feature there and nothing else clickable (a point, a line,
 * the ledger's open dangers, which it draws over the map, clickable, outside
 * the layer list) is near.
 */
function clickableCell() {
  const map = window.lookoutMap;
  const canvas = map.getCanvas().getBoundingClientRect();
  const interactive = [...window.lookout.layers.values()].filter((e) => e.visible).flatMap((e) => e.layerIds);
  const clickable = [...interactive, ...map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith('ledger-'))];
  for (let y = 100; y < canvas.height - 80; y += 16) {
    for (let x = 80; x < canvas.width - 80; x += 16) {
      // a click takes 5 px round the point: 9 px leaves room for rounding
      const near = map.queryRenderedFeatures([[x - 9, y - 9], [x + 9, y + 9]], { layers: clickable });
      if (near.some((n) => n.layer.source !== 'risk_grid' && n.layer.type !== 'fill')) continue;
      const cells = new Set(near.filter((n) => n.layer.id === 'risk_grid-fill').map((n) => n.properties.h3));
      const [top] = map.queryRenderedFeatures([[x - 6, y - 6], [x + 6, y + 6]], { layers: interactive });
      if (cells.size === 1 && top?.layer.id === 'risk_grid-fill') {
        return { x, y, h3: top.properties.h3, score: top.properties.score, class: top.properties.class };
      }
    }
  }
  return null;
}

/** Centres the map on the highest-scored cell drawn, close enough that a cell is wider than the marks over it. */
function zoomToRiskiestCell() {
  const map = window.lookoutMap;
  const [cell] = map.queryRenderedFeatures({ layers: ['risk_grid-fill'] }).sort((a, b) => b.properties.score - a.properties.score);
  const ring = cell.geometry.type === 'Polygon' ? cell.geometry.coordinates[0] : cell.geometry.coordinates[0][0];
  const centre = [ring.reduce((s, c) => s + c[0], 0) / ring.length, ring.reduce((s, c) => s + c[1], 0) / ring.length];
  const before = { center: map.getCenter().toArray(), zoom: map.getZoom() };
  map.jumpTo({ center: centre, zoom: 11 });
  return before;
}

describe('Lookout as a planner: planner mode, the risk grid and choropleth, the printed risk map', () => {
  let browser;
  let desk;
  let setupError = null;

  before(async () => {
    try {
      browser = await launch();
      desk = await openPage(browser, { path: '/map/?preset=risk', viewport: { width: 1600, height: 900 } });
    } catch (err) {
      setupError = err;
    }
  });
  const it = guarded(itBase, () => setupError);
  after(async () => {
    await browser?.close();
  });

  it('planner mode starts from the risk layers, the operational ones hidden, the grid drawn with its legend', async () => {
    const { page } = desk;
    const state = await page.evaluate(() => ({
      preset: window.lookout.presets.current(),
      visible: [...window.lookout.layers].filter(([, e]) => e.visible).map(([id]) => id),
    }));
    assert.equal(state.preset, 'risk');
    for (const id of ['risk_grid', 'hazard_sources', 'enterprises']) assert.ok(state.visible.includes(id), `${id} off: ${state.visible}`);
    for (const id of ['rescue_teams', 'shelters', 'warehouses', 'gas_pipes']) assert.ok(!state.visible.includes(id), `${id} on: ${state.visible}`);
    assert.equal(await page.locator('#preset-picker .preset-btn.active').innerText(), '风险（规划）');
    const cells = await page.evaluate(() => window.lookoutMap.queryRenderedFeatures({ layers: ['risk_grid-fill'] }).length);
    assert.ok(cells > 10, `risk grid cells drawn: ${cells}`);
    const { data: method } = await api('/risk/method');
    const [, , red] = method.method.class_breaks;
    const legend = await page.locator('#legend').textContent();
    assert.ok(legend.includes('风险网格等级'), legend);
    assert.ok(legend.includes(`红 · 重大风险（评分 ≥ ${red}）`), `the grid legend lacks the red bound ${red}: ${legend}`);
  });

  it('a click on a grid cell shows its score and parts', async () => {
    const { page } = desk;
    // the enterprise clusters cover much of the province view: off for the click, as a planner would
    const enterprises = page.locator('.layer-row[data-collection="enterprises"] input[type=checkbox]');
    await enterprises.uncheck();
    await waitForIdle(page);
    // at the province view the cells are a few pixels wide, under the marks of hazard sources and open dangers
    const view = await page.evaluate(zoomToRiskiestCell);
    await waitForIdle(page);
    const cell = await page.evaluate(clickableCell);
    assert.ok(cell, 'no risk-grid cell is clickable on screen');
    await clickMap(page, cell);
    const panel = page.locator('#feature-panel .risk-cell');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForFunction(() => /重大危险源得分/.test(document.querySelector('#feature-panel .risk-cell')?.textContent ?? ''), null, { timeout: 10_000 });
    const { data } = await api(`/risk/grid/${cell.h3}`);
    const text = await panel.innerText();
    assert.ok(text.includes(cell.h3), text);
    const score = data.properties.score.toLocaleString('en-US', { maximumFractionDigits: 1 });
    assert.ok(text.includes(`风险评分 ${score}`), `score ${data.properties.score}:\n${text}`);
    for (const part of ['生产经营单位得分', '重大危险源得分', '人口暴露系数', '常住人口']) assert.ok(text.includes(part), `${part}:\n${text}`);
    await page.locator('#feature-panel .panel-close').click();
    await enterprises.check();
    await page.evaluate((v) => window.lookoutMap.jumpTo(v), view);
    await waitForIdle(page);
  });

  it('draws the county choropleth by Jenks natural breaks with the classes of GET /risk/choropleth', async () => {
    const { page } = desk;
    await page.locator('#risk-choropleth input[name=choropleth]').check();
    await page.locator('#risk-choropleth select[name=measure]').selectOption('enterprises');
    await page.locator('#risk-choropleth select[name=per]').selectOption('km2');
    await page.locator('#risk-choropleth select[name=method]').selectOption('jenks');
    const { data } = await api('/risk/choropleth?level=county&measure=enterprises&per=km2&method=jenks&classes=4');
    await page.waitForFunction((n) => document.querySelectorAll('#choropleth-legend .legend-row').length === n, data.legend.length, { timeout: 10_000 });
    const rows = await page.locator('#choropleth-legend .legend-row').allInnerTexts();
    // the highest class first; each row with its number of counties
    const want = [...data.legend].reverse().map((l) => `（${l.count} 个）`);
    assert.deepEqual(rows.map((r) => r.slice(r.indexOf('（'))), want, rows.join(' | '));
    assert.match(await page.locator('#choropleth-legend h3').innerText(), /自然断点/);
    await waitForIdle(page);
    const painted = await page.evaluate(() => {
      const map = window.lookoutMap;
      const fill = map.getPaintProperty('risk-choropleth', 'fill-color');
      return { visibility: map.getLayoutProperty('risk-choropleth', 'visibility'), match: Array.isArray(fill) && fill[0] === 'match', drawn: map.queryRenderedFeatures({ layers: ['risk-choropleth'] }).length };
    });
    assert.deepEqual([painted.visibility, painted.match], ['visible', true], JSON.stringify(painted));
    assert.ok(painted.drawn > 20, JSON.stringify(painted));
    await page.locator('#risk-choropleth input[name=choropleth]').uncheck();
  });

  it('prints the risk map with the grid to PDF: title, legend, scale bar, north arrow', async () => {
    const { page, problems } = desk;
    await page.locator('#print-open').click();
    await page.locator('#print-dialog select[name=template]').selectOption('risk');
    await page.locator('#print-dialog select[name=paper]').selectOption('A4');
    await page.locator('#print-dialog select[name=orientation]').selectOption('landscape');
    const title = '山西省风险网格分布图（测试）';
    await page.locator('#print-dialog input[name=title]').fill(title);
    await page.locator('#print-preview').click();
    await page.waitForFunction(() => document.body.dataset.print === 'ready', null, { timeout: 60_000 });
    const visible = await page.evaluate(() => [...window.lookout.layers.entries()].filter(([, e]) => e.visible).map(([id]) => id));
    assert.ok(visible.includes('risk_grid'), visible.join());
    mkdirSync(OUT, { recursive: true });
    const pdf = path.join(OUT, 'planner-risk-grid-a4.pdf');
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    await page.emulateMedia({ media: null });
    const text = tool('pdftotext', ['-layout', pdf, '-']);
    for (const [what, needle] of [
      ['title', title],
      ['legend', '图例'],
      ['the grid legend', '风险网格等级'],
      ['scale bar', '比例尺 1:'],
      ['north arrow', /北\s*N/],
    ]) {
      const found = needle instanceof RegExp ? needle.test(text) : text.includes(needle);
      assert.ok(found, `the PDF has no ${what} (${needle}):\n${text}`);
    }
    const png = path.join(OUT, 'planner-risk-grid-a4');
    tool('pdftoppm', ['-png', '-r', '60', '-singlefile', pdf, png]);
    assert.ok(existsSync(`${png}.png`) && statSync(`${png}.png`).size > 20_000, 'the PNG of the PDF is missing or blank');
    await page.locator('#print-toolbar button').last().click();
    assert.deepEqual(await page.evaluate(() => [...window.lookout.missingKeys]), []);
    assert.deepEqual(problems, []);
  });

  it('remembers a preset picked by hand, for this user, on the next visit', async () => {
    const { page, problems } = desk;
    await page.locator('#preset-picker .preset-btn[data-preset=resources]').click();
    const visible = await page.evaluate(() => [...window.lookout.layers].filter(([, e]) => e.visible).map(([id]) => id));
    assert.ok(visible.includes('warehouses') && visible.includes('rescue_teams') && !visible.includes('risk_grid'), visible.join());
    await page.goto(page.url().replace(/\?.*$/, ''), { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
    assert.equal(await page.evaluate(() => window.lookout.presets.current()), 'resources');
    assert.deepEqual(problems, []);
  });
});
