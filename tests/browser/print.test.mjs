// The printed map as a planner makes it (issue 18, items 5 and 6): show the
// safety distances, open the print dialog, prepare an A4 landscape sheet of
// the risk-distribution template, print it to PDF (Playwright page.pdf, as
// the browser's "save as PDF" does), and read the PDF back: the paper size,
// title, legend, scale bar, north arrow, classification line and data notice
// are in it. The PDF and a PNG of it (pdftoppm) are kept in tests/browser/out/.
//
//   LOOKOUT_URL=http://127.0.0.1:18080 node --test tests/browser/print.test.mjs

import { describe, it as itBase, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { launch, openPage, guarded, OUT, api } from './helpers.mjs';

const DESK = { width: 1600, height: 900 };

function tool(name, args) {
  try {
    return execFileSync(name, args, { encoding: 'utf8' });
  } catch (err) {
    if (err.code === 'ENOENT') assert.fail(`${name} is missing: apt-get install -y poppler-utils (scripts/setup --test)`);
    throw err;
  }
}

describe('Lookout printed map: the risk distribution on A4 landscape, to PDF', () => {
  let browser;
  let desk;
  let setupError = null;

  before(async () => {
    try {
      browser = await launch();
      desk = await openPage(browser, { viewport: DESK });
    } catch (err) {
      setupError = err;
    }
  });
  const it = guarded(itBase, () => setupError);
  after(async () => {
    await browser?.close();
  });

  it('the planner tab lists the safety-distance violations of GET /safety/violations, most severe first', async () => {
    const { page } = desk;
    await page.locator('.tabs [data-tab=planner]').click();
    await page.locator('#safety-toggle').click();
    await page.locator('#safety-table tr.safety-highly_sensitive').first().waitFor({ timeout: 20_000 });
    const { data } = await api('/safety/violations?limit=50');
    const rows = await page.locator('#safety-table tr[class^=safety-]').count();
    assert.equal(rows, data.violations.length);
    const first = await page.locator('#safety-table tr[class^=safety-]').first().textContent();
    assert.ok(first.includes(data.violations[0].target_name), `${first} / ${data.violations[0].target_name}`);
    assert.ok(await page.evaluate(() => Boolean(window.lookoutMap.getLayer('safety_distances-line'))));
  });

  it('prints the risk distribution map to an A4 landscape PDF with title, legend, scale bar and north arrow', async () => {
    const { page, problems } = desk;
    await page.locator('#print-open').click();
    await page.locator('#print-dialog select[name=template]').selectOption('risk');
    await page.locator('#print-dialog select[name=paper]').selectOption('A4');
    await page.locator('#print-dialog select[name=orientation]').selectOption('landscape');
    const title = '太原市重大风险隐患分布图（测试）';
    await page.locator('#print-dialog input[name=title]').fill(title);
    await page.locator('#print-preview').click();
    await page.waitForFunction(() => document.body.dataset.print === 'ready', null, { timeout: 60_000 });

    // The template shows the risk layers the map has and hides the operational ones.
    const visible = await page.evaluate(() => [...window.lookout.layers.entries()].filter(([, e]) => e.visible).map(([id]) => id));
    assert.ok(visible.includes('hazard_sources') && visible.includes('enterprises'), visible.join());
    assert.ok(!visible.includes('rescue_teams') && !visible.includes('gas_pipes'), visible.join());
    const legendText = await page.locator('#print-legend').textContent();
    assert.ok(legendText.includes('重大危险源等级'), legendText);

    mkdirSync(OUT, { recursive: true });
    const pdf = path.join(OUT, 'print-risk-a4-landscape.pdf');
    // page.pdf prints with the print media unless screen is emulated: print, as a browser's dialog does
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    await page.emulateMedia({ media: null });

    const info = tool('pdfinfo', [pdf]);
    assert.match(info, /Pages:\s+1\b/, info);
    const size = info.match(/Page size:\s+([\d.]+) x ([\d.]+) pts/);
    assert.ok(size, info);
    // A4 landscape: 297 × 210 mm = 841.9 × 595.3 pt
    assert.ok(Math.abs(Number(size[1]) - 841.9) < 2 && Math.abs(Number(size[2]) - 595.3) < 2, info);

    const text = tool('pdftotext', ['-layout', pdf, '-']);
    for (const [what, needle] of [
      ['title', title],
      ['legend', '图例'],
      ['a legend row of a visible layer', '重大危险源等级'],
      ['scale bar', '比例尺 1:'],
      ['north arrow', /北\s*N/],
      ['classification line', '内部资料 注意保密'],
      ['data notice', '虚构数据'],
      ['extent', '图幅范围'],
    ]) {
      const found = needle instanceof RegExp ? needle.test(text) : text.includes(needle);
      assert.ok(found, `the PDF has no ${what} (${needle}):\n${text}`);
    }
    assert.ok(!text.includes('生成打印页') && !text.includes('打印 / 存为 PDF'), `the on-screen controls were printed:\n${text}`);

    const png = path.join(OUT, 'print-risk-a4-landscape');
    tool('pdftoppm', ['-png', '-r', '60', '-singlefile', pdf, png]);
    assert.ok(existsSync(`${png}.png`) && statSync(`${png}.png`).size > 20_000, 'the PNG of the PDF is missing or blank');

    await page.locator('#print-toolbar button').last().click();
    const restored = await page.evaluate(() => [...window.lookout.layers.entries()].filter(([, e]) => e.visible).map(([id]) => id));
    assert.ok(restored.includes('rescue_teams'), `closing the sheet restores the layers: ${restored.join()}`);
    assert.deepEqual(await page.evaluate(() => [...window.lookout.missingKeys]), []);
    assert.deepEqual(problems, []);
  });

  it('prints the command map on A3 portrait with the operational layers', async () => {
    const { page, problems } = desk;
    await page.evaluate(() => window.lookout.print.prepare({ template: 'command', paper: 'A3', orientation: 'portrait', title: '应急作战指挥图（测试）', subtitle: '', classification: '内部资料 注意保密' }));
    const visible = await page.evaluate(() => [...window.lookout.layers.entries()].filter(([, e]) => e.visible).map(([id]) => id));
    assert.ok(visible.includes('rescue_teams') && visible.includes('shelters'), visible.join());
    assert.ok(!visible.includes('enterprises'), visible.join());
    const pdf = path.join(OUT, 'print-command-a3-portrait.pdf');
    await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    await page.evaluate(() => window.lookout.print.close());
    const info = tool('pdfinfo', [pdf]);
    assert.match(info, /Pages:\s+1\b/, info);
    const size = info.match(/Page size:\s+([\d.]+) x ([\d.]+) pts/);
    // A3 portrait: 297 × 420 mm = 841.9 × 1190.6 pt
    assert.ok(size && Math.abs(Number(size[1]) - 841.9) < 2 && Math.abs(Number(size[2]) - 1190.6) < 2, info);
    const text = tool('pdftotext', ['-layout', pdf, '-']);
    assert.ok(text.includes('应急作战指挥图（测试）') && text.includes('救援队伍'), text);
    assert.deepEqual(problems, []);
  });
});
