// Reads one Arrow IPC file with the apache-arrow package (an implementation independent of ours)
// and prints JSON: schema metadata, each field's name, type, nullability and metadata, and every value.
// Usage: node read.mjs <file.arrow>            → one JSON object
//        node read.mjs <a.arrow> <b.arrow> ...  → a JSON array, one object per file
import { readFileSync } from 'node:fs';
import { tableFromIPC, RecordBatchFileReader, Type } from 'apache-arrow';

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error('usage: node read.mjs <file.arrow> [more.arrow ...]');
  process.exit(2);
}

function read(path) {
const bytes = readFileSync(path);
// The FILE reader needs the footer; a bare stream would fail here, as it does in Grafana.
const reader = RecordBatchFileReader.from(bytes);
reader.open();
const batchCount = reader.numRecordBatches;
const table = tableFromIPC(bytes);

function typeOf(t) {
  switch (t.typeId) {
    case Type.Int: return { kind: 'int', bitWidth: t.bitWidth, signed: t.isSigned };
    case Type.Float: return { kind: 'float', precision: t.precision };
    case Type.Utf8: return { kind: 'utf8' };
    case Type.Bool: return { kind: 'bool' };
    case Type.Binary: return { kind: 'binary' };
    case Type.Timestamp: return { kind: 'timestamp', unit: t.unit, timezone: t.timezone ?? null };
    default: return { kind: 'other', name: String(t) };
  }
}

function valueOf(t, v) {
  if (v === null || v === undefined) return null;
  if (t.typeId === Type.Timestamp) {
    // Read the raw 64-bit value so nanoseconds are not lost to a JS Date.
    return null;
  }
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

function rawColumn(i, t) {
  const out = [];
  for (const batch of table.batches) {
    const data = batch.getChildAt(i).data[0];
    for (let r = 0; r < data.length; r++) {
      const valid = data.nullBitmap && data.nullBitmap.length > 0
        ? (data.nullBitmap[(data.offset + r) >> 3] >> ((data.offset + r) & 7)) & 1
        : 1;
      if (!valid) { out.push(null); continue; }
      if (t.typeId === Type.Timestamp) {
        const v64 = new BigInt64Array(data.values.buffer, data.values.byteOffset, data.values.byteLength / 8);
        out.push(v64[data.offset + r].toString());
      } else {
        out.push(valueOf(t, batch.getChildAt(i).get(r)));
      }
    }
  }
  return out;
}

const result = {
  batches: batchCount,
  rows: table.numRows,
  metadata: Object.fromEntries(reader.schema.metadata),
  // The file's own schema: Table merges the metadata of fields that share a name (a wide frame has
  // many fields named after the sample type, each with its own labels).
  fields: reader.schema.fields.map((f, i) => ({
    name: f.name,
    nullable: f.nullable,
    type: typeOf(f.type),
    metadata: Object.fromEntries(f.metadata),
    values: rawColumn(i, f.type),
  })),
};
return result;
}

const results = paths.map(read);
process.stdout.write(JSON.stringify(paths.length === 1 ? results[0] : results));
