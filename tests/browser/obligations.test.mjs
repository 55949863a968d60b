// Browser test of a danger's photos and of the ledger's other obligations
// (issue 16, items 1 and 4; docs/ledger.md "Attachments" and "Obligations"),
// as the duty desk uses them: a photo is added to a danger from its panel
// and shown as a thumbnail (the bytes the server gives back); a drill plan
// past its date raises an overdue alarm that reaches the inbox, a click
// opens it in the obligations list, and marking it held ends the alarm.
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/obligations.test.mjs
//
// The server runs with a short ledger clock (`--ledger-tick-secs 2`, as
// scripts/test starts it) and `--dev-open` (everyone is `dev`, who follows
// what they register). Writes a danger and an obligation on that server.
// Screenshot in tests/browser/out/obligations.png.

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, screenshot, guarded, api } from './helpers.mjs';

const hoursFromNow = (h) => new Date(Date.now() + h * 3600_000).toISOString();

/** A 2×2 red PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAwMDAxAAAAP//AwAKAQEA4kJqPQAAAABJRU5ErkJggg==',
  'base64',
);

describe('Lookout: a danger\'s photos and the obligations in the map', () => {
  let browser;
  let desk;
  let setupError = null;
  let danger = null;
  let drill = null;
  let firm = null;

  before(async () => {
    try {
      // an enterprise no other browser test touches (the middle of the first page)
      const { data } = await api('/collections/enterprises/items?limit=100');
      const e = data.features[50];
      firm = e;
      let res = await api('/dangers', {
        method: 'POST',
        body: {
          enterprise: e.id, category: 'equipment', severity: 'general', description: '压力表未定期校验',
          found_by: '检查组', found_at: hoursFromNow(-48), source: 'inspection',
          rectification: { deadline: hoursFromNow(24 * 20), measures: '送检压力表' },
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.data));
      danger = res.data;
      res = await api('/obligations', {
        method: 'POST',
        body: { kind: 'drill', enterprise: e.id, title: '液氯泄漏现场处置演练', due: hoursFromNow(-30) },
      });
      assert.equal(res.status, 201, JSON.stringify(res.data));
      drill = res.data;
      assert.equal(drill.overdue, true, JSON.stringify(drill));
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

  it('a photo added from the danger\'s panel is stored and shown as a thumbnail', async () => {
    const { page } = desk;
    // the enterprise's attribute panel opens the ledger on its dangers
    await page.evaluate((id) => import('./feature-panel.js').then((m) => m.showFeature('enterprises', id)), danger.report.enterprise);
    const open = page.locator('#feature-panel button[name=open-ledger]');
    await open.waitFor({ timeout: 10_000 });
    await open.click();
    const row = page.locator(`#ledger-pane .ledger-row[data-danger="${danger.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.locator('.ledger-desc').click();
    const input = row.locator('input[type=file][name=attachment]');
    await input.waitFor({ state: 'attached', timeout: 10_000 });
    await input.setInputFiles({ name: '压力表.png', mimeType: 'image/png', buffer: PNG });
    const thumb = row.locator('.attachment img.attachment-thumb');
    await thumb.waitFor({ timeout: 10_000 });
    await page.waitForFunction((id) => {
      const img = document.querySelector(`#ledger-pane .ledger-row[data-danger="${id}"] img.attachment-thumb`);
      return img && img.complete && img.naturalWidth === 2;
    }, danger.id, { timeout: 10_000 });
    assert.match(await row.locator('.attachment-name').innerText(), /压力表\.png/);
    const { data } = await api(`/dangers/${danger.id}/attachments`);
    assert.equal(data.numberMatched, 1, JSON.stringify(data));
    assert.equal(data.attachments[0].media_type, 'image/png');
    assert.equal(data.attachments[0].bytes, PNG.length);
    assert.equal(data.attachments[0].actor, 'dev');
  });

  it('an overdue drill plan reaches the inbox; a click opens it and marking it held ends the alarm', async () => {
    const { page, problems } = desk;
    const item = page.locator(`#ledger-pane .ledger-inbox-item.obligation.overdue_alarm[data-obligation="${drill.id}"]`);
    await item.waitFor({ timeout: 20_000 });
    assert.match(await item.innerText(), /演练计划逾期未完成/);
    assert.match(await item.innerText(), /液氯泄漏现场处置演练/);
    assert.match(await page.locator('.tabs [data-tab=ledger]').getAttribute('data-badge'), /^[1-9]\d*$/);
    await item.click();
    const card = page.locator(`#ledger-pane .obligation-detail[data-obligation="${drill.id}"]`);
    await card.waitFor({ timeout: 10_000 });
    assert.match(await card.innerText(), /已逾期/);
    // the list, filtered to overdue drills in the enterprise's county, holds it
    // too (a store with a year of history holds more than a page of them)
    await page.locator('#ledger-pane select[name=obligation-kind]').selectOption('drill');
    await page.locator('#ledger-pane select[name=obligation-overdue]').selectOption('true');
    await page.locator('#ledger-pane select[name=obligation-city]').selectOption(firm.properties.city);
    await page.locator('#ledger-pane select[name=obligation-county]').selectOption(String(firm.properties.county_id));
    await page.locator(`#ledger-pane .obligation-row.overdue[data-obligation="${drill.id}"]`).waitFor({ timeout: 10_000 });
    await card.locator('input[name=remark]').fill('已组织演练，32 人参加');
    await card.locator('button[name=fulfil]').click();
    await page.waitForFunction((id) => !document.querySelector(`#ledger-pane .ledger-inbox-item[data-obligation="${id}"]`), drill.id, { timeout: 15_000 });
    await page.waitForFunction((id) => /已完成/.test(document.querySelector(`#ledger-pane .obligation-detail[data-obligation="${id}"]`)?.textContent ?? ''), drill.id, { timeout: 10_000 });
    const { data } = await api(`/obligations/${drill.id}`);
    assert.equal(data.completed, true, JSON.stringify(data));
    assert.equal(data.history.at(-1).remark, '已组织演练，32 人参加');
    const alarm = await api(`/alarms/${data.alarms[0]}`);
    assert.ok(alarm.data.cleared_at, JSON.stringify(alarm.data));
    await screenshot(page, 'obligations.png');
    assert.deepEqual(problems, []);
  });
});
