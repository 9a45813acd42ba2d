// The Profile tab: the profile type cascader and the label selector's completion from the real data,
// a flame graph of a real Go CPU profile, and its series.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { assert, waitFor } from '../lib/harness.mjs';
import { UID, monacoIn, openEditor, runCount, runQuery, typeInMonaco, visibleText, waitForRun, waitForSuggestions } from '../lib/pages.mjs';

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

function cascaderInput(page) {
  return page.locator('[data-testid="profile-type"] input, input[data-testid="profile-type"]').first();
}

function cascaderMenuText(page) {
  return visibleText(page, '.rc-cascader-menus', 2000);
}

/** Opens the profile type cascader and picks `name` → `sampleType`, as a person does. */
async function chooseProfileType(page, name, sampleType) {
  const input = cascaderInput(page);
  await waitFor('the profile type cascader', () => input.isVisible(), { seen: () => visibleText(page, '[data-testid="query-editor"]') });
  await input.click();
  const first = page.locator('.rc-cascader-menu').first().locator('.rc-cascader-menu-item', { hasText: new RegExp(`^${name}$`) });
  await waitFor(`"${name}" in the profile type cascader`, () => first.isVisible(), { seen: () => cascaderMenuText(page) });
  await first.click();
  const second = page.locator('.rc-cascader-menu').nth(1).locator('.rc-cascader-menu-item', { hasText: new RegExp(`^${sampleType}$`) });
  await waitFor(`"${sampleType}" under ${name}`, () => second.isVisible(), { seen: () => cascaderMenuText(page) });
  await second.click();
  await waitFor(`the cascader to show ${name} - ${sampleType}`, async () => (await input.inputValue()).includes(sampleType), {
    seen: () => visibleText(page, '[data-testid="query-editor"]'),
  });
}

export default [
  {
    name: 'profile editor: the profile type cascader lists the profile types of the real data',
    async run({ page, baseUrl, range }) {
      const types = await resource(baseUrl, `profileTypes?${rangeQuery(range)}`);
      assert(types.length >= 6, `the ingested data should have several profile types, the backend lists ${types.length}`);
      await openEditor(page, baseUrl, range);
      const input = cascaderInput(page);
      await waitFor('the profile type cascader', () => input.isVisible(), { seen: () => visibleText(page, '[data-testid="query-editor"]') });
      await input.click();
      const names = [...new Set(types.map((t) => t.id.split(':')[0]))];
      await waitFor(`the cascader's first level to list ${names.join(', ')}`, async () => {
        const items = (await page.locator('.rc-cascader-menu').first().locator('.rc-cascader-menu-item').allInnerTexts()).map((i) => i.trim());
        return names.every((n) => items.includes(n));
      }, { seen: () => cascaderMenuText(page) });
      // The second level: the sample types of process_cpu, as the data has them.
      await page.locator('.rc-cascader-menu-item', { hasText: /^process_cpu$/ }).first().click();
      const cpuSampleTypes = types.filter((t) => t.id.startsWith('process_cpu:')).map((t) => t.id.split(':')[1]);
      await waitFor(`process_cpu's sample types ${cpuSampleTypes.join(', ')}`, async () => {
        const items = await page.locator('.rc-cascader-menu').nth(1).locator('.rc-cascader-menu-item').allInnerTexts();
        return cpuSampleTypes.every((t) => items.map((i) => i.trim()).includes(t));
      }, { seen: () => cascaderMenuText(page) });
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
    name: 'profile editor: a new Explore query (type, selector, Shift+Enter) draws the series and a flame graph of the real Go CPU profile',
    async run({ page, baseUrl, range, repoRoot, outputDir }) {
      // A new query row, as Explore opens it: pick the type, type the selector, Shift+Enter.
      await openEditor(page, baseUrl, range);
      await chooseProfileType(page, 'process_cpu', 'cpu');
      const editor = monacoIn(page, 'label-selector');
      await waitFor('the label selector as a code editor (Monaco)', () => editor.isVisible(), { seen: () => visibleText(page, '[data-testid="query-editor"]') });
      await typeInMonaco(page, editor, '{service_name="shop"}');
      await page.keyboard.press('Escape');
      const typed = await visibleText(page, '[data-testid="label-selector"]');
      assert(typed.replace(/\s/g, '') === '{service_name="shop"}', `the selector should read {service_name="shop"}, it reads ${typed}`);
      const before = await runCount(page);
      await page.keyboard.press('Shift+Enter');
      await waitForRun(page, before);
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
      // In Explore a new query is of type "both": its series are drawn above the flame graph.
      await waitFor('the series of the selection above the flame graph (query type Both in Explore)', () => page.locator('[data-testid="panel-timeseries"] .uplot').isVisible(), {
        seen: () => visibleText(page, '[data-testid="results"]', 300),
      });
      const summary = await visibleText(page, '[data-testid="options-toggle"]');
      assert(/Both/.test(summary), `the options' summary should say the query type is Both, it reads: ${summary}`);
      await page.screenshot({ path: path.join(outputDir, 'query-editor-profile.png') });
    },
  },
  {
    name: 'profile editor: a metrics query draws a time series with one series per group',
    async run({ page, baseUrl, range, outputDir }) {
      // A saved profile query; the options switch it to series grouped by the pprof label `worker`.
      await openEditor(page, baseUrl, range, {
        query: { refId: 'A', queryType: 'profile', profileTypeId: CPU, labelSelector: '{service_name="shop"}' },
      });
      await page.locator('[data-testid="options-toggle"]').click();
      let before = await runCount(page);
      await page.locator('[data-testid="query-type"]').getByRole('radio', { name: /^Metrics?$/ }).click();
      await waitForRun(page, before);
      const groupBy = page.locator('[data-testid="group-by"]');
      await groupBy.click();
      const option = page.getByRole('option', { name: 'worker', exact: true });
      await waitFor('"worker" among the group-by label names', () => option.isVisible(), { seen: () => visibleText(page, '[data-testid="group-by"]') });
      before = await runCount(page);
      await option.click();
      await waitForRun(page, before);
      await page.keyboard.press('Escape');
      // Collapsed, the options show as one line.
      await page.locator('[data-testid="options-toggle"]').click();
      const summary = await visibleText(page, '[data-testid="options-toggle"]');
      assert(/worker/.test(summary) && /Metric/.test(summary), `the options' summary line should show the choices, it reads: ${summary}`);
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
      const drawn = await panel.locator('.uplot canvas').first().evaluate((canvas) => {
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) {
          const max = Math.max(data[i], data[i + 1], data[i + 2]);
          const min = Math.min(data[i], data[i + 1], data[i + 2]);
          coloured += max - min > 80 ? 1 : 0; // grid and axes are grey; series take the classic palette
        }
        return coloured;
      });
      assert(drawn > 20, `the series should be drawn in colour on the uPlot canvas, ${drawn} coloured pixels`);
      await page.screenshot({ path: path.join(outputDir, 'timeseries.png') });
    },
  },
];
