/**
 * The weights of the first layer a latent input feeds, read from an ONNX generator graph — the
 * closed-form (SeFa) directions of z-space models (`conditional`, `plain`) come from them, since
 * PCA of an isotropic z finds only noise. Follows the input through shape-only ops (Reshape,
 * Unsqueeze, Flatten, Identity, Cast) and a Concat where the latent comes first (BigGAN-deep joins
 * z and the class embedding that way) to the first Gemm, MatMul, Conv or ConvTranspose, and returns
 * one weight row per output unit over the latent's dimensions.
 *
 * Read at the wire level with protobufjs's Reader, like onnx.ts (reflection would need `new
 * Function`, which the renderer's CSP forbids); only the weight that is found gets decoded.
 */
import protobuf from 'protobufjs/minimal.js';
import type { Long, Reader } from 'protobufjs/minimal.js';
import type { AffineWeight } from './affine-weight';
import { halfToFloat } from '../codecs/npy';

/** Raised when the first layer cannot be found or read; the message says what the graph does instead. */
export class FirstLayerError extends Error {
  override readonly name = 'FirstLayerError';
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;
const FLOAT = 1;
const FLOAT16 = 10;
const DOUBLE = 11;

interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  raw: Uint8Array | null;
  floats: number[];
  external: boolean;
}

interface Attribute {
  name: string;
  i: number;
  ints: number[];
  t: Tensor | null;
}

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, Attribute>;
}

function readFields(r: Reader, end: number, on: (field: number, wire: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 0) throw new FirstLayerError(`the ONNX file is corrupt (field 0 at byte ${r.pos})`);
    if (!on(tag >>> 3, tag & 7)) r.skipType(tag & 7);
  }
}

function nested(r: Reader): number {
  return r.uint32() + r.pos;
}

function int64(r: Reader): number {
  const value: number | Long = r.int64();
  return typeof value === 'number' ? value : value.high * 2 ** 32 + (value.low >>> 0);
}

/** Repeated int64 (packed or not). */
function ints(r: Reader, wire: number, into: number[]): void {
  if (wire !== LENGTH_DELIMITED) {
    into.push(int64(r));
    return;
  }
  const end = nested(r);
  while (r.pos < end) into.push(int64(r));
}

// TensorProto: dims = 1, data_type = 2, float_data = 4, name = 8, raw_data = 9, double_data = 10, data_location = 14.
function readTensor(r: Reader, end: number): Tensor {
  const t: Tensor = { name: '', dims: [], dataType: 0, raw: null, floats: [], external: false };
  readFields(r, end, (field, wire) => {
    if (field === 1) ints(r, wire, t.dims);
    else if (field === 2) t.dataType = r.int32();
    else if (field === 8) t.name = r.string();
    else if (field === 9) t.raw = r.bytes();
    else if (field === 4 && wire === LENGTH_DELIMITED) {
      const stop = nested(r);
      while (r.pos < stop) t.floats.push(r.float());
    } else if (field === 4 && wire === FIXED32) t.floats.push(r.float());
    else if (field === 10 && wire === LENGTH_DELIMITED) {
      const stop = nested(r);
      while (r.pos < stop) t.floats.push(r.double());
    } else if (field === 10 && wire === FIXED64) t.floats.push(r.double());
    else if (field === 14) t.external = r.int32() === 1;
    else return false;
    return true;
  });
  return t;
}

// AttributeProto: name = 1, i = 3, t = 5, ints = 8.
function readAttribute(r: Reader, end: number): Attribute {
  const a: Attribute = { name: '', i: 0, ints: [], t: null };
  readFields(r, end, (field, wire) => {
    if (field === 1) a.name = r.string();
    else if (field === 3 && wire === VARINT) a.i = int64(r);
    else if (field === 5) a.t = readTensor(r, nested(r));
    else if (field === 8) ints(r, wire, a.ints);
    else return false;
    return true;
  });
  return a;
}

// NodeProto: input = 1, output = 2, op_type = 4, attribute = 5.
function readNode(r: Reader, end: number): Node {
  const node: Node = { op: '', inputs: [], outputs: [], attributes: new Map() };
  readFields(r, end, (field) => {
    if (field === 1) node.inputs.push(r.string());
    else if (field === 2) node.outputs.push(r.string());
    else if (field === 4) node.op = r.string();
    else if (field === 5) {
      const a = readAttribute(r, nested(r));
      node.attributes.set(a.name, a);
    } else return false;
    return true;
  });
  return node;
}

/** ModelProto.graph = 7; GraphProto.node = 1, initializer = 5. */
function readGraph(bytes: Uint8Array): { nodes: Node[]; initializers: Map<string, Tensor> } {
  const r = protobuf.Reader.create(bytes);
  const nodes: Node[] = [];
  const initializers = new Map<string, Tensor>();
  try {
    readFields(r, r.len, (field, wire) => {
      if (field !== 7 || wire !== LENGTH_DELIMITED) return false;
      readFields(r, nested(r), (f) => {
        if (f === 1) nodes.push(readNode(r, nested(r)));
        else if (f === 5) {
          const t = readTensor(r, nested(r));
          initializers.set(t.name, t);
        } else return false;
        return true;
      });
      return true;
    });
  } catch (error) {
    if (error instanceof FirstLayerError) throw error;
    throw new FirstLayerError(`the ONNX file could not be read (${(error as Error).message})`);
  }
  return { nodes, initializers };
}

/** A dense array with its dims, row-major. */
interface Dense {
  dims: number[];
  data: Float64Array;
}

function decode(t: Tensor): Dense {
  if (t.external) throw new FirstLayerError(`weight ${t.name} is stored outside the .onnx file; re-export the model with its weights inside`);
  const size = t.dims.reduce((a, b) => a * b, 1);
  const data = new Float64Array(size);
  if (t.raw) {
    const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
    const item = t.dataType === FLOAT ? 4 : t.dataType === DOUBLE ? 8 : t.dataType === FLOAT16 ? 2 : 0;
    if (item === 0) throw new FirstLayerError(`weight ${t.name} has ONNX data type ${t.dataType}, not a float type`);
    if (t.raw.byteLength < size * item) throw new FirstLayerError(`weight ${t.name} is truncated`);
    for (let i = 0; i < size; i++) {
      data[i] = item === 4 ? view.getFloat32(i * 4, true) : item === 8 ? view.getFloat64(i * 8, true) : halfToFloat(view.getUint16(i * 2, true));
    }
  } else {
    if (t.floats.length !== size) throw new FirstLayerError(`weight ${t.name} holds ${t.floats.length} values for ${size}`);
    data.set(t.floats);
  }
  return { dims: t.dims, data };
}

const SHAPE_ONLY = new Set(['Reshape', 'Unsqueeze', 'Flatten', 'Identity', 'Cast', 'Squeeze']);
const SCALES = new Set(['Mul', 'Div']);
const LAYERS = new Set(['Gemm', 'MatMul', 'Conv', 'ConvTranspose']);

/**
 * The weight behind tensor `name`: an initializer or Constant, possibly through Identity,
 * Transpose (2-D) or a Mul/Div by a scalar (equalised learning rate) — a scale common to every row
 * changes nothing once SeFa normalises the rows.
 */
function weightOf(name: string, nodes: readonly Node[], initializers: ReadonlyMap<string, Tensor>, depth = 0): Dense {
  const init = initializers.get(name);
  if (init) return decode(init);
  const producer = nodes.find((n) => n.outputs.includes(name));
  if (!producer || depth > 8) throw new FirstLayerError(`the first layer's weight ${name} is computed in the graph, not stored`);
  if (producer.op === 'Constant' && producer.attributes.get('value')?.t) return decode(producer.attributes.get('value')!.t!);
  if (producer.op === 'Identity') return weightOf(producer.inputs[0]!, nodes, initializers, depth + 1);
  if (producer.op === 'Transpose') {
    const w = weightOf(producer.inputs[0]!, nodes, initializers, depth + 1);
    const perm = producer.attributes.get('perm')?.ints ?? [1, 0];
    if (w.dims.length !== 2 || perm.join(',') !== '1,0') throw new FirstLayerError(`the first layer's weight goes through a ${w.dims.length}-D Transpose`);
    const [rows, cols] = w.dims as [number, number];
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[j * rows + i] = w.data[i * cols + j]!;
    return { dims: [cols, rows], data };
  }
  if (SCALES.has(producer.op)) {
    const sizes = producer.inputs.map((input) => {
      const t = initializers.get(input) ?? nodes.find((n) => n.op === 'Constant' && n.outputs.includes(input))?.attributes.get('value')?.t;
      return t ? t.dims.reduce((a, b) => a * b, 1) : -1;
    });
    const other = sizes[1] === 1 ? 0 : sizes[0] === 1 && producer.op === 'Mul' ? 1 : -1;
    if (other >= 0) return weightOf(producer.inputs[other]!, nodes, initializers, depth + 1);
  }
  throw new FirstLayerError(`the first layer's weight ${name} comes from a ${producer.op} node`);
}

/**
 * Weight rows of the first layer that `input` (of `dim` values) feeds: one row of `dim` values per
 * output unit (per output feature of a Gemm/MatMul; per output channel and kernel position of a
 * Conv/ConvTranspose). Throws {@link FirstLayerError} naming what the graph does instead.
 */
export function firstLayerWeights(bytes: Uint8Array, input: string, dim: number): AffineWeight {
  const { nodes, initializers } = readGraph(bytes);
  let value = input;
  for (let hops = 0; hops < 16; hops++) {
    const node = nodes.find((n) => n.inputs.includes(value));
    if (!node) throw new FirstLayerError(`input "${input}" feeds no layer`);
    const at = node.inputs.indexOf(value);
    if (SHAPE_ONLY.has(node.op) && at === 0) {
      value = node.outputs[0]!;
      continue;
    }
    if (node.op === 'Concat' && at === 0) {
      // The latent's values stay the first `dim` features of the joined tensor.
      value = node.outputs[0]!;
      continue;
    }
    if (!LAYERS.has(node.op)) {
      throw new FirstLayerError(`"${input}" first goes through a ${node.op} node, which the closed form does not cover (it needs Gemm, MatMul, Conv or ConvTranspose)`);
    }
    if (at !== 0) throw new FirstLayerError(`"${input}" reaches input ${at + 1} of a ${node.op} node, not its data input`);
    const w = weightOf(node.inputs[1]!, nodes, initializers);
    const units = unitsOf(node, w, dim);
    return { name: `${node.op} after ${input}`, ...units, cols: dim };
  }
  throw new FirstLayerError(`"${input}" passes through too many reshapes before any layer`);
}

function unitsOf(node: Node, w: Dense, dim: number): { data: Float64Array; rows: number } {
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new FirstLayerError(`the first layer (${node.op}) has a weight shaped (${w.dims.join(', ')}): ${what}`);
  };
  // Rows over the latent from a matrix whose element (unit u, latent j) is at offset(u, j).
  const gather = (units: number, offset: (u: number, j: number) => number) => {
    const data = new Float64Array(units * dim);
    for (let u = 0; u < units; u++) for (let j = 0; j < dim; j++) data[u * dim + j] = w.data[offset(u, j)]!;
    return { data, rows: units };
  };
  switch (node.op) {
    case 'Gemm': {
      need(w.dims.length === 2 && node.attributes.get('transA')?.i !== 1, 'expected a matrix applied to untransposed inputs');
      const [a, b] = w.dims as [number, number];
      // Y = X·B (transB = 0: B is [in, out]) or X·Bᵀ (transB = 1: B is [out, in]).
      if (node.attributes.get('transB')?.i === 1) {
        need(b >= dim, `fewer than ${dim} input features`);
        return gather(a, (u, j) => u * b + j);
      }
      need(a >= dim, `fewer than ${dim} input features`);
      return gather(b, (u, j) => j * b + u);
    }
    case 'MatMul': {
      need(w.dims.length === 2 && w.dims[0]! >= dim, `expected [in ≥ ${dim}, out]`);
      const [, b] = w.dims as [number, number];
      return gather(b, (u, j) => j * b + u);
    }
    case 'ConvTranspose': {
      // [C_in, C_out, kh, kw]: every (output channel, kernel position) is one unit over the input channels.
      need(w.dims.length === 4 && w.dims[0]! >= dim, `expected [in ≥ ${dim}, out, kh, kw]`);
      const [, cOut, kh, kw] = w.dims as [number, number, number, number];
      const plane = cOut * kh * kw;
      return gather(plane, (u, j) => j * plane + u);
    }
    case 'Conv': {
      // [C_out, C_in, kh, kw].
      need(w.dims.length === 4 && w.dims[1]! >= dim, `expected [out, in ≥ ${dim}, kh, kw]`);
      const [cOut, cIn, kh, kw] = w.dims as [number, number, number, number];
      const k = kh * kw;
      return gather(cOut * k, (u, j) => Math.floor(u / k) * cIn * k + j * k + (u % k));
    }
    default:
      throw new FirstLayerError(`the first layer is a ${node.op} node`);
  }
}
