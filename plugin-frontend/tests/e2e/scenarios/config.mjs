// The data source settings page: the plugin's ConfigEditor, and "Save & test" answered by the real
// plugin's CheckHealth over the saved settings.
import path from 'node:path';

import { assert, waitFor } from '../lib/harness.mjs';
import { UID, openConfig, visibleText } from '../lib/pages.mjs';

async function saveAndTest(page) {
  await page.locator('[data-testid="save-and-test"]').click();
  const result = page.locator('[data-testid="health-result"]');
  await waitFor('the health check result (an Alert under the settings)', () => result.isVisible(), {
    timeoutMs: 60_000,
    seen: () => visibleText(page, '[data-testid="config-page"]'),
  });
  return { status: await result.getAttribute('data-status'), text: (await result.innerText()).replace(/\s+/g, ' ') };
}

async function setDataDirectory(page, value) {
  const input = page.locator('input[data-testid="config-data-directory"], [data-testid="config-data-directory"] input').first();
  await waitFor('the "Data directory" field of the config editor', () => input.isVisible(), { seen: () => visibleText(page) });
  await input.fill('');
  await input.type(value, { delay: 2 });
  return input;
}

/** Puts the provisioned settings back whatever a case changed (the cases share one data source). */
async function restoreSettings(baseUrl, dataDir) {
  const current = await (await fetch(`${baseUrl}/api/datasources/uid/${UID}`)).json();
  const jsonData = { ...current.jsonData, dataDirectory: dataDir };
  delete jsonData.useRollups;
  await fetch(`${baseUrl}/api/datasources/uid/${UID}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...current, jsonData }),
  });
}

/** The "Use rollups" switch as a person uses it: its state, and a click on the switch (its label). */
function rollupsSwitch(page) {
  const input = page.locator('input#config-use-rollups');
  return {
    isChecked: () => input.isChecked(),
    // The switch's own label (the field's label "Use rollups" also points at it).
    click: () => page.locator('input#config-use-rollups + label').click(),
  };
}

export default [
  {
    name: 'config editor: Save & test with a data directory that does not exist says what to fix',
    async run({ page, baseUrl, dataDir }) {
      try {
        await openConfig(page, baseUrl);
        const missing = path.join(dataDir, 'no-such-directory');
        await setDataDirectory(page, missing);
        const { status, text } = await saveAndTest(page);
        assert(status === 'error', `Save & test should fail for ${missing}; the page showed "${status}": ${text}`);
        assert(text.includes(missing), `the message should name the directory ${missing}: ${text}`);
        assert(/data directory/i.test(text), `the message should say which setting to change (Data directory): ${text}`);
        const saved = await (await fetch(`${baseUrl}/api/datasources/uid/${UID}`)).json();
        assert(saved.jsonData.dataDirectory === missing, `Save & test should have saved the edited directory, the server holds ${saved.jsonData.dataDirectory}`);
      } finally {
        await restoreSettings(baseUrl, dataDir);
      }
    },
  },
  {
    name: 'config editor: the Use rollups switch saves useRollups and Save & test still answers OK',
    async run({ page, baseUrl, dataDir }) {
      try {
        await openConfig(page, baseUrl);
        await setDataDirectory(page, dataDir);
        const rollups = rollupsSwitch(page);
        assert(await rollups.isChecked(), 'Use rollups should be on for a data source that does not set it (the backend reads it as true)');
        const description = page.getByText(/from the hour and day rollups .* Turn off only to compare with the raw answer/);
        assert(await description.isVisible(), 'the switch should say what it does and when to turn it off');
        await rollups.click();
        await waitFor('the Use rollups switch to turn off', async () => !(await rollups.isChecked()));
        const off = await saveAndTest(page);
        assert(off.status === 'success', `Save & test with rollups off should succeed; the page showed "${off.status}": ${off.text}`);
        const saved = await (await fetch(`${baseUrl}/api/datasources/uid/${UID}`)).json();
        assert(saved.jsonData.useRollups === false, `the saved jsonData should hold useRollups: false, it holds ${JSON.stringify(saved.jsonData)}`);

        await openConfig(page, baseUrl);
        assert(!(await rollupsSwitch(page).isChecked()), 'a data source saved with useRollups false should open with the switch off');
        await rollupsSwitch(page).click();
        await waitFor('the Use rollups switch to turn on', () => rollupsSwitch(page).isChecked());
        await saveAndTest(page);
        const again = await (await fetch(`${baseUrl}/api/datasources/uid/${UID}`)).json();
        assert(again.jsonData.useRollups === true, `switched back on, the saved jsonData should hold useRollups: true, it holds ${JSON.stringify(again.jsonData)}`);
      } finally {
        await restoreSettings(baseUrl, dataDir);
      }
    },
  },
  {
    name: "config editor: Save & test with the collector's data directory shows the backend's OK message",
    async run({ page, baseUrl, dataDir, outputDir }) {
      await openConfig(page, baseUrl);
      const input = await setDataDirectory(page, dataDir);
      assert((await input.inputValue()) === dataDir, `the Data directory field should hold ${dataDir}`);
      const before = (await (await fetch(`${baseUrl}/api/datasources/uid/${UID}`)).json()).version;
      const { status, text } = await saveAndTest(page);
      assert(status === 'success', `Save & test should succeed for ${dataDir}; the page showed "${status}": ${text}`);
      assert(/Data source is working/.test(text), `the backend's health message should show: ${text}`);
      assert(/profile type/.test(text), `the health message should tell what the data holds (profile types): ${text}`);
      const saved = await (await fetch(`${baseUrl}/api/datasources/uid/${UID}`)).json();
      assert(saved.version === before + 1, `Save & test should save the settings first (version ${before} → ${saved.version})`);
      await page.screenshot({ path: path.join(outputDir, 'config-editor.png') });
    },
  },
];
