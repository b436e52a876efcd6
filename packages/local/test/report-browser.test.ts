/**
 * The report as a browser draws it: headless Chromium lays out a busy week at 1400 px and at phone width (390 px);
 * a harness page shows it in an iframe of that width and reads the rendered boxes back through --dump-dom. Asserted: the
 * three charts are there and drawn, the top points' labels are drawn and none overlaps another or leaves its chart,
 * chart text is at least 9.5 px tall on screen, and the page never scrolls sideways. The screenshots are kept under
 * the temp dir named in the log line for a person to look at.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '../src/index.js';
import { busyWeek } from './report-sample.js';

function findChromium(): string | undefined {
  for (const c of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}
const chromium = findChromium();
if (!chromium)
  console.warn('report browser test skipped: no chromium on PATH (Debian: apt-get install chromium)');

const tmp = mkdtempSync(join(tmpdir(), 'dp-report-browser-'));
afterAll(() => {
  if (!process.env.DP_KEEP_REPORT_SHOTS) rmSync(tmp, { recursive: true, force: true });
});

/**
 * The harness page: the report in an iframe of the wanted width (headless Chromium will not make a window narrower
 * than 500 px) and, once it has loaded, a script reading the boxes the browser drew in it, as JSON in <pre id="measure">.
 */
const harness = (html: string, width: number, height: number) => `<!doctype html><html><body style="margin:0">
<iframe id="page" width="${width}" height="${height}" style="border:0;display:block" srcdoc="${html.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}" onload="measure()"></iframe>
<script>
function measure() {
  const doc = document.getElementById('page').contentDocument;
  const win = document.getElementById('page').contentWindow;
  const box = (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; };
  const charts = Object.fromEntries(['scatter', 'history', 'trend'].map((id) => {
    const svg = [doc.getElementById(id), doc.getElementById(id + '-wide')].find((e) => e && e.getBoundingClientRect().width > 0);
    return [id, svg ? { box: box(svg), marks: svg.querySelectorAll('circle, rect, polyline').length } : null];
  }));
  const labels = [...doc.querySelectorAll('#scatter .point-label')].map((e) => ({ text: e.textContent, ...box(e) }));
  const fontPx = [...doc.querySelectorAll('svg text')].filter((e) => e.getBoundingClientRect().width > 0).map((e) => {
    const svg = e.ownerSVGElement;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return parseFloat(win.getComputedStyle(e).fontSize) * scale;
  });
  const pre = document.createElement('pre');
  pre.id = 'measure';
  pre.textContent = JSON.stringify({ charts, labels, minFontPx: Math.min(...fontPx),
    scrollWidth: doc.documentElement.scrollWidth, innerWidth: win.innerWidth,
    rows: doc.querySelectorAll('table.day tbody tr').length });
  document.body.append(pre);
}
</script></body></html>`;

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--hide-scrollbars',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe.skipIf(!chromium)('the report in headless Chromium', () => {
  const html = renderReport(busyWeek(), new Date(Date.UTC(2026, 10, 29)));
  const file = join(tmp, 'index.html');
  writeFileSync(file, html);
  console.log(`report browser test: page and screenshots in ${tmp} (DP_KEEP_REPORT_SHOTS=1 keeps them)`);

  for (const [name, width, height] of [
    ['desktop', 1400, 1000],
    ['phone', 390, 844],
  ] as const) {
    it(`at ${width} px (${name}): charts drawn, top labels readable and apart, no sideways scrolling`, () => {
      const profile = join(tmp, `profile-${name}`);
      const measured = join(tmp, `measured-${name}.html`);
      writeFileSync(measured, harness(html, width, height));
      const png = join(tmp, `${name}.png`);
      execFileSync(
        chromium!,
        [
          ...FLAGS,
          `--user-data-dir=${profile}`,
          `--screenshot=${png}`,
          `--window-size=${Math.max(500, width)},${height}`,
          `file://${width < 500 ? measured : file}`,
        ],
        { stdio: 'ignore', timeout: 90_000 },
      );
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      expect(bytes.readUInt32BE(16)).toBe(Math.max(500, width)); // IHDR width
      expect(bytes.length).toBeGreaterThan(20_000); // a page with charts, not a blank one

      const dom = execFileSync(
        chromium!,
        [
          ...FLAGS,
          `--user-data-dir=${profile}`,
          `--window-size=${Math.max(500, width) + 20},${height}`,
          '--dump-dom',
          `file://${measured}`,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 90_000 },
      );
      const json = /<pre id="measure">([^<]*)<\/pre>/.exec(dom)?.[1];
      expect(json, 'the measuring script ran').toBeDefined();
      const m = JSON.parse(json!.replaceAll('&quot;', '"').replaceAll('&amp;', '&'));

      for (const id of ['scatter', 'history', 'trend']) {
        expect(m.charts[id], id).not.toBeNull();
        expect(m.charts[id].box.w, `${id} width`).toBeGreaterThan(250);
        expect(m.charts[id].box.h, `${id} height`).toBeGreaterThan(150);
        expect(m.charts[id].marks, `${id} marks`).toBeGreaterThan(5);
      }
      expect(m.innerWidth).toBe(width);
      expect(m.rows).toBe(7 * 14);
      expect(m.scrollWidth, 'page width').toBeLessThanOrEqual(m.innerWidth);
      expect(m.minFontPx, 'smallest chart text on screen').toBeGreaterThanOrEqual(9.5);

      // The top points are labelled; no two labels overlap; every label stays inside the scatter.
      expect(m.labels.length).toBeGreaterThanOrEqual(5);
      expect(m.labels[0].text).toMatch(/^dev[0-2]\/|^an-organisation-with-a-long-name\/repository-number-0$/);
      const chart: Box = m.charts.scatter.box;
      for (const [i, a] of m.labels.entries()) {
        expect(a.x, a.text).toBeGreaterThanOrEqual(chart.x);
        expect(a.x + a.w, a.text).toBeLessThanOrEqual(chart.x + chart.w + 0.5);
        expect(a.h, `${a.text} height`).toBeGreaterThanOrEqual(9.5);
        for (const b of m.labels.slice(i + 1)) expect(overlap(a, b), `${a.text} / ${b.text}`).toBe(false);
      }
    }, 200_000);
  }
});
