import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { runOnce as run } from '../../test-support/ort-wasm';
import { attr, GraphBuildError, GraphBuilder } from './builder';



describe('GraphBuilder', () => {
  it('writes a graph onnxruntime runs: Gemm with float attributes, LeakyRelu, Reshape by an int64 constant', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', ['batch', 2]);
    const w = g.tensor('w', [3, 2], Float32Array.of(1, 2, 3, 4, 5, 6));
    const b = g.floats('b', [0.5, -100, 0]);
    const y = g.op('Gemm', [x, w, b], { transB: attr.int(1), alpha: attr.float(0.5) });
    const act = g.op('LeakyRelu', [y], { alpha: attr.float(0.2) });
    const shaped = g.op('Reshape', [act, g.ints('shape', [-1, 3, 1])]);
    g.output(shaped, 'out', ['batch', 3, 1]);
    const out = await run(g.finish(), { x: new ort.Tensor('float32', Float32Array.of(1, 1), [1, 2]) });
    expect(out.out!.dims).toEqual([1, 3, 1]);
    // 0.5·(1+2)+0.5 = 2; 0.5·(3+4)−100 = −96.5 → ·0.2; 0.5·(5+6) = 5.5
    const got = Array.from(out.out!.data as Float32Array);
    expect(got[0]).toBeCloseTo(2, 6);
    expect(got[1]).toBeCloseTo(-19.3, 5);
    expect(got[2]).toBeCloseTo(5.5, 6);
  });

  it('writes int lists (Conv pads and strides) and float16 initializers', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 1, 4, 4]);
    // 0x3c00 = 1.0 in IEEE half precision.
    const k16 = g.tensor('k16', [1, 1, 3, 3], { float16: new Uint16Array(9).fill(0x3c00) });
    const k = g.op('Cast', [k16], { to: attr.int(1) });
    const y = g.op('Conv', [x, k], { pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([2, 2]) });
    g.output(y, 'y', [1, 1, 2, 2]);
    const out = await run(g.finish(), { x: new ort.Tensor('float32', new Float32Array(16).fill(1), [1, 1, 4, 4]) });
    // Stride 2 from the padded corner: windows see 4, 6, 6, 9 ones.
    expect(Array.from(out.y!.data as Float32Array)).toEqual([4, 6, 6, 9]);
  });

  it('refuses reads of names nothing made, reused input names and mismatched initializer sizes', () => {
    const g = new GraphBuilder();
    g.input('x', [1]);
    expect(() => g.op('Relu', ['nope'])).toThrow(GraphBuildError);
    expect(() => g.input('x', [1])).toThrow(/already used/);
    expect(() => g.tensor('t', [2, 2], Float32Array.of(1))).toThrow(/hold 4 values, data has 1/);
    expect(() => new GraphBuilder().finish()).toThrow(/no output/);
  });

  it('gives every made value a unique name', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1]);
    const a = g.op('Relu', [x], {}, 'act');
    const b = g.op('Relu', [a], {}, 'act');
    expect(a).not.toBe(b);
  });

  it('makes each cached constant once per value and dims, and the graph reads the right one', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4]);
    const two = g.constFloat(2);
    expect(g.constFloat(2)).toBe(two);
    // 0.1 and its float32 rounding are the same initializer; 3 is another.
    expect(g.constFloat(0.1)).toBe(g.constFloat(Math.fround(0.1)));
    const three = g.constFloat(3);
    expect(three).not.toBe(two);
    const shape = g.constInts([2, 2]);
    expect(g.constInts([2, 2])).toBe(shape);
    expect(g.constInts([2, 2], [2, 1])).not.toBe(shape);
    const bytes = g.weightBytes;
    g.constFloat(2);
    g.constInts([2, 2]);
    expect(g.weightBytes).toBe(bytes);
    const y = g.op('Reshape', [g.op('Add', [g.op('Mul', [x, two]), three]), shape]);
    g.output(y, 'y', [2, 2]);
    const out = await run(g.finish(), { x: new ort.Tensor('float32', Float32Array.of(0, 1, 2, 3), [1, 4]) });
    expect(out.y!.dims).toEqual([2, 2]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual([3, 5, 7, 9]);
  });
});
