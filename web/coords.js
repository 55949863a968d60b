// Typed coordinates: decimal degrees or degrees-minutes-seconds, longitude
// first unless a hemisphere letter (E/W/N/S, 东经/西经/北纬/南纬) says which is
// which. No DOM: the unit tests import this file directly.
//
//   parseCoordinates('112.55, 37.87')                 -> [112.55, 37.87]
//   parseCoordinates('37°52′12″N 112°33′E')           -> [112.55, 37.87]
//   parseCoordinates('北纬37度52分 东经112度33分')    -> [112.55, 37.8667]
//   parseCoordinates('nonsense')                      -> null

const HEMI = {
  E: 'lon', W: 'lon', N: 'lat', S: 'lat',
  东经: 'lon', 西经: 'lon', 北纬: 'lat', 南纬: 'lat',
};
const NEGATIVE = new Set(['W', 'S', '西经', '南纬']);

/** One coordinate: "112.55", "112°33'0\"", "112 33 0", "112度33分"; null if not a number. */
function parseOne(text) {
  const nums = text.match(/[-+]?\d+(?:\.\d+)?/g);
  if (!nums || nums.length > 3) return null;
  const [d, m = '0', s = '0'] = nums;
  const deg = Number(d);
  const min = Number(m);
  const sec = Number(s);
  if (![deg, min, sec].every(Number.isFinite)) return null;
  if (nums.length > 1 && (min >= 60 || sec >= 60 || min < 0 || sec < 0 || !Number.isInteger(deg))) return null;
  const sign = deg < 0 || /^\s*-/.test(text) ? -1 : 1;
  return sign * (Math.abs(deg) + min / 60 + sec / 3600);
}

/**
 * Parses typed coordinates into [lon, lat] (degrees), or null when the text
 * is not two coordinates within range.
 */
export function parseCoordinates(input) {
  const text = String(input ?? '')
    .trim()
    .replace(/[，；;]/g, ',')
    .replace(/[º˚]/g, '°')
    .replace(/[′’‘]/g, "'")
    .replace(/[″”“]|''/g, '"')
    .toUpperCase();
  if (!text) return null;
  // Split on hemisphere markers when there are any, else on a comma or on
  // the whitespace between two decimal numbers.
  const marker = /(东经|西经|北纬|南纬|[EWNS])/g;
  const found = [...text.matchAll(marker)];
  let parts;
  if (found.length === 2) {
    // a marker either leads its number ("N 37.8", "北纬37.8") or follows it ("37.8N")
    const leading = text.trimStart().search(marker) === 0;
    const pieces = text.split(marker).map((s) => s.trim());
    // split keeps the markers: [before, m1, between, m2, after]
    const [before, m1, between, m2, after] = pieces;
    parts = leading ? [[m1, between], [m2, after]] : [[m1, before], [m2, between]];
    if (!leading && after.replace(/[,\s]/g, '')) return null;
    if (leading && before.replace(/[,\s]/g, '')) return null;
    const out = {};
    for (const [m, body] of parts) {
      const v = parseOne(body.replace(/,/g, ' '));
      if (v === null || out[HEMI[m]] !== undefined) return null;
      out[HEMI[m]] = NEGATIVE.has(m) ? -Math.abs(v) : v;
    }
    if (out.lon === undefined || out.lat === undefined) return null;
    return inRange([out.lon, out.lat]);
  }
  if (found.length !== 0) return null;
  let halves = text.split(',');
  if (halves.length === 1) {
    const nums = text.split(/\s+/);
    if (nums.length !== 2) return null;
    halves = nums;
  }
  if (halves.length !== 2) return null;
  const a = parseOne(halves[0]);
  const b = parseOne(halves[1]);
  if (a === null || b === null) return null;
  return inRange([a, b]);
}

function inRange([lon, lat]) {
  if (!(Math.abs(lon) <= 180 && Math.abs(lat) <= 85)) return null;
  return [Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6];
}
