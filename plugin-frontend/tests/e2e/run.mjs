// The browser test: the built plugin folder (dist/) in a Grafana stand-in, driven in headless Chromium.
//   1. ingests real pprof files with the real collector into a temporary data directory;
//   2. builds the host page (tests/e2e/host → tests/e2e/.build);
//   3. starts the stand-in (tests/e2e/grafana-standin): it launches the plugin executable from the plugin
//      folder as Grafana does and serves the plugin folder, the host page and Grafana's HTTP API;
//   4. runs the scenarios (tests/e2e/scenarios) in Debian's Chromium via playwright-core;
//   5. stops everything (also on failure) and prints `N passed, M failed`; exit code 1 on any failure.
// Screenshots go to tests/e2e/output/ (git-ignored); --update-docs copies one of each editor to docs/images/.
//
// Usage (from plugin-frontend/): node tests/e2e/run.mjs [--only <regex>] [--update-docs] [--skip-host-build]
// Environment: GP_PLUGIN_DIR (default <repo>/dist), CHROMIUM (default /usr/bin/chromium).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { startStandin } from './grafana-standin/server.mjs';
import { ingest, profileRange } from './lib/data.mjs';
import { Suite } from './lib/harness.mjs';
import { UID } from './lib/pages.mjs';
import configScenarios from './scenarios/config.mjs';
import diffScenarios from './scenarios/diff.mjs';
import modeScenarios from './scenarios/modes.mjs';
import profileScenarios from './scenarios/profile.mjs';
import ruleScenarios from './scenarios/rules.mjs';
import sqlScenarios from './scenarios/sql.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const frontendDir = path.resolve(here, '..', '..');
const repoRoot = path.resolve(frontendDir, '..');
const outputDir = path.join(here, 'output');
const args = process.argv.slice(2);
const only = args.includes('--only') ? new RegExp(args[args.indexOf('--only') + 1], 'i') : null;
const updateDocs = args.includes('--update-docs');

/** Screenshots that document the editors (docs/images/, shown in the README). */
const DOC_IMAGES = ['config-editor.png', 'query-editor-profile.png', 'query-editor-diff.png', 'query-editor-sql.png'];
/** The screenshots plugin.json names (Grafana's plugin page shows them): src/img/screenshot-<name>. */
const PLUGIN_SCREENSHOTS = ['query-editor-profile.png', 'query-editor-diff.png', 'query-editor-sql.png'];

function step(message) {
  console.log(`# ${message}`);
}

async function main() {
  const pluginDir = path.resolve(process.env.GP_PLUGIN_DIR ?? path.join(repoRoot, 'dist'));
  if (!existsSync(path.join(pluginDir, 'module.js'))) {
    throw new Error(`${pluginDir}/module.js is missing: build the plugin folder first (build/package-plugin.sh, or npx webpack --mode production)`);
  }
  const executable = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executable)) {
    throw new Error(`Chromium is not at ${executable}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM`);
  }
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });

  step('ingesting real pprof files with the collector');
  const { dataDir, output } = ingest(repoRoot);
  writeFileSync(path.join(outputDir, 'ingest.txt'), output);
  const range = profileRange(repoRoot);
  step(`data directory ${dataDir}, profiles between ${new Date(range.from).toISOString()} and ${new Date(range.to).toISOString()}`);

  if (!args.includes('--skip-host-build') || !existsSync(path.join(here, '.build', 'host.js'))) {
    step('building the host page');
    execFileSync(process.execPath, [path.join(frontendDir, 'node_modules', 'webpack', 'bin', 'webpack.js'), '--config', path.join(here, 'webpack.host.config.js')], {
      cwd: frontendDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }

  // Ctrl+C or a CI timeout: stop the browser and the plugin before leaving.
  const interrupted = new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.once(signal, () => resolve(signal));
    }
  });
  const logLines = [];
  const log = (line) => logLines.push(`${new Date().toISOString()} ${line}`);
  let standin;
  let browser;
  try {
    step(`starting the Grafana stand-in with the plugin folder ${pluginDir}`);
    standin = await startStandin({
      pluginDir,
      repoRoot,
      hostPage: path.join(here, 'host', 'index.html'),
      hostBuildDir: path.join(here, '.build'),
      iconsDir: path.join(frontendDir, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons'),
      dataSource: { uid: UID, name: 'Grafana Profiles', jsonData: { dataDirectory: dataDir } },
      log,
    });
    step(`stand-in at ${standin.url}; plugin ${standin.plugin.handshake.network} ${standin.plugin.handshake.address}`);
    browser = await chromium.launch({
      executablePath: executable,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
    const suite = new Suite({ browser, outputDir });
    const context = { baseUrl: standin.url, standin, range, dataDir, outputDir, repoRoot };
    for (const scenario of [...configScenarios, ...profileScenarios, ...diffScenarios, ...modeScenarios, ...ruleScenarios, ...sqlScenarios]) {
      if (!only || only.test(scenario.name)) {
        suite.test(scenario.name, scenario.run);
      }
    }
    const outcome = await Promise.race([suite.run(context), interrupted]);
    if (typeof outcome === 'string') {
      throw new Error(`interrupted by ${outcome}`);
    }
    const { passed, failed } = outcome;
    if (updateDocs) {
      const docs = path.join(repoRoot, 'docs', 'images');
      mkdirSync(docs, { recursive: true });
      for (const name of DOC_IMAGES) {
        if (existsSync(path.join(outputDir, name))) {
          copyFileSync(path.join(outputDir, name), path.join(docs, name));
          step(`docs/images/${name} updated`);
        }
      }
      for (const name of PLUGIN_SCREENSHOTS) {
        if (existsSync(path.join(outputDir, name))) {
          copyFileSync(path.join(outputDir, name), path.join(repoRoot, 'plugin-frontend', 'src', 'img', `screenshot-${name}`));
          step(`plugin-frontend/src/img/screenshot-${name} updated`);
        }
      }
    }
    return { passed, failed };
  } finally {
    await browser?.close().catch(() => {});
    if (standin) {
      const graceful = await standin.stop();
      log(`plugin stopped ${graceful ? 'after Shutdown' : 'by SIGKILL after 2 s'}`);
    }
    writeFileSync(path.join(outputDir, 'standin.log'), logLines.join('\n') + '\n');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  ({ passed, failed }) => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  },
  (e) => {
    console.log(`not ok - setup: ${e.message}`);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  }
);
