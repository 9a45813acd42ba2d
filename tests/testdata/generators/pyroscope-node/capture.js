// Runs the real Pyroscope Node.js SDK (@pyroscope/nodejs) against a local HTTP server and saves
// each upload it makes to /ingest: <out>/node-sdk-<kind>-<n>.body (the request body as sent) and
// <out>/node-sdk-<kind>-<n>.json (path with query, Content-Type), kind being wall (uploads with a
// sampleRate) or heap. The ingest decoder tests read them.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const Pyroscope = require('@pyroscope/nodejs');

const out = path.resolve(process.argv[2] || '../../pyroscope');
fs.mkdirSync(out, { recursive: true });
let saved = 0;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const n = saved++;
    const kind = req.url.includes('sampleRate=') ? 'wall' : 'heap';
    fs.writeFileSync(path.join(out, `node-sdk-${kind}-${n}.body`), Buffer.concat(chunks));
    const meta = { method: req.method, url: req.url, contentType: req.headers['content-type'] || null };
    fs.writeFileSync(path.join(out, `node-sdk-${kind}-${n}.json`), JSON.stringify(meta, null, 2) + '\n');
    res.writeHead(200);
    res.end();
  });
});

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function work(until) {
  const keep = [];
  while (Date.now() < until) {
    crypto.createHash('sha256').update(JSON.stringify({ n: fib(20), at: Date.now() })).digest('hex');
    keep.push(new Array(64).fill(Math.random()));
    if (keep.length > 2000) {
      keep.splice(0, 1000);
    }
  }
  return keep.length;
}

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  Pyroscope.init({
    serverAddress: `http://127.0.0.1:${port}`,
    appName: 'nodeapp',
    tags: { env: 'test', region: 'eu-west-1' },
    flushIntervalMs: 1000,
    wall: { samplingDurationMs: 1000 },
    heap: { samplingIntervalBytes: 16 * 1024 },
  });
  Pyroscope.start();
  const end = Date.now() + 3500;
  while (Date.now() < end) {
    work(Date.now() + 100);
    await new Promise((r) => setTimeout(r, 10));
  }
  await Pyroscope.stop();
  // Let the last uploads arrive.
  await new Promise((r) => setTimeout(r, 1500));
  server.close();
  console.log(`saved ${saved} uploads to ${out}`);
});
