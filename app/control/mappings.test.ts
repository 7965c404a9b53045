import { describe, expect, it } from 'vitest';
import { analyseAudio } from '../audio/analysis';
import { latentState } from '../state/latent-state';
import { applyCurve, CURVES, defaultMapping, mappingSchema, smooth, stateAtFrame, type FeatureLanes, type Mapping } from './mappings';
import type { ControlContext } from './targets';

const FPS = 24;
const model: ControlContext['model'] = { family: 'stylegan', num_ws: 4, c_dim: 0 };
const ctx = (keyframes = [latentState({ seed: 10 }), latentState({ seed: 11 }), latentState({ seed: 12 })]): ControlContext => ({ model, directions: [], keyframes });

/** Lanes of `n` frames: every lane zero unless given. */
function lanes(n: number, fields: Partial<FeatureLanes> = {}): FeatureLanes {
  const zero = () => new Float32Array(n);
  return { fps: FPS, frameCount: n, rms: zero(), low: zero(), mid: zero(), high: zero(), onset: zero(), chroma: new Float32Array(12 * n), ...fields };
}

const mapping = (fields: Partial<Mapping>): Mapping => ({ ...defaultMapping('m'), attack: 0, release: 0, gain: 1, offset: 0, ...fields });

describe('curves', () => {
  it('map 0 → 0 and 1 → 1, rise monotonically, and bend as named', () => {
    for (const curve of CURVES) {
      expect(applyCurve(curve, 0)).toBeCloseTo(0, 12);
      expect(applyCurve(curve, 1)).toBeCloseTo(1, 12);
      for (let x = 0; x < 1; x += 0.05) expect(applyCurve(curve, x + 0.05)).toBeGreaterThan(applyCurve(curve, x));
    }
    expect(applyCurve('linear', 0.3)).toBe(0.3);
    expect(applyCurve('exp', 0.5)).toBeCloseTo((Math.exp(1.5) - 1) / (Math.exp(3) - 1), 12);
    expect(applyCurve('log', 0.5)).toBeCloseTo(Math.log10(5.5), 12);
    expect(applyCurve('smoothstep', 0.25)).toBeCloseTo(0.15625, 12);
    expect(applyCurve('linear', 7)).toBe(1);
    expect(applyCurve('linear', -2)).toBe(0);
  });
});

describe('smooth', () => {
  it('reaches 1 − 1/e of a step after the attack time and falls to 1/e of it after the release time', () => {
    const step = Float32Array.from({ length: 200 }, (_, i) => (i >= 1 && i < 100 ? 1 : 0));
    const y = smooth(step, 0.5, 1, FPS);
    expect(y[0]).toBe(0);
    expect(y[12]).toBeCloseTo(1 - Math.exp(-1), 2);
    const top = y[99]!;
    expect(top).toBeGreaterThan(0.99);
    expect(y[99 + FPS]! / top).toBeCloseTo(Math.exp(-1), 2);
    expect([...smooth(step, 0, 0, FPS)]).toEqual([...step]);
  });
});

describe('stateAtFrame', () => {
  it('drives ψ by offset + gain · curve(lane / its maximum)', () => {
    const rms = Float32Array.of(0, 0.1, 0.4, 0.2);
    const m = mapping({ feature: 'rms', gain: 1.5, offset: 0.2, curve: 'smoothstep' });
    const psis = [0, 1, 2, 3].map((i) => stateAtFrame(latentState({}), lanes(4, { rms }), [m], i, ctx()).psi);
    expect(psis.map((p) => Number(p.toFixed(6)))).toEqual([0.2, 0.2 + 1.5 * applyCurve('smoothstep', 0.25), 1.7, 0.2 + 1.5 * 0.5].map((p) => Number(p.toFixed(6))));
    // Frames past the track hold its last value; ψ clamps to the model's range.
    expect(stateAtFrame(latentState({}), lanes(4, { rms }), [m], 99, ctx()).psi).toBeCloseTo(psis[3]!, 6);
    expect(stateAtFrame(latentState({}), lanes(4, { rms }), [{ ...m, gain: 10 }], 2, ctx()).psi).toBe(2);
  });

  it('steps to the next keyframe on each onset and kicks a decaying pulse', () => {
    const onset = new Float32Array(48);
    onset[10] = 0.7;
    onset[30] = 1;
    onset[40] = 0.2;
    const f = lanes(48, { onset });
    const step = mapping({ feature: 'onset', onsetAction: 'next-keyframe' });
    const seeds = [0, 9, 10, 29, 30, 40, 47].map((i) => stateAtFrame(latentState({}), f, [step], i, ctx()).seed);
    expect(seeds).toEqual([10, 10, 11, 11, 12, 10, 10]);
    const pulse = mapping({ feature: 'onset', onsetAction: 'pulse', target: { kind: 'noise-strength' }, release: 0.25 });
    const strength = (i: number) => stateAtFrame(latentState({}), f, [step, pulse], i, ctx()).noise.strength;
    expect(strength(9)).toBe(0);
    expect(strength(10)).toBe(1);
    expect(strength(16)).toBeCloseTo(Math.exp(-6 / 6), 3);
    // The pulse lands on the stepped keyframe's state.
    expect(stateAtFrame(latentState({}), f, [pulse, step], 30, ctx())).toMatchObject({ seed: 12, noise: { strength: 1 } });
  });

  it('blends twelve classes by the chroma of a tone, and is the same state every time it is asked', () => {
    const a4 = Float32Array.from({ length: 44_100 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 44_100));
    const features = analyseAudio(a4, 44_100, FPS);
    const classes = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111];
    const m = mapping({ feature: 'chroma', target: { kind: 'class-blend', classes } });
    const conditional: ControlContext = { model: { family: 'conditional', num_ws: 0, c_dim: 1000 }, directions: [], keyframes: [] };
    const s = stateAtFrame(latentState({}), features, [m], 12, conditional);
    const top = s.classes.reduce((best, c) => (c.weight > best.weight ? c : best));
    expect(top.index).toBe(109);
    expect(top.weight).toBeGreaterThan(0.5);
    expect(s.classes.reduce((sum, c) => sum + c.weight, 0)).toBeCloseTo(1, 6);
    expect(stateAtFrame(latentState({}), features, [m], 12, conditional)).toEqual(s);
  });

  it('drives the keyframe path, then the other mappings on top', () => {
    const rms = Float32Array.of(0, 0.5, 1);
    const path = mapping({ feature: 'rms', target: { kind: 'path' } });
    const psi = mapping({ feature: 'rms', offset: 0.5, gain: 0 });
    const s = stateAtFrame(latentState({}), lanes(3, { rms }), [psi, path], 1, ctx());
    expect(s).toMatchObject({ seed: 11, psi: 0.5, mix: [] });
    expect(stateAtFrame(latentState({}), lanes(3, { rms }), [psi, path], 2, ctx()).mix).toEqual([{ seed: 12, rows: [0, 1, 2, 3], weight: 1 }]);
  });
});

describe('a 4 s synthetic track mapped RMS → ψ', () => {
  it('drives frames whose ψ follows the RMS envelope the test computes from its own samples', () => {
    const sr = 22_050;
    const envelope = (t: number) => 0.05 + 0.7 * Math.abs(Math.sin((Math.PI * t) / 1.7));
    const pcm = Float32Array.from({ length: 4 * sr }, (_, i) => envelope(i / sr) * Math.sin((2 * Math.PI * 440 * i) / sr));
    const features = analyseAudio(pcm, sr, FPS);
    expect(features.frameCount).toBe(4 * FPS);
    const rms = Array.from({ length: features.frameCount }, (_, i) => {
      const from = Math.max(0, Math.round(((i - 0.5) * sr) / FPS));
      const to = Math.min(pcm.length, Math.round(((i + 0.5) * sr) / FPS));
      let sum = 0;
      for (let j = from; j < to; j++) sum += pcm[j]! ** 2;
      return Math.sqrt(sum / (to - from));
    });
    const top = Math.max(...rms);
    const m = mapping({ feature: 'rms', offset: -0.5, gain: 2 });
    const psi = rms.map((_, i) => stateAtFrame(latentState({}), features, [m], i, ctx()).psi);
    for (const [i, p] of psi.entries()) expect(p, `frame ${i}`).toBeCloseTo(-0.5 + (2 * rms[i]!) / top, 4);
    // And it is the envelope's shape: low in the troughs, high at the crests.
    expect(Math.min(...psi)).toBeLessThan(-0.3);
    expect(Math.max(...psi)).toBeGreaterThan(1.45);
  });
});

describe('mappingSchema', () => {
  it('reads back what it is given and refuses a bad target or a negative release', () => {
    const m: Mapping = { ...defaultMapping('x', { kind: 'edit', id: 'pca-3' }), onsetAction: 'pulse' };
    expect(mappingSchema.parse(JSON.parse(JSON.stringify(m)))).toEqual(m);
    expect(mappingSchema.safeParse({ ...m, target: { kind: 'volume' } }).success).toBe(false);
    expect(mappingSchema.safeParse({ ...m, release: -1 }).success).toBe(false);
  });
});
