import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { runOnce as run } from '../../test-support/ort-wasm';
import { attr, GraphBuilder } from '../graph/builder';
import { readGraphWeights } from '../workshop/onnx-weights';
import { float16Bits, packFloat16 } from './float16';
import { convertToFloat16 } from './fp16';
import { OnnxFormatError, readOnnxInfo } from './onnx';
import { python, pythonJson, pythonMissing } from '../../test-support/python';

const ROOT = path.resolve(__dirname, '../..');
const noNumpy = pythonMissing('numpy');
const noOnnx = pythonMissing('onnx');
const tmp = mkdtempSync(path.join(tmpdir(), 'fp16-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


describe.skipIf(noNumpy)('float16Bits', () => {
  it("rounds as numpy's astype(float16) does: ties to even, subnormals, overflow, NaN, signed zero", () => {
    const edges = [0, -0, 1, -1, 65504, 65519.996, 65520, -65520, 1e6, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -25 * 1.0000001, 2 ** -14, 2 ** -14 - 2 ** -25, 6.1e-5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051, Infinity, -Infinity, NaN, 1e-30, 0.1, -0.3];
    const random = Array.from({ length: 4000 }, (_, i) => Math.fround(Math.sin(i * 12.9898) * 10 ** ((i % 14) - 8)));
    const values = Float32Array.from([...edges, ...random]);
    const expected = pythonJson<number[]>(
      'import sys, json, numpy as np\nwith np.errstate(over="ignore"):\n  v = np.frombuffer(bytes.fromhex(sys.argv[1]), "<f4").astype(np.float16)\nprint(json.dumps(v.view(np.uint16).tolist()))',
      Buffer.from(values.buffer).toString('hex'),
    );
    const got = Array.from(values, (v) => float16Bits(v));
    // numpy's NaN payload is its own: any quiet NaN bit pattern is a NaN.
    const nan = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    got.forEach((h, i) => (nan(expected[i]!) ? expect(nan(h), `value ${values[i]}`).toBe(true) : expect(h, `value ${values[i]}`).toBe(expected[i])));
  });
});

describe('packFloat16', () => {
  it('saturates overflow at ±65504 and counts it and the values that flush to zero', () => {
    const packed = packFloat16(Float32Array.of(70000, -1e9, 1e-9, 0, 0.5, Infinity));
    const bits = Array.from(new Uint16Array(packed.bytes.buffer));
    expect(bits).toEqual([0x7bff, 0xfbff, 0, 0, 0x3800, 0x7c00]);
    expect(packed.overflowed).toBe(2);
    expect(packed.flushed).toBe(1);
  });
});

/** x [1,1,2,2] + w → Resize ×2 (scales a float32 constant) + zeros (ConstantOfShape without a value) → y; x is also cast to int64 and back. */
function smallGraph(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 1, 2, 2]);
  const w = g.floats('w', [70000, 1e-9, 0.1, -3], [1, 1, 2, 2]);
  const sum = g.op('Add', [x, w]);
  const back = g.op('Cast', [g.op('Cast', [sum], { to: attr.int(7) })], { to: attr.int(1) });
  const resized = g.op('Resize', [back, '', g.floats('scales', [1, 1, 2, 2])], { mode: attr.string('nearest') });
  const zeros = g.op('ConstantOfShape', [g.ints('shape', [1, 1, 4, 4])]);
  g.output(g.op('Add', [resized, zeros]), 'y', [1, 1, 4, 4]);
  return g.finish();
}

describe('convertToFloat16', () => {
  it('keeps float32 inputs and outputs under their names, rounds weights to float16, keeps Resize scales float32', async () => {
    const fp32 = smallGraph();
    const converted = convertToFloat16(fp32, 'small.onnx');
    expect(readOnnxInfo(converted.bytes).inputs).toEqual(readOnnxInfo(fp32).inputs);
    expect(readOnnxInfo(converted.bytes).outputs).toEqual(readOnnxInfo(fp32).outputs);
    const types = Object.fromEntries(readGraphWeights(converted.bytes, 'small.onnx').initializers.map((t) => [t.name, t.dataType]));
    expect(types).toMatchObject({ w: 10, scales: 1, shape: 7 });
    expect(converted).toMatchObject({ values: 4, overflowed: 1, flushed: 1, casts: 2 });
    const x = new ort.Tensor('float32', Float32Array.of(0.25, 2, 3.75, 1.5), [1, 1, 2, 2]);
    const y = (await run(converted.bytes, { x })).y!;
    expect(y.type).toBe('float32');
    expect(y.dims).toEqual([1, 1, 4, 4]);
    // 70000 saturates to 65504 (+0.25 is below float16's step there, 32); the int64 round trip
    // truncates: 2 + 1e-9 → 2, 3.75 + 0.1 → 3, 1.5 − 3 → −1.
    expect(Array.from(y.data as Float32Array).slice(0, 4)).toEqual([65504, 65504, 2, 2]);
    expect(Array.from(y.data as Float32Array).slice(8, 12)).toEqual([3, 3, -1, -1]);
  });

  it.skipIf(noOnnx)("gives graphs that pass onnx's full checker with strict type inference (fixtures and bundled models)", () => {
    const files = ['models/fixtures/stylegan-tiny/synthesis.onnx', 'models/fixtures/stylegan3-tiny/synthesis.onnx', 'models/emoji-biggan/generator.onnx', 'models/emoji-stylegan/mapping.onnx'];
    const written = files.map((file, i) => {
      const out = path.join(tmp, `${i}.onnx`);
      writeFileSync(out, convertToFloat16(new Uint8Array(readFileSync(path.join(ROOT, file))), file).bytes);
      return out;
    });
    const script = [
      'import sys, onnx',
      'for f in sys.argv[1:]:',
      '  m = onnx.load(f)',
      '  onnx.checker.check_model(m, full_check=True)',
      '  onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)',
      '  print(sum(t.data_type == 10 for t in m.graph.initializer), sum(t.data_type == 1 for t in m.graph.initializer))',
    ].join('\n');
    const lines = python(script, ...written).trim().split('\n');
    expect(lines).toHaveLength(files.length);
    for (const line of lines) expect(Number(line.split(' ')[0])).toBeGreaterThan(0);
  });

  it('halves the float payload of a real graph exactly: every float32 weight and constant becomes float16', () => {
    const file = 'models/fixtures/stylegan-tiny/synthesis.onnx';
    const bytes = new Uint8Array(readFileSync(path.join(ROOT, file)));
    const payload = (b: Uint8Array, type: number) => {
      const w = readGraphWeights(b, file);
      return [...w.initializers, ...w.constants].filter((t) => t.dataType === type).reduce((n, t) => n + (t.payload?.length ?? 0), 0);
    };
    const converted = convertToFloat16(bytes, file).bytes;
    expect(payload(converted, 1)).toBe(0);
    expect(2 * payload(converted, 10)).toBe(payload(bytes, 1));
    expect(converted.length).toBeLessThan(0.55 * bytes.length);
  });

  it('refuses a graph already in float16, and an op it does not know, saying what to do', () => {
    const once = convertToFloat16(smallGraph(), 'small.onnx').bytes;
    expect(() => convertToFloat16(once, 'small.fp16.onnx')).toThrow(OnnxFormatError);
    expect(() => convertToFloat16(once, 'small.fp16.onnx')).toThrow(/small\.fp16\.onnx is already half precision \(initializer "w" is float16\); use it as it is/);
    const g = new GraphBuilder();
    g.output(g.op('Det', [g.input('m', [2, 2])]), 'd', []);
    expect(() => convertToFloat16(g.finish(), 'det.onnx')).toThrow(/node "[^"]*" is a Det, an op the half-precision pass does not know the types of; convert this graph without --fp16/);
  });
});
