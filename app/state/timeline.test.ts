/**
 * Timeline arithmetic and evaluation against a pipeline that records what it is asked (the
 * generator itself is exercised by the Node inference tests and e2e).
 */
import { describe, expect, it } from 'vitest';
import { asWPlus, seedToZ, type WPlus, type Z } from '../latent';
import type { Manifest } from '../model/manifest';
import type { Pipeline } from '../inference/render';
import { latentState, type LatentState } from './latent-state';
import { checkTimeline, frameCount, locate, timelineDuration, TimelineError, type Keyframe, type Timeline } from './timeline';
import { TimelineEvaluator } from '../inference/timeline-frames';

const manifest = { family: 'stylegan', z_dim: 4, w_dim: 2, num_ws: 1, c_dim: 0 } as Manifest;

/** A pipeline whose ws for seed s is [s, 2s] and whose ws of an explicit z is z's first two values. */
const pipeline = {
  resolveWs: async (state: LatentState) => asWPlus(Float32Array.of(state.seed, 2 * state.seed), 1, 2),
  resolveWsFromZ: async (z: Z) => asWPlus(Float32Array.of(z[0]!, z[1]!), 1, 2),
} as unknown as Pipeline;

function key(seed: number, duration = 1, easing: Keyframe['easing'] = 'linear'): Keyframe {
  return { id: `k${seed}`, state: latentState({ seed }), duration, easing };
}
function timeline(fields: Partial<Timeline>): Timeline {
  return { keyframes: [key(0), key(10), key(20), key(30)], fps: 4, interpolation: 'w-linear', loop: 'close', ...fields };
}
async function ws(t: Timeline, frame: number): Promise<number[]> {
  const latent = await new TimelineEvaluator(pipeline, manifest, t).latent(frame);
  if (latent.kind !== 'ws') throw new Error('expected ws');
  return Array.from(latent.ws as WPlus);
}

describe('timeline', () => {
  it('counts seconds and frames: loops leave out the closing frame, open paths keep their last', () => {
    expect(timelineDuration(timeline({}))).toBe(4);
    expect(frameCount(timeline({}))).toBe(16);
    expect(timelineDuration(timeline({ loop: 'none' }))).toBe(3);
    expect(frameCount(timeline({ loop: 'none' }))).toBe(13);
  });

  it('locates segments and applies easing', () => {
    const t = timeline({ keyframes: [key(0, 2, 'ease-in'), key(1, 1), key(2, 1)] });
    expect(locate(t, 1)).toEqual({ from: 0, to: 1, u: 0.25, start: 0 });
    expect(locate(t, 3.5)).toEqual({ from: 2, to: 0, u: 0.5, start: 3 });
  });

  it('interpolates linearly in W and closes the loop back to the first keyframe', async () => {
    const t = timeline({});
    expect(await ws(t, 0)).toEqual([0, 0]);
    expect(await ws(t, 2)).toEqual([5, 10]); // halfway from seed 0 to seed 10
    expect(await ws(t, 14)).toEqual([15, 30]); // halfway from seed 30 back to seed 0
  });

  it('passes the cubic through every keyframe', async () => {
    const t = timeline({ interpolation: 'w-cubic' });
    for (const [frame, seed] of [[0, 0], [4, 10], [8, 20], [12, 30]] as const) {
      const [a, b] = await ws(t, frame);
      expect(a).toBeCloseTo(seed, 4);
      expect(b).toBeCloseTo(2 * seed, 4);
    }
  });

  it('walks a great circle through the first two keyframes for a circular loop', async () => {
    const t = timeline({ loop: 'circular' });
    const z0 = seedToZ(0, 4);
    const z1 = seedToZ(10, 4);
    expect((await ws(t, 0))[0]).toBeCloseTo(z0[0]!, 5);
    expect((await ws(t, 4))[0]).toBeCloseTo(z1[0]!, 5); // a quarter of the way round
    expect((await ws(t, 8))[1]).toBeCloseTo(-z0[1]!, 5);
  });

  it('refuses timelines that cannot play, saying what to change', () => {
    expect(() => checkTimeline(timeline({ keyframes: [] }))).toThrow(/add one/);
    expect(() => checkTimeline(timeline({ loop: 'none', keyframes: [key(1)] }))).toThrow(TimelineError);
    expect(() => checkTimeline(timeline({ keyframes: [key(1, 0)] }))).toThrow(/duration/);
  });
});
