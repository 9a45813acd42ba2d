// The Diff tab: two releases of one service (v1: a Go heap profile, v2: a Node heap profile, both
// memory:inuse_space) as a diff flame graph with Grafana's red/green scale, and the `changes` table.
import path from 'node:path';

import { assert, waitFor } from '../lib/harness.mjs';
import { openEditor, runQuery, visibleText } from '../lib/pages.mjs';
import { canvasColours, topFunctions } from './profile.mjs';

const INUSE = 'memory:inuse_space:bytes:space:bytes';

export const DIFF_QUERY = {
  refId: 'A',
  queryType: 'diff',
  profileTypeId: INUSE,
  labelSelector: '{service_name="shop"}',
  left: { labelSelector: '{service_name="shop", version="v1"}' },
  right: { labelSelector: '{service_name="shop", version="v2"}' },
};

/** Red-dominant and green-dominant pixels: the diff scale colours bars by the change of their share. */
function redAndGreen(colours) {
  let red = 0;
  let green = 0;
  for (const { rgb: [r, g, b], n } of colours) {
    if (r > 150 && r > g + 60 && r > b + 60) {
      red += n;
    } else if (g > 120 && g > r + 40 && g > b + 20) {
      green += n;
    }
  }
  return { red, green };
}

export default [
  {
    name: 'diff editor: two versions draw a diff flame graph in red and green and the changes table',
    async run({ page, baseUrl, range, repoRoot, outputDir }) {
      await openEditor(page, baseUrl, range, { query: DIFF_QUERY });
      for (const [testId, version] of [['diff-left-selector', 'v1'], ['diff-right-selector', 'v2']]) {
        const side = page.locator(`[data-testid="${testId}"]`);
        if ((await side.count()) > 0) {
          // The saved query's sides open in the editor.
          await waitFor(`the ${testId} to show version="${version}"`, async () => (await visibleText(page, `[data-testid="${testId}"]`)).includes(`"${version}"`), {
            seen: () => visibleText(page, `[data-testid="${testId}"]`),
          });
        }
      }
      await runQuery(page);
      const panel = page.locator('[data-testid="panel-flamegraph"]');
      await waitFor('a diff flame graph panel', () => panel.isVisible(), { seen: () => visibleText(page, '[data-testid="results"]') });

      // The legend of the diff colour scale (@grafana/flamegraph shows it only for a diff frame).
      const scale = panel.locator('button[aria-label="Change color scheme"]');
      await waitFor('the diff colour scale "-100% (removed) … +100% (added)"', async () => {
        const text = await scale.innerText().catch(() => '');
        return text.includes('-100% (removed)') && text.includes('+100% (added)');
      }, { seen: () => visibleText(page, '[data-testid="panel-flamegraph"]', 300) });
      const gradient = await scale.locator('div').first().evaluate((el) => getComputedStyle(el).backgroundImage);
      assert(/linear-gradient/.test(gradient), `the diff scale should be a colour gradient, it is ${gradient}`);

      const { red, green } = redAndGreen(await canvasColours(page));
      assert(red > 50 && green > 50, `the diff flame graph should draw grown functions red and shrunk ones green (red ${red}, green ${green} sampled pixels)`);

      // The changes table: functions of both sides ranked by change.
      const changes = page.locator('[data-testid="panel-table-changes"]');
      await waitFor('the "changes" table of the diff', () => changes.isVisible(), { seen: () => visibleText(page, '[data-testid="results"]') });
      // Growth first: v2's (Node's) biggest function leads; makeOrders is in both releases.
      const expected = [...topFunctions(repoRoot, 'node-heap.inuse_space.top.tsv', 1), 'makeOrders'];
      await waitFor(`the changes table to list ${expected.join(' and ')}`, async () => {
        const text = await visibleText(page, '[data-testid="panel-table-changes"]', 5000);
        return expected.every((f) => text.includes(f));
      }, { seen: () => visibleText(page, '[data-testid="panel-table-changes"]') });
      await panel.scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(outputDir, 'query-editor-diff.png') });
    },
  },
];
