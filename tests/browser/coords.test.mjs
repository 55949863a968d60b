// Typed coordinates (web/coords.js), without a browser: the forms a duty
// officer reads off a phone call or a GPS, and what must not be guessed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCoordinates } from '../../web/coords.js';

const near = (got, want) => {
  assert.ok(got, `not parsed, wanted ${want}`);
  assert.ok(Math.abs(got[0] - want[0]) < 1e-4 && Math.abs(got[1] - want[1]) < 1e-4, `${got} != ${want}`);
};

test('decimal degrees, longitude first, with a comma or a space', () => {
  near(parseCoordinates('112.55, 37.87'), [112.55, 37.87]);
  near(parseCoordinates(' 112.55  37.87 '), [112.55, 37.87]);
  near(parseCoordinates('112.55，37.87'), [112.55, 37.87]);
});

test('hemisphere letters say which is which, in either order', () => {
  near(parseCoordinates('37.87N, 112.55E'), [112.55, 37.87]);
  near(parseCoordinates('N 37.87 E 112.55'), [112.55, 37.87]);
  near(parseCoordinates('112.55 W 37.87 S'), [-112.55, -37.87]);
});

test('degrees, minutes and seconds, in ASCII, typographic or Chinese marks', () => {
  near(parseCoordinates('37°52\'12"N 112°33\'00"E'), [112.55, 37.87]);
  near(parseCoordinates('37°52′12″N, 112°33′E'), [112.55, 37.87]);
  near(parseCoordinates('北纬37度52分12秒 东经112度33分'), [112.55, 37.87]);
});

test('anything else is refused, never guessed', () => {
  for (const bad of ['', 'Taiyuan', '112.55', '112.55, 37.87, 5', '37°75\'N 112°E', '200, 37', '112, 95', 'N 37 N 38', '37.8N 112.5E 3']) {
    assert.equal(parseCoordinates(bad), null, bad);
  }
});
