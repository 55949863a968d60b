// Lookout command map: plain ES modules, no build step.
//
// The page is served at /map/; MapLibre comes from /map/vendor/maplibre-gl/
// (a classic <script> in index.html that defines window.maplibregl).
//
// This module only starts the others, in order. Each module has one concern
// and says it in its first lines; they tell each other what happened over the
// event bus (ctx.js) and import what they call. The map side:
//   mapview.js (the map, style slots), collections.js (sources, tiles, filters,
//   live reloads), layer-panel.js, feature-panel.js (attributes),
//   map-clicks.js, search.js, chrome.js (top bar, tabs, language), live.js (SSE).
// The incident side:
//   mode.js (real or drill), incident-state.js (data, live refreshes),
//   incident-map.js, incident-list.js, incident-form.js, incident-panel.js,
//   incident-zones.js, dispatch.js (recommendation, dispatch), units.js
//   (unit statuses), team-status.js (drill and replayed statuses on the map),
//   incident-log.js (notes, injects, timeline), replay.js, incident-replay.js,
//   drill.js (scenarios, banner, injects), planner.js (coverage, PNG export),
//   status-strip.js (the situation at a glance, GET /situation), alerts.js
//   (new incidents: a banner until acknowledged, optional sound), layout.js
//   (the side panel folds; narrow screens and phones), gas.js (gas valve isolation:
//   the incident's checklist and what-if, traces run from the map), alarms.js (sensor
//   alarms: list, pulsing markers, sound), sensor-chart.js (a sensor's readings),
//   ledger.js (hidden dangers: inbox, filtered list, attachments, map layer, strip figures),
//   obligations.js (emergency plans, drill plans, re-assessments: in the ledger tab),
//   inspections.js (inspections: coverage, uninspected sources, record form, experts),
//   risk.js (a hazard source regraded by GB 18218, told as it happens),
//   risk-layers.js (the risk grid and the county/city choropleth on the map),
//   presets.js (layer presets: command, risk = planner mode, resources, gas),
//   field.js (a user linked to a rescue team: its assignment; a phone opens it).
// Who may do what: session.js (the signed-in user, the permission table:
// actions a role may not take are never drawn), login.js (sign-in page,
// set-up link, sign-out, the open-access banner), audit.js (admins' audit log), users.js (admins: users and API tokens).
// The map starts once someone is signed in.

import { bus } from './ctx.js';
import { t, setLang, applyStatic, missingKeys } from './i18n.js';
import { api, el, showError } from './util.js';
import { addIcons } from './layers.js';
import { addBasemap, loadBasemap } from './basemap.js';
import { createMap, mapLoaded, addAnchors, addLayer } from './mapview.js';
import { layers, loadTileCatalog, addCollections, loadCollection, setLayerVisible, fetchFullFeature } from './collections.js';
import { initLayerPanel } from './layer-panel.js';
import { initFeaturePanel } from './feature-panel.js';
import { initMapClicks } from './map-clicks.js';
import { initSearch } from './search.js';
import { initChrome } from './chrome.js';
import { connectLive } from './live.js';
import { initMode } from './mode.js';
import { initReplay, replayState } from './replay.js';
import { initIncidentState } from './incident-state.js';
import { initIncidentMap } from './incident-map.js';
import { initIncidentList } from './incident-list.js';
import { initIncidentForm } from './incident-form.js';
import { initIncidentPanel } from './incident-panel.js';
import { initIncidentReplay } from './incident-replay.js';
import { initDrill } from './drill.js';
import { initPlanner } from './planner.js';
import { initPrint } from './print.js';
import { initSafety } from './safety.js';
import { ensureSignedIn } from './login.js';
import { pruneByRole, currentUser, may } from './session.js';
import { initAudit } from './audit.js';
import { initUsers } from './users.js';
import { initStatusStrip } from './status-strip.js';
import { initAlerts } from './alerts.js';
import { initLayout } from './layout.js';
import { initGas } from './gas.js';
import { initAlarms } from './alarms.js';
import { initLedger } from './ledger.js';
import { initInspections } from './inspections.js';
import { initRisk } from './risk.js';
import { initField } from './field.js';
import { withRiskGrid, initRiskLayers } from './risk-layers.js';
import { initPresets } from './presets.js';

async function start() {
  applyStatic();
  if (!window.maplibregl) throw new Error(t('app.error.maplibre'));
  initChrome();
  // for the browser tests and the console
  window.lookout = { bus, missingKeys, t, setLang, currentUser, may };
  await ensureSignedIn();
  pruneByRole();
  const map = createMap();
  window.lookoutMap = map;
  Object.assign(window.lookout, { map, layers, replay: replayState, loadCollection, setLayerVisible, fetchFullFeature });
  map.on('error', (e) => {
    const msg = e.error?.message ?? String(e.error ?? 'unknown');
    // a tile request that a filter change or a refresh made useless is not an error
    if (/AbortError|aborted/i.test(msg)) return;
    showError(t('app.error.map', { msg }));
  });
  initMapClicks();
  initSearch();
  initFeaturePanel();

  const [catalog, tiles] = await Promise.all([
    api('/collections').catch((err) => {
      document.getElementById('layer-list').replaceChildren(el('p', 'muted', t('layers.unavailable')));
      throw new Error(t('app.error.api', { msg: err.message }));
    }),
    loadTileCatalog(),
    mapLoaded(map),
  ]);
  window.lookout.tiles = tiles;
  addIcons(map);
  addAnchors();
  addBasemap(map, addLayer);
  const collections = withRiskGrid((catalog.collections ?? []).filter((c) => c && c.id), tiles);
  // Ready once the style and the tiles of every initially visible layer are drawn.
  const firstIdle = new Promise((resolve) => map.once('idle', resolve));
  addCollections(collections, tiles);
  initRiskLayers();
  initPresets(); // the starting layers: before the panel is drawn and the first tiles load
  initLayerPanel();

  initIncidentState();
  initIncidentMap();
  initGas();
  initIncidentList();
  initIncidentForm();
  initIncidentPanel();
  initIncidentReplay();
  initReplay();
  initDrill();
  initPlanner();
  initPrint();
  initSafety();
  initAudit();
  initUsers();
  initAlerts();
  initAlarms(); // sensor alarms: list, markers, sound (alarms.js)
  initLedger(); // hidden dangers: inbox, list, map layer (ledger.js)
  initInspections(); // inspections: coverage, uninspected ringed, record form (inspections.js)
  initRisk(); // a hazard source regraded (risk.js)
  initLayout();
  initField(); // a user linked to a team: its assignment (field.js)
  initStatusStrip();
  initMode(); // the first 'mode' event: the incidents, drills and replay range of that mode load
  connectLive();

  const untiled = [...layers.entries()].filter(([, e]) => e.visible && !e.tile).map(([id]) => id);
  const [basemap] = await Promise.all([
    loadBasemap(map),
    Promise.all(untiled.map((id) => loadCollection(id).catch((err) => showError(err.message)))),
    firstIdle,
  ]);
  for (const p of basemap.problems) console.warn(`basemap: ${p}`);
  await new Promise((resolve) => (map.loaded() ? resolve() : map.once('idle', resolve)));
  window.lookout.readyAt = performance.now();
  document.body.dataset.ready = 'true';
  bus.emit('ready');
}

start().catch((err) => {
  console.error(err);
  showError(err.message);
});
