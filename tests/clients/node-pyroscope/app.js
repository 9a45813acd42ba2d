// A small Node.js service with recognisable CPU work, profiled by the official Pyroscope SDK.
// Usage: PYROSCOPE_SERVER_ADDRESS=http://127.0.0.1:4040 node app.js <seconds>
// Optional: PYROSCOPE_TENANT, PYROSCOPE_AUTH_TOKEN. Prints "SENT" after the SDK's final upload.
'use strict';
const crypto = require('node:crypto');
const Pyroscope = require('@pyroscope/nodejs');

const seconds = Number(process.argv[2] || '5');

Pyroscope.init({
  serverAddress: process.env.PYROSCOPE_SERVER_ADDRESS,
  appName: 'node-checkout',
  tags: { region: 'eu-west', version: 'v1' },
  flushIntervalMs: 1000,
  tenantID: process.env.PYROSCOPE_TENANT,
  authToken: process.env.PYROSCOPE_AUTH_TOKEN,
  wall: { collectCpuTime: true },
});
Pyroscope.start();

function hashOrders(n) {
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

const end = Date.now() + seconds * 1000;
function tick() {
  if (Date.now() >= end) {
    Pyroscope.stop().then(() => {
      console.log('SENT');
    });
    return;
  }
  hashOrders(2000);
  renderPage(3000);
  fib(22);
  setImmediate(tick);
}
tick();
