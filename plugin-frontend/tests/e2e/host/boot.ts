// What Grafana's index.html sets before any of its code runs: the boot data @grafana/runtime's `config`
// is built from (read once, when @grafana/runtime is first evaluated, so this module is imported first),
// and the public path @grafana/ui takes its icons from.
declare global {
  interface Window {
    grafanaBootData: unknown;
    __grafana_public_path__: string;
  }
}

window.__grafana_public_path__ = '/public/';
window.grafanaBootData = {
  assets: { dark: '', light: '' },
  navTree: [],
  user: {
    id: 1,
    uid: 'admin',
    login: 'admin',
    name: 'admin',
    email: 'admin@localhost',
    orgId: 1,
    orgName: 'Main Org.',
    orgRole: 'Admin',
    isSignedIn: true,
    isGrafanaAdmin: true,
    theme: 'dark',
    timezone: 'utc',
    locale: 'en-US',
    language: 'en-US',
    permissions: {},
  },
  settings: {
    appUrl: 'http://127.0.0.1/',
    appSubUrl: '',
    buildInfo: { version: '13.1.1', commit: 'e2e', env: 'production', edition: 'Open Source' },
    featureToggles: {},
    datasources: {},
    panels: {},
    apps: {},
    defaultDatasource: 'profiles',
    exploreEnabled: true,
    namespace: 'default',
  },
};

export {};
