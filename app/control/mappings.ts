/**
 * Audio mappings as data: a feature of the track (app/audio/analysis.ts) drives a control
 * (app/control/targets.ts) through gain, offset, attack/release smoothing and a curve; onsets can
 * instead step to the next keyframe or kick a pulse. `stateAtFrame` is the one pure evaluation that
 * the live preview and the video export both call, so they agree frame for frame.
 *
 * Per frame: the feature's lane, scaled to 0 … 1 by its largest value in the track (onsets: 1 at
 * an onset frame, else 0; chroma → a scalar target: the strongest pitch class / 11), is smoothed
 * by a one-pole follower — y += α·(x − y), α = 1 − exp(−1 / (τ·fps)) with τ = attack while rising
 * and release while falling (τ = 0 follows at once) — shaped by the curve and becomes
 * offset + gain · curve(y). A chroma → class-blend mapping does this per pitch class and blends its
 * 12 classes by the results. Mappings apply in order (a later one on the same target wins), after
 * keyframe steps and the path target, which replace the whole state.
 */
import { z } from 'zod';
import { controlTargetSchema } from './target-schema';
import { applyControl, type ControlContext, type ControlTarget } from './targets';
import type { LatentState } from '../state/latent-state';

/** Features a mapping can follow. */
export const AUDIO_FEATURES = ['rms', 'low', 'mid', 'high', 'onset', 'chroma'] as const;
export type AudioFeature = (typeof AUDIO_FEATURES)[number];
/** Shapes between the smoothed feature and the control. */
export const CURVES = ['linear', 'exp', 'log', 'smoothstep'] as const;
export type Curve = (typeof CURVES)[number];

/** One feature → control mapping. */
export interface Mapping {
  id: string;
  feature: AudioFeature;
  /** What it drives (ignored by an onset mapping that steps keyframes). */
  target: ControlTarget;
  gain: number;
  offset: number;
  /** Smoothing time constants (s) while the feature rises / falls. */
  attack: number;
  release: number;
  curve: Curve;
  /** Onset mappings: step to the next keyframe on each onset, or kick a pulse (the default). */
  onsetAction?: 'next-keyframe' | 'pulse';
}

/** The per-frame lanes a mapping reads: what {@link import('../audio/analysis').AudioFeatures} holds. */
export interface FeatureLanes {
  fps: number;
  frameCount: number;
  rms: Float32Array;
  low: Float32Array;
  mid: Float32Array;
  high: Float32Array;
  onset: Float32Array;
  /** frameCount × 12. */
  chroma: Float32Array;
}

const finite = z.number().finite();

/** Run-time schema of a {@link Mapping}, for project files. */
export const mappingSchema = z.object({
  id: z.string().min(1).max(100),
  feature: z.enum(AUDIO_FEATURES),
  target: controlTargetSchema,
  gain: finite,
  offset: finite,
  attack: finite.min(0).max(10),
  release: finite.min(0).max(10),
  curve: z.enum(CURVES),
  onsetAction: z.enum(['next-keyframe', 'pulse']).optional(),
}) satisfies z.ZodType<Mapping>;

/** A new mapping's settings: RMS → ψ, 0.3 … 1.3, lightly smoothed. */
export function defaultMapping(id: string, target: ControlTarget = { kind: 'psi' }): Mapping {
  return { id, feature: 'rms', target, gain: 1, offset: 0.3, attack: 0.02, release: 0.2, curve: 'linear' };
}

/** `curve` at x in [0, 1]; each maps 0 → 0 and 1 → 1 and rises in between. */
export function applyCurve(curve: Curve, x: number): number {
  const v = Math.min(1, Math.max(0, x));
  switch (curve) {
    case 'linear':
      return v;
    case 'exp':
      return Math.expm1(3 * v) / Math.expm1(3);
    case 'log':
      return Math.log1p(9 * v) / Math.log(10);
    case 'smoothstep':
      return v * v * (3 - 2 * v);
  }
}

/** The one-pole follower's coefficient for time constant `tau` (s) at `fps`. */
function coefficient(tau: number, fps: number): number {
  return tau > 0 ? 1 - Math.exp(-1 / (tau * fps)) : 1;
}

/** `x` smoothed by attack (rising) and release (falling) time constants; y starts at x[0]. */
export function smooth(x: ArrayLike<number>, attack: number, release: number, fps: number): Float32Array {
  const up = coefficient(attack, fps);
  const down = coefficient(release, fps);
  const y = new Float32Array(x.length);
  let prev = x.length > 0 ? x[0]! : 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    prev += (v > prev ? up : down) * (v - prev);
    y[i] = prev;
  }
  return y;
}

function normalised(lane: Float32Array): Float32Array {
  let top = 0;
  for (const v of lane) top = Math.max(top, v);
  return top > 0 ? Float32Array.from(lane, (v) => v / top) : new Float32Array(lane.length);
}

/** The 0 … 1 lane a scalar mapping follows, before smoothing. */
export function featureLane(features: FeatureLanes, feature: AudioFeature): Float32Array {
  switch (feature) {
    case 'onset':
      return Float32Array.from(features.onset, (v) => (v > 0 ? 1 : 0));
    case 'chroma':
      return Float32Array.from({ length: features.frameCount }, (_, i) => {
        const c = features.chroma.subarray(i * 12, i * 12 + 12);
        let best = 0;
        for (let j = 1; j < 12; j++) if (c[j]! > c[best]!) best = j;
        return c[best]! > 0 ? best / 11 : 0;
      });
    default:
      return normalised(features[feature]);
  }
}

/** What a mapping contributes at each frame: a value (scalar targets) or 12 weights (class blends). */
type Signal = { kind: 'scalar'; values: Float32Array } | { kind: 'vector'; values: Float32Array[] } | { kind: 'steps'; counts: Uint32Array };

function signalOf(features: FeatureLanes, m: Mapping): Signal {
  const shape = (y: Float32Array) => y.map((v) => m.offset + m.gain * applyCurve(m.curve, v));
  if (m.feature === 'onset' && m.onsetAction === 'next-keyframe') {
    const counts = new Uint32Array(features.frameCount);
    let n = 0;
    for (let i = 0; i < features.frameCount; i++) counts[i] = n += features.onset[i]! > 0 ? 1 : 0;
    return { kind: 'steps', counts };
  }
  if (m.feature === 'chroma' && m.target.kind === 'class-blend') {
    const bins = Array.from({ length: 12 }, (_, j) => shape(smooth(Float32Array.from({ length: features.frameCount }, (_, i) => features.chroma[i * 12 + j]!), m.attack, m.release, features.fps)));
    return { kind: 'vector', values: bins };
  }
  return { kind: 'scalar', values: shape(smooth(featureLane(features, m.feature), m.attack, m.release, features.fps)) };
}

// Signals depend only on the features and the mapping objects (both treated as immutable), so
// they are computed once per pair and every frame of a preview or an export reads them.
const signals = new WeakMap<FeatureLanes, WeakMap<Mapping, Signal>>();

function cachedSignal(features: FeatureLanes, m: Mapping): Signal {
  let perMapping = signals.get(features);
  if (!perMapping) signals.set(features, (perMapping = new WeakMap()));
  let s = perMapping.get(m);
  if (!s) perMapping.set(m, (s = signalOf(features, m)));
  return s;
}

/** The controls' values of every mapping at `frame` (clamped to the track), in mapping order. */
export function mappingValues(features: FeatureLanes, mappings: readonly Mapping[], frame: number): (number | number[])[] {
  const i = Math.min(features.frameCount - 1, Math.max(0, Math.round(frame)));
  return mappings.map((m) => {
    const s = cachedSignal(features, m);
    if (s.kind === 'steps') return s.counts[i]!;
    if (s.kind === 'vector') return s.values.map((lane) => lane[i]!);
    return s.values[i]!;
  });
}

/**
 * The state frame `frame` shows: `baseState` — or, after n onsets of a keyframe-step mapping, keyframe
 * n mod count — with every mapping applied. Pure and deterministic: the same arguments give the same state.
 */
export function stateAtFrame(baseState: LatentState, features: FeatureLanes, mappings: readonly Mapping[], frame: number, ctx: ControlContext): LatentState {
  const values = mappingValues(features, mappings, frame);
  let state = baseState;
  const order = mappings.map((m, i) => i);
  const rank = (m: Mapping) => (m.feature === 'onset' && m.onsetAction === 'next-keyframe' ? 0 : m.target.kind === 'path' ? 1 : 2);
  order.sort((a, b) => rank(mappings[a]!) - rank(mappings[b]!) || a - b);
  for (const i of order) {
    const m = mappings[i]!;
    if (rank(m) === 0) {
      if (ctx.keyframes.length > 0) state = ctx.keyframes[(values[i] as number) % ctx.keyframes.length]!;
      continue;
    }
    state = applyControl(state, m.target, values[i]!, ctx);
  }
  return state;
}
