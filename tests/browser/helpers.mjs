// Shared set-up of the browser tests: Debian's chromium through playwright-core
// (never a downloaded browser), a page that records every problem, and small
// helpers that run in the page (functions passed to page.evaluate).
//
// LOOKOUT_URL must point at a running Lookout server. A missing browser,
// playwright-core or LOOKOUT_URL fails the tests; nothing is skipped.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const OUT = path.join(HERE, 'out');
const PLAYWRIGHT = path.resolve(HERE, '../../web/node_modules/playwright-core/index.mjs');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const BASE = (process.env.LOOKOUT_URL || '').replace(/\/+$/, '');

// MapLibre (WebGL 2) in headless Debian chromium without a GPU: SwiftShader, software GL.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const READY_TIMEOUT = 90_000;

/** Debian's chromium; `base` is the server the test needs (LOOKOUT_URL unless the test names another). */
export async function launch({ base = BASE } = {}) {
  assert.ok(base, 'LOOKOUT_URL is not set (e.g. LOOKOUT_URL=http://127.0.0.1:18080)');
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install -y chromium`);
  assert.ok(existsSync(PLAYWRIGHT), 'playwright-core missing: run `npm ci` in web/');
  const { chromium } = await import(PLAYWRIGHT);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A new page (in its own browser context, so two pages are two independent
 * browsers) that records console errors, page errors, failed requests and
 * HTTP errors into `problems`, and every requested URL into `requests`.
 */
export async function openPage(browser, { path: at = '/map/', lang = null, viewport = { width: 1600, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, acceptDownloads: true });
  if (lang) await context.addInitScript((l) => localStorage.setItem('lookout.lang', l), lang);
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('request', (req) => requests.push(req.url()));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`));
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText ?? '';
    const p = new URL(req.url()).pathname;
    // MapLibre cancels tile requests that a zoom, pan or refresh made useless; the event stream ends with the page
    if (error.includes('ERR_ABORTED') && (p.startsWith('/tiles/') || p === '/events/stream')) return;
    problems.push(`request failed: ${req.url()} ${error}`);
  });
  page.on('response', (r) => r.status() >= 400 && !page.expectedErrors?.(r) && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  const started = Date.now();
  await page.goto(`${BASE}${at}`, { waitUntil: 'load' });
  await page.waitForFunction(
    () => document.body.dataset.ready === 'true' || document.body.dataset.error === 'true',
    null,
    { timeout: READY_TIMEOUT },
  );
  const banner = await page.locator('#banner').textContent();
  assert.notEqual(await page.evaluate(() => document.body.dataset.error), 'true', `the map failed to load: ${banner}`);
  await waitForIdle(page);
  return { page, context, problems, requests, wallMs: Date.now() - started };
}

export async function waitForIdle(page) {
  await page.evaluate(
    () => new Promise((resolve) => {
      const map = window.lookoutMap;
      if (!map) return resolve();
      map.once('idle', resolve);
      map.triggerRepaint();
    }),
  );
}

export async function screenshot(page, name) {
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, name) });
}

/** Copies the WebGL canvas right after a frame is drawn and counts its colours. */
export function canvasStats() {
  return new Promise((resolve) => {
    const map = window.lookoutMap;
    map.once('render', () => {
      const src = map.getCanvas();
      const copy = document.createElement('canvas');
      copy.width = src.width;
      copy.height = src.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(src, 0, 0);
      const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
      const colours = new Set();
      let painted = 0;
      let riskRed = 0;
      let samples = 0;
      let sum = 0;
      let sum2 = 0;
      for (let i = 0; i < data.length; i += 4 * 7) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        samples++;
        colours.add((r >> 3) << 10 | (g >> 3) << 5 | (b >> 3));
        if (Math.abs(r - 0x0a) + Math.abs(g - 0x12) + Math.abs(b - 0x20) > 12) painted++;
        if (r > 200 && g < 40 && b < 40) riskRed++;
        const lum = 0.3 * r + 0.59 * g + 0.11 * b;
        sum += lum;
        sum2 += lum * lum;
      }
      const mean = sum / samples;
      resolve({ colours: colours.size, painted: painted / samples, riskRed, variance: sum2 / samples - mean * mean });
    });
    map.triggerRepaint();
  });
}

/**
 * A feature (or cluster) of `source` drawn on screen that is the top clickable
 * feature where it is drawn, away from the map's edges and the overlays.
 */
export function clickableFeature({ source, cluster = false }) {
  const map = window.lookoutMap;
  const layerIds = window.lookout.layers.get(source).layerIds;
  const canvas = map.getCanvas().getBoundingClientRect();
  const seen = new Set();
  const drawn = map.queryRenderedFeatures({ layers: layerIds })
    .filter((f) => Boolean(f.properties.cluster) === cluster && f.geometry.type === 'Point')
    .filter((f) => !seen.has(f.id) && seen.add(f.id));
  const interactive = [...window.lookout.layers.values()].filter((e) => e.visible).flatMap((e) => e.layerIds);
  const blocked = [...document.querySelectorAll('.replay-bar, .feature-panel:not([hidden]), .badge, .maplibregl-ctrl')]
    .map((n) => n.getBoundingClientRect());
  for (const f of drawn) {
    const p = map.project(f.geometry.coordinates);
    if (p.x < 40 || p.y < 70 || p.x > canvas.width - 80 || p.y > canvas.height - 70) continue;
    const x = canvas.left + p.x;
    const y = canvas.top + p.y;
    if (blocked.some((b) => x >= b.left - 8 && x <= b.right + 8 && y >= b.top - 8 && y <= b.bottom + 8)) continue;
    // the same box as a click takes (map-clicks.js, featuresNear: 5 px round the point)
    const [top] = map.queryRenderedFeatures([[p.x - 5, p.y - 5], [p.x + 5, p.y + 5]], { layers: interactive });
    if (top?.layer.source === source && top.id === f.id && Boolean(top.properties.cluster) === cluster) {
      return { x: p.x, y: p.y, id: f.id, name: f.properties.name ?? null, count: f.properties.count ?? null };
    }
  }
  return null;
}

export async function clickMap(page, target) {
  const canvas = await page.locator('canvas.maplibregl-canvas').boundingBox();
  await page.mouse.click(canvas.x + target.x, canvas.y + target.y);
}

/** Screen position (relative to the canvas) of a lon/lat. */
export async function project(page, lngLat) {
  return page.evaluate((ll) => {
    const p = window.lookoutMap.project(ll);
    return { x: p.x, y: p.y };
  }, lngLat);
}

export function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs `fn` as a test only after a shared set-up; a failed set-up fails every test (not skipped). */
export function guarded(itBase, getError) {
  return (name, fn) => itBase(name, async () => {
    const err = getError();
    if (err) throw err;
    await fn();
  });
}

export async function api(pathname, { method = 'GET', body } = {}) {
  const res = await fetch(`${BASE}${pathname}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { status: res.status, data };
}
