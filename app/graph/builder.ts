/**
 * Building ONNX graphs in TypeScript, for the converters that turn checkpoints (NVIDIA pickles,
 * BigGAN state dicts) into model packages without Python. A {@link GraphBuilder} collects inputs,
 * initializers and nodes with generated unique names and writes one ModelProto with the
 * wire-level encoders of `app/model/onnx-rewrite.ts`, so no protobuf reflection (and no
 * `new Function`) is involved. Attribute values carry their ONNX type explicitly ({@link attr}),
 * since a JavaScript number cannot say whether `alpha: 0` is an int or a float.
 */
import protobuf from 'protobufjs/minimal.js';
import { encodeModel, encodeNode, encodeValueInfo, type OnnxDim } from '../model/onnx-rewrite';

const { Writer } = protobuf;

/** TensorProto.DataType codes. */
export const OnnxDataType = { float32: 1, int64: 7, float16: 10 } as const;
export type GraphDataType = keyof typeof OnnxDataType;

/** An attribute value with its ONNX type. */
export type AttributeValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

/** Typed attribute constructors: `attr.int(1)`, `attr.floats([0.5, 2])`. */
export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttributeValue => ({ kind: 'floats', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
};

/** Tensor payloads the builder stores: float32, int64, or float16 as raw IEEE half bits. */
export type TensorPayload = Float32Array | BigInt64Array | { readonly float16: Uint16Array };

/** Raised when a graph under construction is inconsistent (a programming error in a converter). */
export class GraphBuildError extends Error {
  override readonly name = 'GraphBuildError';
}

// AttributeProto fields: name 1, f 2, i 3, s 4, floats 7, ints 8, type 20.
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

function encodeAttribute(name: string, value: AttributeValue): Uint8Array {
  const w = Writer.create();
  w.uint32((1 << 3) | 2).string(name);
  switch (value.kind) {
    case 'int':
      w.uint32(3 << 3).int64(value.value);
      break;
    case 'float':
      w.uint32((2 << 3) | 5).float(value.value);
      break;
    case 'string':
      w.uint32((4 << 3) | 2).string(value.value);
      break;
    case 'ints':
      for (const v of value.value) w.uint32(8 << 3).int64(v);
      break;
    case 'floats':
      for (const v of value.value) w.uint32((7 << 3) | 5).float(v);
      break;
  }
  w.uint32(20 << 3).int32(ATTRIBUTE_TYPE[value.kind]);
  return w.finish();
}

/** Whether typed arrays are little-endian here (TensorProto raw_data is), so bytes can be copied as they are. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function rawBytes(data: TensorPayload): { type: number; raw: Uint8Array; count: number } {
  if (data instanceof Float32Array && LITTLE_ENDIAN) {
    // A 1024-px StyleGAN's weights are ~30 M floats: one copy instead of a DataView call per value.
    return { type: OnnxDataType.float32, raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(), count: data.length };
  }
  if (data instanceof Float32Array || data instanceof BigInt64Array) {
    const raw = new Uint8Array(data.byteLength);
    const view = new DataView(raw.buffer);
    if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
    else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
    return { type: data instanceof Float32Array ? OnnxDataType.float32 : OnnxDataType.int64, raw, count: data.length };
  }
  const raw = new Uint8Array(data.float16.length * 2);
  const view = new DataView(raw.buffer);
  data.float16.forEach((v, i) => view.setUint16(i * 2, v, true));
  return { type: OnnxDataType.float16, raw, count: data.float16.length };
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian). */
function encodeTensorProto(name: string, dims: readonly number[], data: TensorPayload): Uint8Array {
  const { type, raw, count } = rawBytes(data);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== count) throw new GraphBuildError(`initializer ${name}: dims [${dims.join(', ')}] hold ${expected} values, data has ${count}`);
  const w = Writer.create();
  for (const d of dims) w.uint32(1 << 3).int64(d);
  w.uint32(2 << 3).int32(type);
  w.uint32((8 << 3) | 2).string(name);
  w.uint32((9 << 3) | 2).bytes(raw);
  return w.finish();
}

/** A graph under construction. Every method returns the name of the value it made. */
export class GraphBuilder {
  private readonly nodes: Uint8Array[] = [];
  private readonly initializers: Uint8Array[] = [];
  private readonly inputs: Uint8Array[] = [];
  private readonly outputs: Uint8Array[] = [];
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  /** The constants made by {@link constFloat} and {@link constInts}, by value. */
  private readonly constants = new Map<string, string>();
  private initializerBytes = 0;

  /** A fresh name starting with `hint` (hint itself when unused). */
  unique(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let name = base;
    let n = this.counters.get(base) ?? 0;
    while (this.names.has(name)) name = `${base}_${++n}`;
    this.counters.set(base, n);
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new GraphBuildError(`the name "${name}" is already used in the graph`);
    this.names.add(name);
    return name;
  }

  /** Declare a graph input with exactly this name. */
  input(name: string, dims: readonly OnnxDim[], type: GraphDataType = 'float32'): string {
    this.inputs.push(encodeValueInfo(this.claim(name), dims, OnnxDataType[type]));
    return name;
  }

  /** Declare `value` as a graph output named `name` (an Identity is inserted when the names differ). */
  output(value: string, name: string, dims: readonly OnnxDim[], type: GraphDataType = 'float32'): string {
    const out = value === name ? name : this.op('Identity', [value], {}, name, true);
    this.outputs.push(encodeValueInfo(out, dims, OnnxDataType[type]));
    return out;
  }

  /** An initializer (a weight or a constant); its name is made unique from `hint`. */
  tensor(hint: string, dims: readonly number[], data: TensorPayload): string {
    const name = this.unique(hint);
    const encoded = encodeTensorProto(name, dims, data);
    this.initializerBytes += encoded.length;
    this.initializers.push(encoded);
    return name;
  }

  /** A float32 scalar or vector constant. */
  floats(hint: string, values: readonly number[] | Float32Array, dims: readonly number[] = [values.length]): string {
    return this.tensor(hint, dims, Float32Array.from(values));
  }

  /** An int64 vector constant (shapes, axes, pads). */
  ints(hint: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.tensor(hint, dims, BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  /**
   * A float32 scalar made once per graph and shared by every node that reads this value (gains,
   * epsilons, clamps): a 1024-px StyleGAN reads a few such values hundreds of times.
   */
  constFloat(value: number): string {
    return this.cached(`f:${Math.fround(value)}`, () => this.floats('const_f', [value], []));
  }

  /** An int64 constant made once per graph per values and dims (shapes, axes, pads, indices). */
  constInts(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.cached(`i${dims.join('x')}:${values.join(',')}`, () => this.ints('const_i', values, dims));
  }

  private cached(key: string, make: () => string): string {
    let name = this.constants.get(key);
    if (name === undefined) this.constants.set(key, (name = make()));
    return name;
  }

  /**
   * One node with one output: `op(type, inputs, attributes, outputHint)`. An empty string in
   * `inputs` stands for an omitted optional input. With `exact`, the output gets exactly `outputHint`.
   */
  op(type: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}, outputHint?: string, exact = false): string {
    return this.opMulti(type, inputs, 1, attributes, outputHint, exact)[0]!;
  }

  /** One node with `outputs` outputs. */
  opMulti(type: string, inputs: readonly string[], outputs: number, attributes: Readonly<Record<string, AttributeValue>> = {}, outputHint?: string, exact = false): string[] {
    for (const i of inputs) if (i !== '' && !this.names.has(i)) throw new GraphBuildError(`${type} reads "${i}", which nothing in the graph has made`);
    const hint = outputHint ?? type.toLowerCase();
    const outs = Array.from({ length: outputs }, (_, k) => (exact && outputs === 1 ? this.claim(hint) : this.unique(outputs === 1 ? hint : `${hint}_${k}`)));
    const attrs = Object.entries(attributes).map(([name, value]) => encodeAttribute(name, value));
    this.nodes.push(encodeNode(type, inputs, outs, this.unique(`${type}_node`), attrs));
    return outs;
  }

  /** Total size of the initializers so far, in bytes (for progress and size checks). */
  get weightBytes(): number {
    return this.initializerBytes;
  }

  /** The ModelProto bytes (opset 17 by default, as the Python exporters use). */
  finish(options: { opset?: number; producer?: string } = {}): Uint8Array {
    if (this.outputs.length === 0) throw new GraphBuildError('the graph declares no output');
    return encodeModel({
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      opset: options.opset ?? 17,
      producer: options.producer ?? 'latent-studio',
    });
  }
}
