// Browser test of sign-in, roles and CSRF (docs/security.md) against a server
// that runs WITHOUT --dev-open, with one user per role made by the command
// line (`lookout user add t-<role> --role <role> --password-stdin`: admin,
// dispatcher, viewer, planner; the planner is disabled on the way), all with
// the password in LOOKOUT_AUTH_PASSWORD:
//
//   LOOKOUT_AUTH_URL=http://127.0.0.1:18081 LOOKOUT_AUTH_PASSWORD=… node --test tests/browser/auth.test.mjs
//
// - a wrong password, and too many attempts (429), say so on the sign-in page;
// - a dispatcher signs in and dispatches a team;
// - a viewer sees no action they may not take, and the API refuses (403) a
//   write made from the page's own script; signing out returns to the page;
// - an admin sees the audit panel, with the dispatch in it, filtered and paged;
// - an admin adds a user (who then signs in with that role and scope), and
//   creates an API token (its secret shown once) and revokes it;
// - a planner's session ends when an admin disables them: the sign-in page
//   shows over the map; another user who signs in gets a fresh page;
// - a page from another origin, in the same browser as a signed-in
//   dispatcher, cannot create an incident (fetch and form POSTs): nothing is stored.
//
// Screenshots in tests/browser/out/: login.png, login-error.png, viewer.png, audit.png, users.png.

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  launch, READY_TIMEOUT, screenshot, guarded, waitForIdle,
} from './helpers.mjs';

const BASE = (process.env.LOOKOUT_AUTH_URL || '').replace(/\/+$/, '');
const PASSWORD = process.env.LOOKOUT_AUTH_PASSWORD || '';
const user = (role) => `t-${role}`;
const LINFEN = [111.52, 36.08];

/** The server's API as a script with a session would call it (no Origin: not a browser). */
class Session {
  static async signIn(username, password = PASSWORD) {
    const res = await fetch(`${BASE}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    assert.equal(res.status, 200, `sign-in of ${username}: HTTP ${res.status} ${await res.clone().text()}`);
    const body = await res.json();
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    assert.match(cookie, /^lookout_session=/, 'no session cookie');
    return Object.assign(new Session(), { cookie, csrf: body.csrf_token, user: body.user });
  }

  async call(pathname, { method = 'GET', body } = {}) {
    const headers = { cookie: this.cookie, accept: 'application/json' };
    if (method !== 'GET') headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${BASE}${pathname}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let data = text;
    try {
      data = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, data };
  }
}

/** A new browser (context) on the sign-in page, recording problems other than the expected refusals. */
async function openSignedOut(browser, { lang = null, viewport = { width: 1600, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  if (lang) await context.addInitScript((l) => localStorage.setItem('lookout.lang', l), lang);
  const page = await context.newPage();
  const problems = [];
  // expected: 401 before sign-in and after sign-out, the refusals the tests provoke
  page.expected = (status) => status === 401 || status === 403 || status === 429;
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of (401|403|429)/.test(msg.text())) return;
    problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (r) => r.status() >= 400 && !page.expected(r.status(), r) && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(`${BASE}/map/`, { waitUntil: 'load' });
  await page.locator('#login-form').waitFor({ state: 'visible', timeout: 30_000 });
  return { context, page, problems };
}

async function signIn(page, username, password = PASSWORD) {
  const form = page.locator('#login-form');
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=password]').fill(password);
  await form.locator('button[type=submit]').click();
}

async function waitForMap(page) {
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || document.body.dataset.error === 'true', null, { timeout: READY_TIMEOUT });
  const error = await page.evaluate(() => document.body.dataset.error === 'true' && document.getElementById('banner').textContent);
  assert.equal(error, false, `the map failed to load: ${error}`);
  await waitForIdle(page);
}

async function openIncident(page, id) {
  await page.locator('.tabs [data-tab=incidents]').click();
  await page.locator(`#incident-list .incident-item[data-id="${id}"]`).click();
  await page.locator(`#incident-panel .incident[data-id="${id}"]`).waitFor({ timeout: 15_000 });
}

describe('Lookout sign-in, roles, audit and CSRF', () => {
  let browser;
  let setupError = null;
  let dispatcherApi;
  let incidentId;
  let teamId;
  const pages = [];

  before(async () => {
    try {
      assert.ok(BASE, 'LOOKOUT_AUTH_URL is not set (a server without --dev-open, with the t-<role> users)');
      assert.ok(PASSWORD, 'LOOKOUT_AUTH_PASSWORD is not set');
      browser = await launch({ base: BASE });
      const me = await fetch(`${BASE}/auth/me`);
      assert.equal(me.status, 401, 'the server for this test must not run with --dev-open');
      dispatcherApi = await Session.signIn(user('dispatcher'));
      const opened = await dispatcherApi.call('/incidents', {
        method: 'POST',
        body: {
          kind: 'leak', title: `登录测试·临汾氨泄漏 ${new Date().toISOString().slice(11, 19)}`, location: LINFEN, substance: 'ammonia',
          weather: { wind_from_deg: 270, wind_speed_ms: 3, daytime: true },
        },
      });
      assert.equal(opened.status, 201, `POST /incidents as the dispatcher: ${JSON.stringify(opened.data)}`);
      incidentId = opened.data.id;
    } catch (err) {
      setupError = err;
    }
  });

  const it = guarded(itBase, () => setupError);

  after(async () => {
    await browser?.close();
  });

  it('shows the sign-in page in Chinese and English, and says so on a wrong password', async () => {
    const s = await openSignedOut(browser);
    pages.push(s);
    const { page } = s;
    assert.match(await page.locator('#login-form h2').innerText(), /登录/);
    assert.notEqual(await page.evaluate(() => document.body.dataset.ready), 'true', 'the map started before sign-in');
    await screenshot(page, 'login.png');
    await page.locator('#login-lang').click();
    assert.match(await page.locator('#login-form h2').innerText(), /Sign in/);
    assert.match(await page.locator('#login-form').innerText(), /User name[\s\S]*Password/);
    await page.locator('#login-lang').click();
    await signIn(page, user('viewer'), `${PASSWORD}-wrong`);
    await page.locator('#login-error').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await page.locator('#login-error').innerText(), /用户名或密码错误/);
    assert.equal(await page.locator('#login-form input[name=password]').inputValue(), '', 'the wrong password stays in the field');
    await screenshot(page, 'login-error.png');
    // too many attempts: past 5 failures of one user name the server answers 429 with
    // Retry-After, and the page says how long to wait (a name of its own, so the
    // test users are not locked out)
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${BASE}/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 't-locked', password: 'wrong' }),
      });
      assert.equal(res.status, 401);
    }
    await signIn(page, 't-locked', 'wrong again');
    await page.waitForFunction(() => /\d+ 秒/.test(document.getElementById('login-error')?.textContent ?? ''), null, { timeout: 10_000 });
    assert.match(await page.locator('#login-error').innerText(), /登录失败次数过多，请在 \d+ 秒后重试/);
    await s.context.close();
  });

  it('signs a dispatcher in, shows their name and role, and dispatches a team', async () => {
    const s = await openSignedOut(browser);
    pages.push(s);
    const { page } = s;
    await signIn(page, user('dispatcher'));
    await waitForMap(page);
    assert.match(await page.locator('#user-box').innerText(), new RegExp(`${user('dispatcher')}[\\s\\S]*值班员`));
    assert.equal(await page.locator('#sign-out').isVisible(), true);
    assert.equal(await page.locator('#dev-open-banner').isVisible(), false);
    assert.equal(await page.locator('#new-incident').count(), 1, 'a dispatcher may open incidents');
    await openIncident(page, incidentId);
    const button = page.locator('#team-list .dispatch-btn').first();
    await button.waitFor({ timeout: 30_000 });
    teamId = Number(await button.getAttribute('data-team'));
    await button.click();
    await page.locator(`#units .unit[data-team="${teamId}"]`).waitFor({ timeout: 15_000 });
    const stored = await dispatcherApi.call(`/incidents/${incidentId}`);
    assert.ok(stored.data.units.some((u) => u.team === teamId), 'the dispatch is not stored');
    // the unit's status buttons are offered to a dispatcher
    assert.ok(await page.locator(`#units .status-btn[data-team="${teamId}"]`).count() > 0);
    assert.deepEqual(s.problems, []);
  });

  it('shows a viewer no action a viewer may not take, and the API refuses a write from the page', async () => {
    const s = await openSignedOut(browser);
    pages.push(s);
    const { page } = s;
    await signIn(page, user('viewer'));
    await waitForMap(page);
    assert.match(await page.locator('#user-box').innerText(), new RegExp(`${user('viewer')}[\\s\\S]*只读用户`));
    assert.equal(await page.locator('#new-incident').count(), 0, 'the new-incident button is there for a viewer');
    await openIncident(page, incidentId);
    // the recommendation is read (a viewer may see it) but nothing in the panel acts
    await page.locator('#team-list .team').first().waitFor({ timeout: 30_000 });
    for (const sel of ['.dispatch-btn', '.status-btn', '.note-form', '.edit-form', '.close-btn', '#next-inject']) {
      assert.equal(await page.locator(`#incident-panel ${sel}`).count(), 0, `${sel} is there for a viewer`);
    }
    assert.equal(await page.locator(`#units .unit[data-team="${teamId}"]`).count(), 1, 'the viewer does not see the dispatched unit');
    assert.equal(await page.locator('#incident-list-pane .btn.danger').count(), 0, 'the incident list offers a new incident');
    await page.locator('.tabs [data-tab=drill]').click();
    await page.locator('#scenario-list .scenario').first().waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#scenario-list .start-btn').count(), 0, 'a viewer may start a drill');
    assert.equal(await page.locator('.tabs [data-tab=audit]').count(), 0, 'a viewer sees the audit tab');
    await screenshot(page, 'viewer.png');

    // the page's own script, with the session and its CSRF token: refused by role
    const refused = await page.evaluate(async ([id, team]) => {
      const { api } = await import('./util.js');
      try {
        await api(`/incidents/${id}/dispatch`, { method: 'POST', body: { teams: [team + 1] } });
        return { status: 'stored' };
      } catch (err) {
        return { status: err.status, message: err.message };
      }
    }, [incidentId, teamId]);
    assert.equal(refused.status, 403, JSON.stringify(refused));
    assert.match(refused.message, /无权限.*只读用户/);
    // and a raw fetch without the token (the cookie alone) is refused too
    const raw = await page.evaluate(async () => (await fetch('/incidents', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'fire', location: [112.5, 37.8] }),
    })).status);
    assert.equal(raw, 403);
    const after = await dispatcherApi.call(`/incidents/${incidentId}`);
    assert.equal(after.data.units.length, 1, 'the viewer\'s dispatch was stored');

    // sign out: the sign-in page again, and the session is over
    await page.locator('#sign-out').click();
    await page.locator('#login-form').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await page.evaluate(async () => (await fetch('/auth/me')).status), 401);
    assert.equal(await page.locator('#user-box').isVisible(), false);
    assert.deepEqual(s.problems, []);
    await s.context.close();
  });

  it('shows an admin the audit panel with the dispatch in it, filtered by user and type', async () => {
    const s = await openSignedOut(browser, { lang: 'zh' });
    pages.push(s);
    const { page } = s;
    await signIn(page, user('admin'));
    await waitForMap(page);
    await page.locator('.tabs [data-tab=audit]').click();
    const rows = page.locator('#audit-table .audit-row');
    await rows.first().waitFor({ timeout: 15_000 });
    const all = await rows.evaluateAll((els) => els.map((e) => ({ type: e.dataset.type, user: e.querySelector('.audit-user').textContent })));
    assert.ok(all.some((r) => r.type === 'unit_dispatched' && r.user === user('dispatcher')), `no dispatch by the dispatcher: ${JSON.stringify(all.slice(0, 20))}`);
    assert.ok(all.some((r) => r.type === 'signed_in' && r.user === user('admin')) || all.some((r) => r.type === 'signed_in'), 'no sign-in listed');
    // filter: the dispatcher's dispatches only
    const form = page.locator('#audit-filter');
    await form.locator('input[name=user]').fill(user('dispatcher'));
    await form.locator('select[name=type]').selectOption('unit_dispatched');
    await form.locator('button[name=apply]').click();
    await page.waitForFunction(() => {
      const r = [...document.querySelectorAll('#audit-table .audit-row')];
      return document.getElementById('audit-pane').dataset.loading === 'false' && r.length > 0 && r.every((x) => x.dataset.type === 'unit_dispatched');
    }, null, { timeout: 15_000 });
    const filtered = await rows.evaluateAll((els) => els.map((e) => [e.dataset.type, e.querySelector('.audit-user').textContent, e.querySelector('.audit-time').textContent]));
    assert.ok(filtered.length >= 1);
    for (const [type, who, time] of filtered) {
      assert.equal(type, 'unit_dispatched');
      assert.equal(who, user('dispatcher'));
      assert.ok(time.length > 0, 'no time');
    }
    assert.match(await page.locator('#audit-table thead').innerText(), /时间[\s\S]*用户[\s\S]*令牌[\s\S]*类型[\s\S]*摘要/);
    await screenshot(page, 'audit.png');
    // a type nothing has: the empty note
    await form.locator('select[name=type]').selectOption('token_revoked');
    await form.locator('button[name=apply]').click();
    await page.locator('#audit-pane .empty').waitFor({ timeout: 15_000 });
    assert.deepEqual(s.problems, []);
    await s.context.close();
  });

  it('field staff on a phone: a user linked to a team sees the incident the team is dispatched to', async () => {
    const admin = await Session.signIn(user('admin'));
    // a team nobody else in this file dispatches: the last of the first page
    const teams = await dispatcherApi.call('/collections/rescue_teams/items?limit=50');
    const team = teams.data.features.at(-1);
    const made = await admin.call('/users', {
      method: 'POST', body: { username: 'field-web', password: 'a long password 34', role: 'viewer', team: team.id },
    });
    assert.equal(made.status, 201, JSON.stringify(made.data));
    assert.equal(made.data.team, team.id);
    const sent = await dispatcherApi.call(`/incidents/${incidentId}/dispatch`, { method: 'POST', body: { teams: [team.id] } });
    assert.equal(sent.status, 200, JSON.stringify(sent.data));

    const s = await openSignedOut(browser, { lang: 'zh', viewport: { width: 390, height: 844 } });
    pages.push(s);
    const { page } = s;
    await signIn(page, 'field-web', 'a long password 34');
    await waitForMap(page);
    // the phone opens the team's incident by itself, and the chip names the team and its task
    await page.locator(`#incident-panel .incident[data-id="${incidentId}"]`).waitFor({ timeout: 15_000 });
    const chip = page.locator('#field-team');
    assert.match(await chip.innerText(), new RegExp(`已调派[\\s\\S]*事件 #${incidentId}`));
    assert.equal(await chip.getAttribute('data-incident'), String(incidentId));
    // a viewer's new-incident banner has no acknowledge button (and no stray "null" in its place)
    assert.doesNotMatch(await page.locator('#alert-banners').innerText(), /null/);
    const box = await page.locator('canvas.maplibregl-canvas').boundingBox();
    assert.ok(box && box.width >= 380, `map ${box?.width} px wide on the phone`);
    await screenshot(page, 'field-phone.png');
    assert.deepEqual(s.problems, []);
    await s.context.close();
  });

  it('lets an admin add a user who then signs in with that role, and create and revoke an API token', async () => {
    const s = await openSignedOut(browser, { lang: 'zh' });
    pages.push(s);
    const { page } = s;
    page.on('dialog', (d) => d.accept());
    await signIn(page, user('admin'));
    await waitForMap(page);
    await page.locator('.tabs [data-tab=users]').click();
    await page.locator(`#users-table .users-row[data-username="${user('admin')}"]`).waitFor({ timeout: 15_000 });
    const form = page.locator('#users-add');
    // refused in place: a password too short, in the UI language
    await form.locator('input[name=username]').fill('zhang-web');
    await form.locator('input[name=password]').fill('short');
    await form.locator('button[name=add]').click();
    assert.match(await form.locator('.error-note').innerText(), /密码至少 10 个字符/);
    await form.locator('input[name=password]').fill('a long password 12');
    await form.locator('select[name=role]').selectOption('dispatcher');
    // a scope the map cannot read is refused in place
    await form.locator('input[name=scope]').fill('Taiyuan');
    await form.locator('button[name=add]').click();
    assert.match(await form.locator('.error-note').innerText(), /范围应为市名/);
    await form.locator('input[name=scope]').fill('太原市, 1');
    await form.locator('button[name=add]').click();
    const row = page.locator('#users-table .users-row[data-username="zhang-web"]');
    await row.waitFor({ timeout: 15_000 });
    assert.match(await row.locator('.users-scope').innerText(), /太原市[\s\S]*县 #1/);
    const zhang = await Session.signIn('zhang-web', 'a long password 12');
    assert.equal(zhang.user.role, 'dispatcher');
    assert.deepEqual(zhang.user.scope, { cities: ['太原市'], counties: [1] });
    // a token for a gateway: its secret shown once, working as a bearer until revoked
    const tokens = page.locator('#tokens-add');
    await tokens.locator('input[name=name]').fill('gateway-web');
    await tokens.locator('select[name=role]').selectOption('viewer');
    await tokens.locator('button[name=create]').click();
    const secret = (await page.locator('#token-secret').innerText({ timeout: 15_000 })).trim();
    assert.match(secret, /^lk_[0-9a-f]{64}$/);
    const asToken = () => fetch(`${BASE}/incidents`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);
    assert.equal(await asToken(), 200);
    const tokenRow = page.locator('#tokens-table .tokens-row', { hasText: 'gateway-web' });
    await tokenRow.locator('button[name=revoke]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('#tokens-table .tokens-row')]
      .some((r) => r.textContent.includes('gateway-web') && r.classList.contains('is-disabled')), null, { timeout: 15_000 });
    assert.equal(await asToken(), 401);
    await screenshot(page, 'users.png');
    assert.deepEqual(s.problems, []);
    await s.context.close();
  });

  it('refuses a page from another origin that tries to create an incident while a dispatcher is signed in', async () => {
    const before = await dispatcherApi.call('/incidents?status=all&drill=false');
    assert.equal(before.status, 200);
    const count = before.data.incidents.length;
    const evilTitle = 'CSRF 跨站伪造';
    const body = JSON.stringify({ kind: 'fire', title: evilTitle, location: [112.55, 37.87] });
    // another origin: the same host on another port (same site: the SameSite cookie goes with it)
    // and "localhost" (another site)
    const evil = http.createServer((req, res) => {
      if (req.url === '/evil.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(`
const target = ${JSON.stringify(BASE)};
const body = ${JSON.stringify(body)};
const results = [];
async function run() {
  for (const [name, init] of [
    ['text/plain', { headers: { 'content-type': 'text/plain' } }],
    ['no type', {}],
    ['json (preflight)', { headers: { 'content-type': 'application/json' } }],
  ]) {
    try {
      const r = await fetch(target + '/incidents', { method: 'POST', credentials: 'include', body, ...init });
      results.push(name + ': HTTP ' + r.status);
    } catch (e) {
      results.push(name + ': ' + e.name);
    }
    try {
      await fetch(target + '/incidents', { method: 'POST', credentials: 'include', mode: 'no-cors', body, ...init });
      results.push(name + ' no-cors: sent');
    } catch (e) {
      results.push(name + ' no-cors: ' + e.name);
    }
  }
  // a form POST: a JSON body smuggled in a text/plain form, into a frame
  const done = new Promise((resolve) => document.getElementById('sink').addEventListener('load', resolve, { once: true }));
  document.getElementById('evil-form').submit();
  await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  results.push('form: submitted');
  const out = document.getElementById('out');
  out.textContent = results.join('\\n');
  out.dataset.done = 'true';
}
run();
`);
        return;
      }
      const [name, value] = [body.slice(0, -1) + ', "x": "', '"}'];
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><meta charset="utf-8"><title>evil</title></head><body>
<form id="evil-form" method="POST" action="${BASE}/incidents" enctype="text/plain" target="sink">
<input type="hidden" name='${name.replace(/'/g, '&#39;')}' value='${value}'>
</form>
<iframe name="sink" id="sink"></iframe>
<pre id="out"></pre>
<script src="/evil.js"></script>
</body></html>`);
    });
    await new Promise((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const port = evil.address().port;
    const s = await openSignedOut(browser);
    try {
      const { page, context } = s;
      await signIn(page, user('dispatcher'));
      await waitForMap(page);
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        const other = await context.newPage();
        await other.goto(`${origin}/`, { waitUntil: 'load' });
        await other.locator('#out[data-done=true]').waitFor({ state: 'attached', timeout: 30_000 });
        const said = await other.locator('#out').textContent();
        assert.doesNotMatch(said, /HTTP 20\d/, `a cross-origin POST from ${origin} was answered: ${said}`);
        await other.close();
      }
      // the map itself still writes (its requests carry the token)
      const stillSignedIn = await page.evaluate(async () => (await fetch('/auth/me')).status);
      assert.equal(stillSignedIn, 200);
    } finally {
      await s.context.close();
      evil.close();
    }
    const afterList = await dispatcherApi.call('/incidents?status=all&drill=false');
    assert.equal(afterList.data.incidents.length, count, 'an incident was stored from another origin');
    assert.ok(!afterList.data.incidents.some((i) => i.title === evilTitle), 'the evil incident was stored');
  });

  it('returns to the sign-in page when the session ends (the user is disabled), and a new user gets a fresh map', async () => {
    const s = await openSignedOut(browser);
    pages.push(s);
    const { page } = s;
    await signIn(page, user('planner'));
    await waitForMap(page);
    assert.match(await page.locator('#user-box').innerText(), /规划员/);
    // a planner's map starts in planner mode: the risk preset, the grid on, the teams off
    const start = await page.evaluate(() => ({ preset: window.lookout.presets.current(), grid: window.lookout.layers.get('risk_grid')?.visible, teams: window.lookout.layers.get('rescue_teams')?.visible }));
    assert.deepEqual(start, { preset: 'risk', grid: true, teams: false });
    // a planner edits registers but does not respond: no new incident, no dispatch
    assert.equal(await page.locator('#new-incident').count(), 0);
    await openIncident(page, incidentId);
    await page.locator('#team-list .team').first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#incident-panel .dispatch-btn').count(), 0, 'a planner may dispatch');
    // an admin disables the planner: their next request is 401 and the sign-in page shows over the map
    const admin = await Session.signIn(user('admin'));
    const disabled = await admin.call(`/users/${user('planner')}`, { method: 'PATCH', body: { disabled: true } });
    assert.ok(disabled.status < 300, `PATCH /users/${user('planner')}: ${JSON.stringify(disabled.data)}`);
    await page.locator('.tabs [data-tab=drill]').click();
    await page.locator('#login-form').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await page.locator('#login-form .login-note').innerText(), /会话已结束/);
    assert.equal(await page.locator('#login-form input[name=username]').inputValue(), user('planner'));
    // the disabled planner cannot come back
    await signIn(page, user('planner'));
    await page.waitForFunction(() => /用户名或密码错误/.test(document.getElementById('login-error')?.textContent ?? ''), null, { timeout: 10_000 });
    // another user signs in: a fresh page for them, with their own role
    await page.locator('#login-form input[name=username]').fill(user('viewer'));
    await page.locator('#login-form input[name=password]').fill(PASSWORD);
    await Promise.all([page.waitForEvent('load', { timeout: 30_000 }), page.locator('#login-form button[type=submit]').click()]);
    await waitForMap(page);
    assert.match(await page.locator('#user-box').innerText(), new RegExp(`${user('viewer')}[\\s\\S]*只读用户`));
    assert.deepEqual(s.problems, []);
    await s.context.close();
  });

  it('had no unexpected error in any browser', () => {
    for (const s of pages) assert.deepEqual(s.problems, []);
  });
});
