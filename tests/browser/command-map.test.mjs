// The command map as the desk uses it (issue 22): a form that cannot mislead
// (required fields refused in place, in the UI language; placement by typed
// coordinates; the server's refusal put next to the field), the status strip
// matching the API, the new-incident banner that stays until someone
// acknowledges it (in another browser too), dispatch from the top of the
// panel with the route drawn for the assigned unit only, and a keyboard-only
// report and dispatch.
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/command-map.test.mjs
//
// Creates real incidents on that server (use a fresh --state-dir).

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, waitForIdle, screenshot, guarded, api } from './helpers.mjs';

const DESK = { width: 1920, height: 1080 };

/** Polls `fn` (which may be async: waitForFunction does not await a promise) until it gives a truthy value. */
async function poll(fn, { timeout = 10_000, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The features of a GeoJSON source of the map (getData is async in MapLibre 5). */
const sourceFeatures = (page, id) => page.evaluate(async (s) => (await window.lookoutMap.getSource(s).getData()).features, id);

describe('Lookout command map: form, status strip, banner, dispatch, keyboard', () => {
  let browser;
  let a; // the duty desk
  let b; // a second screen
  let setupError = null;

  before(async () => {
    try {
      browser = await launch();
      [a, b] = await Promise.all([openPage(browser, { viewport: DESK }), openPage(browser, { viewport: DESK })]);
      for (const p of [a.page, b.page]) await p.locator('#live-state.on').waitFor({ timeout: 15_000 });
    } catch (err) {
      setupError = err;
    }
  });
  const it = guarded(itBase, () => setupError);
  after(async () => {
    await browser?.close();
  });

  it('the status strip shows the figures of GET /situation', async () => {
    const { page } = a;
    const { data } = await api('/situation');
    await page.locator('#status-strip [data-stat=team-available]').waitFor({ timeout: 10_000 });
    const shown = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#status-strip [data-stat]')]
      .map((n) => [n.dataset.stat, Number(n.querySelector('.stat-value').textContent.replace(/,/g, ''))])));
    assert.equal(shown.incidents, data.incidents.length);
    assert.equal(shown.people, data.people);
    for (const s of ['available', 'dispatched', 'en_route', 'on_scene']) assert.equal(shown[`team-${s}`], data.teams[s], s);
    // a click on a team status filters the team layer to it, a second shows all again
    await page.locator('#status-strip [data-stat=team-on_scene]').click();
    await page.waitForFunction(() => /status=on_scene($|&)/.test(window.lookoutMap.getSource('rescue_teams').tiles[0]));
    await page.locator('#status-strip [data-stat=team-on_scene]').click();
    await page.waitForFunction(() => !/status=/.test(window.lookoutMap.getSource('rescue_teams').tiles[0]));
  });

  it('places by typed coordinates (degrees-minutes-seconds) and refuses an empty wind in place, in Chinese, sending nothing', async () => {
    const { page } = a;
    await page.locator('#new-incident').click();
    const coords = page.locator('#hint input[name=coords]');
    await coords.waitFor({ timeout: 5000 });
    // nonsense is refused where it was typed
    await coords.fill('太原');
    await coords.press('Enter');
    assert.match(await page.locator('#place-coords-error').innerText(), /无法识别的坐标/);
    await coords.fill('36°06′N 111°37′12″E'); // Linfen
    await coords.press('Enter');
    const form = page.locator('#incident-form');
    await form.waitFor({ timeout: 5000 });
    assert.match(await form.locator('.loc-value').innerText(), /111\.6200°E, 36\.1000°N/);
    // nothing about the weather is pre-filled
    await form.locator('select[name=kind]').selectOption('leak');
    for (const name of ['wind_from_deg', 'daytime']) assert.equal(await form.locator(`select[name=${name}]`).inputValue(), '', name);
    assert.equal(await form.locator('input[name=wind_speed_ms]').inputValue(), '');
    const posts = [];
    page.on('request', (r) => r.method() === 'POST' && /\/incidents$/.test(new URL(r.url()).pathname) && posts.push(r.url()));
    await form.locator('select[name=wind_from_deg]').selectOption('270');
    await form.locator('select[name=daytime]').selectOption('true');
    await form.locator('button[type=submit]').click();
    const error = form.locator('[data-field=wind_speed_ms] .field-error');
    await error.waitFor({ timeout: 3000 });
    assert.equal(await error.innerText(), '必填');
    assert.equal(await form.locator('input[name=wind_speed_ms]').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.name), 'wind_speed_ms', 'the first wrong field has the focus');
    assert.equal(posts.length, 0, 'an incomplete form was sent');
    // a wind speed out of range is refused too, with the range
    await form.locator('input[name=wind_speed_ms]').fill('75');
    await form.locator('button[type=submit]').click();
    await page.waitForFunction(() => /不超过 60/.test(document.querySelector('#incident-form [data-field=wind_speed_ms] .field-error')?.textContent ?? ''));
    assert.equal(posts.length, 0);
    await form.locator('button', { hasText: '取消' }).click();
  });

  it("puts the server's refusal of a point far outside the region next to the location, in Chinese", async () => {
    const { page } = a;
    page.expectedErrors = (r) => r.status() === 400 && /\/incidents$/.test(new URL(r.url()).pathname);
    await page.locator('#new-incident').click();
    const coords = page.locator('#hint input[name=coords]');
    await coords.fill('11.52, 37.87'); // a digit short of 111.52
    await coords.press('Enter');
    const form = page.locator('#incident-form');
    await form.locator('select[name=kind]').selectOption('mine_accident');
    await form.locator('button[type=submit]').click();
    const error = form.locator('[data-field=location] .field-error');
    await error.waitFor({ timeout: 10_000 });
    const text = await error.innerText();
    assert.match(text, /辖区边界外 [\d.]+ 公里/);
    assert.doesNotMatch(text, /outside|region|location/i, 'raw English shown');
    await form.locator('button', { hasText: '取消' }).click();
    page.expectedErrors = null;
  });

  it('a new incident shows a banner on another screen until someone acknowledges it; the acknowledgement is an event', async () => {
    const { data: inc, status } = await api('/incidents', {
      method: 'POST',
      body: { kind: 'mine_accident', location: [112.55, 37.87], title: '横幅测试·太原矿山事故', cordon_m: 300 },
    });
    assert.equal(status, 201);
    for (const p of [a.page, b.page]) {
      await p.locator(`#alert-banners .alert-banner[data-id="${inc.id}"]`).waitFor({ timeout: 15_000 });
    }
    assert.match(await b.page.locator(`#alert-banners .alert-banner[data-id="${inc.id}"]`).innerText(), /新事件.*横幅测试/s);
    // it stays: still there after a while
    await b.page.waitForTimeout(7000);
    assert.equal(await b.page.locator(`#alert-banners .alert-banner[data-id="${inc.id}"]`).count(), 1, 'the banner went by itself');
    // fly to opens the incident
    await b.page.locator(`#alert-banners .alert-banner[data-id="${inc.id}"] button[name=fly-to]`).click();
    await b.page.locator(`#incident-panel .incident[data-id="${inc.id}"]`).waitFor({ timeout: 10_000 });
    // acknowledged on the second screen: gone on both
    await b.page.locator(`#alert-banners .alert-banner[data-id="${inc.id}"] button[name=acknowledge]`).click();
    for (const p of [a.page, b.page]) {
      await p.waitForFunction((id) => !document.querySelector(`#alert-banners .alert-banner[data-id="${id}"]`), inc.id, { timeout: 10_000 });
    }
    // The record's last 500 events (it begins with the generated ledger history).
    const { data: health } = await api('/health');
    const { data: events } = await api(`/events?after=${Math.max(0, health.last_event - 500)}&limit=500`);
    const ack = events.events.find((e) => e.event.type === 'incident_acknowledged' && e.event.incident === inc.id);
    assert.ok(ack, 'no incident_acknowledged event');
    assert.ok(ack.actor && ack.at, 'the event lacks who and when');
    await api(`/incidents/${inc.id}/close`, { method: 'POST', body: { reason: 'test' } });
  });

  it('dispatches from the top of the panel; the route is drawn for the assigned unit only', async () => {
    const { page } = a;
    const { data: inc } = await api('/incidents', {
      method: 'POST',
      body: {
        kind: 'leak', location: [111.62, 36.104], substance: 'chlorine', title: '调派测试·临汾氯气',
        weather: { wind_from_deg: 315, wind_speed_ms: 2, daytime: true },
      },
    });
    await page.evaluate((id) => window.lookout.bus.emit('incident-open', id), inc.id);
    const panel = page.locator(`#incident-panel .incident[data-id="${inc.id}"]`);
    await panel.waitFor({ timeout: 10_000 });
    // the header first: people, largest zone, domino
    const summary = await page.locator('#inc-summary').innerText();
    assert.match(summary, /影响区内人口/);
    assert.match(summary, /最大影响区/);
    // the recommendation before the zones, its first team above the fold
    const teams = page.locator('#team-list .team');
    await teams.first().waitFor({ timeout: 20_000 });
    const order = await page.evaluate(() => ['#inc-summary', '#units', '#recommendation', '#zone-list']
      .map((s) => document.querySelector(`#incident-panel ${s}`)?.getBoundingClientRect().top ?? -1));
    assert.deepEqual([...order].sort((x, y) => x - y), order, `panel order: ${order}`);
    const firstTeam = await teams.first().boundingBox();
    assert.ok(firstTeam.y + firstTeam.height < DESK.height, `first recommended team at y=${firstTeam.y}`);
    // teams tell apart: id, base and phone
    assert.match(await teams.first().locator('.team-contact').innerText(), /#\d+.*驻地.*☎/s);
    // nothing drawn before a dispatch: routes are for assigned units
    assert.equal((await sourceFeatures(page, 'inc-routes')).length, 0);
    const teamId = Number(await teams.first().getAttribute('data-team'));
    await teams.first().locator('.dispatch-btn').click();
    await page.locator(`#units .unit[data-team="${teamId}"]`).waitFor({ timeout: 10_000 });
    await poll(async () => {
      const routes = await sourceFeatures(page, 'inc-routes');
      return routes.length === 1 && routes[0].properties.team === teamId;
    }, { what: 'the route of the assigned team only' });
    assert.match(await page.locator(`#units .unit[data-team="${teamId}"]`).innerText(), /预计.*到达/s);
    // "dispatch all" asks first, listing each team with its time
    const all = page.locator('#recommendation .dispatch-all');
    if (await all.count()) {
      await all.click();
      const confirm = page.locator('#recommendation .confirm-all');
      await confirm.waitFor({ timeout: 3000 });
      assert.match(await confirm.innerText(), /确认调派以下 \d+ 支队伍/);
      assert.ok(await confirm.locator('li').count() >= 2);
      await confirm.locator('button[name=cancel-all]').click();
      assert.equal(await page.locator(`#units .unit`).count(), 1, 'cancel dispatched something');
    }
    // on scene: drawn at the incident, its route gone
    for (const to of ['en_route', 'on_scene']) {
      const r = await api(`/teams/${teamId}/status`, { method: 'POST', body: { status: to } });
      assert.equal(r.status, 200, to);
    }
    const at = await poll(async () => {
      const units = await sourceFeatures(page, 'inc-units');
      const routes = await sourceFeatures(page, 'inc-routes');
      return units.length === 1 && routes.length === 0 && units[0].geometry.coordinates;
    }, { what: 'the unit on scene drawn at the incident, without a route' });
    assert.deepEqual(at, inc.location);
    await waitForIdle(page);
    await screenshot(page, 'command-map-dispatch.png');
    await api(`/teams/${teamId}/status`, { method: 'POST', body: { status: 'returning' } });
    await api(`/teams/${teamId}/status`, { method: 'POST', body: { status: 'available' } });
    await api(`/incidents/${inc.id}/close`, { method: 'POST', body: { reason: 'test' } });
  });

  it('keyboard only: place by coordinates, fill the form, report and dispatch', async () => {
    const { page } = b;
    await page.evaluate(() => window.lookout.bus.emit('incident-closed-panel'));
    const focusBy = async (selector, max = 300) => {
      for (let i = 0; i < max; i++) {
        if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
        await page.keyboard.press('Tab');
      }
      assert.fail(`Tab never reached ${selector}`);
    };
    await page.evaluate(() => document.activeElement?.blur());
    await focusBy('#new-incident');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.name === 'coords');
    await page.keyboard.type('112.55, 37.87');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.name === 'kind', null, { timeout: 5000 });
    // kind: a fire (the weather is optional for it), chosen with the arrow keys
    for (let i = 0; i < 9 && await page.evaluate(() => document.activeElement.value) !== 'fire'; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'fire');
    await page.waitForFunction(() => document.querySelector('#incident-form [name=mass_kg]'));
    await focusBy('#incident-form [name=title]');
    await page.keyboard.type('键盘测试·太原火灾');
    await focusBy('#incident-form [name=mass_kg]');
    await page.keyboard.type('2000');
    await focusBy('#incident-form button[type=submit]');
    await page.keyboard.press('Enter');
    const panel = page.locator('#incident-panel .incident');
    await panel.waitFor({ timeout: 15_000 });
    assert.match(await page.locator('#incident-panel .inc-name').innerText(), /键盘测试/);
    const id = Number(await panel.getAttribute('data-id'));
    await page.locator('#team-list .team .dispatch-btn').first().waitFor({ timeout: 20_000 });
    const teamId = Number(await page.locator('#team-list .team .dispatch-btn').first().getAttribute('data-team'));
    await focusBy('#team-list .dispatch-btn', 200);
    await page.keyboard.press('Enter');
    await page.locator(`#units .unit[data-team="${teamId}"]`).waitFor({ timeout: 10_000 });
    const { data } = await api(`/incidents/${id}`);
    assert.equal(data.title, '键盘测试·太原火灾');
    assert.equal(data.mass_kg, 2000);
    assert.equal(data.weather ?? null, null, 'a weather nobody gave was sent');
    assert.ok(data.units.some((u) => u.team === teamId && u.status === 'dispatched'));
    await api(`/teams/${teamId}/status`, { method: 'POST', body: { status: 'available' } });
    await api(`/incidents/${id}/close`, { method: 'POST', body: { reason: 'test' } });
  });

  it('at 1366×768 the map keeps at least 60 % of the width with an incident open; the side panel folds and unfolds', async () => {
    const small = await openPage(browser, { viewport: { width: 1366, height: 768 } });
    const { page } = small;
    const { data: inc } = await api('/incidents', { method: 'POST', body: { kind: 'flood', location: [112.4, 37.7], title: '屏幕测试·洪涝', cordon_m: 500 } });
    await page.evaluate((id) => window.lookout.bus.emit('incident-open', id), inc.id);
    await page.locator(`#incident-panel .incident[data-id="${inc.id}"]`).waitFor({ timeout: 10_000 });
    await waitForIdle(page);
    const width = () => page.evaluate(() => document.querySelector('canvas.maplibregl-canvas').getBoundingClientRect().width);
    assert.ok(await width() >= 0.6 * 1366, `map ${await width()} px wide of 1366`);
    await screenshot(page, 'command-map-1366.png');
    // the side panel comes back on request, and goes again
    await page.locator('#sidebar-toggle').click();
    await page.locator('#sidebar .tabs').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#sidebar-toggle').getAttribute('aria-expanded'), 'true');
    await page.locator('#sidebar-toggle').click();
    await page.waitForFunction(() => document.body.classList.contains('sidebar-collapsed'));
    assert.deepEqual(small.problems, []);
    await small.context.close();
    await api(`/incidents/${inc.id}/close`, { method: 'POST', body: { reason: 'test' } });
  });

  it('on a 390×844 phone: the map, the status strip, the main buttons on screen, and the incident with its units and notes', async () => {
    const phone = await openPage(browser, { viewport: { width: 390, height: 844 } });
    const { page } = phone;
    const canvas = await page.locator('canvas.maplibregl-canvas').boundingBox();
    assert.ok(canvas.width >= 380 && canvas.height >= 300, `map ${canvas.width}×${canvas.height}`);
    for (const sel of ['#new-incident', '#lang-toggle', '#sidebar-toggle', '#status-strip [data-stat=incidents]']) {
      const box = await page.locator(sel).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${sel} off screen: ${JSON.stringify(box)}`);
    }
    const { data: inc } = await api('/incidents', { method: 'POST', body: { kind: 'landslide', location: [112.6, 37.9], title: '手机测试·滑坡', cordon_m: 300 } });
    await page.locator(`#alert-banners .alert-banner[data-id="${inc.id}"] button[name=fly-to]`).click();
    const panel = page.locator(`#incident-panel .incident[data-id="${inc.id}"]`);
    await panel.waitFor({ timeout: 10_000 });
    // live events redraw the panel: a box of null is a panel replaced in between
    let box = null;
    for (let attempt = 0; attempt < 25 && !box; attempt += 1) {
      box = await panel.boundingBox();
      if (!box) await page.waitForTimeout(200);
    }
    assert.ok(box && box.width >= 340, `incident ${box?.width} px wide of 390`);
    await waitForIdle(page);
    for (const sel of ['#inc-summary', '#units', 'textarea[name=note]']) {
      // the panel is redrawn as the incident's live events arrive: a part
      // found just before a redraw is found again in the new panel
      const part = page.locator(`#incident-panel ${sel}`);
      for (let attempt = 1; ; attempt += 1) {
        try {
          await part.scrollIntoViewIfNeeded({ timeout: 5_000 });
          break;
        } catch (err) {
          if (attempt >= 5 || !/not attached/.test(err.message)) throw err;
          await page.waitForTimeout(200);
        }
      }
      assert.ok(await part.isVisible(), `${sel} not shown on the phone`);
    }
    await screenshot(page, 'command-map-phone.png');
    assert.deepEqual(phone.problems, []);
    await phone.context.close();
    await api(`/incidents/${inc.id}/close`, { method: 'POST', body: { reason: 'test' } });
  });

  it('search asks the server: pinyin initials find a county, and no layer is downloaded to search', async () => {
    const { page } = a;
    const before = a.requests.length;
    const input = page.locator('#search');
    await input.click();
    await input.fill('xdq');
    const hit = page.locator('#search-results .search-hit', { hasText: '小店区' }).first();
    await hit.waitFor({ state: 'visible', timeout: 10_000 });
    await input.press('Enter');
    await page.waitForFunction(() => /小店区/.test(document.querySelector('#feature-panel:not([hidden]) .feature-title')?.textContent ?? ''), null, { timeout: 10_000 });
    const asked = a.requests.slice(before).map((u) => new URL(u));
    assert.ok(asked.some((u) => u.pathname === '/search' && u.searchParams.get('q') === 'xdq'), 'GET /search was not asked');
    const downloads = asked.filter((u) => /^\/collections\/[^/]+\/items$/.test(u.pathname) && !/\/items\/\d+$/.test(u.pathname));
    assert.deepEqual(downloads.map(String), [], 'a layer was downloaded to search it');
    await page.locator('#feature-panel .panel-close').click();
  });

  it('left no missing translation and no error on either screen', async () => {
    for (const x of [a, b]) {
      assert.deepEqual(await x.page.evaluate(() => [...window.lookout.missingKeys]), []);
      // the one refusal the test asked for (a point far outside the region) is logged by the browser itself
      const problems = x === a ? x.problems.filter((p, i, all) => !(/status of 400/.test(p) && all.findIndex((q) => /status of 400/.test(q)) === i)) : x.problems;
      assert.deepEqual(problems, []);
    }
  });
});
