// web: a Node.js service profiled by the official Pyroscope SDK (@pyroscope/nodejs), pushing wall
// and CPU time and heap profiles to the collector. It renders pages and hashes sessions forever.
'use strict';
const crypto = require('node:crypto');
const Pyroscope = require('@pyroscope/nodejs');

const server = process.env.PYROSCOPE_SERVER_ADDRESS || 'http://collector:4040';
Pyroscope.init({
  serverAddress: server,
  appName: process.env.SERVICE_NAME || 'web',
  tags: { version: process.env.VERSION || '1.0.0', env: 'demo', pod: process.env.HOSTNAME || 'web-0' },
  flushIntervalMs: 15000,
  wall: { collectCpuTime: true },
});
Pyroscope.start();
console.log(`web: profiling to ${server}`);

function hashSessions(n) {
  let digest = '';
  for (let i = 0; i < n; i++) {
    digest = crypto.createHash('sha256').update(digest + i).digest('hex');
  }
  return digest;
}

function renderPage(n) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push({ id: i, name: `item-${i}`, tags: ['a', 'b', String(i % 7)] });
  }
  return JSON.stringify(rows).length;
}

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function work() {
  hashSessions(2000);
  renderPage(5000);
  fib(22);
  setTimeout(work, 10);
}
work();
