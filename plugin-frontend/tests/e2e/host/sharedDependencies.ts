// Grafana's plugin loader (public/app/features/plugins/loader): SystemJS with its AMD extra, every shared
// package registered in the module registry under `package:<name>` and mapped from its bare name by an
// import map, so a plugin's `define(["react", "@grafana/ui", ...], ...)` receives the host's instances.
// module.js itself is never bundled here: it is fetched by SystemJS from the plugin folder's URL.
import 'systemjs/dist/system.js';
import 'systemjs/dist/extras/amd.js';
import 'systemjs/dist/extras/named-register.js';

import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaI18n from '@grafana/i18n';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUIraw from '@grafana/ui';
import * as lodash from 'lodash';
import * as react from 'react';
import * as reactDom from 'react-dom';
import * as reactDomClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';

interface SystemJSInstance {
  set(id: string, module: object): void;
  addImportMap(map: { imports: Record<string, string> }): void;
  import(id: string): Promise<Record<string, unknown>>;
}

declare global {
  interface Window {
    System: SystemJSInstance;
  }
}

// As Grafana: the plugin base classes are reachable from @grafana/ui too (the 6.5 migration).
const grafanaUI: Record<string, unknown> = {
  ...grafanaUIraw,
  PanelPlugin: grafanaData.PanelPlugin,
  DataSourcePlugin: grafanaData.DataSourcePlugin,
  AppPlugin: grafanaData.AppPlugin,
  DataSourceApi: grafanaData.DataSourceApi,
};

const shared: Record<string, object> = {
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/i18n': grafanaI18n,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUI,
  emotion: emotionCss,
  lodash: { ...lodash, default: lodash, __useDefault: true },
  react,
  'react/jsx-runtime': jsxRuntime,
  'react-dom': reactDom,
  'react-dom/client': reactDomClient,
  rxjs,
  'rxjs/operators': rxjsOperators,
};

export const SHARED_DEPENDENCY_NAMES = Object.keys(shared);

export function registerSharedDependencies(): SystemJSInstance {
  const system = window.System;
  const imports: Record<string, string> = {};
  for (const [name, module] of Object.entries(shared)) {
    const id = `package:${name}`;
    system.set(id, module);
    imports[name] = id;
  }
  system.addImportMap({ imports });
  return system;
}
