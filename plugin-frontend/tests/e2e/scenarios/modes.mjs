// The Top and Function tabs: the untruncated top table of the real Go CPU profile, and one function's
// series grouped by a label (what an alert rule reads).
import { assert, waitFor } from '../lib/harness.mjs';
import { openEditor, runQuery, visibleText } from '../lib/pages.mjs';
import { CPU, resource, topFunctions } from './profile.mjs';

/** The text of every table panel of the results. */
function tablesText(page) {
  return visibleText(page, '[data-testid="panels"]', 4000);
}

export default [
  {
    name: 'top editor: a top query lists the hottest functions of the real profile in a table',
    async run({ page, baseUrl, range, repoRoot }) {
      await openEditor(page, baseUrl, range, {
        query: { refId: 'A', queryType: 'top', profileTypeId: CPU, labelSelector: '{service_name="shop"}' },
      });
      await waitFor('the Top tab', () => page.locator('[data-testid="top-editor"]').isVisible(), {
        seen: () => visibleText(page, '[data-testid="query-editor"]'),
      });
      await runQuery(page);
      const expected = topFunctions(repoRoot, 'go-cpu.cpu.top.tsv', 5);
      await waitFor(`a table with ${expected.join(', ')}`, async () => {
        const text = await tablesText(page);
        return expected.every((f) => text.includes(f));
      }, { seen: () => tablesText(page) });
      assert((await page.locator('[data-testid="panel-flamegraph"]').count()) === 0, 'a top query draws a table, not a flame graph');
    },
  },
  {
    name: 'function editor: one function over time, one series per label value',
    async run({ page, baseUrl, range, repoRoot }) {
      const [hottest] = topFunctions(repoRoot, 'go-cpu.cpu.top.tsv', 1);
      await openEditor(page, baseUrl, range, {
        query: {
          refId: 'A',
          queryType: 'function',
          profileTypeId: CPU,
          labelSelector: '{service_name="shop"}',
          function: hottest,
          valueKind: 'total',
          groupBy: ['worker'],
        },
      });
      await waitFor('the Function tab', () => page.locator('[data-testid="function-editor"]').isVisible(), {
        seen: () => visibleText(page, '[data-testid="query-editor"]'),
      });
      const summary = await visibleText(page, '[data-testid="function-summary"]');
      assert(summary.includes(hottest), `the function tab's summary should name ${hottest}: ${summary}`);
      await runQuery(page);
      const panel = page.locator('[data-testid="panel-timeseries"]');
      await waitFor('a time series panel', () => panel.isVisible(), { seen: () => visibleText(page, '[data-testid="results"]') });
      const workers = await resource(baseUrl, `labelValues?label=worker&query=${encodeURIComponent(`${CPU}{service_name="shop"}`)}&from=${range.from}&to=${range.to}`);
      await waitFor(`the legend to name the series of worker ${workers.join(', ')}`, async () => {
        const legend = await visibleText(page, '[data-testid="panel-timeseries"]', 2000);
        return workers.some((w) => legend.includes(w));
      }, { seen: () => visibleText(page, '[data-testid="panel-timeseries"]') });
    },
  },
];
