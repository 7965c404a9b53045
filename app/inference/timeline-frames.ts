/**
 * How a timeline frame becomes a latent and a picture: the engine half of app/state/timeline.ts
 * (which holds the keyframes and the segment arithmetic), for the preview's playback, video export
 * and the CLI alike. The interpolation and loop rules are described there.
 */
import type { Tensor } from './runner';
import type { Manifest } from '../model/manifest';
import { asWPlus, asZ, RandomState, seedToTruncatedZ, seedToZ, slerp, type WPlus, type Z } from '../latent';
import { cubicSpline, type CubicSpline } from '../latent/spline';
import type { Pipeline } from './render';
import { classVector, type LatentState } from '../state/latent-state';
import type { SynthesisSettings } from './synthesis-inputs';
import { checkTimeline, locate, timelineDuration, TimelineError, type Timeline } from '../state/timeline';
import { checkExplicitFits } from '../state/explicit-latent';

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

  /** A keyframe's unit-ψ z: its seed's draw or its explicit z; an explicit ws has no z to slerp or loop around. */
  private zOf(state: LatentState): Z {
    const explicit = state.explicit;
    if (explicit) {
      checkExplicitFits(explicit, this.manifest);
      if (explicit.space === 'ws') {
        const at = this.timeline.keyframes.findIndex((k) => k.state === state);
        const which = at >= 0 ? `keyframe ${at + 1}` : 'a keyframe';
        throw new TimelineError(`${which} holds an explicit ws (${explicit.origin}), which has no z: choose W interpolation and no circular or noise loop`);
      }
      return asZ(Float32Array.from(explicit.data), this.manifest.z_dim);
    }
    return this.manifest.family === 'conditional'
      ? seedToTruncatedZ(state.seed, this.manifest.z_dim, 1)
      : seedToZ(state.seed, this.manifest.z_dim);
  }

  private circle(theta: number): Z {
    const k = this.timeline.keyframes;
    const z0 = this.zOf(k[0]!.state);
    // One keyframe: the circle's second axis is the next seed's z (never the keyframe's explicit z again).
    const z1 = this.zOf(k.length > 1 ? k[1]!.state : { ...k[0]!.state, seed: (k[0]!.state.seed + 1) >>> 0, explicit: undefined });
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
