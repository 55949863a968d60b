// DEV AID ONLY — a fake Lookout server for developing and testing the browser
// map before (or without) the real Rust server. Not part of the product.
//
// It serves, like the real server will:
//   /map/                         -> web/ (index.html, app.js, style.css)
//   /map/vendor/maplibre-gl/...   -> web/node_modules/maplibre-gl/dist/...
//   /collections, /collections/{id}, /collections/{id}/items, /collections/{id}/items/{fid}
// with made-up, deterministic data: a jittered grid of fake "counties" over a
// rough Shanxi outline, exactly 80 hazard sources, and one collection the map
// does not know (monitoring_stations) to exercise the generic display.
//
//   node tests/browser/mock-server.mjs [--port 18081]    (MOCK_ENTERPRISES=12000 for paging)

import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WEB = path.resolve(HERE, '../../web');
const VENDOR = path.join(WEB, 'node_modules/maplibre-gl/dist');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

// ---------------------------------------------------------------- fake data

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20240601);
const pick = (list) => list[Math.floor(rand() * list.length)];
const between = (a, b) => a + rand() * (b - a);
const round = (x, d = 5) => Math.round(x * 10 ** d) / 10 ** d;

const OUTLINE = [
  [110.45, 34.6], [111.2, 34.78], [112.0, 35.02], [112.8, 35.2], [113.6, 35.3],
  [114.0, 36.0], [113.8, 36.8], [113.7, 37.5], [113.95, 38.3], [114.2, 39.1],
  [114.5, 39.8], [114.3, 40.4], [113.9, 40.72], [113.3, 40.6], [112.9, 40.35],
  [112.2, 40.2], [111.5, 39.8], [111.15, 39.45], [110.9, 38.9], [110.55, 38.2],
  [110.5, 37.5], [110.6, 36.8], [110.4, 36.0], [110.3, 35.3], [110.45, 34.6],
];

const CITIES = [
  ['Taiyuan 太原', 112.55, 37.87], ['Datong 大同', 113.3, 40.08], ['Yangquan 阳泉', 113.58, 37.86],
  ['Changzhi 长治', 113.12, 36.2], ['Jincheng 晋城', 112.85, 35.49], ['Shuozhou 朔州', 112.43, 39.33],
  ['Jinzhong 晋中', 112.75, 37.69], ['Yuncheng 运城', 111.0, 35.03], ['Xinzhou 忻州', 112.73, 38.42],
  ['Linfen 临汾', 111.52, 36.09], ['Lüliang 吕梁', 111.14, 37.52],
];

function inside([x, y], ring) {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

function nearestCity([x, y]) {
  let best = CITIES[0];
  let bestD = Infinity;
  for (const c of CITIES) {
    const d = (c[1] - x) ** 2 + (c[2] - y) ** 2;
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function randomPointInShanxi(near) {
  for (;;) {
    const p = near
      ? [near[0] + between(-0.35, 0.35), near[1] + between(-0.3, 0.3)]
      : [between(110.3, 114.5), between(34.6, 40.75)];
    if (inside(p, OUTLINE)) return p.map((v) => round(v));
  }
}

const point = (coordinates) => ({ type: 'Point', coordinates });
const feature = (id, geometry, properties) => ({ type: 'Feature', id, geometry, properties });

function makeCounties() {
  const step = 0.36;
  const cols = Math.ceil((114.6 - 110.2) / step) + 1;
  const rows = Math.ceil((40.8 - 34.55) / step) + 1;
  const vertex = [];
  for (let r = 0; r <= rows; r++) {
    vertex.push([]);
    for (let c = 0; c <= cols; c++) {
      vertex[r].push([round(110.2 + c * step + between(-0.08, 0.08)), round(34.55 + r * step + between(-0.08, 0.08))]);
    }
  }
  const features = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const ring = [vertex[r][c], vertex[r][c + 1], vertex[r + 1][c + 1], vertex[r + 1][c], vertex[r][c]];
      const centre = [110.2 + (c + 0.5) * step, 34.55 + (r + 0.5) * step];
      if (!inside(centre, OUTLINE)) continue;
      const city = nearestCity(centre)[0];
      const n = features.length + 1;
      features.push(feature(`c${n}`, { type: 'Polygon', coordinates: [ring] }, { city, county: `Mock county ${n} 模拟县${n}` }));
    }
  }
  return features;
}

function makePopulation() {
  const features = [];
  const step = 0.2;
  for (let x = 110.2; x < 114.6; x += step) {
    for (let y = 34.6; y < 40.8; y += step) {
      const centre = [x + step / 2, y + step / 2];
      if (!inside(centre, OUTLINE)) continue;
      const city = nearestCity(centre);
      const d = Math.hypot(city[1] - centre[0], city[2] - centre[1]);
      const population = Math.round(400000 * Math.exp(-d * 6) + between(2000, 30000));
      const ring = [[x, y], [x + step, y], [x + step, y + step], [x, y + step], [x, y]].map((p) => p.map((v) => round(v)));
      features.push(feature(`p${features.length + 1}`, { type: 'Polygon', coordinates: [ring] }, { population }));
    }
  }
  return features;
}

function blob(centre, rx, ry, n = 14) {
  const ring = [];
  for (let i = 0; i < n; i++) {
    const a = (i / n) * Math.PI * 2;
    const k = between(0.75, 1.15);
    ring.push([round(centre[0] + Math.cos(a) * rx * k), round(centre[1] + Math.sin(a) * ry * k)]);
  }
  ring.push(ring[0]);
  return { type: 'Polygon', coordinates: [ring] };
}

function makeDisasterZones() {
  const zones = [
    ['flood', [112.45, 37.6], 0.35, 0.22, 'Fen River Taiyuan basin 汾河太原段'],
    ['flood', [111.55, 36.2], 0.25, 0.3, 'Fen River Linfen reach 汾河临汾段'],
    ['flood', [111.1, 35.2], 0.3, 0.18, 'Yuncheng basin 运城盆地'],
    ['seismic', [112.4, 37.5], 0.55, 0.4, 'Taiyuan basin intensity VIII 太原盆地8度区'],
    ['seismic', [111.5, 36.0], 0.45, 0.5, 'Linfen basin intensity VIII 临汾盆地8度区'],
    ['forest_fire', [113.5, 36.7], 0.25, 0.6, 'Taihang mountains 太行山'],
    ['forest_fire', [111.5, 37.9], 0.25, 0.55, 'Lüliang mountains 吕梁山'],
    ['forest_fire', [113.5, 39.0], 0.35, 0.2, 'Wutai mountains 五台山'],
    ['geological_hazard', [110.9, 37.1], 0.2, 0.25, 'Loess hills landslide belt 黄土滑坡带'],
    ['geological_hazard', [111.3, 38.6], 0.18, 0.2, 'Debris flow gullies 泥石流沟'],
    ['geological_hazard', [112.2, 36.6], 0.15, 0.15, 'Collapse area 崩塌区'],
  ];
  return zones.map(([kind, c, rx, ry, name], i) =>
    feature(`z${i + 1}`, blob(c, rx, ry), { kind, severity: pick(['high', 'medium', 'low']), name }));
}

function polyline(a, b, segments = 8, wiggle = 0.05) {
  const coords = [];
  for (let i = 0; i <= segments; i++) {
    const t = i / segments;
    const w = i === 0 || i === segments ? 0 : between(-wiggle, wiggle);
    coords.push([round(a[0] + (b[0] - a[0]) * t + w), round(a[1] + (b[1] - a[1]) * t + w)]);
  }
  return { type: 'LineString', coordinates: coords };
}

function makeRoads() {
  const city = Object.fromEntries(CITIES.map((c) => [c[0].split(' ')[0], [c[1], c[2]]]));
  const links = [
    ['expressway', 'Datong', 'Shuozhou', 'G55 Erguang Expwy 二广高速'], ['expressway', 'Shuozhou', 'Xinzhou', 'G55'],
    ['expressway', 'Xinzhou', 'Taiyuan', 'G55'], ['expressway', 'Taiyuan', 'Jinzhong', 'G5 Jingkun Expwy 京昆高速'],
    ['expressway', 'Jinzhong', 'Linfen', 'G5'], ['expressway', 'Linfen', 'Yuncheng', 'G5'],
    ['expressway', 'Taiyuan', 'Yangquan', 'G20 Qingyin Expwy 青银高速'], ['expressway', 'Taiyuan', 'Lüliang', 'G20'],
    ['expressway', 'Changzhi', 'Jincheng', 'G55'], ['expressway', 'Jinzhong', 'Changzhi', 'G55'],
    ['national', 'Datong', 'Xinzhou', 'G208'], ['national', 'Lüliang', 'Linfen', 'G209'],
    ['national', 'Linfen', 'Changzhi', 'G309'], ['national', 'Yuncheng', 'Jincheng', 'G326'],
    ['provincial', 'Xinzhou', 'Lüliang', 'S217'], ['provincial', 'Yangquan', 'Changzhi', 'S216'],
  ];
  const speed = { expressway: 100, national: 70, provincial: 60, county: 40, urban: 30 };
  const roads = links.map(([road_class, a, b, name], i) =>
    feature(`r${i + 1}`, polyline(city[a], city[b], 10, road_class === 'expressway' ? 0.03 : 0.07), { road_class, speed_kmh: speed[road_class], name }));
  for (let i = 0; i < 60; i++) {
    const a = randomPointInShanxi();
    const b = [a[0] + between(-0.4, 0.4), a[1] + between(-0.4, 0.4)];
    roads.push(feature(`r${roads.length + 1}`, polyline(a, b, 5, 0.04), { road_class: 'county', speed_kmh: 40, name: `X${100 + i}` }));
  }
  for (const c of CITIES) {
    for (let i = 0; i < 6; i++) {
      const a = [c[1] + between(-0.08, 0.08), c[2] + between(-0.06, 0.06)];
      const b = [a[0] + between(-0.1, 0.1), a[1] + between(-0.08, 0.08)];
      roads.push(feature(`r${roads.length + 1}`, polyline(a, b, 3, 0.01), { road_class: 'urban', speed_kmh: 30, name: `${c[0].split(' ')[0]} Rd ${i + 1}` }));
    }
  }
  return roads;
}

function makeGasNetwork() {
  const pipes = [];
  const valves = [];
  const stations = [];
  const classes = ['high', 'sub_high', 'medium', 'low'];
  for (const c of CITIES.slice(0, 6)) {
    const centre = [c[1], c[2]];
    stations.push(feature(`gs${stations.length + 1}`, point([round(centre[0] - 0.15), round(centre[1] - 0.1)]), { kind: 'gate', name: `${c[0]} gate station 门站`, city: c[0] }));
    for (let i = 0; i < 3; i++) {
      stations.push(feature(`gs${stations.length + 1}`, point([round(centre[0] + between(-0.08, 0.08)), round(centre[1] + between(-0.06, 0.06))]), { kind: 'regulator', name: `${c[0]} regulator ${i + 1} 调压站`, city: c[0] }));
    }
    for (let i = 0; i < 24; i++) {
      const pressure_class = classes[Math.min(3, Math.floor(i / 6))];
      const a = [centre[0] + between(-0.12, 0.12), centre[1] + between(-0.09, 0.09)];
      const b = [a[0] + between(-0.06, 0.06), a[1] + between(-0.05, 0.05)];
      const geometry = polyline(a, b, 2, 0.005);
      pipes.push(feature(`gp${pipes.length + 1}`, geometry, {
        pressure_class, diameter_mm: pick([100, 160, 200, 315, 400]), material: pick(['steel', 'PE']),
        install_year: Math.floor(between(1995, 2023)), city: c[0],
      }));
      valves.push(feature(`gv${valves.length + 1}`, point(geometry.coordinates[0]), { operable: rand() > 0.1 }));
    }
  }
  return { pipes, valves, stations };
}

const INDUSTRIES = ['hazardous_chemicals', 'coal_mine', 'non_coal_mine', 'metallurgy', 'dust_explosion', 'confined_space', 'fireworks', 'gas'];

function makeEnterprises(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const near = rand() < 0.6 ? pick(CITIES) : null;
    const p = randomPointInShanxi(near ? [near[1], near[2]] : null);
    const r = rand();
    const risk_level = r < 0.04 ? 'red' : r < 0.16 ? 'orange' : r < 0.45 ? 'yellow' : 'blue';
    out.push(feature(`e${i + 1}`, point(p), {
      name: `Mock Enterprise ${i + 1} 模拟企业${i + 1}`, industry: pick(INDUSTRIES), risk_level,
      county: `Mock county ${1 + (i % 90)}`, city: nearestCity(p)[0], employees: Math.floor(between(8, 3000)),
    }));
  }
  return out;
}

function makeHazardSources() {
  const out = [];
  for (let i = 0; i < 80; i++) {
    const c = pick(CITIES);
    const p = randomPointInShanxi([c[1], c[2]]);
    const level = 1 + Math.floor(rand() * 4);
    const r_value = round([between(100, 400), between(50, 99), between(10, 49), between(1, 9.9)][level - 1], 1);
    out.push(feature(`h${i + 1}`, point(p), {
      name: `Hazard Source ${String(i + 1).padStart(2, '0')} 重大危险源${i + 1}`,
      enterprise_name: `Mock Chemical Works ${i + 1} 模拟化工${i + 1}`, level, r_value,
    }));
  }
  return out;
}

function makeRescueTeams() {
  const kinds = ['hazmat', 'mine_rescue', 'fire', 'forest_fire', 'medical', 'flood', 'general'];
  const statuses = ['available', 'available', 'available', 'dispatched', 'en_route', 'on_scene', 'returning', 'out_of_service'];
  return Array.from({ length: 110 }, (_, i) => {
    const c = pick(CITIES);
    return feature(`t${i + 1}`, point(randomPointInShanxi([c[1], c[2]])), {
      name: `Mock Team ${i + 1} 模拟救援队${i + 1}`, kind: pick(kinds), status: pick(statuses),
      personnel: Math.floor(between(8, 120)), vehicles: Math.floor(between(1, 20)),
    });
  });
}

function makeSites(prefix, n, props) {
  return Array.from({ length: n }, (_, i) => {
    const c = pick(CITIES);
    return feature(`${prefix}${i + 1}`, point(randomPointInShanxi([c[1], c[2]])), props(i));
  });
}

function buildCollections() {
  const gas = makeGasNetwork();
  const enterprises = Number(process.env.MOCK_ENTERPRISES || 3000);
  const list = [
    ['counties', 'Counties 县级行政区', makeCounties()],
    ['population', 'Population grid 人口网格', makePopulation()],
    ['disaster_zones', 'Natural disaster zones 自然灾害风险区', makeDisasterZones()],
    ['roads', 'Roads 道路', makeRoads()],
    ['gas_pipes', 'Gas pipes 燃气管线', gas.pipes],
    ['gas_valves', 'Gas valves 燃气阀门', gas.valves],
    ['gas_stations', 'Gas stations 燃气场站', gas.stations],
    ['enterprises', 'Enterprises 生产经营单位', makeEnterprises(enterprises)],
    ['hazard_sources', 'Major hazard sources 重大危险源', makeHazardSources()],
    ['rescue_teams', 'Rescue teams 救援队伍', makeRescueTeams()],
    ['warehouses', 'Material warehouses 应急物资储备库', makeSites('w', 28, (i) => ({ name: `Mock Warehouse ${i + 1} 物资库${i + 1}`, stock: Math.floor(between(500, 20000)) }))],
    ['shelters', 'Shelters 应急避难场所', makeSites('s', 60, (i) => ({ name: `Mock Shelter ${i + 1} 避难场所${i + 1}`, capacity: Math.floor(between(200, 8000)) }))],
    ['monitoring_stations', 'Monitoring stations 监测站点 (unknown to the map)', makeSites('m', 40, (i) => ({ name: `Monitor ${i + 1}`, sensor: pick(['gas', 'pressure', 'level']) }))],
  ];
  return new Map(list.map(([id, title, features]) => [id, { id, title, features }]));
}

const COLLECTIONS = buildCollections();

// ---------------------------------------------------------------- API

function bboxOf(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return b;
}

function collectionDoc(c, base) {
  const self = `${base}/collections/${c.id}`;
  return {
    id: c.id, title: c.title, description: `Mock ${c.id}`, featureCount: c.features.length,
    itemType: 'feature',
    extent: { spatial: { bbox: [[110.2, 34.6, 114.6, 40.8]], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84' } },
    links: [
      { rel: 'self', type: 'application/json', href: self },
      { rel: 'items', type: 'application/geo+json', href: `${self}/items` },
    ],
  };
}

function items(c, url, base) {
  const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 10) || 10, 1), 10000);
  const offset = Math.max(Number(url.searchParams.get('offset') ?? 0) || 0, 0);
  let features = c.features;
  const bbox = url.searchParams.get('bbox');
  if (bbox) {
    const [x0, y0, x1, y1] = bbox.split(',').map(Number);
    features = features.filter((f) => {
      const b = bboxOf(f.geometry);
      return b[0] <= x1 && b[2] >= x0 && b[1] <= y1 && b[3] >= y0;
    });
  }
  for (const [key, value] of url.searchParams) {
    if (['limit', 'offset', 'bbox', 'f'].includes(key)) continue;
    features = features.filter((f) => String(f.properties[key]) === value);
  }
  const page = features.slice(offset, offset + limit);
  const links = [{ rel: 'self', type: 'application/geo+json', href: `${base}${url.pathname}${url.search}` }];
  if (offset + limit < features.length) {
    const next = new URL(url);
    next.searchParams.set('offset', String(offset + limit));
    next.searchParams.set('limit', String(limit));
    links.push({ rel: 'next', type: 'application/geo+json', href: `${base}${next.pathname}${next.search}` });
  }
  return {
    type: 'FeatureCollection', numberMatched: features.length, numberReturned: page.length,
    timeStamp: new Date().toISOString(), features: page, links,
  };
}

function sendJson(res, status, body, type = 'application/json') {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(text);
}

async function sendFile(res, root, rel) {
  const file = path.resolve(root, `.${path.posix.normalize(`/${rel}`)}`);
  if (!file.startsWith(root)) return sendJson(res, 403, { code: 'Forbidden' });
  try {
    const body = await fs.readFile(file);
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    sendJson(res, 404, { code: 'NotFound', description: rel });
  }
}

async function handle(req, res) {
  const base = `http://${req.headers.host}`;
  const url = new URL(req.url, base);
  const p = decodeURIComponent(url.pathname);
  if (process.env.MOCK_FAIL_API && p.startsWith('/collections')) return sendJson(res, 500, { code: 'Mock failure' });
  if (p === '/' || p === '/map') {
    res.writeHead(302, { location: '/map/' });
    return res.end();
  }
  if (p.startsWith('/map/vendor/maplibre-gl/')) return sendFile(res, VENDOR, p.slice('/map/vendor/maplibre-gl/'.length));
  if (p.startsWith('/map/')) {
    const rel = p.slice('/map/'.length) || 'index.html';
    if (rel.startsWith('node_modules')) return sendJson(res, 404, { code: 'NotFound' });
    return sendFile(res, WEB, rel);
  }
  if (p === '/collections') {
    return sendJson(res, 200, {
      collections: [...COLLECTIONS.values()].map((c) => collectionDoc(c, base)),
      links: [{ rel: 'self', type: 'application/json', href: `${base}/collections` }],
    });
  }
  const m = p.match(/^\/collections\/([^/]+)(\/items(?:\/([^/]+))?)?$/);
  const c = m && COLLECTIONS.get(m[1]);
  if (!c) return sendJson(res, 404, { code: 'NotFound', description: p });
  if (!m[2]) return sendJson(res, 200, collectionDoc(c, base));
  if (!m[3]) return sendJson(res, 200, items(c, url, base), 'application/geo+json');
  const f = c.features.find((x) => String(x.id) === m[3]);
  return f ? sendJson(res, 200, f, 'application/geo+json') : sendJson(res, 404, { code: 'NotFound' });
}

export function startMockServer(port = 0, host = '127.0.0.1') {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => sendJson(res, 500, { code: 'Internal', description: String(err) }));
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT || 18081);
  const server = await startMockServer(port);
  const { port: bound } = server.address();
  console.log(`mock Lookout server on http://127.0.0.1:${bound}/map/  (dev aid, fake data)`);
}
