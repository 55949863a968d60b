#!/usr/bin/env node
// Page weight and load times of the command map in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core, as the browser tests): for each
// URL given, N cold loads (a fresh browser context each: no cache), measuring
//   bytes      what went over the wire until the map is ready (encoded sizes)
//   requests   how many
//   frame_ms   time to the first map frame after the style loaded
//   ready_ms   time to idle: body[data-ready] (the visible layers' tiles drawn)
//   search_kB  bytes fetched from typing "太原" in the search box, after ready
// then a return visit in the same browser (its cache kept):
//   again_kB, again_requests, again_304  what still went over the wire, how
//              many requests did, and how many only to hear "not modified"
//   again_ready_ms  time to idle on the return visit
// and the medians. Usage:
//   node scripts/bench-map.mjs [--runs 5] name=http://127.0.0.1:8080 [name2=url2 …]
// Give two servers (before/after) in one run so they share the machine's load.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { chromium } = await import(path.resolve(HERE, '../web/node_modules/playwright-core/index.mjs'));
const ARGS = ['--headless', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const argv = process.argv.slice(2);
let runs = 5;
const targets = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') runs = Number(argv[++i]);
  else {
    const [name, url] = argv[i].split('=');
    targets.push({ name, url: url.replace(/\/+$/, '') });
  }
}
if (!targets.length) {
  console.error('usage: node scripts/bench-map.mjs [--runs 5] name=http://host:port …');
  process.exit(2);
}

// Records the first frame MapLibre renders after its style loaded.
const FIRST_FRAME = () => {
  let lib;
  Object.defineProperty(window, 'maplibregl', {
    configurable: true,
    get: () => lib,
    set: (v) => {
      const Base = v.Map;
      v.Map = class extends Base {
        constructor(...a) {
          super(...a);
          this.once('load', () => this.once('render', () => { window.__firstFrame = performance.now(); }));
        }
      };
      lib = v;
    },
  });
};

async function once(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await context.addInitScript(FIRST_FRAME);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // a new context starts with an empty cache: the first load is cold
  let bytes = 0;
  let requests = 0;
  let notModified = 0;
  const cached = new Set();
  cdp.on('Network.requestServedFromCache', (e) => cached.add(e.requestId));
  cdp.on('Network.responseReceived', (e) => { if (e.response.status === 304) notModified += 1; });
  cdp.on('Network.loadingFinished', (e) => {
    if (cached.has(e.requestId)) return;
    bytes += e.encodedDataLength;
    requests += 1;
  });
  await page.goto(`${url}/map/`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 120_000 });
  const t = await page.evaluate(() => ({ frame: window.__firstFrame ?? null, ready: window.lookout?.readyAt ?? null }));
  const loaded = { bytes, requests };
  await page.locator('#search').click();
  await page.locator('#search').fill('太原');
  await page.waitForTimeout(1500);
  const search = bytes - loaded.bytes;
  // the return visit: the same browser, its cache kept
  const before = { bytes, requests, notModified };
  await page.goto(`${url}/map/`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 120_000 });
  const again = await page.evaluate(() => window.lookout?.readyAt ?? null);
  const revisit = { again_kB: (bytes - before.bytes) / 1024, again_requests: requests - before.requests, again_304: notModified - before.notModified, again_ready_ms: again };
  await context.close();
  return { ...loaded, frame_ms: t.frame, ready_ms: t.ready, search_kB: search / 1024, ...revisit };
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: ARGS });
const results = Object.fromEntries(targets.map((x) => [x.name, []]));
for (let r = 0; r < runs; r++) {
  // alternate, so both see the same load on the machine
  for (const x of targets) results[x.name].push(await once(browser, x.url));
}
await browser.close();
for (const x of targets) {
  const rs = results[x.name];
  const m = (k) => median(rs.map((v) => v[k]));
  console.log(`${x.name}: runs=${rs.length} bytes=${(m('bytes') / 1024).toFixed(0)} kB requests=${m('requests')} `
    + `first_frame=${m('frame_ms')?.toFixed(0)} ms ready=${m('ready_ms')?.toFixed(0)} ms search=${m('search_kB').toFixed(0)} kB | `
    + `return visit: ${m('again_kB').toFixed(0)} kB requests=${m('again_requests')} 304s=${m('again_304')} ready=${m('again_ready_ms')?.toFixed(0)} ms`);
}
