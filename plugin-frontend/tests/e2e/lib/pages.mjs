// How a test opens and reads the host page: the way a person would (what is visible, what is typed),
// with bounded waits that say what the page showed instead.
import { waitFor } from './harness.mjs';

export const UID = 'profiles';

/** Visible text of `selector` (or the page), shortened, for failure messages. */
export async function visibleText(page, selector = 'body', max = 700) {
  const text = await page.locator(selector).first().innerText({ timeout: 2_000 }).catch(() => '');
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat || '(nothing)';
}

async function waitForHost(page) {
  await waitFor(
    'the host page to load dist/module.js and render',
    async () => {
      const state = await page.evaluate(() => ({ ready: window.__hostReady === true, error: window.__hostError }));
      if (state.error) {
        throw Object.assign(new Error(state.error), { fatal: true });
      }
      return state.ready;
    },
    { timeoutMs: 60_000, seen: () => visibleText(page) }
  ).catch(async (e) => {
    const hostError = await page.evaluate(() => window.__hostError).catch(() => undefined);
    throw new Error(hostError ? `The host page failed: ${hostError}` : e.message);
  });
}

export async function openConfig(page, baseUrl) {
  await page.goto(`${baseUrl}/?page=config&uid=${UID}`);
  await waitForHost(page);
  await waitFor('the config page', () => page.locator('[data-testid="config-page"]').isVisible(), { seen: () => visibleText(page) });
}

/** Opens a query row; `query` is the saved query JSON the editor starts from (as a dashboard would hold it). */
export async function openEditor(page, baseUrl, range, { query, app = 'explore' } = {}) {
  const params = new URLSearchParams({ page: 'editor', uid: UID, from: String(range.from), to: String(range.to), app });
  if (query) {
    params.set('query', JSON.stringify(query));
  }
  await page.goto(`${baseUrl}/?${params}`);
  await waitForHost(page);
  await waitFor('the query editor', () => page.locator('[data-testid="query-editor"]').isVisible(), { seen: () => visibleText(page) });
}

export async function runCount(page) {
  return Number(await page.locator('[data-testid="results"]').getAttribute('data-runs'));
}

/** Clicks Run query and waits until the answer has been rendered. */
export async function runQuery(page) {
  const before = await runCount(page);
  await page.locator('[data-testid="run-query"]').click();
  await waitForRun(page, before);
}

export async function waitForRun(page, before) {
  await waitFor(`the query to be answered (run ${before + 1})`, async () => (await runCount(page)) > before, {
    timeoutMs: 90_000,
    seen: () => visibleText(page, '[data-testid="results"]'),
  });
}

/** Monaco's editor inside the element with `testId` (the element itself or a descendant). */
export function monacoIn(page, testId) {
  return page.locator(`[data-testid="${testId}"] .monaco-editor, .monaco-editor[data-testid="${testId}"]`).first();
}

/** Replaces the text of a Monaco editor by typing, as a person does (select all, type). */
export async function typeInMonaco(page, editor, text, { replace = true } = {}) {
  await editor.click();
  if (replace) {
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
  }
  await page.keyboard.type(text, { delay: 20 });
}

/** The labels in Monaco's visible suggest widget. */
export async function suggestions(page) {
  return page
    .locator('.monaco-editor .suggest-widget.visible .monaco-list-row')
    .evaluateAll((rows) => rows.map((r) => (r.getAttribute('aria-label') ?? r.textContent ?? '').trim()));
}

export async function waitForSuggestions(page, what, predicate, timeoutMs = 20_000) {
  return waitFor(
    what,
    async () => {
      const items = await suggestions(page);
      return predicate(items) ? items : undefined;
    },
    { timeoutMs, seen: async () => `suggestions [${(await suggestions(page)).join(' | ')}]` }
  );
}
