// Browser test of inspections on the map (issue 16, item 3), on a fresh
// server started as scripts/test starts it (--dev-open: the page may
// `supervise`, as an inspector does; the coverage view is what a commander
// reads):
//
// - as an inspector: an uninspected major hazard source is picked from the
//   list, an enforcement inspection is recorded with one hidden danger found;
//   the danger is in the ledger (source inspection) and linked from the
//   inspection; the enterprise's panel shows the inspection;
// - as a commander: the coverage figures by city match the API, the
//   uninspected sources are ringed on the map (the layer's data is the API's
//   list) and the inspected one has left the list.
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/inspections.test.mjs
//
// Screenshot in tests/browser/out/inspections.png.

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, screenshot, guarded, api } from './helpers.mjs';

describe('Lookout inspections on the map', () => {
  let browser;
  let desk;
  let setupError = null;
  let source = null; // the uninspected hazard source the inspector picks
  let before0 = null; // coverage before

  before(async () => {
    try {
      const year = new Date().getFullYear();
      const { status, data } = await api(`/inspections/coverage?year=${year}`);
      assert.equal(status, 200, JSON.stringify(data));
      before0 = data;
      // the last one listed: no other browser test inspects it
      source = data.uninspected.at(-1);
      assert.ok(source, 'an uninspected major hazard source');
      browser = await launch();
      desk = await openPage(browser);
    } catch (err) {
      setupError = err;
    }
  });

  const it = guarded(itBase, () => setupError);

  after(async () => {
    await browser?.close();
  });

  it('an inspector records an enforcement inspection of an uninspected source with a danger found', async () => {
    const { page } = desk;
    await page.locator('.tabs [data-tab=inspections]').click();
    const item = page.locator(`#inspections-pane .inspections-source[data-source="${source.id}"]`);
    await item.waitFor({ timeout: 15_000 });
    await item.click();
    const form = page.locator('#inspections-pane form[name=record-inspection]');
    await form.locator('.inspections-target').waitFor({ timeout: 5_000 });
    assert.equal(await form.locator('input[name=enterprise]').inputValue(), String(source.enterprise_id));
    await form.locator('select[name=kind]').selectOption('enforcement');
    await form.locator('input[name=inspectors]').fill('李明、张华');
    await form.locator('select[name=result]').selectOption('problems');
    await form.locator('input[name=order_to_rectify]').check();
    await form.locator('input[name=penalty_yuan]').fill('20000');
    await form.locator('button[name=add-danger]').click();
    await form.locator('input[name=danger-0-description]').fill('可燃气体报警器未定期检定');
    await form.locator('select[name=danger-0-category]').selectOption('equipment');
    const saved = page.waitForResponse((r) => new URL(r.url()).pathname === '/inspections' && r.request().method() === 'POST');
    await form.locator('button[name=save-inspection]').click();
    const response = await saved;
    assert.equal(response.status(), 201, await response.text());
    const inspection = await response.json();
    assert.equal(inspection.enterprise, source.enterprise_id);
    assert.deepEqual(inspection.hazard_sources, [source.id]);
    assert.equal(inspection.enforcement.order_to_rectify, true);
    assert.equal(inspection.enforcement.penalty_yuan, 20000);
    assert.equal(inspection.dangers.length, 1);
    const { data: danger } = await api(`/dangers/${inspection.dangers[0]}`);
    assert.equal(danger.report.source, 'inspection');
    assert.equal(danger.report.hazard_source, source.id);
    assert.equal(danger.report.description, '可燃气体报警器未定期检定');
    // the source leaves the list
    await page.waitForFunction((id) => !document.querySelector(`#inspections-pane .inspections-source[data-source="${id}"]`), source.id, { timeout: 10_000 });
  });

  it("the enterprise's panel shows its inspection history", async () => {
    const { page } = desk;
    await page.evaluate((id) => import('./feature-panel.js').then((m) => m.showFeature('enterprises', id)), source.enterprise_id);
    const li = page.locator('#feature-panel .inspections-history li').first();
    await li.waitFor({ timeout: 10_000 });
    const text = await li.innerText();
    assert.match(text, /执法检查/);
    assert.match(text, /责令整改/);
    assert.match(text, /李明/);
  });

  it('a commander reads the coverage by city and sees the uninspected sources ringed on the map', async () => {
    const { page, problems } = desk;
    await page.locator('.tabs [data-tab=inspections]').click();
    const year = new Date().getFullYear();
    const { data: now } = await api(`/inspections/coverage?year=${year}`);
    assert.equal(now.total.inspected, before0.total.inspected + 1);
    const total = page.locator('#inspections-pane .inspections-total');
    await page.waitForFunction((n) => document.querySelector('#inspections-pane .inspections-total')?.dataset.inspected === String(n),
      now.total.inspected, { timeout: 10_000 });
    assert.equal(await total.getAttribute('data-total'), String(now.total.total));
    assert.match(await total.innerText(), /重大危险源检查覆盖/);
    const cities = await page.locator('#inspections-pane .inspections-cities tr[data-city]').evaluateAll((rows) => rows.map((r) => r.dataset.city));
    assert.deepEqual(cities, now.cities.map((c) => c.city));
    const drawn = await page.waitForFunction(() => {
      const m = window.lookoutMap;
      const layer = m?.getLayer('inspections-uninspected');
      const data = window.lookout.inspections().map;
      return layer && m.getLayoutProperty('inspections-uninspected', 'visibility') === 'visible'
        && { ids: data.features.map((f) => f.id) };
    }, null, { timeout: 10_000 });
    const { ids } = await drawn.jsonValue();
    assert.deepEqual(ids, now.uninspected.map((u) => u.id));
    assert.ok(!ids.includes(source.id));
    await screenshot(page, 'inspections.png');
    assert.deepEqual(problems, []);
  });
});
