// The host page: a Grafana stand-in in the browser. It sets up what Grafana's frontend sets up before a
// plugin runs (boot data, BackendSrv, TemplateSrv, DataSourceSrv, the SystemJS loader with the shared
// packages), imports the plugin's module.js from the plugin folder URL exactly as Grafana does, builds the
// data source from its instance settings and renders one page:
//   ?page=config                                   the data source settings page
//   ?page=editor&from=<ms>&to=<ms>[&app=explore|panel-editor][&query=<json>]   a query row and its panels
import './boot';

import { createRoot } from 'react-dom/client';

import {
  CoreApp,
  DataSourceApi,
  DataSourceInstanceSettings,
  DataSourcePlugin,
  DataSourcePluginMeta,
  DataSourceSettings,
  ThemeContext,
  dateTime,
} from '@grafana/data';
import { config, setBackendSrv, setDataSourceSrv, setTemplateSrv } from '@grafana/runtime';
import { GlobalStyles } from '@grafana/ui';

import { backendSrv, requests } from './backendSrv';
import { ConfigPage } from './ConfigPage';
import { HostDataSourceSrv } from './dataSourceSrv';
import { EditorPage } from './EditorPage';
import { registerSharedDependencies } from './sharedDependencies';
import { templateSrv } from './templateSrv';

declare global {
  interface Window {
    __hostReady?: boolean;
    __hostError?: string;
    __requests: typeof requests;
  }
}

function toInstanceSettings(settings: DataSourceSettings, meta: DataSourcePluginMeta): DataSourceInstanceSettings {
  return {
    id: settings.id,
    uid: settings.uid,
    type: settings.type,
    name: settings.name,
    meta,
    jsonData: settings.jsonData,
    access: settings.access as 'proxy',
    readOnly: settings.readOnly,
    url: `/api/datasources/proxy/uid/${settings.uid}`,
    isDefault: settings.isDefault,
  };
}

async function main() {
  window.__requests = requests;
  const params = new URLSearchParams(window.location.search);
  const uid = params.get('uid') ?? 'profiles';
  setBackendSrv(backendSrv);
  setTemplateSrv(templateSrv);
  const system = registerSharedDependencies();

  const settings = await backendSrv.get<DataSourceSettings>(`/api/datasources/uid/${uid}`);
  const base = `public/plugins/${settings.type}`;
  const pluginJson = await backendSrv.get<DataSourcePluginMeta>(`/${base}/plugin.json`);
  const meta: DataSourcePluginMeta = { ...pluginJson, module: `${base}/module.js`, baseUrl: base };

  // Grafana's importDataSourcePlugin: SystemJS imports the module by URL; `plugin` must be a DataSourcePlugin.
  const exports = await system.import(new URL(`/${base}/module.js`, window.location.href).href);
  const plugin = exports.plugin as DataSourcePlugin<DataSourceApi>;
  if (!plugin || !(plugin instanceof DataSourcePlugin)) {
    throw new Error(`${base}/module.js does not export a DataSourcePlugin named "plugin"`);
  }
  plugin.meta = meta;

  const build = (s: DataSourceSettings): DataSourceApi => {
    const instance = new plugin.DataSourceClass(toInstanceSettings(s, meta));
    instance.components = plugin.components;
    return instance;
  };
  let datasource = build(settings);
  const dsSrv = new HostDataSourceSrv(toInstanceSettings(settings, meta), () => datasource);
  setDataSourceSrv(dsSrv);

  const page = params.get('page') ?? 'editor';
  let content: JSX.Element;
  if (page === 'config') {
    content = (
      <ConfigPage
        plugin={plugin}
        initial={settings}
        instantiate={(saved) => {
          datasource = build(saved);
          dsSrv.update(toInstanceSettings(saved, meta), () => datasource);
          return datasource;
        }}
      />
    );
  } else {
    const from = dateTime(Number(params.get('from') ?? Date.now() - 3_600_000));
    const to = dateTime(Number(params.get('to') ?? Date.now()));
    const range = { from, to, raw: { from: from.toISOString(), to: to.toISOString() } };
    templateSrv.updateTimeRange(range);
    const app = params.get('app') === 'panel-editor' ? CoreApp.PanelEditor : CoreApp.Explore;
    const query = params.get('query');
    content = <EditorPage plugin={plugin} datasource={datasource} range={range} app={app} initialQuery={query ? JSON.parse(query) : undefined} />;
  }

  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={config.theme2}>
      <GlobalStyles />
      <main style={{ padding: 16 }}>{content}</main>
    </ThemeContext.Provider>
  );
  window.__hostReady = true;
}

main().catch((e: Error) => {
  window.__hostError = e.stack ?? String(e);
  const root = document.getElementById('root')!;
  root.textContent = `The host page failed: ${e.message}`;
  root.setAttribute('data-testid', 'host-error');
});
