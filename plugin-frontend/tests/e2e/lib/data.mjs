// Real data for the browser test: the repository's real pprof files, ingested by the real collector
// (`ingest`) into a temporary data directory, and the time range they cover (read from the files).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** What is ingested: two versions of `shop` (same profile types on both sides for the diff) and `api`. */
export const INGEST = [
  { service: 'shop', labels: ['version=v1'], files: ['go-cpu.pb.gz', 'go-heap.pb.gz'] },
  { service: 'shop', labels: ['version=v2'], files: ['node-cpu.pb.gz', 'node-heap.pb.gz'] },
  { service: 'api', labels: ['env=prod'], files: ['go-mutex.pb.gz', 'go-goroutine.pb.gz'] },
];

export function collectorDll(repoRoot) {
  const dir = path.join(repoRoot, 'collector', 'bin', 'Release', 'net10.0');
  for (const name of ['grafana-profiles-collector.dll', 'GrafanaProfiles.Collector.dll']) {
    if (existsSync(path.join(dir, name))) {
      return path.join(dir, name);
    }
  }
  throw new Error(`The collector is not built (no ${dir}/grafana-profiles-collector.dll): run \`dotnet build GrafanaProfiles.sln -c Release\` first`);
}

/** The recording rule the collector evaluates as it ingests: the Rules tab lists and reads its metric. */
export const RECORDED_METRIC = 'profiles_recorded_cpu_nanoseconds';

const RULES = {
  recording_rules: {
    rules: [{ metric_name: RECORDED_METRIC, profile_type: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', group_by: ['service_name', 'version'] }],
  },
};

/** Ingests INGEST into a new temporary data directory; returns it with the collector's output. */
export function ingest(repoRoot) {
  const dll = collectorDll(repoRoot);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gp-e2e-data-'));
  const config = path.join(mkdtempSync(path.join(tmpdir(), 'gp-e2e-config-')), 'collector.json');
  writeFileSync(config, JSON.stringify(RULES));
  const pprofDir = path.join(repoRoot, 'tests', 'testdata', 'pprof');
  const output = [];
  for (const { service, labels, files } of INGEST) {
    const args = [dll, 'ingest', '--data-dir', dataDir, '--config', config, '--service', service];
    for (const label of labels) {
      args.push('--label', label);
    }
    args.push(...files.map((f) => path.join(pprofDir, f)));
    try {
      output.push(execFileSync('dotnet', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }));
    } catch (e) {
      throw new Error(`collector ingest failed (${e.status}): ${e.stderr ?? e.message}`);
    }
  }
  return { dataDir, output: output.join('') };
}

/** The [from, to) in epoch ms that holds every ingested profile (pprof time_nanos + duration_nanos), widened by 5 min. */
export function profileRange(repoRoot) {
  const pprofDir = path.join(repoRoot, 'tests', 'testdata', 'pprof');
  let from = Infinity;
  let to = -Infinity;
  for (const { files } of INGEST) {
    for (const file of files) {
      const { timeNanos, durationNanos } = pprofTimes(gunzipSync(readFileSync(path.join(pprofDir, file))));
      if (timeNanos === 0n) {
        throw new Error(`${file} has no time_nanos: the test cannot know where its profile lies`);
      }
      from = Math.min(from, Number(timeNanos / 1_000_000n));
      to = Math.max(to, Number((timeNanos + durationNanos) / 1_000_000n));
    }
  }
  const margin = 5 * 60_000;
  return { from: from - margin, to: to + margin };
}

/** profile.proto fields 9 (time_nanos) and 10 (duration_nanos) of a decompressed pprof Profile. */
export function pprofTimes(bytes) {
  let pos = 0;
  const varint = () => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= bytes.length) {
        throw new Error('truncated varint in pprof');
      }
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        return result;
      }
      shift += 7n;
    }
  };
  let timeNanos = 0n;
  let durationNanos = 0n;
  while (pos < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 9) {
        timeNanos = v;
      } else if (field === 10) {
        durationNanos = v;
      }
    } else if (wire === 2) {
      const length = Number(varint()); // read before adding: varint() moves pos
      pos += length;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unexpected wire type ${wire} in pprof`);
    }
  }
  return { timeNanos, durationNanos };
}
