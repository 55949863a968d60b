// Browser test of the supervision ledger on the map (issue 16, item 5), as
// the duty desk uses it: two hidden dangers are reported over the API (a
// major one past its deadline, a general one with a month left); the status
// strip counts the overdue one and a click opens the ledger filtered to
// overdue dangers; the map draws the enterprise by its worst open danger
// with the overdue ring; the inbox shows the overdue alarm once the ledger's
// clock has raised it; a row opens the danger and moves it on; an
// enterprise's attribute panel lists its dangers.
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/ledger.test.mjs
//
// The server should run with a short ledger clock (`--ledger-tick-secs 2`,
// as scripts/test starts it) for the inbox step. Reports dangers on that
// server. Screenshot in tests/browser/out/ledger.png.

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, screenshot, guarded, api } from './helpers.mjs';

const hoursFromNow = (h) => new Date(Date.now() + h * 3600_000).toISOString();

/** A danger report (docs/ledger.md) for `enterprise`. */
function danger(enterprise, severity, deadline, description) {
  return {
    enterprise,
    category: 'fire',
    severity,
    description,
    found_by: '检查组',
    found_at: hoursFromNow(-24 * 10),
    source: 'inspection',
    rectification: { deadline, measures: '清理消防通道', responsible: '王工', funds_yuan: 5000, interim_measures: '设专人值守' },
  };
}

describe('Lookout supervision ledger on the map', () => {
  let browser;
  let desk;
  let setupError = null;
  let overdue = null; // the major danger past its deadline
  let later = null; // the general one
  let e1 = null;

  before(async () => {
    try {
      // two enterprises no other browser test touches (from the end of the first page)
      const { data } = await api('/collections/enterprises/items?limit=100');
      const [a, b] = data.features.slice(-2);
      e1 = a;
      for (const [e, sev, deadline, text] of [[a, 'major', hoursFromNow(-2), '储罐区可燃气体检测报警器失效'], [b, 'general', hoursFromNow(24 * 30), '应急照明损坏']]) {
        const res = await api('/dangers', { method: 'POST', body: danger(e.id, sev, deadline, text) });
        assert.equal(res.status, 201, JSON.stringify(res.data));
        if (sev === 'major') overdue = res.data;
        else later = res.data;
      }
      assert.equal(overdue.overdue, true, JSON.stringify(overdue));
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

  it('the status strip counts overdue and major dangers, and a click opens the ledger filtered to the overdue ones', async () => {
    const { page } = desk;
    const overdueFigure = page.locator('#status-strip [data-stat=dangers-overdue]');
    await page.waitForFunction(() => Number(document.querySelector('#status-strip [data-stat=dangers-overdue] .stat-value')?.textContent) >= 1,
      null, { timeout: 15_000 });
    assert.ok(Number(await page.locator('#status-strip [data-stat=dangers-major] .stat-value').textContent()) >= 1);
    await overdueFigure.click();
    await page.locator('#ledger-pane').waitFor({ state: 'visible' });
    const row = page.locator(`#ledger-pane .ledger-row[data-danger="${overdue.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#ledger-pane select[name=overdue]').inputValue(), 'true');
    // every row shown is overdue, and the general danger (a month left) is not among them
    const classes = await page.locator('#ledger-pane .ledger-row').evaluateAll((rows) => rows.map((r) => r.className));
    assert.ok(classes.every((c) => /\boverdue\b/.test(c)), classes.join(' | '));
    assert.equal(await page.locator(`#ledger-pane .ledger-row[data-danger="${later.id}"]`).count(), 0);
    const text = await row.innerText();
    assert.match(text, /重大隐患/);
    assert.match(text, /已逾期/);
    assert.match(text, new RegExp(overdue.place.enterprise_name));
  });

  it('the map draws the enterprise by its worst open danger, ringed while overdue', async () => {
    const { page } = desk;
    // the overdue filter is on: the map follows it
    const drawn = await page.waitForFunction((id) => {
      const f = window.lookout.ledger().map.features.find((x) => x.properties.enterprise === id);
      return f && { worst: f.properties.worst, overdue: f.properties.overdue, layers: ['ledger-dangers', 'ledger-overdue'].every((l) => window.lookoutMap.getLayer(l)) };
    }, e1.id, { timeout: 10_000 });
    const got = await drawn.jsonValue();
    // the generated history may hold overdue dangers of the same enterprise: count them all
    const { data: listed } = await api(`/dangers?enterprise=${e1.id}&overdue=true&limit=1`);
    assert.deepEqual(got, { worst: 'major', overdue: listed.numberMatched, layers: true });
    assert.ok(listed.numberMatched >= 1);
  });

  it('the inbox shows the overdue alarm once the ledger clock has raised it', async () => {
    const { page } = desk;
    const item = page.locator(`#ledger-pane .ledger-inbox-item.overdue_alarm[data-danger="${overdue.id}"]`);
    await item.waitFor({ timeout: 20_000 });
    assert.match(await item.innerText(), /逾期未整改/);
    assert.match(await page.locator('.tabs [data-tab=ledger]').getAttribute('data-badge'), /^[1-9]\d*$/);
  });

  it('a row opens the danger with its plan, and a move to rectifying is stored and shown', async () => {
    const { page } = desk;
    await page.locator('#ledger-pane select[name=overdue]').selectOption('');
    const row = page.locator(`#ledger-pane .ledger-row[data-danger="${overdue.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.locator('.ledger-desc').click();
    const move = row.locator('button[name=to-rectifying]');
    await move.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /清理消防通道/);
    await move.click();
    await page.waitForFunction((id) => /整改中/.test(document.querySelector(`#ledger-pane .ledger-row[data-danger="${id}"] .ledger-status`)?.textContent ?? ''),
      overdue.id, { timeout: 10_000 });
    const { data } = await api(`/dangers/${overdue.id}`);
    assert.equal(data.status, 'rectifying');
    assert.equal(data.history.at(-1).to, 'rectifying');
    await screenshot(page, 'ledger.png');
  });

  it("an enterprise's attribute panel lists its dangers", async () => {
    const { page, problems } = desk;
    await page.evaluate((id) => import('./feature-panel.js').then((m) => m.showFeature('enterprises', id)), e1.id);
    const item = page.locator(`#feature-panel .ledger-enterprise-list li[data-danger="${overdue.id}"]`);
    await item.waitFor({ timeout: 10_000 });
    assert.match(await item.innerText(), /重大隐患/);
    assert.deepEqual(problems, []);
  });

  it('loaded the map files from the versioned folder the page names (kept a year by the browser)', async () => {
    const paths = desk.requests.map((u) => new URL(u).pathname);
    assert.ok(paths.some((p) => /^\/map\/~[0-9a-f]{12}\/app\.js$/.test(p)), paths.filter((p) => p.startsWith('/map/')).join(' '));
    assert.ok(!paths.includes('/map/app.js'), 'not the unversioned name');
  });
});
