/**
 * Explicit latents through the real pipeline (the fixture StyleGAN and the bundled BigGAN on
 * onnxruntime-web WASM): a ws or z given as numbers must give exactly the pixels of the seed it
 * was taken from, wherever a latent can be — main latent, kept mixing source, timeline keyframe —
 * and one that does not fit the model is refused naming both shapes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { openWasmPipeline, type WasmPipeline } from './ort-web-node';
import { latentState, stateKey, type LatentState } from '../../app/state/latent-state';
import { explicitLatent, ExplicitLatentError } from '../../app/state/explicit-latent';
import { seedToTruncatedZ, seedToZ } from '../../app/latent';
import { TimelineEvaluator } from '../../app/inference/timeline-frames';
import { frameCount, type Timeline } from '../../app/state/timeline';

const STYLEGAN = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');
const BIGGAN = path.resolve(__dirname, '../../models/emoji-biggan');

let sg: WasmPipeline;
let big: WasmPipeline;

beforeAll(async () => {
  sg = await openWasmPipeline(STYLEGAN);
  big = await openWasmPipeline(BIGGAN);
});
afterAll(() => {
  sg.runner.dispose();
  big.runner.dispose();
});

/** The explicit ws a seed maps to (untruncated), as an inversion of seed `seed`'s picture would find it. */
async function wsOfSeed(seed: number): Promise<LatentState['explicit']> {
  const ws = await sg.pipeline.mapSeed(seed);
  return explicitLatent('ws', [sg.manifest.num_ws, sg.manifest.w_dim], ws, `mapped seed ${seed}`);
}

describe('explicit latents in the render pipeline', () => {
  it('renders an explicit ws equal to the mapped ws of seed S as the pixels of seed S, at ψ 1 and with truncation', async () => {
    for (const psi of [1, 0.6]) {
      const seed = await sg.pipeline.render(latentState({ seed: 11, psi, cutoff: 5 }));
      const explicit = await sg.pipeline.render(latentState({ seed: 0, psi, cutoff: 5, explicit: await wsOfSeed(11) }));
      expect(Array.from(explicit.image.data)).toEqual(Array.from(seed.image.data));
      expect(Array.from(explicit.ws!)).toEqual(Array.from(seed.ws!));
    }
    const other = await sg.pipeline.render(latentState({ seed: 0 }));
    const explicit = await sg.pipeline.render(latentState({ seed: 0, explicit: await wsOfSeed(11) }));
    expect(Array.from(explicit.image.data)).not.toEqual(Array.from(other.image.data));
  });

  it('maps an explicit z in place of the seed z (StyleGAN)', async () => {
    const z = explicitLatent('z', [sg.manifest.z_dim], seedToZ(7, sg.manifest.z_dim), 'z of seed 7');
    const a = await sg.pipeline.render(latentState({ seed: 7, psi: 0.8 }));
    const b = await sg.pipeline.render(latentState({ seed: 3, psi: 0.8, explicit: z }));
    expect(Array.from(b.image.data)).toEqual(Array.from(a.image.data));
    expect(Array.from(b.z)).toEqual(Array.from(a.z));
  });

  it('takes an explicit z on BigGAN as the unit draw, scaled by ψ like a seed', async () => {
    const unit = seedToTruncatedZ(5, big.manifest.z_dim, 1);
    const state = { psi: 0.7, classes: [{ index: 2, weight: 1 }] };
    const a = await big.pipeline.render(latentState({ seed: 5, ...state }));
    const b = await big.pipeline.render(latentState({ seed: 0, ...state, explicit: explicitLatent('z', [big.manifest.z_dim], unit, 'draw of seed 5') }));
    expect(Array.from(b.image.data)).toEqual(Array.from(a.image.data));
  });

  it('mixes rows from a kept latent whose main latent is explicit', async () => {
    const rows = [0, 1, 2];
    const bySeed = await sg.pipeline.render(latentState({ seed: 4, mix: [{ seed: 9, rows }] }));
    const kept = { label: 'Keyframe 1', state: latentState({ seed: 0, explicit: await wsOfSeed(9) }) };
    const byKept = await sg.pipeline.render(latentState({ seed: 4, mix: [{ seed: 0, rows, kept }] }));
    expect(Array.from(byKept.image.data)).toEqual(Array.from(bySeed.image.data));
  });

  it('refuses a ws of the wrong shape, naming the model and both shapes', async () => {
    const wrong = explicitLatent('ws', [18, 512], new Float32Array(18 * 512), 'projected_w.npz');
    await expect(sg.pipeline.render(latentState({ explicit: wrong }))).rejects.toThrow(ExplicitLatentError);
    await expect(sg.pipeline.render(latentState({ explicit: wrong }))).rejects.toThrow(/\[18, 512\].*"fixture-stylegan-tiny" takes ws \[8, 64\]/);
    const ws = explicitLatent('ws', [8, 64], new Float32Array(8 * 64), 'projected_w.npz');
    await expect(big.pipeline.render(latentState({ explicit: ws }))).rejects.toThrow(/no W space/);
    const z = explicitLatent('z', [512], new Float32Array(512), 'z.npy');
    await expect(big.pipeline.render(latentState({ explicit: z }))).rejects.toThrow(/\[512\].*takes z \[64\]/);
  });

  it('gives an explicit state its own frame key, the same for the same numbers', async () => {
    const seedKey = stateKey('m', latentState({ seed: 11 }));
    const a = stateKey('m', latentState({ seed: 11, explicit: await wsOfSeed(11) }));
    const b = stateKey('m', latentState({ seed: 11, explicit: structuredClone(await wsOfSeed(11)) }));
    const c = stateKey('m', latentState({ seed: 11, explicit: await wsOfSeed(12) }));
    expect(a).not.toBe(seedKey);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe('explicit latents on the timeline', () => {
  const timeline = (a: LatentState, b: LatentState, interpolation: Timeline['interpolation']): Timeline => ({
    keyframes: [
      { id: 'a', state: a, duration: 0.25, easing: 'linear' },
      { id: 'b', state: b, duration: 0.25, easing: 'linear' },
    ],
    fps: 8,
    interpolation,
    loop: 'none',
  });

  it('interpolates in W from an explicit-ws keyframe to a seed keyframe as from the seed it was mapped from', async () => {
    for (const interpolation of ['w-linear', 'w-cubic'] as const) {
      const bySeed = new TimelineEvaluator(sg.pipeline, sg.manifest, timeline(latentState({ seed: 21, psi: 0.9 }), latentState({ seed: 22, psi: 0.9 }), interpolation));
      const byWs = new TimelineEvaluator(sg.pipeline, sg.manifest, timeline(latentState({ seed: 0, psi: 0.9, explicit: await wsOfSeed(21) }), latentState({ seed: 22, psi: 0.9 }), interpolation));
      const n = frameCount(bySeed.timeline);
      expect(n).toBe(3);
      for (let i = 0; i < n; i++) expect(Array.from((await byWs.frame(i)).data)).toEqual(Array.from((await bySeed.frame(i)).data));
    }
  });

  it('slerps from an explicit-z keyframe, and refuses z interpolation from an explicit ws', async () => {
    const z = explicitLatent('z', [sg.manifest.z_dim], seedToZ(21, sg.manifest.z_dim), 'z of seed 21');
    const bySeed = new TimelineEvaluator(sg.pipeline, sg.manifest, timeline(latentState({ seed: 21 }), latentState({ seed: 22 }), 'z-slerp'));
    const byZ = new TimelineEvaluator(sg.pipeline, sg.manifest, timeline(latentState({ seed: 0, explicit: z }), latentState({ seed: 22 }), 'z-slerp'));
    expect(Array.from((await byZ.frame(1)).data)).toEqual(Array.from((await bySeed.frame(1)).data));
    const byWs = new TimelineEvaluator(sg.pipeline, sg.manifest, timeline(latentState({ explicit: await wsOfSeed(21) }), latentState({ seed: 22 }), 'z-slerp'));
    await expect(byWs.frame(1)).rejects.toThrow(/keyframe 1 holds an explicit ws.*choose W interpolation/);
  });
});
