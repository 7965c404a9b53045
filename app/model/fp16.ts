/**
 * The half-precision pass: an ONNX graph in, the same graph computing in float16 out, with its
 * inputs and outputs still float32 under the same names, so the studio feeds and reads it exactly
 * as it does the original. WebGPU adapters with `shader-f16` run such graphs with half the weight
 * memory and bandwidth (docs/PERFORMANCE.md, "Half precision").
 *
 * It works at the wire level like onnx-rewrite.ts: every field it does not change is copied byte
 * for byte. Element types are inferred node by node (graphs are topologically sorted), every
 * float32 tensor becomes float16 — weights and constants rounded to nearest even, Cast to FLOAT
 * becoming Cast to FLOAT16 — and Casts are inserted at the edges: after each float input, before
 * each float output, and before the few operands ONNX requires to be float32.
 */
import protobuf from 'protobufjs/minimal.js';
import type { Long } from 'protobufjs/minimal.js';
import { OnnxFormatError } from './onnx';
import { concat, encodeIntAttribute, encodeNode, fieldsOf, message, stringField, stringOf, varintField, type Field } from './onnx-rewrite';
import { packFloat16 } from './float16';

/** TensorProto.DataType codes the pass reads and writes. */
const FLOAT = 1;
const INT64 = 7;
const BOOL = 9;
const FLOAT16 = 10;

/** Ops whose every output has the element type of their first input. */
const SAME_AS_FIRST = new Set(
  (
    'Abs Add AveragePool BatchNormalization Ceil Clip Concat Conv ConvTranspose Cos CumSum DepthToSpace Div Dropout Einsum Elu Erf Exp ' +
    'Expand Flatten Floor Gather GatherElements GatherND Gemm GlobalAveragePool GridSample GroupNormalization HardSigmoid Identity ' +
    'InstanceNormalization LayerNormalization LeakyRelu Log LogSoftmax MatMul Max MaxPool Mean Min Mod Mul Neg Pad Pow PRelu Range ' +
    'Reciprocal ReduceL2 ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Resize Round ScatterElements ' +
    'ScatterND Selu Sigmoid Sign Sin Slice Softmax Softplus SpaceToDepth Split Sqrt Squeeze Sub Sum Tanh Tile Transpose Trilu Unsqueeze Upsample'
  ).split(' '),
);
/** Ops with int64 outputs whatever they read. */
const INT64_OUT = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);
/** Ops with bool outputs. */
const BOOL_OUT = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
/** Outputs after the first with a type of their own (indices, masks). */
const SECOND_OUTPUT: Record<string, number> = { Dropout: BOOL, MaxPool: INT64 };
/**
 * Operands ONNX types as float32 only, by op and input index: Resize's roi and scales (roi may be
 * float16 by the standard, but runtimes read it as float) and the old Upsample's scales.
 */
const FLOAT32_OPERANDS: Record<string, readonly number[]> = { Resize: [1, 2], Upsample: [1] };

/** What {@link convertToFloat16} did. */
export interface Fp16Conversion {
  /** The converted model. */
  readonly bytes: Uint8Array;
  /** Weight and constant values rounded to float16. */
  readonly values: number;
  /** Of those, finite values beyond ±65504, stored as ±65504. */
  readonly overflowed: number;
  /** Of those, non-zero values that became zero. */
  readonly flushed: number;
  /** Casts the pass inserted (at inputs, outputs and float32-only operands). */
  readonly casts: number;
}

interface NodeInfo {
  readonly bytes: Uint8Array;
  readonly fields: Field[];
  readonly op: string;
  readonly name: string;
  readonly inputs: string[];
  readonly outputs: string[];
  /** AttributeProtos by attribute name: their bytes and fields. */
  readonly attributes: Map<string, { bytes: Uint8Array; fields: Field[] }>;
}

interface TensorInfo {
  readonly fields: Field[];
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly dataType: number;
}

function varint(f: Field): number {
  const v: number | Long = protobuf.Reader.create(f.value).int64();
  return typeof v === 'number' ? v : v.high * 2 ** 32 + (v.low >>> 0);
}

/** A varint field's value; `value` holds a varint field's bytes too (see fieldsOf). */
function varintOf(fields: readonly Field[], no: number): number | undefined {
  const f = fields.find((x) => x.no === no);
  return f ? varint(f) : undefined;
}

function textsOf(fields: readonly Field[], no: number): string[] {
  return fields.filter((f) => f.no === no).map((f) => stringOf(f.value));
}

function readNode(bytes: Uint8Array, source: string): NodeInfo {
  const fields = fieldsOf(bytes);
  const attributes = new Map<string, { bytes: Uint8Array; fields: Field[] }>();
  for (const f of fields.filter((x) => x.no === 5)) {
    const attribute = fieldsOf(f.value);
    attributes.set(textsOf(attribute, 1)[0] ?? '', { bytes: f.value, fields: attribute });
  }
  const node = { bytes, fields, op: textsOf(fields, 4)[0] ?? '', name: textsOf(fields, 3)[0] ?? '', inputs: textsOf(fields, 1), outputs: textsOf(fields, 2), attributes };
  const domain = textsOf(fields, 7)[0] ?? '';
  if (domain !== '' && domain !== 'ai.onnx') {
    throw new OnnxFormatError(`${source}: node "${node.name}" is ${domain}.${node.op}, an op outside the standard set the half-precision pass knows; convert this graph without --fp16`);
  }
  // AttributeProto.g = 6, graphs = 11: a body that reads outer tensors by name.
  if ([...attributes.values()].some((a) => a.fields.some((x) => x.no === 6 || x.no === 11))) {
    throw new OnnxFormatError(`${source}: node "${node.name}" (${node.op}) holds a subgraph, which the half-precision pass does not convert; convert this graph without --fp16`);
  }
  return node;
}

function readTensor(bytes: Uint8Array): TensorInfo {
  const fields = fieldsOf(bytes);
  return { fields, bytes, name: textsOf(fields, 8)[0] ?? '', dataType: varintOf(fields, 2) ?? 0 };
}

/** The float32 values of a TensorProto (raw_data, or float_data packed or not). */
function floatsOf(tensor: TensorInfo, source: string): Float32Array {
  if (tensor.fields.some((f) => f.no === 14 && varint(f) === 1)) {
    throw new OnnxFormatError(`${source} keeps tensor "${tensor.name}" in an external file; re-export the graph with its weights inside the .onnx file`);
  }
  const raw = tensor.fields.find((f) => f.no === 9);
  const floats = tensor.fields.filter((f) => f.no === 4);
  const bytes = raw ? raw.value : concat(floats.map((f) => f.value));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * Convert an ONNX model to float16 with float32 inputs and outputs. `source` names the file in
 * errors. Throws {@link OnnxFormatError} for a graph that is already half precision, one with an op
 * the pass does not know (the message names it) or a layout it cannot rewrite.
 */
export function convertToFloat16(bytes: Uint8Array, source: string): Fp16Conversion {
  const model = fieldsOf(bytes);
  const graphField = model.find((f) => f.no === 7);
  if (!graphField) throw new OnnxFormatError(`${source} holds no graph`);
  const graph = fieldsOf(graphField.value);
  if (graph.some((f) => f.no === 15)) throw new OnnxFormatError(`${source} has sparse initializers, which the half-precision pass does not convert; convert it without --fp16`);
  const refuseHalf = (what: string) => {
    throw new OnnxFormatError(`${source} is already half precision (${what} is float16); use it as it is, or convert its float32 original`);
  };

  const types = new Map<string, number>();
  const initializers = new Map<Field, TensorInfo>();
  for (const f of graph.filter((x) => x.no === 5)) {
    const tensor = readTensor(f.value);
    if (tensor.dataType === FLOAT16) refuseHalf(`initializer "${tensor.name}"`);
    initializers.set(f, tensor);
    types.set(tensor.name, tensor.dataType);
  }
  const elemType = (valueInfo: Uint8Array) => {
    const type = fieldsOf(valueInfo).find((x) => x.no === 2);
    const tensorType = type && fieldsOf(type.value).find((x) => x.no === 1);
    return tensorType ? varintOf(fieldsOf(tensorType.value), 1) : undefined;
  };
  const nameOf = (valueInfo: Uint8Array) => textsOf(fieldsOf(valueInfo), 1)[0] ?? '';
  const floatInputs: string[] = [];
  for (const f of graph.filter((x) => x.no === 11)) {
    const name = nameOf(f.value);
    if (types.has(name)) continue; // an initializer listed as an input (old IR versions)
    const type = elemType(f.value) ?? 0;
    if (type === FLOAT16) refuseHalf(`input "${name}"`);
    types.set(name, type);
    if (type === FLOAT) floatInputs.push(name);
  }

  const nodes = graph.filter((f) => f.no === 1).map((f) => readNode(f.value, source));
  const attributeTensor = (node: NodeInfo, name: string) => {
    const t = node.attributes.get(name)?.fields.find((x) => x.no === 5);
    return t ? readTensor(t.value) : undefined;
  };
  for (const node of nodes) {
    let out: number | undefined;
    const first = types.get(node.inputs[0] ?? '');
    if (node.op === 'Constant') {
      const value = attributeTensor(node, 'value');
      if (!value) {
        const kind = [...node.attributes.keys()].join(', ');
        throw new OnnxFormatError(`${source}: Constant "${node.name}" holds its value as ${kind}, not as a tensor, which the half-precision pass does not rewrite; convert this graph without --fp16`);
      }
      out = value.dataType;
    } else if (node.op === 'ConstantOfShape') out = attributeTensor(node, 'value')?.dataType ?? FLOAT;
    else if (node.op === 'Cast') out = varintOf(node.attributes.get('to')?.fields ?? [], 3);
    else if (INT64_OUT.has(node.op)) out = INT64;
    else if (BOOL_OUT.has(node.op)) out = BOOL;
    else if (node.op === 'Where') out = types.get(node.inputs[1] ?? '');
    else if (SAME_AS_FIRST.has(node.op)) out = first;
    else {
      throw new OnnxFormatError(
        `${source}: node "${node.name}" is a ${node.op}, an op the half-precision pass does not know the types of; convert this graph without --fp16 (its float32 graph is unaffected)`,
      );
    }
    if (out === FLOAT16) refuseHalf(`the output of ${node.op} "${node.name}"`);
    if (out === undefined) throw new OnnxFormatError(`${source}: the element type of ${node.op} "${node.name}"'s output is unknown (its input is declared nowhere); re-export the graph`);
    node.outputs.forEach((o, i) => types.set(o, i > 0 && SECOND_OUTPUT[node.op] !== undefined ? SECOND_OUTPUT[node.op]! : out!));
  }

  // Every name in use, so the names the pass adds collide with none.
  const taken = new Set<string>([...types.keys(), ...nodes.flatMap((n) => [...n.inputs, n.name])]);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const outputs = graph.filter((x) => x.no === 12).map((f) => nameOf(f.value));
  const weightNames = new Set([...initializers.values()].map((t) => t.name));
  const floatOutputs = outputs.filter((name) => types.get(name) === FLOAT);
  for (const name of floatOutputs) {
    if (floatInputs.includes(name) || weightNames.has(name)) {
      throw new OnnxFormatError(`${source}: output "${name}" is a graph input or a weight, not computed, so it cannot be given a float16 twin; convert this graph without --fp16`);
    }
  }
  // Inside the graph the float inputs and outputs go by float16 twins; the Casts join them to the
  // original float32 names.
  const twins = new Map<string, string>([...floatInputs, ...floatOutputs].map((name) => [name, fresh(`${name}_fp16`)]));

  // A weight read only as a float32 operand stays float32; any other float32 operand is cast back.
  /** Whether every read of a tensor is as a float32-only operand, by name. */
  const onlyFloat32 = new Map<string, boolean>();
  for (const node of nodes) {
    node.inputs.forEach((input, i) => onlyFloat32.set(input, (onlyFloat32.get(input) ?? true) && (FLOAT32_OPERANDS[node.op]?.includes(i) ?? false)));
  }
  const constants = new Set([...nodes.filter((n) => n.op === 'Constant').flatMap((n) => n.outputs), ...weightNames]);
  const keep32 = new Set([...onlyFloat32].filter(([name, only]) => only && !outputs.includes(name) && constants.has(name)).map(([name]) => name));
  const half = (name: string) => types.get(name) === FLOAT && !keep32.has(name);

  let values = 0;
  let overflowed = 0;
  let flushed = 0;
  let casts = 0;
  const toHalf = (tensor: TensorInfo): Uint8Array => {
    const packed = packFloat16(floatsOf(tensor, source));
    values += packed.bytes.length / 2;
    overflowed += packed.overflowed;
    flushed += packed.flushed;
    const kept = tensor.fields.filter((f) => f.no !== 2 && f.no !== 4 && f.no !== 9).map((f) => tensor.bytes.subarray(f.start, f.end));
    return concat([...kept, varintField(2, FLOAT16), message(9, packed.bytes)]);
  };
  const cast = (input: string, output: string, to: number) => {
    casts++;
    return message(1, encodeNode('Cast', [input], [output], fresh(`latent_studio_cast_${output}`), [encodeIntAttribute('to', to)]));
  };
  const withTensorAttribute = (node: NodeInfo, name: string, tensor: Uint8Array) => {
    const attribute = node.attributes.get(name);
    const body = attribute
      ? concat(attribute.fields.map((x) => (x.no === 5 ? message(5, tensor) : attribute.bytes.subarray(x.start, x.end))))
      : concat([stringField(1, name), message(5, tensor), varintField(20, 4)]); // AttributeProto.type 4: TENSOR
    return message(5, body);
  };

  const rebuilt = (node: NodeInfo): Uint8Array[] => {
    const before: Uint8Array[] = [];
    const inputs = node.inputs.map((input, i) => {
      if (twins.has(input)) return twins.get(input)!;
      if (FLOAT32_OPERANDS[node.op]?.includes(i) && half(input)) {
        const back = fresh(`${input}_fp32`);
        before.push(cast(input, back, FLOAT));
        return back;
      }
      return input;
    });
    const outs = node.outputs.map((o) => twins.get(o) ?? o);
    const replaced = new Map<string, Uint8Array>();
    const converting = node.outputs.some(half);
    if (node.op === 'Cast' && converting) replaced.set('to', message(5, encodeIntAttribute('to', FLOAT16)));
    if ((node.op === 'Constant' || node.op === 'ConstantOfShape') && converting) {
      const value = attributeTensor(node, 'value');
      // ConstantOfShape without a value makes float32 zeros: a float16 zero says the same.
      const zero = concat([varintField(1, 1), varintField(2, FLOAT16), message(9, new Uint8Array(2))]);
      replaced.set('value', withTensorAttribute(node, 'value', value ? toHalf(value) : zero));
    }
    const kept = node.fields.filter((f) => f.no !== 1 && f.no !== 2 && !(f.no === 5 && replaced.has(textsOf(fieldsOf(f.value), 1)[0] ?? '')));
    const body = concat([
      ...inputs.map((i) => stringField(1, i)),
      ...outs.map((o) => stringField(2, o)),
      ...kept.map((f) => node.bytes.subarray(f.start, f.end)),
      ...replaced.values(),
    ]);
    return [...before, message(1, body)];
  };

  const parts: Uint8Array[] = [];
  let node = 0;
  for (const field of graph) {
    const original = graphField.value.subarray(field.start, field.end);
    if (field.no === 1) {
      if (node === 0) parts.push(...floatInputs.map((name) => cast(name, twins.get(name)!, FLOAT16)));
      parts.push(...rebuilt(nodes[node++]!));
    } else if (field.no === 5) {
      const tensor = initializers.get(field)!;
      parts.push(tensor.dataType === FLOAT && !keep32.has(tensor.name) ? message(5, toHalf(tensor)) : original);
    } else if (field.no === 13 || (field.no === 11 && weightNames.has(nameOf(field.value)))) {
      // Declared types follow the tensors: internal values, and weights an old IR lists as inputs.
      // A twinned name is the float32 edge itself and keeps its declaration.
      const name = nameOf(field.value);
      parts.push(half(name) && !twins.has(name) && elemType(field.value) === FLOAT ? message(field.no, withElemType(field.value, FLOAT16)) : original);
    } else parts.push(original);
  }
  if (node === 0) throw new OnnxFormatError(`${source} has no nodes to convert`);
  parts.push(...floatOutputs.map((name) => cast(twins.get(name)!, name, FLOAT)));
  const newGraph = concat(parts);
  return {
    bytes: concat(model.map((f) => (f.no === 7 ? message(7, newGraph) : bytes.subarray(f.start, f.end)))),
    values,
    overflowed,
    flushed,
    casts,
  };
}

/** A ValueInfoProto with its tensor element type replaced (name 1, type 2 → tensor_type 1 → elem_type 1). */
function withElemType(valueInfo: Uint8Array, type: number): Uint8Array {
  const swap = (bytes: Uint8Array, path: readonly number[]): Uint8Array => {
    const [no, ...rest] = path;
    return concat(
      fieldsOf(bytes).map((f) => {
        if (f.no !== no) return bytes.subarray(f.start, f.end);
        return rest.length === 0 ? varintField(no, type) : message(no, swap(f.value, rest));
      }),
    );
  };
  return swap(valueInfo, [2, 1, 1]);
}
