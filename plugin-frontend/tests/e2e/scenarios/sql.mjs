// The SQL tab: completion of our views in Monaco, a query over the real data as a table, and DuckDB's
// error for bad SQL as a marker in the editor.
import path from 'node:path';

import { assert, waitFor } from '../lib/harness.mjs';
import { monacoIn, openEditor, runQuery, typeInMonaco, visibleText, waitForSuggestions } from '../lib/pages.mjs';
import { CPU, resource, topFunctions, topTableSymbols } from './profile.mjs';

async function openSqlTab(page, baseUrl, range) {
  await openEditor(page, baseUrl, range, { query: { refId: 'A', queryType: 'profile', profileTypeId: CPU, labelSelector: '{service_name="shop"}' } });
  // The tab's radio input lies over its label: a click on the label lands on it.
  await page.locator('[data-testid="query-mode"]').getByRole('radio', { name: 'SQL' }).click();
  const editor = monacoIn(page, 'sql-editor');
  await waitFor('the SQL editor (Monaco) after choosing the SQL tab', () => editor.isVisible(), {
    timeoutMs: 30_000,
    seen: () => visibleText(page, '[data-testid="query-editor"]'),
  });
  return editor;
}

export default [
  {
    name: 'sql editor: a profile query switched to SQL starts from its equivalent SQL, which draws the same flame graph',
    async run({ page, baseUrl, range, repoRoot }) {
      await openSqlTab(page, baseUrl, range);
      const text = await visibleText(page, '[data-testid="sql-editor"]');
      for (const part of ['FROM samples', "service_name = 'shop'", 'GROUP BY stack_id']) {
        // Monaco renders spaces as non-breaking spaces.
        assert(text.replace(/\u00a0/g, ' ').includes(part), `the SQL offered for {service_name="shop"} should contain ${part}; the editor shows: ${text}`);
      }
      await page.locator('[data-testid="sql-run"]').click();
      const panel = page.locator('[data-testid="panel-flamegraph"]');
      await waitFor('a flame graph panel from the SQL', () => panel.isVisible(), { seen: () => visibleText(page, '[data-testid="results"]') });
      const expected = topFunctions(repoRoot, 'go-cpu.cpu.top.tsv', 3);
      await waitFor(
        `the SQL flame graph's top table to list ${expected.join(', ')}`,
        async () => {
          const symbols = await topTableSymbols(page);
          return expected.every((f) => symbols.some((s) => s.includes(f)));
        },
        { seen: async () => (await topTableSymbols(page)).slice(0, 8).join(' | ') || visibleText(page, '[data-testid="results"]') }
      );
    },
  },
  {
    name: 'sql editor: typing "SELECT * FROM " offers our views',
    async run({ page, baseUrl, range }) {
      const schema = await resource(baseUrl, 'sqlSchema');
      const views = schema.tables.map((t) => t.name);
      assert(views.includes('samples') && views.includes('stack_frames'), `the backend's schema should list samples and stack_frames: ${views}`);
      const editor = await openSqlTab(page, baseUrl, range);
      await typeInMonaco(page, editor, 'SELECT * FROM ');
      await page.keyboard.press('Control+Space');
      await waitForSuggestions(page, `the views ${views.join(', ')} in the completion list`, (items) =>
        views.every((v) => items.some((i) => i === v || i.startsWith(`${v} `) || i.startsWith(`${v},`) || i.split(/\s/)[0] === v))
      );
    },
  },
  {
    name: 'sql editor: a query over the views returns the real functions as a table',
    async run({ page, baseUrl, range, outputDir }) {
      const editor = await openSqlTab(page, baseUrl, range);
      const sql =
        "SELECT f.name, sum(s.value) AS self FROM samples s JOIN stack_frames f ON f.stack_id = s.stack_id AND f.is_leaf " +
        `WHERE $__timeFilter(s.time) AND s.profile_type = '${CPU}' GROUP BY 1 ORDER BY 2 DESC LIMIT 20`;
      // Switched from a profile query, the tab starts with its SQL as a flame graph; this one is a table.
      const format = page.locator('[data-testid="sql-format"]');
      assert((await format.getByRole('radio', { name: 'Flame graph' }).isChecked()), 'a profile query switched to SQL should start in the flame graph format');
      await typeInMonaco(page, editor, sql);
      await page.keyboard.press('Escape');
      await format.getByRole('radio', { name: 'Table' }).click();
      await runQuery(page);
      await waitFor('a table with main.fibonacci (the Go profile\'s hottest function)', async () => {
        const text = await visibleText(page, '[data-testid="results"]', 4000);
        return text.includes('main.fibonacci');
      }, { seen: () => visibleText(page, '[data-testid="results"]') });
      await page.screenshot({ path: path.join(outputDir, 'query-editor-sql.png') });
    },
  },
  {
    name: 'sql editor: bad SQL shows an error marker in the editor after running',
    async run({ page, baseUrl, range, outputDir }) {
      const editor = await openSqlTab(page, baseUrl, range);
      await typeInMonaco(page, editor, 'SELECT name FROM functions WHERE nmae = 1');
      await page.keyboard.press('Escape');
      await runQuery(page);
      await waitFor('the query error from DuckDB', async () => (await visibleText(page, '[data-testid="results"]')).includes('nmae'), {
        seen: () => visibleText(page, '[data-testid="results"]'),
      });
      await waitFor('an error marker (.squiggly-error) in the SQL editor', async () => (await editor.locator('.squiggly-error').count()) > 0, {
        seen: async () => `no marker; editor text: ${await visibleText(page, '[data-testid="sql-editor"]')}`,
      });
      await page.screenshot({ path: path.join(outputDir, 'sql-error.png') });
    },
  },
];
