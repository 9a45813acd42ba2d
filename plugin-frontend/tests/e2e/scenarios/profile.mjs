// The Profile tab: the profile type cascader and the label selector's completion from the real data,
// a flame graph of a real Go CPU profile, and its series.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { assert, waitFor } from '../lib/harness.mjs';
import { UID, monacoIn, openEditor, runQuery, typeInMonaco, visibleText, waitForSuggestions } from '../lib/pages.mjs';

export const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';

/** The functions with the most self time in a profile, from the `go tool pprof -top` output committed beside it. */
export function topFunctions(repoRoot, tsv, count) {
  return readFileSync(path.join(repoRoot, 'tests', 'testdata', 'pprof', tsv), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'))
    .sort((a, b) => Number(b[1]) - Number(a[1]))
    .slice(0, count)
    .map(([name]) => name);
}

/** A resource of the data source, asked directly (what the editor should show comes from the same data). */
export async function resource(baseUrl, pathAndQuery) {
  const r = await fetch(`${baseUrl}/api/datasources/uid/${UID}/resources/${pathAndQuery}`);
  const text = await r.text();
  assert(r.ok, `resource ${pathAndQuery} answered ${r.status}: ${text}`);
  return JSON.parse(text);
}

function rangeQuery(range) {
  return `from=${range.from}&to=${range.to}`;
}

/** Rows of the flame graph's top table (function names in the DOM beside the canvas). */
async function topTableSymbols(page) {
  return page
    .locator('[data-testid="topTable"] [role="row"], [data-testid="topTable"] tr')
    .evaluateAll((rows) => rows.map((r) => (r.textContent ?? '').trim()).filter(Boolean));
}

/** Distinct colours drawn on the flame graph canvas (a blank canvas has one). */
async function canvasColours(page) {
  return page.locator('[data-testid="flameGraph"] canvas, canvas[data-testid="flameGraph"]').first().evaluate((canvas) => {
    const ctx = canvas.getContext('2d');
    const { data } = ctx.getImageData(0, 0, canvas.width, Math.min(canvas.height, 400));
    const colours = new Map();
    for (let i = 0; i < data.length; i += 4 * 7) {
      const key = `${data[i]},${data[i + 1]},${data[i + 2]}`;
      colours.set(key, (colours.get(key) ?? 0) + 1);
    }
    return [...colours.entries()].map(([rgb, n]) => ({ rgb: rgb.split(',').map(Number), n }));
  });
}

export { canvasColours, topTableSymbols };

export default [
  {
    name: 'profile editor: the profile type cascader lists the profile types of the real data',
    async run({ page, baseUrl, range }) {
      const types = await resource(baseUrl, `profileTypes?${rangeQuery(range)}`);
      assert(types.length >= 6, `the ingested data should have several profile types, the backend lists ${types.length}`);
      await openEditor(page, baseUrl, range);
      const cascader = page.locator('[data-testid="profile-type"]').first();
      await waitFor('the profile type cascader', () => cascader.isVisible(), { seen: () => visibleText(page, '[data-testid="query-editor"]') });
      const input = page.locator('[data-testid="profile-type"] input, input[data-testid="profile-type"]').first();
      await (await input.count() ? input : cascader).click();
      const names = [...new Set(types.map((t) => t.id.split(':')[0]))];
      const menuText = () => visibleText(page, '.rc-cascader-menus, [role="menu"], body', 2000);
      await waitFor(`the cascader's first level to list ${names.join(', ')}`, async () => {
        const text = await menuText();
        return names.every((n) => text.includes(n));
      }, { seen: menuText });
      // The second level: the sample types of process_cpu, as the data has them.
      await page.locator('.rc-cascader-menu-item', { hasText: /^process_cpu$/ }).first().click();
      const cpuSampleTypes = types.filter((t) => t.id.startsWith('process_cpu:')).map((t) => t.id.split(':')[1]);
      await waitFor(`process_cpu's sample types ${cpuSampleTypes.join(', ')}`, async () => {
        const items = await page.locator('.rc-cascader-menu').nth(1).locator('.rc-cascader-menu-item').allInnerTexts();
        return cpuSampleTypes.every((s) => items.map((i) => i.trim()).includes(s));
      }, { seen: menuText });
      await page.locator('.rc-cascader-menu').nth(1).locator('.rc-cascader-menu-item', { hasText: /^cpu$/ }).click();
      await waitFor('the chosen type in the cascader', async () => (await input.inputValue().catch(() => '')).includes('cpu'), {
        seen: () => visibleText(page, '[data-testid="query-editor"]'),
      });
    },
  },
  {
    name: 'profile editor: label names and values from the real data complete in the selector',
    async run({ page, baseUrl, range, outputDir }) {
      const names = await resource(baseUrl, `labelNames?query=${encodeURIComponent(`${CPU}{}`)}&${rangeQuery(range)}`);
      const values = await resource(baseUrl, `labelValues?label=service_name&query=${encodeURIComponent(`${CPU}{}`)}&${rangeQuery(range)}`);
      assert(names.includes('service_name') && values.includes('shop'), `the CPU data should have service_name=shop: ${names} / ${values}`);
      await openEditor(page, baseUrl, range, { query: { refId: 'A', queryType: 'profile', profileTypeId: CPU, labelSelector: '' } });
      const editor = monacoIn(page, 'label-selector');
      await waitFor('the label selector as a code editor (Monaco)', () => editor.isVisible(), {
        timeoutMs: 30_000,
        seen: () => visibleText(page, '[data-testid="query-editor"]'),
      });
      await typeInMonaco(page, editor, '{');
      const offered = await waitForSuggestions(page, `label names ${names.join(', ')} in the suggest widget after "{"`, (items) =>
        names.every((n) => items.some((i) => i.startsWith(n)))
      );
      assert(!offered.some((i) => i.startsWith('phase')), `phase is a label of the wall profiles only, not of ${CPU}: ${offered}`);
      await page.keyboard.press('Escape');
      await page.keyboard.type('service_name="', { delay: 20 });
      await waitForSuggestions(page, `label values ${values.join(', ')} after service_name="`, (items) =>
        values.every((v) => items.some((i) => i.includes(v)))
      );
      await page.screenshot({ path: path.join(outputDir, 'label-completion.png') });
    },
  },
  {
    name: 'profile editor: a profile query draws a flame graph with the real functions of the Go CPU profile',
    async run({ page, baseUrl, range, repoRoot, outputDir }) {
      await openEditor(page, baseUrl, range, {
        query: { refId: 'A', queryType: 'profile', profileTypeId: CPU, labelSelector: '{service_name="shop"}' },
      });
      await runQuery(page);
      const panel = page.locator('[data-testid="panel-flamegraph"]');
      await waitFor('a flame graph panel', () => panel.isVisible(), { seen: () => visibleText(page, '[data-testid="results"]') });
      const expected = topFunctions(repoRoot, 'go-cpu.cpu.top.tsv', 3);
      const rows = await waitFor(
        `the flame graph's top table to list ${expected.join(', ')}`,
        async () => {
          const symbols = await topTableSymbols(page);
          return expected.every((f) => symbols.some((s) => s.includes(f))) ? symbols : undefined;
        },
        { seen: async () => (await topTableSymbols(page)).slice(0, 8).join(' | ') || visibleText(page, '[data-testid="panel-flamegraph"]') }
      );
      assert(rows.length >= 10, `the top table should list many functions, it shows ${rows.length}`);
      const colours = await canvasColours(page);
      assert(colours.length > 10, `the flame graph canvas should be drawn with many bar colours, it has ${colours.length}`);
      await page.screenshot({ path: path.join(outputDir, 'profile-editor.png') });
    },
  },
  {
    name: 'profile editor: a metrics query draws a time series with one series per group',
    async run({ page, baseUrl, range, outputDir }) {
      await openEditor(page, baseUrl, range, {
        query: { refId: 'A', queryType: 'metrics', profileTypeId: CPU, labelSelector: '{service_name="shop"}', groupBy: ['worker'] },
      });
      await runQuery(page);
      const panel = page.locator('[data-testid="panel-timeseries"]');
      await waitFor('a time series panel', () => panel.isVisible(), { seen: () => visibleText(page, '[data-testid="results"]') });
      await waitFor('the uPlot canvas of the time series', async () => (await panel.locator('.uplot canvas').count()) > 0, {
        seen: () => visibleText(page, '[data-testid="panel-timeseries"]'),
      });
      const workers = await resource(baseUrl, `labelValues?label=worker&query=${encodeURIComponent(`${CPU}{service_name="shop"}`)}&${rangeQuery(range)}`);
      assert(workers.length >= 2, `the Go CPU profile has several pprof worker labels: ${workers}`);
      await waitFor(`the legend to name the series of worker ${workers.join(', ')}`, async () => {
        const legend = await visibleText(page, '[data-testid="panel-timeseries"]', 2000);
        return workers.every((w) => legend.includes(w));
      }, { seen: () => visibleText(page, '[data-testid="panel-timeseries"]') });
      await page.screenshot({ path: path.join(outputDir, 'timeseries.png') });
    },
  },
];
