// Browser test of the sensor alarms (issue 15), as the duty desk sees them,
// with TWO browsers on the same server: a gateway posts readings over a
// chlorine detector's second level (POST /readings); the alarm appears in
// both browsers without a reload — in the alarm list, as a pulsing marker at
// its hazard source and in the status strip — one desk acknowledges it and
// the other sees who did; the sensor's panel draws its readings (uPlot); the
// incident draft from the alarm is shown.
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/alarms.test.mjs
//
// Posts readings (and so raises an alarm) on that server. Screenshot in
// tests/browser/out/alarms.png.

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, screenshot, guarded, api, BASE } from './helpers.mjs';

/** Two readings of `value` (the debounce wants two in a row), 20 s and 10 s ago. */
async function postReadings(sensor, value) {
  const now = Date.now();
  const batch = [20, 10].map((s) => ({ sensor, value, at: new Date(now - s * 1000).toISOString() }));
  const res = await fetch(`${BASE}/readings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.accepted, 2, JSON.stringify(body));
  return body;
}

describe('Lookout sensor alarms on the map', () => {
  let browser;
  let a; // duty desk: acknowledges
  let b; // second screen: only watches
  let setupError = null;
  let sensor = null;
  let alarm = null;

  before(async () => {
    try {
      browser = await launch();
      [a, b] = await Promise.all([openPage(browser), openPage(browser)]);
      for (const p of [a.page, b.page]) await p.locator('#live-state.on').waitFor({ timeout: 15_000 });
      // a chlorine detector of a hazard source, one nothing else in the tests uses
      const { data } = await api('/collections/sensors/items?kind=toxic_gas&substance=chlorine&limit=3');
      sensor = data.features.at(-1);
      assert.ok(sensor?.properties?.thresholds?.high_high > 0, JSON.stringify(data).slice(0, 300));
    } catch (err) {
      setupError = err;
    }
  });

  const it = guarded(itBase, () => setupError);

  after(async () => {
    await browser?.close();
  });

  it('readings over the second level raise an alarm that shows in the list, on the map and in the status strip of both browsers', async () => {
    const high = sensor.properties.thresholds.high_high;
    await postReadings(sensor.id, high * 1.5);
    const { data } = await api('/alarms');
    alarm = data.alarms.find((x) => x.sensor === sensor.id);
    assert.ok(alarm, `no alarm for sensor ${sensor.id}: ${JSON.stringify(data).slice(0, 300)}`);
    assert.equal(alarm.rule, 'high_high');
    for (const { page } of [a, b]) {
      // the marker, pulsing, in the alarm's colour, at its place
      const marker = page.locator(`.alarm-marker[data-alarm="${alarm.id}"]`);
      await marker.waitFor({ state: 'attached', timeout: 15_000 });
      assert.equal(await marker.getAttribute('data-colour'), alarm.colour);
      assert.match(await marker.getAttribute('class'), /pulsing/);
      // the strip counts it (fetched again after the live event)
      await page.waitForFunction((c) => Number(document.querySelector(`#status-strip [data-stat=alarm-${c}] .stat-value`)?.textContent) >= 1,
        alarm.colour, { timeout: 10_000 });
      // the list, most serious first, in Chinese
      await page.locator('.tabs [data-tab=alarms]').click();
      const row = page.locator(`#alarm-pane .alarm-row[data-alarm="${alarm.id}"]`);
      await row.waitFor({ timeout: 10_000 });
      const text = await row.innerText();
      assert.match(text, /高高报/);
      assert.match(text, new RegExp(alarm.colour === 'red' ? '红' : '橙'));
      const colours = await page.locator('#alarm-pane .alarm-row').evaluateAll((rows) => rows.map((r) => r.dataset.colour));
      const rank = { red: 4, orange: 3, yellow: 2, blue: 1 };
      assert.deepEqual(colours, [...colours].sort((x, y) => rank[y] - rank[x]), 'most serious first');
    }
    await screenshot(a.page, 'alarms.png');
  });

  it('one desk acknowledges the alarm and the other sees who did, and the marker stops pulsing', async () => {
    const row = a.page.locator(`#alarm-pane .alarm-row[data-alarm="${alarm.id}"]`);
    await row.locator('button[name=acknowledge]').click();
    for (const { page } of [a, b]) {
      const ack = page.locator(`#alarm-pane .alarm-row[data-alarm="${alarm.id}"] .alarm-ack`);
      await ack.waitFor({ timeout: 10_000 });
      assert.match(await ack.innerText(), /已确认/);
      await page.waitForFunction((id) => !document.querySelector(`.alarm-marker[data-alarm="${id}"]`)?.classList.contains('pulsing'), alarm.id, { timeout: 10_000 });
      assert.equal(await page.locator(`#alarm-pane .alarm-row[data-alarm="${alarm.id}"] button[name=acknowledge]`).count(), 0);
    }
    const { data } = await api(`/alarms/${alarm.id}`);
    assert.ok(data.acknowledged?.by, JSON.stringify(data));
  });

  it("the sensor's panel draws its readings with uPlot, and the alarm's incident draft is shown before anything is opened", async () => {
    const { page, requests } = a;
    const row = page.locator(`#alarm-pane .alarm-row[data-alarm="${alarm.id}"]`);
    await row.locator('button[name=sensor]').click();
    const chart = page.locator(`#feature-panel .sensor-chart[data-sensor="${sensor.id}"]`).last();
    await chart.locator('canvas').waitFor({ timeout: 15_000 });
    assert.ok(Number(await chart.getAttribute('data-points')) >= 1);
    assert.ok(requests.some((u) => /\/map\/(~[0-9a-f]{12}\/)?vendor\/uplot\/uPlot\.esm\.js$/.test(new URL(u).pathname)), 'uPlot from the server, not a CDN');
    assert.ok(requests.every((u) => u.startsWith(BASE) || u.startsWith('data:') || u.startsWith('blob:')), 'nothing fetched from elsewhere');

    await row.locator('button[name=open-incident]').click();
    const draft = row.locator('.alarm-draft');
    await draft.waitFor({ timeout: 10_000 });
    assert.match(await draft.innerText(), /泄漏/);
    assert.match(await draft.innerText(), /氯/);
    await draft.locator('button[name=cancel-incident]').click();
    await draft.waitFor({ state: 'detached', timeout: 5000 });
    // English too
    await page.locator('#lang-toggle').click();
    await page.locator('.tabs [data-tab=alarms]').click();
    assert.match(await page.locator(`#alarm-pane .alarm-row[data-alarm="${alarm.id}"]`).innerText(), /High-high/);
    await page.locator('#lang-toggle').click();
  });

  it('in a replay the list shows the alarms active then, read-only, and live again when the replay ends', async () => {
    const { page } = b;
    await page.locator('.tabs [data-tab=alarms]').click();
    await page.waitForFunction(() => !document.querySelector('#replay-slider')?.disabled, null, { timeout: 10_000 });
    // near the end of the last hour: the alarm (raised before) is active then.
    // Step 999 of 1000 is 3.6 s before the moment the slider moves, so the
    // alarm must be older than that (with a year of history the span is the
    // whole hour).
    const age = Date.now() - new Date(alarm.raised_at).getTime();
    if (age < 6000) await page.waitForTimeout(6000 - age);
    await page.locator('#replay-window').selectOption('1h');
    await page.waitForFunction(() => !document.querySelector('#replay-slider')?.disabled, null, { timeout: 10_000 });
    await page.locator('#replay-slider').fill('999');
    await page.locator('#replay-bar.active').waitFor({ timeout: 10_000 });
    const note = page.locator('#alarm-pane .alarm-replay');
    await note.waitFor({ timeout: 10_000 });
    assert.match(await note.innerText(), /回放/);
    const row = page.locator(`#alarm-pane .alarm-row[data-alarm="${alarm.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    for (const name of ['acknowledge', 'open-incident']) {
      assert.equal(await row.locator(`button[name=${name}]`).count(), 0, `${name} offered in a replay`);
    }
    const replayed = await page.evaluate(() => window.lookout.replay().data.alarms.map((x) => x.id));
    assert.ok(replayed.includes(alarm.id), JSON.stringify(replayed));
    await page.locator('#replay-bar .live-btn').click();
    await page.waitForFunction(() => !window.lookout.replay());
    await note.waitFor({ state: 'detached', timeout: 10_000 });
    await row.waitFor({ timeout: 10_000 });
  });

  it('no missing strings and no errors', async () => {
    for (const p of [a, b]) {
      assert.deepEqual(await p.page.evaluate(() => [...window.lookout.missingKeys]), []);
      assert.deepEqual(p.problems, []);
    }
  });
});
