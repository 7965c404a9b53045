import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from './manifest';
import { OnnxFormatError, checkPackageGraphs, readOnnxInfo, type OnnxInfo } from './onnx';
import { python, pythonMissing } from '../../test-support/python';

const FIXTURE_DIR = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');
const manifest = parseManifest(JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'manifest.json'), 'utf8')));
const mappingBytes = new Uint8Array(readFileSync(path.join(FIXTURE_DIR, 'mapping.onnx')));
const synthesisBytes = new Uint8Array(readFileSync(path.join(FIXTURE_DIR, 'synthesis.onnx')));

const onnxMissing = pythonMissing('onnx', 'numpy');

/** One protobuf field: varint, string, embedded message or packed varints. */
type Field = [number, number | string | Uint8Array | number[]];

/** Encode fields with protobufjs's Writer, to build models onnx.helper cannot (packed dims, bad wire types). */
function encode(...fields: Field[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const [no, value] of fields) {
    if (typeof value === 'number') w.uint32(no << 3).int64(value);
    else if (typeof value === 'string') w.uint32((no << 3) | 2).string(value);
    else if (value instanceof Uint8Array) w.uint32((no << 3) | 2).bytes(value);
    else {
      w.uint32((no << 3) | 2).fork();
      for (const v of value) w.int64(v);
      w.ldelim();
    }
  }
  return w.finish();
}

const dim = (d: number | string) => encode(typeof d === 'number' ? [1, d] : [2, d]);
const tensorValue = (name: string, elemType: number, dims: (number | string)[]) =>
  encode([1, name], [2, encode([1, encode([1, elemType], [2, encode(...dims.map((d): Field => [1, dim(d)]))])])]);
const opset = encode([1, ''], [2, 17]);

function expectOnlyOnnxFormatError(bytes: Uint8Array): void {
  try {
    readOnnxInfo(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(OnnxFormatError);
  }
}

describe('readOnnxInfo on the fixture package', () => {
  const mapping = readOnnxInfo(mappingBytes, 'mapping.onnx');
  const synthesis = readOnnxInfo(synthesisBytes, 'synthesis.onnx');

  it('lists opsets, inputs and outputs with the dims the manifest declares', () => {
    expect(mapping.irVersion).toBeGreaterThanOrEqual(7);
    expect(mapping.producer).toMatch(/^pytorch /);
    expect(mapping.opsets).toEqual([{ domain: 'ai.onnx', version: 17 }]);
    expect(mapping.inputs.map((v) => v.name)).toEqual(manifest.graphs.mapping!.inputs);
    expect(mapping.outputs.map((v) => v.name)).toEqual(manifest.graphs.mapping!.outputs);
    expect(synthesis.inputs.map((v) => v.name)).toEqual(manifest.graphs.synthesis!.inputs);
    expect(synthesis.outputs.map((v) => v.name)).toEqual(manifest.graphs.synthesis!.outputs);
    const [z] = mapping.inputs;
    const [ws] = mapping.outputs;
    expect(z).toEqual({ name: 'z', elemType: 'float32', dims: [expect.any(String), manifest.z_dim] });
    expect(ws).toEqual({ name: 'ws', elemType: 'float32', dims: [expect.any(String), manifest.num_ws, manifest.w_dim] });
    expect(synthesis.inputs[0]!.dims).toEqual([expect.any(String), manifest.num_ws, manifest.w_dim]);
    expect(synthesis.outputs[0]!.dims).toHaveLength(4);
  });

  it('totals the initializers without external data', () => {
    expect(mapping.initializers.count).toBeGreaterThan(0);
    // Weights are float32, so their bytes are a large share of the file but cannot exceed it.
    expect(synthesis.initializers.bytes).toBeGreaterThan(synthesisBytes.length / 2);
    expect(synthesis.initializers.bytes).toBeLessThan(synthesisBytes.length);
    expect(mapping.externalData).toEqual([]);
    expect(mapping.externalFiles).toEqual([]);
  });

  it('fits the manifest', () => {
    expect(checkPackageGraphs(manifest, { mapping, synthesis })).toEqual([]);
  });
});

describe('readOnnxInfo on hand-encoded models', () => {
  it('reads packed dims, symbolic and unknown dims, non-tensor values and external data', () => {
    const weight = encode([1, [4, 4]], [2, 1], [8, 'W'], [13, encode([1, 'location'], [2, 'w.bin'])], [14, 1]);
    const graph = encode(
      [11, tensorValue('x', 1, ['N', 4])],
      [11, encode([1, 'unknown_rank'], [2, encode([1, encode([1, 10])])])],
      [11, encode([1, 'seq'], [2, encode([4, encode()])])],
      [11, encode([1, 'W'])],
      [12, encode([1, 'y'], [2, encode([1, encode([1, 1], [2, encode([1, dim(3)], [1, encode()])])])])],
      [5, weight],
    );
    const info = readOnnxInfo(encode([1, 9], [7, graph], [8, opset], [8, encode([1, 'com.microsoft'], [2, 1])]));
    expect(info.inputs).toEqual([
      { name: 'x', elemType: 'float32', dims: ['N', 4] },
      { name: 'unknown_rank', elemType: 'float16', dims: null },
      { name: 'seq', elemType: 'sequence', dims: null },
    ]);
    expect(info.outputs).toEqual([{ name: 'y', elemType: 'float32', dims: [3, '?'] }]);
    expect(info.opsets).toEqual([
      { domain: 'ai.onnx', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ]);
    expect(info.initializers).toEqual({ count: 1, bytes: 64 });
    expect(info.externalData).toEqual([{ tensor: 'W', location: 'w.bin' }]);
    expect(info.externalFiles).toEqual(['w.bin']);
  });

  it.each([
    ['empty bytes', new Uint8Array(0), /declares no IR version/],
    ['a model without a graph', encode([1, 8], [8, opset]), /holds no graph/],
    ['a model without opsets', encode([1, 8], [7, encode([12, tensorValue('y', 1, [1])])]), /imports no opset/],
    ['a graph without outputs', encode([1, 8], [7, encode([11, tensorValue('x', 1, [1])])], [8, opset]), /no outputs/],
    ['a graph sent as a varint', encode([1, 8], [7, 5]), /wire type 0 where 2 belongs/],
    ['a PNG file', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13), /not a readable ONNX model/],
  ])('refuses %s with OnnxFormatError', (_, bytes, message) => {
    expect(() => readOnnxInfo(bytes, 'model.onnx')).toThrow(OnnxFormatError);
    expect(() => readOnnxInfo(bytes, 'model.onnx')).toThrow(message);
    expect(() => readOnnxInfo(bytes, 'model.onnx')).toThrow(/^model\.onnx is not a readable ONNX model .*re-export/);
  });
});

describe('checkPackageGraphs', () => {
  const good = { mapping: readOnnxInfo(mappingBytes), synthesis: readOnnxInfo(synthesisBytes) };
  const info = (inputs: OnnxInfo['inputs'], outputs: OnnxInfo['outputs']): OnnxInfo => ({
    ...good.mapping,
    inputs,
    outputs,
  });

  it('names the graph that was not read', () => {
    expect(checkPackageGraphs(manifest, { mapping: good.mapping })).toEqual([
      'graph "synthesis" (synthesis.onnx) was not read, so its inputs and outputs are unchecked; read it before loading the model.',
    ]);
  });

  it('accepts fixed and symbolic batch dims, and symbolic dims where the manifest fixes one', () => {
    const mapping = info([{ name: 'z', elemType: 'float32', dims: [1, 'z_dim'] }], [{ name: 'ws', elemType: 'float32', dims: ['N', 8, 64] }]);
    expect(checkPackageGraphs(manifest, { ...good, mapping })).toEqual([]);
  });

  it('accepts an input of unknown rank, whose shape it cannot check', () => {
    const mapping = info([{ name: 'z', elemType: 'float32', dims: null }], good.mapping.outputs);
    expect(checkPackageGraphs(manifest, { ...good, mapping })).toEqual([]);
  });
});

describe.skipIf(onnxMissing !== '')('models built with Python onnx', () => {
  let dir = '';
  const read = (name: string) => readOnnxInfo(new Uint8Array(readFileSync(path.join(dir, name))), name);

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onnx-test-'));
    const script = String.raw`
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto as T
out = sys.argv[1]
def vi(name, dims, t=T.FLOAT):
    return helper.make_tensor_value_info(name, t, dims)
def save(name, inputs, outputs, inits=(), nodes=(), ir=8, **kw):
    graph = helper.make_graph(list(nodes), name, inputs, outputs, list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='test')
    model.ir_version = ir
    onnx.save_model(model, f'{out}/{name}.onnx', **kw)
rng = np.random.default_rng(0)
w1 = numpy_helper.from_array(rng.standard_normal((64, 64)).astype(np.float32), 'w1')
b1 = numpy_helper.from_array(np.zeros(64, np.float32), 'b1')
nodes = [helper.make_node('MatMul', ['z', 'w1'], ['h']), helper.make_node('Add', ['h', 'b1'], ['y'])]
save('external', [vi('z', ['N', 64])], [vi('y', ['N', 64])], [w1, b1], nodes,
     save_as_external_data=True, all_tensors_to_one_file=True, location='weights.bin', size_threshold=0)
save('external_split', [vi('z', ['N', 64])], [vi('y', ['N', 64])], [w1, b1], nodes,
     save_as_external_data=True, all_tensors_to_one_file=False, size_threshold=0)
save('ir3', [vi('z', ['N', 64]), vi('w1', [64, 64]), vi('b1', [64])], [vi('y', ['N', 64])], [w1, b1], nodes, ir=3)
save('bad_mapping', [vi('z', ['N', 32]), vi('noise', ['N', 1])], [vi('ws', ['N', 64])])
save('bad_synthesis', [vi('ws', ['N', 8, 64], T.FLOAT16)], [vi('image', ['N', 3, 32, 32])])
save('big_synthesis', [vi('ws', ['N', 8, 32])], [vi('img', [1, 3, 64, 64])])
`;
    python(script, dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports external data, its files and its sizes without reading the weights', () => {
    const one = read('external.onnx');
    expect(one.externalData).toEqual([
      { tensor: 'w1', location: 'weights.bin' },
      { tensor: 'b1', location: 'weights.bin' },
    ]);
    expect(one.externalFiles).toEqual(['weights.bin']);
    expect(one.initializers).toEqual({ count: 2, bytes: 64 * 64 * 4 + 64 * 4 });
    const split = read('external_split.onnx');
    expect(split.externalData.map((e) => e.tensor)).toEqual(['w1', 'b1']);
    expect(split.externalFiles).toHaveLength(2);
    expect(split.externalFiles).toEqual([...split.externalData.map((e) => e.location)].sort());
  });

  it('leaves initializers out of the inputs of old IR versions that list them there', () => {
    const info = read('ir3.onnx');
    expect(info.irVersion).toBe(3);
    expect(info.inputs.map((v) => v.name)).toEqual(['z']);
    expect(info.initializers).toEqual({ count: 2, bytes: 64 * 64 * 4 + 64 * 4 });
  });

  it('explains every mismatch with the manifest, naming graph, tensor and both shapes', () => {
    const problems = checkPackageGraphs(manifest, { mapping: read('bad_mapping.onnx'), synthesis: read('bad_synthesis.onnx') });
    expect(problems).toEqual([
      'graph "mapping" (mapping.onnx) input "z" is [N, 32], but the manifest expects [batch, 64] (axis 1 differs).',
      'graph "mapping" (mapping.onnx) output "ws" has rank 2 [N, 64], but the manifest expects rank 3 [batch, 8, 64].',
      'graph "mapping" (mapping.onnx) takes input "noise" [N, 1], which the manifest does not list, so the studio would never feed it.',
      'graph "synthesis" (synthesis.onnx) input "ws" is float16 [N, 8, 64], but the manifest expects float32 [batch, 8, 64].',
      'graph "synthesis" (synthesis.onnx) has no output "img" [batch, 3, 32, 32]; its outputs are "image" [N, 3, 32, 32].',
    ]);
    expect(checkPackageGraphs(manifest, { mapping: readOnnxInfo(mappingBytes), synthesis: read('big_synthesis.onnx') })).toEqual([
      'graph "synthesis" (synthesis.onnx) input "ws" is [N, 8, 32], but the manifest expects [batch, 8, 64] (axis 2 differs).',
      'graph "synthesis" (synthesis.onnx) output "img" is [1, 3, 64, 64], but the manifest expects [batch, 3, 32, 32] (axis 2 differs).',
    ]);
  });
});

describe('readOnnxInfo on malformed input throws OnnxFormatError only', () => {
  it('on truncated fixture graphs', () => {
    fc.assert(fc.property(fc.nat(mappingBytes.length - 1), (n) => expectOnlyOnnxFormatError(mappingBytes.subarray(0, n))));
    fc.assert(
      fc.property(fc.nat(synthesisBytes.length - 1), (n) => expectOnlyOnnxFormatError(synthesisBytes.subarray(0, n))),
      { numRuns: 50 },
    );
  });

  it('on random bytes, bare or after a plausible model header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.boolean(), (bytes, header) => {
        expectOnlyOnnxFormatError(header ? Uint8Array.of(...mappingBytes.subarray(0, 40), ...bytes) : bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('on bit flips in the fixture', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(mappingBytes.length - 1), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }), (flips) => {
        const bytes = mappingBytes.slice();
        for (const [at, bit] of flips) bytes[at] ^= 1 << bit;
        expectOnlyOnnxFormatError(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('on deeply nested groups, which overflow a recursive skipper', () => {
    // Field 15, wire type 3 (start group), repeated: protobufjs recurses once per level.
    expectOnlyOnnxFormatError(new Uint8Array(200_000).fill(0x7b));
  });
});
