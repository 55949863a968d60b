// Browser test of the incident workflow, drills and the planner, as duty staff
// and a commander would use them, with TWO independent browsers (contexts) on
// the same server: what one dispatches, the other sees at once, without reload.
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/
//
// Creates incidents and a drill on that server (use a fresh --state-dir).
// Screenshots in tests/browser/out/: incident.png (zones, exposure, teams),
// incident-second.png (the other browser), drill.png, replay.png, planner.png,
// export.png (the exported map).

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  launch, openPage, waitForIdle, screenshot, clickMap, project, guarded, api, OUT,
} from './helpers.mjs';

const LINFEN = [111.52, 36.08];
const TITLE = `浏览器测试·临汾氯气泄漏 ${new Date().toISOString().slice(11, 19)}`;

describe('Lookout incident workflow, live updates and drills', () => {
  let browser;
  let a; // duty desk: places the incident, dispatches
  let b; // commander's screen: only watches
  let setupError = null;
  let incidentId = null;
  let teamId = null;

  before(async () => {
    try {
      browser = await launch();
      [a, b] = await Promise.all([openPage(browser), openPage(browser)]);
      // the event stream is connected on both before anything happens
      for (const p of [a.page, b.page]) await p.locator('#live-state.on').waitFor({ timeout: 15_000 });
    } catch (err) {
      setupError = err;
    }
  });

  const it = guarded(itBase, () => setupError);

  after(async () => {
    await browser?.close();
  });

  it('places an incident on the map, reports it and draws its zones with the exposure per zone', async () => {
    const { page } = a;
    await page.evaluate((c) => window.lookoutMap.jumpTo({ center: c, zoom: 10 }), LINFEN);
    await waitForIdle(page);
    await page.locator('#new-incident').click();
    assert.match(await page.locator('#hint').innerText(), /点击事件位置/);
    await clickMap(page, await project(page, LINFEN));
    const form = page.locator('#incident-form');
    await form.waitFor({ state: 'visible', timeout: 5000 });
    // the substance list comes from GET /impact/substances
    await page.waitForFunction(() => document.querySelectorAll('#incident-form select[name=substance] option').length > 5, null, { timeout: 10_000 });
    await form.locator('select[name=kind]').selectOption('leak');
    await form.locator('input[name=title]').fill(TITLE);
    await form.locator('select[name=substance]').selectOption('chlorine');
    await form.locator('select[name=spill]').selectOption('large');
    await form.locator('select[name=container]').selectOption('storage_tank');
    await form.locator('input[name=release_rate_kg_s]').fill('2');
    await form.locator('select[name=wind_from_deg]').selectOption('270');
    await form.locator('input[name=wind_speed_ms]').fill('3');
    await form.locator('select[name=daytime]').selectOption('true');
    await form.locator('select[name=sky]').selectOption('clear');
    await form.locator('button[type=submit]').click();

    const panel = page.locator('#incident-panel .incident');
    await panel.waitFor({ state: 'visible', timeout: 15_000 });
    incidentId = Number(await panel.getAttribute('data-id'));
    assert.ok(incidentId > 0, 'no incident id on the panel');
    assert.match(await page.locator('#incident-panel .inc-name').innerText(), new RegExp(TITLE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

    // zones: listed most severe first, each with people, enterprises, hazard sources, shelters
    const zones = page.locator('#zone-list .zone');
    assert.ok(await zones.count() >= 3, `only ${await zones.count()} zones listed`);
    const tiers = await zones.evaluateAll((els) => els.map((e) => e.dataset.tier));
    for (const tier of ['isolation', 'protective_action', 'tier3']) assert.ok(tiers.includes(tier), `no ${tier} zone: ${tiers}`);
    const zoneText = await page.locator('#zone-list').innerText();
    for (const word of ['初始隔离区', '防护行动区', '人口', '企业', '重大危险源', '避难场所']) assert.ok(zoneText.includes(word), `zone list lacks ${word}`);
    assert.match(zoneText, /[\d,]+ 人/);
    // a storage tank reads ERG Table 3's rail-tank-car row (isolate 1000 m), named in the label
    assert.match(zoneText, /半径 1000 m；ERG 表3：铁路罐车/);
    const methods = page.locator('#zone-methods-link');
    assert.equal(await methods.getAttribute('href'), '/docs/impact-models');
    const doc = await page.evaluate(async () => {
      const r = await fetch('/docs/impact-models');
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    });
    assert.equal(doc.status, 200);
    assert.match(doc.type, /text\/html/);
    assert.match(doc.text, /<h1>Impact models<\/h1>/);
    assert.match(await page.locator('#incident-panel .domino').innerText(), /多米诺效应预警/);

    // drawn on the map, the most severe on top
    await page.waitForFunction((id) => window.lookoutMap.queryRenderedFeatures({ layers: ['inc-zones-fill'] })
      .some((f) => f.properties.incident === id), incidentId, { timeout: 15_000 });
    const order = await page.evaluate(async (id) => (await window.lookoutMap.getSource('inc-zones').getData()).features
      .filter((f) => f.properties.incident === id).map((f) => f.properties.rank), incidentId);
    assert.deepEqual(order, [...order].sort((x, y) => x - y), 'zones not drawn least severe first');
    await page.waitForFunction((id) => window.lookoutMap.queryRenderedFeatures({ layers: ['inc-points-icon'] })
      .some((f) => f.properties.id === id), incidentId, { timeout: 10_000 });
  });

  it('recommends teams with their road travel time, drawing no route before one is dispatched', async () => {
    const { page } = a;
    const teams = page.locator('#team-list .team');
    await teams.first().waitFor({ state: 'visible', timeout: 20_000 });
    assert.ok(await teams.count() >= 2, 'fewer than 2 teams recommended');
    const text = await page.locator('#recommendation').innerText();
    assert.match(text, /危化救援/);
    assert.match(text, /医疗救护/);
    assert.match(text, /行驶 \d+ 分钟/);
    teamId = Number(await teams.first().getAttribute('data-team'));
    // routes are drawn for units assigned, not for teams only recommended (issue 22)
    assert.equal(await page.evaluate(async () => (await window.lookoutMap.getSource('inc-routes').getData()).features.length), 0);
    await screenshot(page, 'incident.png');
  });

  it('shows the new incident live in a second browser, which opens it', async () => {
    const { page } = b;
    await page.locator('.tabs [data-tab=incidents]').click();
    const item = page.locator(`#incident-list .incident-item[data-id="${incidentId}"]`);
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await item.innerText(), /浏览器测试/);
    await item.click();
    await page.locator(`#incident-panel .incident[data-id="${incidentId}"]`).waitFor({ timeout: 10_000 });
    assert.match(await page.locator('#units').innerText(), /尚未调派队伍/);
    // its zones are on this map too
    await page.waitForFunction((id) => window.lookoutMap.queryRenderedFeatures({ layers: ['inc-zones-fill'] })
      .some((f) => f.properties.incident === id), incidentId, { timeout: 15_000 });
  });

  it('dispatches a team; the second browser sees its status change without reload', async () => {
    const beforeNav = await b.page.evaluate(() => performance.getEntriesByType('navigation').length);
    // the commander looks at the team on the second map
    const team = (await api(`/collections/rescue_teams/items/${teamId}`)).data;
    await b.page.evaluate((c) => window.lookoutMap.jumpTo({ center: c, zoom: 12 }), team.geometry.coordinates);
    await waitForIdle(b.page);
    await a.page.locator(`#team-list .dispatch-btn[data-team="${teamId}"]`).click();
    const unitA = a.page.locator(`#units .unit[data-team="${teamId}"]`);
    await unitA.waitFor({ timeout: 10_000 });
    assert.equal(await unitA.getAttribute('data-status'), 'dispatched');
    assert.match(await unitA.innerText(), /已调派/);
    // its route is drawn now, and only its own
    for (let i = 0; ; i++) {
      const routes = await a.page.evaluate(async () => (await window.lookoutMap.getSource('inc-routes').getData()).features.map((f) => f.properties.team));
      if (routes.length === 1 && routes[0] === teamId) break;
      assert.ok(i < 50, `routes drawn: ${routes}`);
      await a.page.waitForTimeout(200);
    }
    await waitForIdle(a.page);
    assert.ok(await a.page.evaluate(() => window.lookoutMap.queryRenderedFeatures({ layers: ['inc-routes-line'] }).length) > 0, 'no route drawn');

    // the second browser: pushed over the event stream
    const unitB = b.page.locator(`#units .unit[data-team="${teamId}"][data-status="dispatched"]`);
    await unitB.waitFor({ timeout: 10_000 });
    assert.match(await unitB.locator('.status-chip').innerText(), /已调派/);

    // next status from the first browser: en route, then on scene
    await a.page.locator(`#units .status-btn[data-team="${teamId}"][data-next="en_route"]`).click();
    await b.page.locator(`#units .unit[data-team="${teamId}"][data-status="en_route"]`).waitFor({ timeout: 10_000 });
    assert.match(await b.page.locator(`#units .unit[data-team="${teamId}"] .status-chip`).innerText(), /出动途中/);
    await a.page.locator(`#units .status-btn[data-team="${teamId}"][data-next="on_scene"]`).click();
    await b.page.locator(`#units .unit[data-team="${teamId}"][data-status="on_scene"]`).waitFor({ timeout: 10_000 });

    // the team's own tile on the second map follows (tiles reloaded in place)
    await b.page.waitForFunction((id) => window.lookoutMap.querySourceFeatures('rescue_teams', { sourceLayer: 'rescue_teams' })
      .some((f) => f.id === id && f.properties.status === 'on_scene'), teamId, { timeout: 15_000 });
    assert.equal(await b.page.evaluate(() => performance.getEntriesByType('navigation').length), beforeNav, 'the page reloaded');
    assert.equal(await b.page.evaluate(() => document.body.dataset.ready), 'true');
    await screenshot(b.page, 'incident-second.png');
  });

  it('draws a unit\'s status buttons from the server\'s next statuses, in both browsers', async () => {
    // a second team, left dispatched: the server lets a dispatched unit go en route, return, or stand down
    const free = a.page.locator('#team-list .dispatch-btn:not([disabled])').first();
    await free.waitFor({ timeout: 20_000 });
    const other = Number(await free.getAttribute('data-team'));
    await free.click();
    for (const p of [a.page, b.page]) await p.locator(`#units .unit[data-team="${other}"][data-status="dispatched"]`).waitFor({ timeout: 10_000 });
    const units = (await api(`/incidents/${incidentId}`)).data.units;
    for (const team of [other, teamId]) {
      const unit = units.find((u) => u.team === team);
      assert.ok(Array.isArray(unit?.next), `no next statuses for unit ${team} in GET /incidents/${incidentId}`);
      for (const p of [a.page, b.page]) {
        const shown = await p.locator(`#units .unit[data-team="${team}"][data-status="${unit.status}"] .status-btn`)
          .evaluateAll((els) => els.map((e) => e.dataset.next));
        assert.deepEqual(shown, unit.next, `unit ${team} (${unit.status}): buttons ${shown} but the server allows ${unit.next}`);
      }
    }
  });

  it('logs a note that the second browser sees, and closes the incident', async () => {
    const note = `现场警戒已设置 ${Date.now() % 10000}`;
    await a.page.locator('#notes textarea[name=note]').fill(note);
    await a.page.locator('#notes button[type=submit]').click();
    await a.page.locator('#notes .note-item', { hasText: note }).waitFor({ timeout: 10_000 });
    await b.page.locator('#notes .note-item', { hasText: note }).waitFor({ timeout: 10_000 });

    await a.page.locator('#incident-panel .close-btn').click();
    await a.page.locator('#incident-panel input[name=reason]').fill('险情排除');
    await a.page.locator('#incident-panel button', { hasText: '确认关闭' }).click();
    await a.page.locator('#incident-panel .incident[data-status="closed"]').waitFor({ timeout: 10_000 });
    assert.match(await a.page.locator('#incident-panel .closed-note').innerText(), /险情排除/);
    // gone from the open list of the second browser; its panel says closed
    await b.page.locator(`#incident-list .incident-item[data-id="${incidentId}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    await b.page.locator('#incident-panel .incident[data-status="closed"]').waitFor({ timeout: 10_000 });
    // the assigned team still shows and can come back
    await a.page.locator(`#units .status-btn[data-team="${teamId}"][data-next="returning"]`).click();
    await a.page.locator(`#units .unit[data-team="${teamId}"][data-status="returning"]`).waitFor({ timeout: 10_000 });
    await a.page.locator(`#units .status-btn[data-team="${teamId}"][data-next="available"]`).click();
    await a.page.locator(`#units .unit[data-team="${teamId}"][data-status="available"]`).waitFor({ timeout: 10_000 });
  });

  let drillId = null;

  it('starts a drill scenario: the drill banner shows, drills are listed apart, injects arrive', async () => {
    const { page } = a;
    await page.locator('#incident-panel .panel-close').click();
    await page.locator('.tabs [data-tab=drill]').click();
    const scenario = page.locator('#scenario-list .scenario').first();
    await scenario.waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#drill-banner').isVisible(), false, 'drill banner shown before any drill');
    await page.locator('#drill-pane select[name=speed]').selectOption('60');
    await scenario.locator('.start-btn').click();

    const banner = page.locator('#drill-banner');
    await banner.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await banner.innerText(), /演习 DRILL/);
    const box = await banner.boundingBox();
    assert.ok(box.width > 1000 && box.y < 5 && box.height >= 40, `drill banner not across the top: ${JSON.stringify(box)}`);
    const bg = await banner.evaluate((e) => getComputedStyle(e).backgroundImage);
    assert.match(bg, /repeating-linear-gradient/);

    const panel = page.locator('#incident-panel .incident');
    await panel.waitFor({ timeout: 10_000 });
    drillId = Number(await panel.getAttribute('data-id'));
    assert.match(await page.locator('#incident-panel .inc-chips').innerText(), /演习 DRILL/);
    // listed with the drills, not with the real incidents
    await page.locator(`#drill-list .incident-item[data-id="${drillId}"]`).waitFor({ timeout: 10_000 });
    const real = await api('/incidents?status=all&drill=false');
    assert.ok(!real.data.incidents.some((i) => i.id === drillId), 'the drill is listed as a real incident');
    // the controller fires the next inject: it shows as a toast and in the panel
    await page.locator('#next-inject').click();
    await page.locator('.toast-inject').first().waitFor({ timeout: 10_000 });
    await page.locator('#injects .inject').first().waitFor({ timeout: 10_000 });
    // the real-mode screen next door shows no drill banner and no drill inject
    assert.equal(await b.page.locator('#drill-banner').isVisible(), false);
    assert.equal(await b.page.locator('.toast-inject').count(), 0);
    await page.waitForFunction((id) => window.lookoutMap.queryRenderedFeatures({ layers: ['inc-zones-fill'] })
      .some((f) => f.properties.incident === id), drillId, { timeout: 15_000 });
    await screenshot(page, 'drill.png');
  });

  it('replays the drill record with the time slider and opens the after-action report', async () => {
    const { page, context } = a;
    // a drill team dispatched now, so the replay has a unit status to show and then not to show
    const rec = await api(`/incidents/${drillId}/recommendation?k=1`);
    const drillTeam = rec.data.teams[0].id;
    const beforeDispatch = new Date(Date.now() - 500).toISOString();
    await new Promise((r) => setTimeout(r, 1200));
    await page.locator(`#team-list .dispatch-btn[data-team="${drillTeam}"]`).click();
    await page.locator(`#units .unit[data-team="${drillTeam}"]`).waitFor({ timeout: 10_000 });
    // the drill status is drawn on the map without touching the real one
    await page.waitForFunction((id) => window.lookoutMap.getFeatureState({ source: 'rescue_teams', sourceLayer: 'rescue_teams', id }).status === 'dispatched',
      drillTeam, { timeout: 10_000 });
    const real = await api(`/collections/rescue_teams/items/${drillTeam}`);
    assert.equal(real.data.properties.status, 'available', 'a drill dispatch changed the real team status');

    // slider to the very start: before the dispatch, the unit is not on task
    await page.waitForFunction(() => !document.querySelector('#replay-slider').disabled, null, { timeout: 10_000 });
    await page.locator('#replay-slider').fill('1');
    await page.locator('#replay-bar.active').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('#replay-time').innerText(), /回放/);
    const t0 = await page.evaluate(() => window.lookout.replay().at);
    assert.ok(t0 < beforeDispatch, `replay time ${t0} not before the dispatch ${beforeDispatch}`);
    await page.waitForFunction((id) => window.lookoutMap.getFeatureState({ source: 'rescue_teams', sourceLayer: 'rescue_teams', id }).status !== 'dispatched',
      drillTeam, { timeout: 10_000 });
    assert.match(await page.locator('#incident-panel .inc-chips').innerText(), /回放/);
    await screenshot(page, 'replay.png');
    // back to live: the unit is dispatched again
    await page.locator('#replay-bar .live-btn').click();
    await page.waitForFunction(() => !window.lookout.replay());
    await page.waitForFunction((id) => window.lookoutMap.getFeatureState({ source: 'rescue_teams', sourceLayer: 'rescue_teams', id }).status === 'dispatched',
      drillTeam, { timeout: 10_000 });

    // after-action report in a new tab
    await page.locator(`#incident-panel .incident[data-id="${drillId}"]`).waitFor({ timeout: 10_000 });
    const [report] = await Promise.all([context.waitForEvent('page'), page.locator('#incident-panel .report-btn').first().click()]);
    await report.waitForLoadState('load');
    // in the map's language (Chinese here)
    assert.match(report.url(), new RegExp(`/incidents/${drillId}/report\\.html\\?lang=zh$`));
    const text = await report.locator('body').innerText();
    assert.ok(text.length > 100, 'empty report');
    assert.match(text, /事后评估报告/);
    assert.doesNotMatch(text, /After-action report/);
    await report.close();
  });

  it('planner: draws where hazmat teams reach in 30 minutes, lists what is left outside, exports the map as PNG', async () => {
    const { page } = a;
    await page.locator('.mode-switch [data-mode=real]').click();
    await page.waitForFunction(() => document.getElementById('drill-banner').hidden);
    // the drill's panel closed with the switch to real incidents
    await page.locator('#incident-panel').waitFor({ state: 'hidden', timeout: 5000 });
    await page.evaluate(() => window.lookoutMap.fitBounds([[110.2, 34.6], [114.6, 40.8]], { padding: 24, duration: 0 }));
    await page.locator('.tabs [data-tab=planner]').click();
    await page.locator('#planner-form select[name=kind]').selectOption('hazmat');
    await page.locator('#planner-form input[name=minutes]').fill('30');
    await page.locator('#planner-form button[type=submit]').click();
    const result = page.locator('#coverage-result .coverage-summary');
    await result.waitFor({ timeout: 60_000 });
    assert.match(await result.innerText(), /30 分钟内可达/);
    const outside = await page.locator('#coverage-result .outside[data-collection="enterprises"]').innerText();
    assert.match(outside, /时限外的企业（[\d,]+）/);
    assert.ok(await page.locator('#coverage-result .outside[data-collection="enterprises"] li').count() > 0);
    await waitForIdle(page);
    assert.ok(await page.evaluate(() => window.lookoutMap.queryRenderedFeatures({ layers: ['cov-fill'] }).length > 0), 'coverage area not drawn');
    await screenshot(page, 'planner.png');

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.locator('#export-png').click()]);
    assert.match(download.suggestedFilename(), /^lookout-map-\d{8}-\d{6}\.png$/);
    const file = await download.path();
    const { readFileSync } = await import('node:fs');
    const png = readFileSync(file);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'not a PNG');
    assert.ok(png.length > 50_000, `PNG too small (${png.length} bytes): blank map?`);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(path.join(OUT, 'export.png'), png);
  });

  it('says an "11+" zone can reach further, in the panel and on the map', async () => {
    // ERG 2020 Table 3: sulphur dioxide, rail tank car, low wind, by day: "11+" km.
    const { status, data } = await api('/incidents', {
      method: 'POST',
      body: {
        kind: 'leak', title: '浏览器测试·二氧化硫铁路罐车', location: [112.3, 37.6], substance: 'sulphur_dioxide',
        spill: 'large', container: 'rail_tank_car', weather: { wind_from_deg: 0, wind_speed_ms: 1.5, daytime: true },
      },
    });
    assert.equal(status, 201, JSON.stringify(data));
    const { page } = b;
    await page.locator('.tabs [data-tab=incidents]').click();
    const item = page.locator(`#incident-list .incident-item[data-id="${data.id}"]`);
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await item.click();
    const open = page.locator('#zone-list .zone[data-tier=protective_action] .zone-open');
    await open.waitFor({ timeout: 10_000 });
    assert.match(await open.innerText(), /至少 11 km，可能更远/);
    assert.match(await page.locator('#zone-list .zone[data-tier=protective_action] .zone-label').innerText(), /下风向至少 11000 m，可能更远/);
    await page.evaluate((c) => window.lookoutMap.jumpTo({ center: c, zoom: 10 }), [112.3, 37.55]);
    await waitForIdle(page);
    await page.waitForFunction((id) => window.lookoutMap.queryRenderedFeatures({ layers: ['inc-zones-open'] })
      .some((f) => f.properties.incident === id && /11 km/.test(f.properties.open_label)), data.id, { timeout: 15_000 });
    const closed = await api(`/incidents/${data.id}/close`, { method: 'POST', body: { reason: 'browser test done' } });
    assert.ok(closed.status < 300, JSON.stringify(closed.data));
  });

  it('had no error in either browser', async () => {
    assert.deepEqual(a.problems, [], 'errors in the first browser');
    assert.deepEqual(b.problems, [], 'errors in the second browser');
    for (const p of [a.page, b.page]) assert.deepEqual(await p.evaluate(() => [...window.lookout.missingKeys]), [], 'UI strings missing from i18n.js');
  });
});
