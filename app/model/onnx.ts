/**
 * What an ONNX file declares — opset imports, graph inputs and outputs, initializer totals, external
 * data — read without running it, and the check of those declarations against a package manifest.
 *
 * The decoder is protobufjs's wire-level Reader driven by hand-written readers for just the
 * onnx.proto fields needed (field numbers below are onnx.proto's). Reflection (`Root.fromJSON`)
 * would generate its decoders with `new Function`, which the studio's Content-Security-Policy
 * forbids in the renderer; reading the wire directly also lets every unknown field — node bodies,
 * tensor payloads — be skipped by length instead of decoded, so weights never become JS values.
 */
import protobuf from 'protobufjs/minimal.js';
import type { Long, Reader } from 'protobufjs/minimal.js';
import type { GraphSpec, Manifest } from './manifest';
import { tensorShapes, type Dim } from './shapes';

/** Raised when bytes are not a readable ONNX model; the message says what to do. */
export class OnnxFormatError extends Error {
  override readonly name = 'OnnxFormatError';
}

/** A graph input or output as declared. */
export interface OnnxValueInfo {
  readonly name: string;
  /**
   * Tensor element type (`float32`, `float16`, `int64`, …), or the kind of a non-tensor value
   * (`sequence`, `map`, `optional`, `sparse_tensor`, `opaque`), or `unknown` when undeclared.
   */
  readonly elemType: string;
  /** Dimensions: a number when fixed, the symbolic name when named, `?` when neither; null when the rank is unknown. */
  readonly dims: readonly (number | string)[] | null;
}

/** One opset a model imports. */
export interface OnnxOpset {
  /** Operator domain; the default domain is reported as `ai.onnx`. */
  readonly domain: string;
  readonly version: number;
}

/** An initializer whose payload lives in a file beside the model. */
export interface OnnxExternalTensor {
  readonly tensor: string;
  /** The file name the model references, relative to the model's folder (not checked for safety). */
  readonly location: string;
}

/** What {@link readOnnxInfo} reports about a model. */
export interface OnnxInfo {
  readonly irVersion: number;
  /** `producer_name producer_version`, e.g. `pytorch 1.13.1`; empty when not recorded. */
  readonly producer: string;
  readonly opsets: readonly OnnxOpset[];
  /** Inputs a caller feeds: graph inputs that are not also initializers (old IR versions list weights as inputs). */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Number of initializers and their payload size in bytes, from their dims and element types. */
  readonly initializers: { readonly count: number; readonly bytes: number };
  /** Initializers stored outside the .onnx file (data_location EXTERNAL). */
  readonly externalData: readonly OnnxExternalTensor[];
  /** The distinct files `externalData` references, sorted. */
  readonly externalFiles: readonly string[];
}

/** TensorProto.DataType → name and bits per element (0: variable size, e.g. strings). */
const ELEMENT_TYPES: Record<number, readonly [string, number]> = {
  1: ['float32', 32],
  2: ['uint8', 8],
  3: ['int8', 8],
  4: ['uint16', 16],
  5: ['int16', 16],
  6: ['int32', 32],
  7: ['int64', 64],
  8: ['string', 0],
  9: ['bool', 8],
  10: ['float16', 16],
  11: ['float64', 64],
  12: ['uint32', 32],
  13: ['uint64', 64],
  14: ['complex64', 64],
  15: ['complex128', 128],
  16: ['bfloat16', 16],
  17: ['float8e4m3fn', 8],
  18: ['float8e4m3fnuz', 8],
  19: ['float8e5m2', 8],
  20: ['float8e5m2fnuz', 8],
  21: ['uint4', 4],
  22: ['int4', 4],
  23: ['float4e2m1', 4],
};

/** TypeProto's non-tensor value kinds, by field number. */
const VALUE_KINDS: Record<number, string> = { 4: 'sequence', 5: 'map', 7: 'opaque', 8: 'sparse_tensor', 9: 'optional' };

const VARINT = 0;
const LENGTH_DELIMITED = 2;
/** TensorProto.DataLocation.EXTERNAL. */
const EXTERNAL = 1;

function corrupt(reason: string): never {
  throw new OnnxFormatError(reason);
}

/**
 * Read the fields of one message up to `end`. `on` reads a field it knows and returns true; any
 * other field is skipped by its wire type, so unknown and unneeded fields cost nothing.
 */
function readFields(r: Reader, end: number, on: (field: number, wire: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 0) corrupt(`field number 0 at byte ${r.pos}`);
    if (!on(tag >>> 3, tag & 7)) r.skipType(tag & 7);
  }
  if (r.pos !== end) corrupt('a field runs past the end of its message');
}

function expectWire(wire: number, expected: number): void {
  if (wire !== expected) corrupt(`wire type ${wire} where ${expected} belongs`);
}

/** Enter an embedded message: returns the position where it ends. */
function nested(r: Reader, wire: number): number {
  expectWire(wire, LENGTH_DELIMITED);
  const end = r.uint32() + r.pos;
  if (end > r.len) corrupt('a message runs past the end of the file');
  return end;
}

function text(r: Reader, wire: number): string {
  expectWire(wire, LENGTH_DELIMITED);
  return r.string();
}

function int64(r: Reader, wire: number): number {
  expectWire(wire, VARINT);
  // protobufjs returns a Long when the `long` package loads, a plain number otherwise.
  const value: number | Long = r.int64();
  return typeof value === 'number' ? value : value.high * 2 ** 32 + (value.low >>> 0);
}

function int32(r: Reader, wire: number): number {
  expectWire(wire, VARINT);
  return r.int32();
}

interface Graph {
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: Initializer[];
}

interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  external: boolean;
  /** external_data entries: location, offset, length, checksum. */
  entries: Map<string, string>;
}

// TensorShapeProto.Dimension: dim_value = 1, dim_param = 2.
function readDimension(r: Reader, end: number): number | string {
  let dim: number | string = '?';
  readFields(r, end, (field, wire) => {
    if (field === 1) dim = int64(r, wire);
    else if (field === 2) dim = text(r, wire);
    else return false;
    return true;
  });
  return dim;
}

// TypeProto: tensor_type = 1 (Tensor: elem_type = 1, shape = 2 (TensorShapeProto: dim = 1)).
function readType(r: Reader, end: number): Pick<OnnxValueInfo, 'elemType' | 'dims'> {
  let elemType = 'unknown';
  let dims: (number | string)[] | null = null;
  readFields(r, end, (field, wire) => {
    if (field === 1) {
      readFields(r, nested(r, wire), (f, w) => {
        if (f === 1) {
          const code = int32(r, w);
          elemType = ELEMENT_TYPES[code]?.[0] ?? `type ${code}`;
        } else if (f === 2) {
          const shape: (number | string)[] = [];
          readFields(r, nested(r, w), (g, wd) => {
            if (g !== 1) return false;
            shape.push(readDimension(r, nested(r, wd)));
            return true;
          });
          dims = shape;
        } else return false;
        return true;
      });
      return true;
    }
    const kind = VALUE_KINDS[field];
    if (kind) elemType = kind;
    return false;
  });
  return { elemType, dims };
}

// ValueInfoProto: name = 1, type = 2.
function readValueInfo(r: Reader, end: number): OnnxValueInfo {
  let name = '';
  let type: Pick<OnnxValueInfo, 'elemType' | 'dims'> = { elemType: 'unknown', dims: null };
  readFields(r, end, (field, wire) => {
    if (field === 1) name = text(r, wire);
    else if (field === 2) type = readType(r, nested(r, wire));
    else return false;
    return true;
  });
  return { name, ...type };
}

// TensorProto: dims = 1, data_type = 2, name = 8, external_data = 13, data_location = 14.
// The payload fields (float_data 4, int32_data 5, string_data 6, int64_data 7, raw_data 9,
// double_data 10, uint64_data 11) are skipped unread.
function readTensor(r: Reader, end: number): Initializer {
  const tensor: Initializer = { name: '', dims: [], dataType: 0, external: false, entries: new Map() };
  readFields(r, end, (field, wire) => {
    if (field === 1) {
      // onnx.proto is proto2, so dims come unpacked, but a proto3 writer may pack them.
      if (wire === LENGTH_DELIMITED) {
        const packedEnd = nested(r, wire);
        while (r.pos < packedEnd) tensor.dims.push(int64(r, VARINT));
        if (r.pos !== packedEnd) corrupt('packed dims run past their end');
      } else tensor.dims.push(int64(r, wire));
    } else if (field === 2) tensor.dataType = int32(r, wire);
    else if (field === 8) tensor.name = text(r, wire);
    else if (field === 13) {
      // StringStringEntryProto: key = 1, value = 2.
      let key = '';
      let value = '';
      readFields(r, nested(r, wire), (f, w) => {
        if (f === 1) key = text(r, w);
        else if (f === 2) value = text(r, w);
        else return false;
        return true;
      });
      tensor.entries.set(key, value);
    } else if (field === 14) tensor.external = int32(r, wire) === EXTERNAL;
    else return false;
    return true;
  });
  return tensor;
}

// GraphProto: initializer = 5, input = 11, output = 12. Nodes (1) are skipped unread.
function readGraph(r: Reader, end: number): Graph {
  const graph: Graph = { inputs: [], outputs: [], initializers: [] };
  readFields(r, end, (field, wire) => {
    if (field === 5) graph.initializers.push(readTensor(r, nested(r, wire)));
    else if (field === 11) graph.inputs.push(readValueInfo(r, nested(r, wire)));
    else if (field === 12) graph.outputs.push(readValueInfo(r, nested(r, wire)));
    else return false;
    return true;
  });
  return graph;
}

// ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7, opset_import = 8
// (OperatorSetIdProto: domain = 1, version = 2).
function readModel(r: Reader): { irVersion: number; producer: string[]; opsets: OnnxOpset[]; graph?: Graph } {
  const model: { irVersion: number; producer: string[]; opsets: OnnxOpset[]; graph?: Graph } = {
    irVersion: 0,
    producer: ['', ''],
    opsets: [],
  };
  readFields(r, r.len, (field, wire) => {
    if (field === 1) model.irVersion = int64(r, wire);
    else if (field === 2) model.producer[0] = text(r, wire);
    else if (field === 3) model.producer[1] = text(r, wire);
    else if (field === 7) model.graph = readGraph(r, nested(r, wire));
    else if (field === 8) {
      let domain = '';
      let version = 0;
      readFields(r, nested(r, wire), (f, w) => {
        if (f === 1) domain = text(r, w);
        else if (f === 2) version = int64(r, w);
        else return false;
        return true;
      });
      model.opsets.push({ domain: domain || 'ai.onnx', version });
    } else return false;
    return true;
  });
  return model;
}

function payloadBytes(tensor: Initializer): number {
  const declared = Number(tensor.entries.get('length'));
  if (tensor.external && Number.isSafeInteger(declared) && declared >= 0) return declared;
  const count = Math.max(0, tensor.dims.reduce((a, b) => a * b, 1));
  return Math.ceil((count * (ELEMENT_TYPES[tensor.dataType]?.[1] ?? 0)) / 8);
}

/**
 * Read what an ONNX model declares without running it: opsets, inputs and outputs with their
 * element types and dims, initializer totals and external-data references. Node bodies and tensor
 * payloads are skipped unread. `source` names the file in error messages. Throws
 * {@link OnnxFormatError} when the bytes are truncated, corrupt or not an ONNX model.
 */
export function readOnnxInfo(bytes: Uint8Array, source = 'the ONNX file'): OnnxInfo {
  let model: ReturnType<typeof readModel>;
  try {
    model = readModel(protobuf.Reader.create(bytes));
    if (model.irVersion <= 0) corrupt('it declares no IR version');
    if (!model.graph) corrupt('it holds no graph');
    if (model.opsets.length === 0) corrupt('it imports no opset');
    if (model.graph.outputs.length === 0) corrupt('its graph has no outputs');
  } catch (error) {
    // protobufjs reports truncation as a RangeError and bad wire types as plain Errors; a deep
    // nest of groups can even overflow the stack. All of them mean the same thing here.
    const reason = error instanceof Error ? error.message : String(error);
    throw new OnnxFormatError(
      `${source} is not a readable ONNX model (${reason}); re-export the graph with torch.onnx.export, or copy the file again if it was cut short`,
    );
  }
  const { graph } = model;
  const weights = new Set(graph.initializers.map((t) => t.name));
  const externalData = graph.initializers
    .filter((t) => t.external)
    .map((t) => ({ tensor: t.name, location: t.entries.get('location') ?? '' }));
  return {
    irVersion: model.irVersion,
    producer: model.producer.filter(Boolean).join(' '),
    opsets: model.opsets,
    inputs: graph.inputs.filter((v) => !weights.has(v.name)),
    outputs: graph.outputs,
    initializers: {
      count: graph.initializers.length,
      bytes: graph.initializers.reduce((n, t) => n + payloadBytes(t), 0),
    },
    externalData,
    externalFiles: [...new Set(externalData.map((e) => e.location))].sort(),
  };
}

function formatDims(dims: readonly (Dim | string)[] | null): string {
  return dims ? `[${dims.join(', ')}]` : '[unknown rank]';
}

/** Problems of one declared tensor against its expected shape; `subject` names graph, role and tensor. */
function tensorProblems(subject: string, actual: OnnxValueInfo, expected: readonly Dim[] | undefined): string[] {
  const got = formatDims(actual.dims);
  const wanted = expected ? ` ${formatDims(expected)}` : '';
  const problems: string[] = [];
  if (actual.elemType !== 'float32') {
    problems.push(`${subject} is ${actual.elemType} ${got}, but the manifest expects float32${wanted}.`);
  }
  const dims = actual.dims;
  if (!expected || !dims) return problems;
  if (dims.length !== expected.length) {
    problems.push(`${subject} has rank ${dims.length} ${got}, but the manifest expects rank ${expected.length}${wanted}.`);
    return problems;
  }
  // A symbolic dim can take the expected size at run time; only fixed sizes can disagree.
  const axis = expected.findIndex((dim, i) => dim !== 'batch' && typeof dims[i] === 'number' && dims[i] !== dim);
  if (axis >= 0) problems.push(`${subject} is ${got}, but the manifest expects${wanted} (axis ${axis} differs).`);
  return problems;
}

/** The key under which {@link checkPackageGraphs} takes the float16 twin of graph `key`. */
export function fp16GraphKey(key: string): string {
  return `${key}.fp16`;
}

/** Problems of one graph's declared inputs and outputs against the names and shapes its manifest entry gives. */
function graphProblems(where: string, spec: GraphSpec, info: OnnxInfo, expectedShapes: Readonly<Record<string, readonly Dim[]>>): string[] {
  const problems: string[] = [];
  for (const [role, names, declared] of [
    ['input', spec.inputs, info.inputs],
    ['output', spec.outputs, info.outputs],
  ] as const) {
    for (const name of names) {
      const expected = expectedShapes[name];
      const actual = declared.find((v) => v.name === name);
      if (actual) {
        problems.push(...tensorProblems(`${where} ${role} "${name}"`, actual, expected));
        continue;
      }
      const wanted = expected ? ` ${formatDims(expected)}` : '';
      const present = declared.map((v) => `"${v.name}" ${formatDims(v.dims)}`).join(', ') || 'none';
      problems.push(`${where} has no ${role} "${name}"${wanted}; its ${role}s are ${present}.`);
    }
  }
  for (const input of info.inputs.filter((v) => !spec.inputs.includes(v.name))) {
    problems.push(`${where} takes input "${input.name}" ${formatDims(input.dims)}, which the manifest does not list, so the studio would never feed it.`);
  }
  return problems;
}

const interfaceOf = (values: readonly OnnxValueInfo[]) => values.map((v) => `"${v.name}" ${v.elemType} ${formatDims(v.dims)}`).join(', ');

/**
 * Check the graphs of a package against its manifest: every input and output the manifest names
 * exists, no graph needs an input the manifest leaves out, every tensor is float32, and ranks and
 * fixed dims match `tensorShapes` (z [batch, z_dim], ws [batch, num_ws, w_dim], c [batch, c_dim],
 * img [batch, C, res, res]). The batch axis may be symbolic or fixed; a symbolic dim where the
 * manifest fixes one is accepted, since the runtime binds it. `graphs` is keyed like
 * `manifest.graphs`; a graph's float16 twin (`fp16`), where given under {@link fp16GraphKey}, is
 * checked the same way and must declare exactly the inputs and outputs of its float32 graph.
 * Returns one sentence per problem, naming the graph, the tensor and both shapes; empty when all is
 * well.
 */
export function checkPackageGraphs(manifest: Manifest, graphs: Readonly<Record<string, OnnxInfo>>): string[] {
  const problems: string[] = [];
  const expectedShapes = tensorShapes(manifest);
  for (const [key, spec] of Object.entries(manifest.graphs)) {
    const where = `graph "${key}" (${spec.file})`;
    const info = graphs[key];
    if (!info) {
      problems.push(`${where} was not read, so its inputs and outputs are unchecked; read it before loading the model.`);
      continue;
    }
    problems.push(...graphProblems(where, spec, info, expectedShapes));
    const twin = spec.fp16 ? graphs[fp16GraphKey(key)] : undefined;
    if (!spec.fp16 || !twin) continue;
    const twinWhere = `the float16 twin of graph "${key}" (${spec.fp16.file})`;
    problems.push(...graphProblems(twinWhere, spec, twin, expectedShapes));
    for (const role of ['inputs', 'outputs'] as const) {
      const [a, b] = [interfaceOf(info[role]), interfaceOf(twin[role])];
      if (a !== b) problems.push(`${twinWhere} declares ${role} ${b || 'none'}, but ${spec.file} declares ${a || 'none'}; convert the twin again from the float32 graph.`);
    }
  }
  return problems;
}
