/**
 * Keyframes and the timeline between them, as the studio stores them: durations, easing and the
 * segment a time falls in. How a frame index becomes a latent (it runs the mapping network) is
 * app/inference/timeline-frames.ts's, so this state model never reaches the engine.
 *
 * Interpolation: in W, linear or a C² cubic spline through the keyframes' ws (gen_video.py fits a
 * cubic through tiled keyframes; for loops this spline is periodic, so the seam is exact); or in
 * z, spherical (slerp), mapped each frame. Loops: `close` joins the last keyframe back to the
 * first; `circular` walks a great circle z(θ) = cos θ·z₀ + sin θ·z₁ through the first two
 * keyframes' z (each point is again N(0, I)); `noise` walks a random periodic curve whose every
 * point is N(0, I) (a few Fourier terms with Gaussian coefficients, seeded by the first keyframe).
 * The synthesis inputs (noise, StyleGAN3's input transform) are not part of the latent path: noise
 * is held from the segment's first keyframe (a noise change jumps at its keyframe); the
 * transform's x, y and angle move linearly (eased like the latent) between keyframes.
 */
import type { LatentState } from './latent-state';

/** Easing of the motion between two keyframes. */
export type Easing = 'linear' | 'ease-in-out' | 'ease-in' | 'ease-out';
/** How latents between keyframes are made. */
export type Interpolation = 'w-linear' | 'w-cubic' | 'z-slerp';
/** Loop mode of the whole timeline. */
export type LoopMode = 'none' | 'close' | 'circular' | 'noise';

/** A keyframe: a full latent state, held for nothing, moving to the next over `duration` seconds. */
export interface Keyframe {
  id: string;
  state: LatentState;
  /** Seconds from this keyframe to the next (for the last keyframe: back to the first when looping). */
  duration: number;
  easing: Easing;
}

/** The timeline of a piece. */
export interface Timeline {
  keyframes: Keyframe[];
  fps: number;
  interpolation: Interpolation;
  loop: LoopMode;
}

/** A timeline with its defaults. */
export const DEFAULT_TIMELINE: Timeline = { keyframes: [], fps: 24, interpolation: 'w-cubic', loop: 'close' };

const EASE: Record<Easing, (u: number) => number> = {
  linear: (u) => u,
  'ease-in': (u) => u * u,
  'ease-out': (u) => 1 - (1 - u) * (1 - u),
  'ease-in-out': (u) => (u < 0.5 ? 2 * u * u : 1 - 2 * (1 - u) * (1 - u)),
};

/** Raised for a timeline that cannot be played; the message says what to change. */
export class TimelineError extends Error {
  override readonly name = 'TimelineError';
}

function looping(t: Timeline): boolean {
  return t.loop !== 'none';
}

/** Total length in seconds: every segment's duration (the closing one too when looping). */
export function timelineDuration(t: Timeline): number {
  const segments = looping(t) ? t.keyframes : t.keyframes.slice(0, -1);
  return segments.reduce((sum, k) => sum + k.duration, 0);
}

/** Number of frames: loops leave out the end frame (it equals the first), open paths include it. */
export function frameCount(t: Timeline): number {
  const frames = Math.round(timelineDuration(t) * t.fps);
  return looping(t) ? frames : frames + 1;
}

/** Check that a timeline can be rendered; throws {@link TimelineError}. */
export function checkTimeline(t: Timeline): void {
  if (t.keyframes.length === 0) throw new TimelineError('the timeline has no keyframes: add one with "Add keyframe"');
  if (!(t.fps > 0 && t.fps <= 240)) throw new TimelineError(`fps must be between 1 and 240, not ${t.fps}`);
  for (const [i, k] of t.keyframes.entries()) {
    if (!(k.duration > 0 && Number.isFinite(k.duration))) throw new TimelineError(`keyframe ${i + 1} needs a duration above 0 s`);
  }
  if (t.loop === 'none' && t.keyframes.length < 2) throw new TimelineError('an open path needs at least two keyframes');
  if (frameCount(t) < 1) throw new TimelineError('the timeline is shorter than one frame: lengthen a duration or raise fps');
}

/** Where time `tau` falls: the segment's first keyframe, the next one, and the eased position u in [0, 1]. */
export function locate(t: Timeline, tau: number): { from: number; to: number; u: number; start: number } {
  const n = t.keyframes.length;
  let start = 0;
  const segments = looping(t) ? n : n - 1;
  for (let i = 0; i < segments; i++) {
    const k = t.keyframes[i]!;
    if (tau < start + k.duration || i === segments - 1) {
      const raw = Math.min(1, Math.max(0, (tau - start) / k.duration));
      return { from: i, to: (i + 1) % n, u: EASE[k.easing](raw), start };
    }
    start += k.duration;
  }
  return { from: 0, to: 0, u: 0, start: 0 };
}
