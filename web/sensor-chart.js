// A sensor's readings as a chart in its feature panel (issue 15): the last
// 24 hours of GET /sensors/{id}/readings in one-minute buckets (the mean),
// its thresholds as flat lines; in drill mode its drill readings. uPlot (npm,
// web/package.json, served at /map/vendor/uplot/ like MapLibre) is loaded
// only when a chart is first drawn.

import { t, fmtNumber, fmtTime } from './i18n.js';
import { api, el } from './util.js';
import { isDrillMode } from './mode.js';

let uPlotModule = null;

function loadUPlot() {
  if (!uPlotModule) {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = 'vendor/uplot/uPlot.min.css';
    document.head.append(css);
    uPlotModule = import('./vendor/uplot/uPlot.esm.js').then((m) => m.default);
  }
  return uPlotModule;
}

const THRESHOLDS = [
  ['high_high', '#e60012'],
  ['high', '#ff8c00'],
  ['low', '#1e6fd9'],
];

/** A box that fills itself with the chart of `sensorId` (or says why not). */
export function sensorChart(sensorId) {
  const box = el('div', 'sensor-chart');
  box.dataset.sensor = String(sensorId);
  const status = el('p', 'muted', t('chart.loading'));
  box.append(el('h3', null, isDrillMode() ? `${t('mode.drill')} · ${t('chart.title')}` : t('chart.title')), status);
  draw(box, status, sensorId).catch((err) => {
    status.textContent = t('chart.failed', { msg: err.message });
  });
  return box;
}

async function draw(box, status, sensorId) {
  const to = new Date();
  const from = new Date(to.getTime() - 24 * 3600 * 1000);
  // in drill mode, the drill readings (a drill's detector ramping up); else the real ones
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), every: '1m', drill: String(isDrillMode()) });
  const [series, uPlot] = await Promise.all([api(`/sensors/${sensorId}/readings?${q}`), loadUPlot()]);
  const buckets = series.buckets ?? [];
  if (!buckets.length) {
    status.textContent = t('chart.none');
    return;
  }
  const channel = 0; // `value`, or a weather station's wind direction: the first channel
  const name = series.channels?.[channel] ?? 'value';
  const xs = buckets.map((b) => Date.parse(b.at) / 1000);
  const mean = buckets.map((b) => b.mean?.[channel] ?? null);
  const data = [xs, mean];
  const seriesOpts = [{}, { label: `${name === 'value' ? t('chart.value') : name} (${series.unit ?? ''})`, stroke: '#7dd3fc', width: 2 }];
  for (const [key, color] of THRESHOLDS) {
    const v = series.thresholds?.[key];
    if (!Number.isFinite(v) || name !== 'value') continue;
    data.push(xs.map(() => v));
    seriesOpts.push({ label: t(`chart.${key}`), stroke: color, width: 1, dash: [6, 4], points: { show: false } });
  }
  const width = Math.max(240, Math.floor(box.clientWidth || 300));
  status.textContent = series.latest ? t('chart.latest', { v: fmtNumber(series.latest.value ?? NaN, 3), unit: series.unit ?? '', at: fmtTime(series.latest.at) }) : '';
  const plotBox = el('div', 'sensor-plot');
  box.append(plotBox);
  const plot = new uPlot({
    width,
    height: 170,
    series: seriesOpts,
    axes: [{ stroke: '#9aa5b1', grid: { stroke: '#22314d' } }, { stroke: '#9aa5b1', grid: { stroke: '#22314d' } }],
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
  }, data, plotBox);
  box.dataset.points = String(xs.length);
  box.plot = plot;
}
