/**
 * The weights of an ONNX graph as the model blender needs them: every initializer with its name,
 * shape, type, payload and the nodes that read it, and a rewrite that swaps chosen payloads while
 * copying every other byte of the model as it is (nodes, attributes, the other initializers). Built
 * on the wire-level reader of app/model/onnx-rewrite.ts, so nothing is decoded that is not needed.
 */
import protobuf from 'protobufjs/minimal.js';
import type { Long } from 'protobufjs/minimal.js';
import { concat, fieldsOf, message, stringOf, type Field } from '../model/onnx-rewrite';
import { OnnxFormatError } from '../model/onnx';

/** TensorProto.DataType of float32. */
export const ONNX_FLOAT = 1;
/** TensorProto.DataLocation.EXTERNAL. */
const EXTERNAL = 1;
const LENGTH_DELIMITED = 2;

/** One initializer of a graph. */
export interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  /** TensorProto.DataType (1: float32). */
  readonly dataType: number;
  /** The TensorProto's encoded bytes (without the graph field's tag), to copy or compare. */
  readonly proto: Uint8Array;
  /**
   * The payload as stored: raw_data, or float_data packed as little-endian float32 (what
   * raw_data would hold); null for other payload fields (int64_data, string_data, …).
   */
  readonly payload: Uint8Array | null;
  /** Names of the nodes that read it, directly or through Identity nodes. */
  readonly consumers: readonly string[];
}

/** A Constant node's value: a tensor like an initializer, named by the node's output. */
export interface ConstantValue extends Initializer {
  /** The node's index in the graph's node list. */
  readonly node: number;
}

/** A parsed model: its initializers in file order, its nodes' bytes, and what the rewrite needs. */
export interface GraphWeights {
  readonly initializers: readonly Initializer[];
  /** The values of its Constant nodes (torch's exporter folds weight-derived tensors into some). */
  readonly constants: readonly ConstantValue[];
  /** Every NodeProto's bytes in graph order (two graphs with equal nodes compute alike). */
  readonly nodes: readonly Uint8Array[];
  /** Node names, parallel to `nodes`. */
  readonly nodeNames: readonly string[];
  /** The model's bytes and its top-level fields; the graph's payload and its fields. */
  readonly bytes: Uint8Array;
  readonly model: readonly Field[];
  readonly graphBytes: Uint8Array;
  readonly graph: readonly Field[];
}

/** The varints of a field: one for a varint field, several for a packed one. */
function varints(f: Field): number[] {
  const r = protobuf.Reader.create(f.value);
  const out: number[] = [];
  while (r.pos < r.len) {
    // protobufjs returns a Long when the `long` package loads, a plain number otherwise.
    const v: number | Long = r.int64();
    out.push(typeof v === 'number' ? v : v.high * 2 ** 32 + (v.low >>> 0));
  }
  return out;
}

function readTensor(bytes: Uint8Array, source: string): Omit<Initializer, 'consumers' | 'proto'> {
  let name = '';
  const dims: number[] = [];
  let dataType = 0;
  let payload: Uint8Array | null = null;
  let packedFloats: Uint8Array | null = null;
  for (const f of fieldsOf(bytes)) {
    // dims come unpacked (proto2) or packed (a proto3 writer): varints() reads both.
    if (f.no === 1) dims.push(...varints(f));
    else if (f.no === 2) dataType = varints(f)[0] ?? 0;
    else if (f.no === 8) name = stringOf(f.value);
    else if (f.no === 9) payload = f.value;
    else if (f.no === 4 && f.wire === LENGTH_DELIMITED) packedFloats = f.value;
    else if (f.no === 4 || (f.no === 14 && varints(f)[0] === EXTERNAL)) {
      throw new OnnxFormatError(`${source} stores initializer ${name || '(unnamed)'} ${f.no === 4 ? 'as unpacked floats' : 'in an external file'}, which the blender does not rewrite; re-export the graph with its weights inside the .onnx file`);
    }
  }
  return { name, dims, dataType, payload: payload ?? packedFloats };
}

/**
 * Read a model's initializers and nodes. `source` names the file in errors. Throws
 * {@link OnnxFormatError} when the graph keeps weights outside the file or in a layout the
 * rewrite cannot reproduce.
 */
export function readGraphWeights(bytes: Uint8Array, source: string): GraphWeights {
  const model = fieldsOf(bytes);
  const graphField = model.find((f) => f.no === 7);
  if (!graphField) throw new OnnxFormatError(`${source} holds no graph`);
  const graph = fieldsOf(graphField.value);
  const nodes: Uint8Array[] = [];
  const nodeNames: string[] = [];
  const readers = new Map<string, { name: string; op: string; outputs: string[] }[]>();
  const constantNodes: { node: number; output: string; proto: Uint8Array }[] = [];
  for (const field of graph) {
    if (field.no !== 1) continue;
    nodes.push(field.value);
    const fields = fieldsOf(field.value);
    const text = (no: number) => fields.filter((f) => f.no === no).map((f) => stringOf(f.value));
    const node = { name: text(3)[0] ?? '', op: text(4)[0] ?? '', outputs: text(2) };
    nodeNames.push(node.name);
    if (node.op === 'Constant') {
      // AttributeProto: name 1, t 5 (a TensorProto).
      const value = fields.filter((f) => f.no === 5).map((f) => fieldsOf(f.value)).find((a) => a.some((x) => x.no === 1 && stringOf(x.value) === 'value'));
      const tensor = value?.find((x) => x.no === 5);
      if (tensor) constantNodes.push({ node: nodes.length - 1, output: node.outputs[0] ?? '', proto: tensor.value });
    }
    for (const input of text(1)) readers.set(input, [...(readers.get(input) ?? []), node]);
  }
  // The exporter shares a deduplicated constant between layers through Identity nodes: the nodes
  // that really read a value are found through them.
  const consumersOf = (value: string, depth = 0): string[] =>
    (readers.get(value) ?? []).flatMap((n) => (n.op === 'Identity' && depth < 64 ? n.outputs.flatMap((o) => consumersOf(o, depth + 1)) : [n.name]));
  const initializers = graph
    .filter((f) => f.no === 5)
    .map((f) => {
      const tensor = readTensor(f.value, source);
      return { ...tensor, proto: f.value, consumers: consumersOf(tensor.name) };
    });
  const constants = constantNodes.map((c) => ({ ...readTensor(c.proto, source), name: c.output, proto: c.proto, node: c.node, consumers: consumersOf(c.output) }));
  return { initializers, constants, nodes, nodeNames, bytes, model, graphBytes: graphField.value, graph };
}

/** Whether this platform stores typed arrays little-endian, as ONNX's raw_data is (every one the studio runs on). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** A float32 initializer's values (little-endian payload, copied so it is aligned). */
export function floatValues(init: Initializer): Float32Array {
  if (init.dataType !== ONNX_FLOAT || !init.payload) throw new OnnxFormatError(`initializer ${init.name} is not a float32 tensor`);
  if (LITTLE_ENDIAN) return new Float32Array(init.payload.slice().buffer);
  const view = new DataView(init.payload.buffer, init.payload.byteOffset, init.payload.byteLength);
  const out = new Float32Array(init.payload.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** The TensorProto `init` with its payload replaced by `values` as raw_data; its other fields kept. */
function withValues(init: Initializer, values: Float32Array): Uint8Array {
  let raw: Uint8Array;
  if (LITTLE_ENDIAN) raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  else {
    raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  }
  const parts: Uint8Array[] = [];
  for (const f of fieldsOf(init.proto)) {
    if (f.no === 9 || f.no === 4) continue;
    parts.push(init.proto.subarray(f.start, f.end));
  }
  parts.push(message(9, raw));
  return concat(parts);
}

/** A new value for a tensor: float32 values, or an encoded TensorProto to use as it is; undefined keeps it. */
export type Replacement = Float32Array | Uint8Array | undefined;

/** The Constant node `bytes` with its value tensor replaced by `tensor` (encoded); other fields kept. */
function withConstant(bytes: Uint8Array, tensor: Uint8Array): Uint8Array {
  return concat(
    fieldsOf(bytes).map((f) => {
      if (f.no !== 5) return bytes.subarray(f.start, f.end);
      const attribute = fieldsOf(f.value);
      if (!attribute.some((x) => x.no === 1 && stringOf(x.value) === 'value')) return bytes.subarray(f.start, f.end);
      return message(5, concat(attribute.map((x) => (x.no === 5 ? message(5, tensor) : f.value.subarray(x.start, x.end)))));
    }),
  );
}

/**
 * The model of `weights` with tensors replaced: `replace(tensor)` is asked for every initializer
 * and every Constant node's value, and its answer used as a {@link Replacement}.
 */
export function rewriteInitializers(weights: GraphWeights, replace: (init: Initializer, index: number) => Replacement, replaceConstant: (constant: ConstantValue) => Replacement = () => undefined): Uint8Array {
  let index = 0;
  let node = 0;
  const byProto = new Map(weights.initializers.map((init) => [init.proto, init]));
  const constants = new Map(weights.constants.map((c) => [c.node, c]));
  const encoded = (tensor: Initializer, next: Float32Array | Uint8Array) => (next instanceof Float32Array ? withValues(tensor, next) : next);
  const graph = concat(
    weights.graph.map((field) => {
      const original = weights.graphBytes.subarray(field.start, field.end);
      if (field.no === 1) {
        const constant = constants.get(node++);
        const next = constant && replaceConstant(constant);
        return next === undefined ? original : message(1, withConstant(field.value, encoded(constant!, next)));
      }
      const init = field.no === 5 ? byProto.get(field.value) : undefined;
      if (!init) return original;
      const next = replace(init, index++);
      if (next === undefined) return original;
      return message(5, encoded(init, next));
    }),
  );
  return concat(weights.model.map((f) => (f.no === 7 ? message(7, graph) : weights.bytes.subarray(f.start, f.end))));
}
