// Arrow IPC file frames (what a plugin puts in DataResponse.frames) → Grafana's data frame JSON, the
// body /api/ds/query answers (grafana-plugin-sdk-go data/arrow.go for the reading side, data/frame_json.go
// for the writing side):
//   {schema: {name, refId, meta, fields: [{name, type, typeInfo: {frame, nullable}, labels, config}]},
//    data: {values: [[...]], entities: [null | {NaN, Inf, NegInf}], nanos: [null | [...]]}}
// Time values are epoch milliseconds with the sub-millisecond rest in `nanos`; float NaN/±Inf are null
// in `values` and listed by row in `entities`; enum fields are uint16 with tstype `enum`.
import { RecordBatchFileReader, tableFromIPC, Type } from 'apache-arrow';

/** @param {Uint8Array} bytes one Arrow IPC file */
export function arrowToFrameJson(bytes) {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 6)).toString('latin1') !== 'ARROW1') {
    throw new Error('frame is not an Arrow IPC file (no ARROW1 magic): Grafana reads frames with the file reader');
  }
  const reader = RecordBatchFileReader.from(bytes);
  reader.open();
  // The file's own schema (a Table would merge the metadata of fields that share a name, and a wide
  // frame has many fields named after the sample type, each with its own labels).
  const schema = reader.schema;
  const batches = tableFromIPC(bytes).batches;
  const meta = schema.metadata;
  const fields = [];
  const values = [];
  const entities = [];
  const nanos = [];
  schema.fields.forEach((field, index) => {
    const tstype = field.metadata.get('tstype');
    const { type, frame } = fieldType(field.type, tstype, field.name);
    const json = { name: field.name, type, typeInfo: field.nullable ? { frame, nullable: true } : { frame } };
    if (field.metadata.has('labels')) {
      json.labels = JSON.parse(field.metadata.get('labels'));
    }
    if (field.metadata.has('config')) {
      json.config = JSON.parse(field.metadata.get('config'));
    }
    fields.push(json);
    const column = readColumn(batches, index, field.type, type);
    values.push(column.values);
    entities.push(column.entities);
    nanos.push(column.nanos);
  });
  const result = {
    schema: {
      ...(meta.get('name') ? { name: meta.get('name') } : {}),
      ...(meta.get('refId') ? { refId: meta.get('refId') } : {}),
      ...(meta.has('meta') ? { meta: JSON.parse(meta.get('meta')) } : {}),
      fields,
    },
    data: { values },
  };
  if (entities.some((e) => e !== null)) {
    result.data.entities = entities;
  }
  if (nanos.some((n) => n !== null)) {
    result.data.nanos = nanos;
  }
  return result;
}

function fieldType(arrowType, tstype, name) {
  switch (arrowType.typeId) {
    case Type.Utf8:
      return { type: 'string', frame: 'string' };
    case Type.Bool:
      return { type: 'boolean', frame: 'bool' };
    case Type.Int: {
      const frame = `${arrowType.isSigned ? 'int' : 'uint'}${arrowType.bitWidth}`;
      if (frame === 'uint16' && tstype === 'enum') {
        return { type: 'enum', frame: 'enum' };
      }
      return { type: 'number', frame };
    }
    case Type.Float:
      return { type: 'number', frame: arrowType.precision === 1 ? 'float32' : 'float64' };
    case Type.Timestamp:
      return { type: 'time', frame: 'time.Time' };
    case Type.Binary:
      return { type: 'other', frame: 'json.RawMessage' };
    default:
      // The SDK's reader refuses these too ("unsupported conversion from arrow to sdk type").
      throw new Error(`field ${name}: unsupported conversion from arrow to sdk type: ${arrowType}`);
  }
}

function readColumn(batches, index, arrowType, type) {
  const values = [];
  const entity = { NaN: [], Inf: [], NegInf: [] };
  const nanos = [];
  let row = 0;
  for (const batch of batches) {
    const vector = batch.getChildAt(index);
    let local = 0;
    for (const data of vector.data) {
      for (let r = 0; r < data.length; r++, row++, local++) {
        if (!isValid(data, r)) {
          values.push(null);
          nanos.push(0);
          continue;
        }
        if (arrowType.typeId === Type.Timestamp) {
          // The SDK reads every timestamp as nanoseconds (time.Unix(0, v)), whatever the declared unit.
          const ns = new BigInt64Array(data.values.buffer, data.values.byteOffset, data.values.byteLength / 8)[data.offset + r];
          values.push(Number(ns / 1_000_000n));
          nanos.push(Number(ns % 1_000_000n));
          continue;
        }
        const v = vector.get(local);
        if (type === 'other') {
          values.push(JSON.parse(Buffer.from(v).toString('utf8')));
        } else if (typeof v === 'bigint') {
          values.push(Number(v));
        } else if (typeof v === 'number' && !Number.isFinite(v)) {
          values.push(null);
          (Number.isNaN(v) ? entity.NaN : v > 0 ? entity.Inf : entity.NegInf).push(row);
        } else if (arrowType.typeId === Type.Float && arrowType.precision === 1) {
          values.push(shortestFloat32(v));
        } else {
          values.push(v);
        }
      }
    }
  }
  const entities = entity.NaN.length + entity.Inf.length + entity.NegInf.length > 0
    ? Object.fromEntries(Object.entries(entity).filter(([, rows]) => rows.length > 0))
    : null;
  return { values, entities, nanos: arrowType.typeId === Type.Timestamp && nanos.some((n) => n !== 0) ? nanos : null };
}

/** The shortest decimal that reads back as the same float32, as Go writes a float32 (1e-45, not 1.4012984e-45). */
function shortestFloat32(v) {
  for (let digits = 1; digits < 17; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) {
      return candidate;
    }
  }
  return v;
}

function isValid(data, r) {
  if (!data.nullBitmap || data.nullBitmap.length === 0 || data.nullCount === 0) {
    return true;
  }
  const i = data.offset + r;
  return ((data.nullBitmap[i >> 3] >> (i & 7)) & 1) === 1;
}
