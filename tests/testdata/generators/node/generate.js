// Writes real V8 profiles through @datadog/pprof (the profiler behind dd-trace and
// Pyroscope's Node.js SDK): a wall-time profile (node-cpu.pb.gz) and a sampled heap
// profile (node-heap.pb.gz). The work is recognisable: JSON encoding, SHA-256 hashing,
// a recursive function, sorting and regular expressions, under named functions with a
// call hierarchy. Usage: node generate.js <output directory>. See ../README.md.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const pprof = require('@datadog/pprof');

const outDir = process.argv[2] || '.';
const seconds = Number(process.argv[3] || 4);

const retained = [];

function makeOrders(n, seed) {
  const orders = [];
  for (let i = 0; i < n; i++) {
    const items = [];
    for (let j = 0; j < 1 + (i % 5); j++) {
      items.push({ sku: `SKU-${i}-${j}`, quantity: j + 1, price: (i % 97) + 0.99 });
    }
    orders.push({
      id: seed * n + i,
      customer: `customer-${String((i * 7919 + seed) % 10007).padStart(5, '0')}`,
      items,
      tags: { region: 'eu-west', tier: String(i % 3) },
      total: items.reduce((sum, it) => sum + it.quantity * it.price, 0),
    });
  }
  return orders;
}

function encodeOrders(orders) {
  return orders.map((o) => JSON.stringify(o));
}

function hashDocuments(docs) {
  const outer = crypto.createHash('sha256');
  for (const d of docs) {
    outer.update(crypto.createHash('sha256').update(d).digest());
  }
  return outer.digest('hex');
}

function fibonacci(n) {
  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

function sortOrders(orders) {
  orders.sort((a, b) => a.total - b.total || a.customer.localeCompare(b.customer));
}

const logLine = /^(\d{4}-\d{2}-\d{2}) (INFO|WARN|ERROR) \[([a-z]+)\] (.*)$/;

function matchLogLines(n) {
  const levels = ['INFO', 'WARN', 'ERROR'];
  const areas = ['api', 'db', 'cache'];
  const counts = new Map();
  for (let i = 0; i < n; i++) {
    const line = `2024-03-${String(1 + (i % 28)).padStart(2, '0')} ${levels[i % 3]} [${areas[i % 3]}] request ${i} served in ${i % 250}ms`;
    const m = logLine.exec(line);
    if (m) {
      const key = `${m[2]}/${m[3]}`;
      counts.set(key, (counts.get(key) || 0) + 1);
    }
  }
  return counts;
}

function processBatch(batch) {
  const orders = makeOrders(400, batch);
  pprof.time.setContext({ phase: 'encode' });
  const docs = encodeOrders(orders);
  pprof.time.setContext({ phase: 'hash' });
  const digest = hashDocuments(docs);
  pprof.time.setContext({});
  sortOrders(orders);
  const counts = matchLogLines(300);
  if (batch % 10 === 0) {
    retained.push(orders.slice(0, 20), docs[0], digest.repeat(4));
  }
  return digest.slice(0, 8) + counts.size;
}

function computeSeries() {
  return fibonacci(22);
}

function runWorkload(millis) {
  const deadline = Date.now() + millis;
  let n = 0;
  for (let batch = 0; Date.now() < deadline; batch++) {
    processBatch(batch);
    computeSeries();
    n++;
  }
  return n;
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  // Heap sampling: one sample per 16 KiB allocated on average, stacks up to 64 frames.
  pprof.heap.start(16 * 1024, 64);
  // Wall-time profile sampled every 1 ms (the V8 CPU profiler), like dd-trace does.
  // withContexts lets samples carry the labels set with setContext (here a "phase" label).
  pprof.time.start({ intervalMicros: 1000, withContexts: true });
  const batches = runWorkload(seconds * 1000);
  const timeProfile = pprof.time.stop(false, ({ context }) => (context && context.context) || {});
  fs.writeFileSync(path.join(outDir, 'node-cpu.pb.gz'), await pprof.encode(timeProfile));

  const heapProfile = pprof.heap.profile();
  fs.writeFileSync(path.join(outDir, 'node-heap.pb.gz'), await pprof.encode(heapProfile));
  pprof.heap.stop();
  console.log(`batches=${batches} retained=${retained.length}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
