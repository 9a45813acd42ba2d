// The Rules tab: a metric the collector's recording rule recorded while it ingested, chosen from the
// list the editor loads, answered as a time series per recorded series (what an alert rule reads).
import { RECORDED_METRIC } from '../lib/data.mjs';
import { waitFor } from '../lib/harness.mjs';
import { openEditor, runQuery, visibleText } from '../lib/pages.mjs';

export default [
  {
    name: 'rules editor: a recorded metric chosen from the list answers a series per recorded series',
    async run({ page, baseUrl, range }) {
      await openEditor(page, baseUrl, range, { query: { refId: 'A', queryType: 'recording_rule' } });
      await waitFor('the Rules tab', () => page.locator('[data-testid="rule-editor"]').isVisible(), {
        seen: () => visibleText(page, '[data-testid="query-editor"]'),
      });
      const metric = page.locator('[data-testid="rule-metric"]');
      await metric.click();
      await metric.fill('recorded_cpu');
      await waitFor(`${RECORDED_METRIC} among the choices`, async () => (await visibleText(page, 'body', 4000)).includes(RECORDED_METRIC), {
        seen: () => visibleText(page, 'body', 4000),
      });
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await waitFor('the summary to name the chosen metric', async () => (await visibleText(page, '[data-testid="rule-summary"]')).includes(RECORDED_METRIC), {
        seen: () => visibleText(page, '[data-testid="rule-summary"]'),
      });
      await runQuery(page);
      const panel = page.locator('[data-testid="panel-timeseries"]');
      await waitFor('a time series panel', () => panel.isVisible(), { seen: () => visibleText(page, '[data-testid="results"]') });
      // The Go CPU profile of shop v1 is the one profile of the rule's type.
      await waitFor('the legend to name the recorded series of shop v1', async () => {
        const legend = await visibleText(page, '[data-testid="panel-timeseries"]', 2000);
        return legend.includes('shop') && legend.includes('v1');
      }, { seen: () => visibleText(page, '[data-testid="panel-timeseries"]') });
    },
  },
];
