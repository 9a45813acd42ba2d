// The backend plugin process, started and spoken to as Grafana's go-plugin client does
// (hashicorp/go-plugin client.go, Grafana pkg/plugins/backendplugin/grpcplugin):
// - the executable is <plugin dir>/<plugin.json executable>_<os>_<arch>, exec'd directly, with
//   Grafana's working directory (never the plugin directory) and Grafana's environment;
// - the first stdout line is the handshake `1|2|unix|<socket>|grpc`; later lines are discarded;
// - stderr lines are hclog JSON (`@level`, `@message`, `@timestamp`, key/values);
// - gRPC over the address it names, insecure, no message size limits;
// - stop: plugin.GRPCController/Shutdown (error ignored), then 2 s for the process to exit, then SIGKILL.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const START_TIMEOUT_MS = 60_000; // go-plugin's default StartTimeout is 1 minute
const SHUTDOWN_GRACE_MS = 2_000; // go-plugin waits 2 s after Shutdown before it kills

/** Grafana's `<executable>_<goos>_<goarch>` for this machine. */
export function executablePath(pluginDir) {
  const pluginJson = JSON.parse(readFileSync(path.join(pluginDir, 'plugin.json'), 'utf8'));
  if (!pluginJson.backend || !pluginJson.executable) {
    throw new Error(`${path.join(pluginDir, 'plugin.json')} does not declare a backend executable ("backend": true, "executable")`);
  }
  const goarch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  if (!goarch) {
    throw new Error(`No Grafana architecture name for ${process.arch}`);
  }
  const file = path.join(pluginDir, `${pluginJson.executable}_${process.platform}_${goarch}`);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: build the plugin folder first (build/package-plugin.sh)`);
  }
  if ((statSync(file).mode & 0o111) === 0) {
    throw new Error(`${file} is not executable: Grafana execs it directly`);
  }
  return { file, pluginJson };
}

function loadProtos(repoRoot) {
  const protoRoot = path.join(repoRoot, 'schema', 'protos');
  const definition = protoLoader.loadSync(
    [path.join(protoRoot, 'grafana/pluginv2/backend.proto'), path.join(protoRoot, 'goplugin/grpc_controller.proto')],
    { keepCase: true, longs: Number, enums: String, defaults: true, bytes: Buffer, includeDirs: [protoRoot] }
  );
  return grpc.loadPackageDefinition(definition);
}

/** Parses go-plugin's handshake line; the same checks and messages as client.go. */
export function parseHandshake(line) {
  const parts = line.trim().split('|');
  if (parts.length < 4) {
    throw new Error(`Unrecognized remote plugin message: ${line}`);
  }
  const [core, app, network, address, protocol = 'netrpc'] = parts;
  if (core !== '1') {
    throw new Error(`incompatible core API version with plugin. Plugin version: ${core}, Core version: 1`);
  }
  if (app !== '2') {
    throw new Error(`incompatible API version with plugin. Plugin version: ${app}, Client versions: [2]`);
  }
  if (network !== 'unix' && network !== 'tcp') {
    throw new Error(`unknown address type: ${network}`);
  }
  if (protocol !== 'grpc') {
    throw new Error(`unsupported plugin protocol "${protocol}" (Grafana allows only grpc)`);
  }
  return { network, address, target: network === 'unix' ? `unix:${address}` : address };
}

export class PluginProcess {
  /**
   * @param {object} options
   * @param {string} options.pluginDir the plugin folder (the one holding plugin.json)
   * @param {string} options.repoRoot where schema/protos is
   * @param {Record<string,string>} [options.pluginSettings] ini `[plugin.<id>]` keys → GF_PLUGIN_<KEY>
   * @param {(entry: object) => void} [options.onLog] each hclog entry
   */
  static async start({ pluginDir, repoRoot, pluginSettings = {}, onLog = () => {} }) {
    const { file, pluginJson } = executablePath(pluginDir);
    const workDir = mkdtempSync(path.join(tmpdir(), 'gp-e2e-grafana-cwd-'));
    const env = { ...process.env };
    for (const [key, value] of Object.entries(pluginSettings)) {
      env[`GF_PLUGIN_${key.toUpperCase()}`] = String(value);
    }
    Object.assign(env, {
      GF_VERSION: '13.1.1',
      GF_INSTANCE_FEATURE_TOGGLES_ENABLE: '',
      grafana_plugin_type: 'datasource',
      PLUGIN_MIN_PORT: '10000',
      PLUGIN_MAX_PORT: '25000',
      PLUGIN_PROTOCOL_VERSIONS: '2',
    });
    const child = spawn(file, [], { cwd: workDir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    // Last resort if this process ends without stop(): never leave the plugin running.
    const killOnExit = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const plugin = new PluginProcess(child, workDir, pluginJson, onLog);
    try {
      const line = await plugin.#firstLine(file);
      plugin.handshake = parseHandshake(line);
      const protos = loadProtos(repoRoot);
      const options = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 };
      const credentials = grpc.credentials.createInsecure();
      plugin.data = new protos.pluginv2.Data(plugin.handshake.target, credentials, options);
      plugin.resource = new protos.pluginv2.Resource(plugin.handshake.target, credentials, options);
      plugin.diagnostics = new protos.pluginv2.Diagnostics(plugin.handshake.target, credentials, options);
      plugin.controller = new protos.plugin.GRPCController(plugin.handshake.target, credentials, options);
      return plugin;
    } catch (e) {
      await plugin.stop();
      throw new Error(`${file} did not start as a Grafana plugin: ${e.message}\nstderr:\n${plugin.stderrTail()}`);
    }
  }

  constructor(child, workDir, pluginJson, onLog) {
    this.child = child;
    this.workDir = workDir;
    this.pluginJson = pluginJson;
    this.stderr = [];
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exitStatus = null;
    this.exited.then((status) => (this.exitStatus = status));
    createInterface({ input: child.stderr }).on('line', (raw) => {
      this.stderr.push(raw);
      if (this.stderr.length > 400) {
        this.stderr.shift();
      }
      onLog(parseHclog(raw));
    });
  }

  #firstLine(file) {
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: this.child.stdout });
      const timer = setTimeout(() => reject(new Error(`no handshake line on stdout within ${START_TIMEOUT_MS / 1000}s`)), START_TIMEOUT_MS);
      let first = true;
      lines.on('line', (line) => {
        if (first) {
          first = false;
          clearTimeout(timer);
          resolve(line);
        }
        // Later stdout lines are drained and discarded, as go-plugin does.
      });
      this.child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`could not exec ${file}: ${e.message}`));
      });
      this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`the process exited (code ${code}, signal ${signal}) before the handshake`));
      });
    });
  }

  stderrTail(lines = 30) {
    return this.stderr.slice(-lines).join('\n');
  }

  /** Unary call with a deadline; resolves the response message. */
  unary(client, method, request, timeoutMs = 120_000) {
    return new Promise((resolve, reject) => {
      client[method](request, { deadline: Date.now() + timeoutMs }, (err, response) => (err ? reject(err) : resolve(response)));
    });
  }

  queryData(request) {
    return this.unary(this.data, 'QueryData', request);
  }

  checkHealth(request) {
    return this.unary(this.diagnostics, 'CheckHealth', request);
  }

  /** Server-streaming CallResource: every message, in order. */
  callResource(request, timeoutMs = 120_000) {
    return new Promise((resolve, reject) => {
      const messages = [];
      const call = this.resource.CallResource(request, { deadline: Date.now() + timeoutMs });
      call.on('data', (m) => messages.push(m));
      call.on('error', reject);
      call.on('end', () => resolve(messages));
    });
  }

  /** Grafana's Kill(): Shutdown over gRPC, 2 s to exit, then SIGKILL. Returns whether it exited by itself. */
  async stop() {
    let graceful = false;
    if (this.exitStatus === null && this.controller) {
      await this.unary(this.controller, 'Shutdown', {}, SHUTDOWN_GRACE_MS).catch(() => {});
    }
    for (const client of [this.data, this.resource, this.diagnostics, this.controller]) {
      client?.close();
    }
    if (this.exitStatus === null) {
      const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), SHUTDOWN_GRACE_MS));
      graceful = (await Promise.race([this.exited, timeout])) !== 'timeout';
      if (!graceful) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    } else {
      graceful = true;
    }
    rmSync(this.workDir, { recursive: true, force: true });
    return graceful;
  }
}

/** hclog JSON (go-plugin log_entry.go); other lines keep their text at debug, or the level their prefix names. */
export function parseHclog(line) {
  try {
    const entry = JSON.parse(line);
    if (entry && typeof entry === 'object' && '@message' in entry) {
      return { level: String(entry['@level'] ?? 'debug'), message: String(entry['@message']), raw: entry };
    }
  } catch {
    // not JSON
  }
  const prefix = /^\[(TRACE|DEBUG|INFO|WARN|ERROR)\]/.exec(line);
  return { level: prefix ? prefix[1].toLowerCase() : 'debug', message: line, raw: null };
}
