// A small test runner for the browser test: named cases, each in a fresh browser context at 1280×800,
// a bounded time each, `ok`/`not ok` lines, a screenshot and the page's console errors on failure,
// and the summary line `N passed, M failed`.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const VIEWPORT = { width: 1280, height: 800 };
const CASE_TIMEOUT_MS = 180_000;

/** Waits for `condition` (async, truthy result) up to `timeoutMs`; otherwise throws what was seen instead. */
export async function waitFor(what, condition, { timeoutMs = 30_000, intervalMs = 200, seen } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await condition();
      if (value) {
        return value;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const instead = seen ? await seen().catch((e) => `(could not read the page: ${e.message})`) : last?.message;
      throw new Error(`Expected ${what} within ${timeoutMs / 1000}s.${instead ? `\n  Instead the page showed: ${instead}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

export class Suite {
  constructor({ browser, outputDir }) {
    this.browser = browser;
    this.outputDir = outputDir;
    this.cases = [];
    this.results = [];
    mkdirSync(path.join(outputDir, 'failures'), { recursive: true });
  }

  test(name, fn) {
    this.cases.push({ name, fn });
  }

  async run(context) {
    let n = 0;
    for (const { name, fn } of this.cases) {
      n++;
      const browserContext = await this.browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
      const page = await browserContext.newPage();
      const consoleErrors = [];
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
      // The console says only "Failed to load resource": name what failed.
      page.on('response', (r) => r.status() >= 400 && consoleErrors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`));
      const started = Date.now();
      try {
        let timer;
        const timeout = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the case did not finish within ${CASE_TIMEOUT_MS / 1000}s`)), CASE_TIMEOUT_MS);
        });
        await Promise.race([fn({ ...context, page }), timeout]).finally(() => clearTimeout(timer));
        this.results.push({ name, ok: true });
        console.log(`ok ${n} - ${name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
      } catch (e) {
        const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 80);
        const shot = path.join(this.outputDir, 'failures', `${slug}.png`);
        await page.screenshot({ path: shot }).catch(() => {});
        writeFileSync(path.join(this.outputDir, 'failures', `${slug}.console.txt`), consoleErrors.join('\n'));
        this.results.push({ name, ok: false });
        console.log(`not ok ${n} - ${name}`);
        console.log(
          `  ${String(e.message ?? e).split('\n').join('\n  ')}\n  screenshot: ${path.relative(process.cwd(), shot)}` +
            (consoleErrors.length ? `\n  browser console errors:\n    ${consoleErrors.slice(-5).join('\n    ')}` : '')
        );
      } finally {
        await browserContext.close().catch(() => {});
      }
    }
    const passed = this.results.filter((r) => r.ok).length;
    const failed = this.results.length - passed;
    return { passed, failed };
  }
}
