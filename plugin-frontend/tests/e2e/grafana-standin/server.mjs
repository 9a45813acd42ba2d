// A loopback HTTP server playing Grafana's server side for one data source of our plugin:
// - /public/plugins/<id>/*           the plugin folder, as Grafana serves it (module.js, plugin.json, img/)
// - /public/build/img/icons/*        @grafana/ui's icons (what Grafana serves from its own build)
// - /, /host/*                       the host page and its bundle (tests/e2e/host, tests/e2e/.build)
// - GET|PUT /api/datasources/uid/<uid>               the data source's settings (Save & test PUTs them)
// - GET /api/datasources/uid/<uid>/health            → pluginv2.Diagnostics/CheckHealth
// - GET|POST /api/datasources/uid/<uid>/resources/*  → pluginv2.Resource/CallResource
// - POST /api/ds/query                               → pluginv2.Data/QueryData, frames as frame JSON
// Every answer is shaped like Grafana's own (pkg/api/ds_query.go, plugin_resource.go, plugins.go).
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { arrowToFrameJson } from './frames.mjs';
import { PluginProcess } from './plugin.mjs';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const MAX_BODY = 16 * 1024 * 1024;

/**
 * @param {object} options
 * @param {string} options.pluginDir the plugin folder
 * @param {string} options.repoRoot repository root (schema/protos)
 * @param {string} options.hostPage the host page's index.html
 * @param {string} options.hostBuildDir the host page's bundle (host.js and its chunks)
 * @param {string} options.iconsDir @grafana/ui's icons
 * @param {object} options.dataSource {uid, name, jsonData, secureJsonData}
 * @param {(line: string) => void} [options.log]
 */
export async function startStandin({ pluginDir, repoRoot, hostPage, hostBuildDir, iconsDir, dataSource, log = () => {} }) {
  const plugin = await PluginProcess.start({
    pluginDir,
    repoRoot,
    pluginSettings: { log_level: 'info' },
    onLog: (entry) => log(`plugin ${entry.level}: ${entry.message}${entry.raw ? ' ' + JSON.stringify(entry.raw) : ''}`),
  });
  const pluginId = plugin.pluginJson.id;
  const state = {
    id: 1,
    uid: dataSource.uid,
    orgId: 1,
    name: dataSource.name,
    type: pluginId,
    typeName: plugin.pluginJson.name,
    typeLogoUrl: `public/plugins/${pluginId}/${plugin.pluginJson.info.logos.small}`,
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    withCredentials: false,
    isDefault: true,
    jsonData: { ...dataSource.jsonData },
    secureJsonFields: {},
    version: 1,
    readOnly: false,
    updated: Date.now(),
  };
  let secure = {};
  setSecure(dataSource.secureJsonData ?? {});

  function setSecure(values) {
    for (const [key, value] of Object.entries(values)) {
      if (value === '' || value === null) {
        delete secure[key];
      } else {
        secure[key] = String(value);
      }
    }
    state.secureJsonFields = Object.fromEntries(Object.keys(secure).map((k) => [k, true]));
  }

  const publicSettings = () => {
    const { updated, ...rest } = state;
    return { ...rest, updated: new Date(updated).toISOString() };
  };

  function pluginContext() {
    return {
      orgId: 1,
      pluginId,
      user: { login: 'admin', name: 'admin', email: 'admin@localhost', role: 'Admin' },
      dataSourceInstanceSettings: {
        id: state.id,
        uid: state.uid,
        name: state.name,
        url: state.url,
        jsonData: Buffer.from(JSON.stringify(state.jsonData)),
        decryptedSecureJsonData: { ...secure },
        lastUpdatedMS: state.updated,
      },
      grafanaConfig: {
        GF_APP_URL: 'http://127.0.0.1/',
        GF_CONCURRENT_QUERY_COUNT: '2',
        GF_SQL_ROW_LIMIT: '1000000',
        GF_SQL_MAX_OPEN_CONNS_DEFAULT: '100',
        GF_SQL_MAX_IDLE_CONNS_DEFAULT: '100',
        GF_SQL_MAX_CONN_LIFETIME_SECONDS_DEFAULT: '14400',
        GF_USER_FACING_DEFAULT_ERROR: 'An error occurred within the plugin',
      },
      pluginVersion: plugin.pluginJson.info.version,
      userAgent: 'Grafana/13.1.1 (linux; amd64)',
    };
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const p = decodeURIComponent(url.pathname);
    const pluginPrefix = `/public/plugins/${pluginId}/`;
    const dsPrefix = `/api/datasources/uid/${state.uid}`;
    if (req.method === 'GET' && (p === '/' || p === '/index.html')) {
      return sendFile(res, hostPage);
    }
    if (req.method === 'GET' && p.startsWith('/host/')) {
      return sendFile(res, safeJoin(hostBuildDir, p.slice('/host/'.length)));
    }
    if (req.method === 'GET' && p.startsWith(pluginPrefix)) {
      return sendFile(res, safeJoin(pluginDir, p.slice(pluginPrefix.length)));
    }
    if (req.method === 'GET' && p.startsWith('/public/build/img/icons/')) {
      return sendFile(res, safeJoin(iconsDir, p.slice('/public/build/img/icons/'.length)));
    }
    if (p === '/api/ds/query' && req.method === 'POST') {
      return query(await readJson(req), res);
    }
    if (p === dsPrefix && req.method === 'GET') {
      return sendJson(res, 200, publicSettings());
    }
    if (p === dsPrefix && req.method === 'PUT') {
      return update(await readJson(req), res);
    }
    if (p === `${dsPrefix}/health` && req.method === 'GET') {
      return health(res);
    }
    if (p.startsWith(`${dsPrefix}/resources/`)) {
      return resource(req, url, p.slice(`${dsPrefix}/resources/`.length), await readBody(req), res);
    }
    if (p.startsWith('/api/datasources/uid/')) {
      return sendJson(res, 404, { message: 'Data source not found' });
    }
    return sendJson(res, 404, { message: 'Not found' });
  }

  function update(body, res) {
    if (body.version !== undefined && body.version !== state.version) {
      // Grafana refuses a save based on an older version of the settings.
      return sendJson(res, 409, { message: 'Datasource has already been updated by someone else. Please reload and try again' });
    }
    state.name = body.name ?? state.name;
    state.jsonData = { ...(body.jsonData ?? {}) };
    setSecure(body.secureJsonData ?? {});
    state.version += 1;
    state.updated = Date.now();
    log(`settings saved: version ${state.version}, jsonData ${JSON.stringify(state.jsonData)}, secure keys ${Object.keys(secure)}`);
    const settings = publicSettings();
    return sendJson(res, 200, { datasource: settings, id: state.id, message: 'Datasource updated', name: state.name });
  }

  async function health(res) {
    try {
      const r = await plugin.checkHealth({ pluginContext: pluginContext(), headers: {} });
      const payload = { status: r.status, message: r.message };
      if (r.jsonDetails && r.jsonDetails.length > 0) {
        payload.details = JSON.parse(r.jsonDetails.toString('utf8'));
      }
      return sendJson(res, r.status === 'OK' ? 200 : 400, payload);
    } catch (e) {
      if (e.code === 12) {
        return sendJson(res, 400, { status: 'UNKNOWN', message: 'Health check not implemented' });
      }
      log(`health: ${e.message}`);
      return sendJson(res, 500, { message: 'Plugin health check failed' });
    }
  }

  async function resource(req, url, subPath, body, res) {
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = { values: Array.isArray(value) ? value : [value] };
    }
    let messages;
    try {
      messages = await plugin.callResource({
        pluginContext: pluginContext(),
        path: subPath,
        method: req.method,
        url: subPath + url.search,
        headers,
        body,
      });
    } catch (e) {
      log(`resource ${subPath}: ${e.message}`);
      return e.code === 12 ? sendJson(res, 404, { message: 'Not found' }) : sendJson(res, 500, { message: 'Failed to call resource' });
    }
    if (messages.length === 0) {
      return sendJson(res, 500, { message: 'Failed to call resource', error: 'received empty resource response' });
    }
    const first = messages[0];
    const outHeaders = {};
    for (const [name, list] of Object.entries(first.headers ?? {})) {
      if (name.toLowerCase() !== 'set-cookie') {
        outHeaders[name] = list.values;
      }
    }
    if (!Object.keys(outHeaders).some((h) => h.toLowerCase() === 'content-type') && first.code !== 204) {
      outHeaders['Content-Type'] = 'application/json';
    }
    res.writeHead(first.code || 500, outHeaders);
    for (const m of messages) {
      if (m.body?.length) {
        res.write(m.body);
      }
    }
    res.end();
  }

  async function query(body, res) {
    const queries = Array.isArray(body.queries) ? body.queries : [];
    if (queries.length === 0) {
      return sendJson(res, 400, { message: 'No queries found' });
    }
    for (const q of queries) {
      const uid = typeof q.datasource === 'string' ? q.datasource : q.datasource?.uid;
      if (uid !== state.uid) {
        return sendJson(res, 404, { message: 'Data source not found' });
      }
    }
    const from = Number(body.from);
    const to = Number(body.to);
    if (!Number.isFinite(from) || !Number.isFinite(to)) {
      return sendJson(res, 400, { message: `bad time range: from ${body.from}, to ${body.to}` });
    }
    const request = {
      pluginContext: pluginContext(),
      headers: {},
      format: 'ARROW',
      queries: queries.map((q) => ({
        refId: q.refId ?? 'A',
        maxDataPoints: Number(q.maxDataPoints ?? 100),
        intervalMS: Number(q.intervalMs ?? 1000),
        timeRange: { fromEpochMS: from, toEpochMS: to },
        json: Buffer.from(JSON.stringify(q)),
        queryType: q.queryType ?? '',
      })),
    };
    let response;
    try {
      response = await plugin.queryData(request);
    } catch (e) {
      log(`query: ${e.message}`);
      return sendJson(res, 500, { message: 'Query data error' });
    }
    const results = {};
    let anyError = false;
    for (const [refId, r] of Object.entries(response.responses ?? {})) {
      const status = r.status >= 100 && r.status <= 599 ? r.status : 500;
      const out = { status, frames: (r.frames ?? []).map((f) => arrowToFrameJson(f)) };
      if (r.error) {
        anyError = true;
        out.error = r.error;
        out.errorSource = r.errorSource || 'plugin';
      }
      results[refId] = out;
    }
    return sendJson(res, anyError ? 400 : 200, { results });
  }

  const server = http.createServer((req, res) => {
    res.on('finish', () => res.statusCode === 404 && log(`${req.method} ${req.url}: 404`));
    handle(req, res).catch((e) => {
      log(`${req.method} ${req.url}: ${e.stack ?? e}`);
      if (!res.headersSent) {
        sendJson(res, e.status ?? 500, { message: e.status ? e.message : 'Internal Server Error' });
      } else {
        res.end();
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  log(`stand-in listening on http://127.0.0.1:${port}/ (plugin ${plugin.handshake.network} ${plugin.handshake.address})`);

  return {
    url: `http://127.0.0.1:${port}`,
    plugin,
    settings: () => publicSettings(),
    async stop() {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return plugin.stop();
    },
  };
}

function safeJoin(root, relative) {
  const file = path.resolve(root, relative);
  if (file !== path.resolve(root) && !file.startsWith(path.resolve(root) + path.sep)) {
    return null;
  }
  return file;
}

function sendFile(res, file) {
  if (!file || !existsSync(file) || !statSync(file).isFile()) {
    return sendJson(res, 404, { message: 'Not found' });
  }
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': 'no-store',
  });
  res.end(readFileSync(file));
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error(`request body over ${MAX_BODY} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readJson(req) {
  const body = await readBody(req);
  try {
    return JSON.parse(body.toString('utf8') || '{}');
  } catch (e) {
    throw Object.assign(new Error(`bad request data: ${e.message}`), { status: 400 });
  }
}
