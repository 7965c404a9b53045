/**
 * Keyframes and the timeline between them: how a frame index becomes a latent, for the preview's
 * playback, video export and the CLI alike.
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
import type { Tensor } from '../inference/runner';
import type { Manifest } from '../model/manifest';
import { asWPlus, asZ, RandomState, seedToTruncatedZ, seedToZ, slerp, type WPlus, type Z } from '../latent';
import { cubicSpline, type CubicSpline } from '../latent/spline';
import type { Pipeline } from '../inference/render';
import { classVector, type LatentState } from './latent-state';
import type { SynthesisSettings } from '../inference/synthesis-inputs';

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

/** One frame's latent, ready for the generator (StyleGAN: with the synthesis inputs of the frame). */
export type FrameLatent = { kind: 'ws'; ws: WPlus; synthesis: SynthesisSettings } | { kind: 'z'; z: Z; classes: Float32Array; psi: number };

/** The synthesis inputs at position u between keyframe states a and b: a's noise, the transform moved linearly. */
export function synthesisBetween(a: LatentState, b: LatentState, u: number): SynthesisSettings {
  const lerp = (p: number, q: number) => p + (q - p) * u;
  return {
    noise: a.noise,
    transform: { x: lerp(a.transform.x, b.transform.x), y: lerp(a.transform.y, b.transform.y), angle: lerp(a.transform.angle, b.transform.angle) },
  };
}

/** Evaluates a timeline's frames for one model; caches keyframe latents and the spline. */
export class TimelineEvaluator {
  private wsKeys: WPlus[] | null = null;
  private spline: CubicSpline | null = null;
  private readonly times: number[];

  constructor(
    private readonly pipeline: Pipeline,
    private readonly manifest: Manifest,
    readonly timeline: Timeline,
  ) {
    checkTimeline(timeline);
    let acc = 0;
    this.times = timeline.keyframes.map((k) => {
      const at = acc;
      acc += k.duration;
      return at;
    });
  }

  /** The latent of frame `index` (0 … frameCount − 1). */
  async latent(index: number): Promise<FrameLatent> {
    const t = this.timeline;
    const tau = index / t.fps;
    const styled = this.manifest.family === 'stylegan';
    const { from, to, u, start } = locate(t, tau);
    const a = t.keyframes[from]!.state;
    const b = t.keyframes[to]!.state;

    if (t.loop === 'circular' || t.loop === 'noise') {
      const theta = (2 * Math.PI * tau) / timelineDuration(t);
      const z = t.loop === 'circular' ? this.circle(theta) : this.noise(theta);
      return this.fromZ(z, a);
    }
    if (t.interpolation === 'z-slerp' || !styled) {
      const z = slerp(this.zOf(a), this.zOf(b), u);
      return this.fromZ(z, { ...a, psi: a.psi + (b.psi - a.psi) * u }, b, u);
    }
    const keys = await this.keyWs();
    if (t.interpolation === 'w-linear' || t.keyframes.length < 3) {
      const wa = keys[from]!;
      const wb = keys[to]!;
      const out = new Float32Array(wa.length);
      for (let i = 0; i < out.length; i++) out[i] = wa[i]! + (wb[i]! - wa[i]!) * u;
      return { kind: 'ws', ws: asWPlus(out, wa.numWs, wa.wDim), synthesis: synthesisBetween(a, b, u) };
    }
    const spline = this.splineOf(keys);
    const at = spline.at(start + u * t.keyframes[from]!.duration);
    return { kind: 'ws', ws: asWPlus(Float32Array.from(at), keys[0]!.numWs, keys[0]!.wDim), synthesis: synthesisBetween(a, b, u) };
  }

  /** The image of frame `index`. */
  async frame(index: number): Promise<Tensor> {
    const latent = await this.latent(index);
    return latent.kind === 'ws' ? this.pipeline.synthesize(latent.ws, latent.synthesis) : this.pipeline.generate(latent.z, latent.classes, latent.psi);
  }

  private zOf(state: LatentState): Z {
    return this.manifest.family === 'conditional'
      ? seedToTruncatedZ(state.seed, this.manifest.z_dim, 1)
      : seedToZ(state.seed, this.manifest.z_dim);
  }

  private circle(theta: number): Z {
    const k = this.timeline.keyframes;
    const z0 = this.zOf(k[0]!.state);
    const z1 = this.zOf(k.length > 1 ? k[1]!.state : { ...k[0]!.state, seed: (k[0]!.state.seed + 1) >>> 0 });
    return asZ(z0.map((v, i) => Math.cos(theta) * v + Math.sin(theta) * z1[i]!), z0.length);
  }

  private noise(theta: number): Z {
    const terms = 3;
    const d = this.manifest.z_dim;
    const coefficients = new RandomState(this.timeline.keyframes[0]!.state.seed).randn(2 * terms * d);
    const z = new Float32Array(d);
    for (let k = 0; k < terms; k++) {
      const c = Math.cos((k + 1) * theta) / Math.sqrt(terms);
      const s = Math.sin((k + 1) * theta) / Math.sqrt(terms);
      for (let j = 0; j < d; j++) z[j]! += c * coefficients[2 * k * d + j]! + s * coefficients[(2 * k + 1) * d + j]!;
    }
    return asZ(z, d);
  }

  private async fromZ(z: Z, a: LatentState, b: LatentState = a, u = 0): Promise<FrameLatent> {
    const classes = classVector(a.classes, this.manifest.c_dim).map((v, i) => v + (classVector(b.classes, this.manifest.c_dim)[i]! - v) * u);
    if (this.manifest.family === 'stylegan') return { kind: 'ws', ws: await this.pipeline.resolveWsFromZ(z, a), synthesis: synthesisBetween(a, b, u) };
    const psi = a.psi + (b.psi - a.psi) * u;
    // BigGAN's z is ψ·truncnorm: scale the interpolated unit-ψ z by the frame's ψ.
    const scaled = this.manifest.family === 'conditional' ? asZ(z.map((v) => v * psi), z.length) : z;
    return { kind: 'z', z: scaled, classes, psi };
  }

  private async keyWs(): Promise<WPlus[]> {
    if (!this.wsKeys) {
      // One at a time: a runtime session runs one graph call at once.
      const keys: WPlus[] = [];
      for (const k of this.timeline.keyframes) keys.push(await this.pipeline.resolveWs(k.state));
      this.wsKeys = keys;
    }
    return this.wsKeys;
  }

  private splineOf(keys: WPlus[]): CubicSpline {
    if (!this.spline) {
      const dim = keys[0]!.length;
      const points = new Float64Array(keys.length * dim);
      keys.forEach((k, i) => points.set(k, i * dim));
      const closed = this.timeline.loop === 'close';
      this.spline = cubicSpline(points, this.times, dim, closed, closed ? timelineDuration(this.timeline) : undefined);
    }
    return this.spline;
  }
}
