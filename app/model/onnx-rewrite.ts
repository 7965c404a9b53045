/**
 * Writing ONNX at the wire level: encoders for the few messages the studio makes (value infos,
 * nodes, tensors, whole small models) and the rewrite that gives an imported z → image generator
 * the tensor names the studio drives (`z` in, `img` out). Every field the rewrite does not touch
 * is copied byte for byte, so weights pass through unread (see onnx.ts for the reading side).
 */
import protobuf from 'protobufjs/minimal.js';
import { OnnxFormatError } from './onnx';

const { Reader, Writer } = protobuf;

/** TensorProto.DataType codes the studio writes. */
const ONNX_FLOAT = 1;
/** TensorProto.DataType of int64 tensors (Reshape's shape input). */
const ONNX_INT64 = 7;

const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** A dimension: a fixed size or a symbolic name. */
export type OnnxDim = number | string;

/** One field of a message as it lies in the bytes. */
export interface Field {
  no: number;
  wire: number;
  /** Where the field starts (its tag) and ends. */
  start: number;
  end: number;
  /** The payload of a length-delimited field. */
  value: Uint8Array;
}

/** The top-level fields of one encoded message, in order, as views into `bytes` (nothing copied). */
export function fieldsOf(bytes: Uint8Array): Field[] {
  const r = Reader.create(bytes);
  const fields: Field[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const wire = tag & 7;
    let valueStart = r.pos;
    if (wire === LENGTH_DELIMITED) {
      const length = r.uint32();
      valueStart = r.pos;
      r.skip(length);
    } else r.skipType(wire);
    fields.push({ no: tag >>> 3, wire, start, end: r.pos, value: bytes.subarray(valueStart, r.pos) });
  }
  return fields;
}

/** A length-delimited field's payload as UTF-8 text. */
export function stringOf(value: Uint8Array): string {
  return protobuf.util.utf8.read(value, 0, value.length);
}

/** The parts joined into one new array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A length-delimited field `no` holding `payload`. */
export function message(no: number, payload: Uint8Array): Uint8Array {
  return Writer.create().uint32((no << 3) | LENGTH_DELIMITED).bytes(payload).finish();
}

/** A length-delimited field `no` holding `value` as UTF-8. */
export function stringField(no: number, value: string): Uint8Array {
  return Writer.create().uint32((no << 3) | LENGTH_DELIMITED).string(value).finish();
}

/** A varint field `no` holding `value` (int64 encoding, so negative values take ten bytes as protobuf requires). */
export function varintField(no: number, value: number): Uint8Array {
  return Writer.create().uint32((no << 3) | VARINT).int64(value).finish();
}

/** ValueInfoProto (name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → value 1 | param 2). */
export function encodeValueInfo(name: string, dims: readonly OnnxDim[], elemType = ONNX_FLOAT): Uint8Array {
  const shape = concat(dims.map((d) => message(1, typeof d === 'number' ? varintField(1, d) : stringField(2, d))));
  const tensorType = concat([varintField(1, elemType), message(2, shape)]);
  return concat([stringField(1, name), message(2, message(1, tensorType))]);
}

/** AttributeProto with one int (name 1, i 3, type 20 = INT). */
export function encodeIntAttribute(name: string, value: number): Uint8Array {
  return concat([stringField(1, name), varintField(3, value), varintField(20, 2)]);
}

/** NodeProto (input 1, output 2, name 3, op_type 4, attribute 5). */
export function encodeNode(op: string, inputs: readonly string[], outputs: readonly string[], name = '', attributes: readonly Uint8Array[] = []): Uint8Array {
  return concat([
    ...inputs.map((i) => stringField(1, i)),
    ...outputs.map((o) => stringField(2, o)),
    stringField(3, name || `${op}_${outputs[0] ?? ''}`),
    stringField(4, op),
    ...attributes.map((a) => message(5, a)),
  ]);
}

/** TensorProto with little-endian raw_data (dims 1, data_type 2, name 8, raw_data 9). */
export function encodeTensor(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): Uint8Array {
  const raw = new Uint8Array(data.byteLength);
  const view = new DataView(raw.buffer);
  data.forEach((v: number | bigint, i: number) => {
    if (typeof v === 'bigint') view.setBigInt64(i * 8, v, true);
    else view.setFloat32(i * 4, v, true);
  });
  return concat([...dims.map((d) => varintField(1, d)), varintField(2, data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64), stringField(8, name), message(9, raw)]);
}

/** What {@link encodeModel} builds: a graph of encoded nodes, initializers, inputs and outputs. */
export interface ModelSpec {
  nodes: readonly Uint8Array[];
  initializers?: readonly Uint8Array[];
  inputs: readonly Uint8Array[];
  outputs: readonly Uint8Array[];
  opset?: number;
  irVersion?: number;
  producer?: string;
}

/** ModelProto (ir_version 1, producer_name 2, graph 7, opset_import 8) around GraphProto (node 1, name 2, initializer 5, input 11, output 12). */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const graph = concat([
    ...spec.nodes.map((n) => message(1, n)),
    stringField(2, 'graph'),
    ...(spec.initializers ?? []).map((t) => message(5, t)),
    ...spec.inputs.map((v) => message(11, v)),
    ...spec.outputs.map((v) => message(12, v)),
  ]);
  const opset = concat([stringField(1, ''), varintField(2, spec.opset ?? 17)]);
  return concat([varintField(1, spec.irVersion ?? 8), stringField(2, spec.producer ?? 'latent-studio'), message(7, graph), message(8, opset)]);
}

/** How an imported generator's interface must change to fit the studio. */
export interface InterfaceChange {
  /** The graph input that takes z, and its rank: 2 ([N, z]) or 4 ([N, z, 1, 1], as DCGAN takes it). */
  input: { name: string; rank: 2 | 4; batch: OnnxDim; zDim: number };
  /** The graph output that gives the image. */
  output: string;
}

/** The tensor names the studio feeds and reads for a plain generator. */
export const PLAIN_INPUT = 'z';
export const PLAIN_OUTPUT = 'img';
const RESHAPED = 'latent_studio_z_nchw';
const SHAPE = 'latent_studio_z_shape';

/** Names a node reads or writes, and whether any node carries a subgraph (If, Loop, Scan). */
function graphNames(graph: Field[]): { names: Set<string>; subgraphs: boolean } {
  const names = new Set<string>();
  let subgraphs = false;
  for (const field of graph) {
    if (field.no === 1) {
      for (const f of fieldsOf(field.value)) {
        if (f.no === 1 || f.no === 2) names.add(stringOf(f.value));
        // AttributeProto.g = 6, graphs = 11: a body that may read outer names by reference.
        if (f.no === 5 && fieldsOf(f.value).some((a) => a.no === 6 || a.no === 11)) subgraphs = true;
      }
    } else if (field.no === 5 || field.no === 11 || field.no === 12 || field.no === 13) {
      const name = fieldsOf(field.value).find((f) => f.no === (field.no === 5 ? 8 : 1));
      if (name) names.add(stringOf(name.value));
    }
  }
  return { names, subgraphs };
}

/** A ValueInfoProto or NodeProto with names replaced by `rename`; other fields copied as they are. */
function renamed(bytes: Uint8Array, nameFields: readonly number[], rename: (name: string) => string): Uint8Array {
  return concat(
    fieldsOf(bytes).map((f) => (nameFields.includes(f.no) && f.wire === LENGTH_DELIMITED ? stringField(f.no, rename(stringOf(f.value))) : bytes.subarray(f.start, f.end))),
  );
}

/**
 * Give a z → image generator the studio's interface: its z input becomes `z` [N, z_dim] (a rank-4
 * [N, z, 1, 1] input is fed through a Reshape the rewrite inserts first) and its image output
 * becomes `img`. Returns the bytes unchanged when they already fit. Throws {@link OnnxFormatError}
 * when the names cannot be changed safely.
 */
export function adaptPlainInterface(bytes: Uint8Array, change: InterfaceChange): Uint8Array {
  const { input, output } = change;
  if (input.rank === 2 && input.name === PLAIN_INPUT && output === PLAIN_OUTPUT) return bytes;
  const model = fieldsOf(bytes);
  const graphField = model.find((f) => f.no === 7);
  if (!graphField) throw new OnnxFormatError('the model holds no graph');
  const graph = fieldsOf(graphField.value);
  const { names, subgraphs } = graphNames(graph);
  if (subgraphs) {
    throw new OnnxFormatError(
      'the model uses control-flow subgraphs (If, Loop or Scan), so its tensors cannot be renamed safely; ' +
        `export it with the input named "${PLAIN_INPUT}" and the output named "${PLAIN_OUTPUT}"`,
    );
  }
  const inputTarget = input.rank === 2 ? PLAIN_INPUT : RESHAPED;
  const map = new Map<string, string>([
    [input.name, inputTarget],
    [output, PLAIN_OUTPUT],
  ]);
  for (const [from, to] of map) {
    if (from !== to && names.has(to)) {
      throw new OnnxFormatError(`the model already uses the name "${to}" for another tensor; export it with the input named "${PLAIN_INPUT}" and the output "${PLAIN_OUTPUT}"`);
    }
  }
  if (input.rank === 4 && (names.has(SHAPE) || (input.name !== PLAIN_INPUT && names.has(PLAIN_INPUT)))) {
    throw new OnnxFormatError(`the model already uses the names the importer needs ("${PLAIN_INPUT}", "${SHAPE}"); export it with a [N, z_dim] input named "${PLAIN_INPUT}"`);
  }
  const rename = (name: string) => map.get(name) ?? name;

  const parts: Uint8Array[] = [];
  if (input.rank === 4) {
    // Nodes must stay in topological order: the Reshape that feeds the old input comes first.
    parts.push(message(1, encodeNode('Reshape', [PLAIN_INPUT, SHAPE], [RESHAPED], 'latent_studio_reshape_z')));
  }
  for (const field of graph) {
    if (field.no === 1) parts.push(message(1, renamed(field.value, [1, 2], rename)));
    else if (field.no === 11 && input.rank === 4 && stringOf(fieldsOf(field.value).find((f) => f.no === 1)?.value ?? new Uint8Array()) === input.name) {
      continue; // the old rank-4 input is now made inside the graph
    } else if (field.no === 11 || field.no === 12 || field.no === 13) parts.push(message(field.no, renamed(field.value, [1], rename)));
    else parts.push(graphField.value.subarray(field.start, field.end));
  }
  if (input.rank === 4) {
    parts.push(message(5, encodeTensor(SHAPE, [4], BigInt64Array.of(-1n, BigInt(input.zDim), 1n, 1n))));
    parts.push(message(11, encodeValueInfo(PLAIN_INPUT, [input.batch, input.zDim])));
  }
  const newGraph = concat(parts);
  return concat(model.map((f) => (f.no === 7 ? message(7, newGraph) : bytes.subarray(f.start, f.end))));
}
