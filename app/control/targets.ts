/**
 * The continuous controls of the studio as data, so that an audio mapping (app/control/mappings.ts),
 * a MIDI knob or an OSC address can drive any of them the same way: a target names the control, a
 * range says which values it takes, and `applyControl` is the one pure function that sets it on a
 * state. The ranges are those of the studio's own sliders (ψ from app/model/latent-domain.ts).
 */
import type { Manifest } from '../model/manifest';
import { clampPsi, psiDomain } from '../model/latent-domain';
import type { Direction } from '../latent/directions';
import type { Edit, LatentState } from '../state/latent-state';

/** A control a mapping or a live binding can drive. */
export type ControlTarget =
  | { kind: 'psi' }
  /** An edit slider's amount, by direction id. */
  | { kind: 'edit'; id: string }
  /** A mixing source's weight: 0 = off, 1 = its rows fully from the source. */
  | { kind: 'mix'; index: number }
  /** Class indices (12 for chroma) that a vector of weights blends (conditional models). */
  | { kind: 'class-blend'; classes: number[] }
  | { kind: 'noise-strength' }
  | { kind: 'transform'; axis: 'x' | 'y' | 'angle' }
  /** The position along the keyframe path, 0 … 1. */
  | { kind: 'path' }
  /** The seed, an integer (live control). */
  | { kind: 'seed' };

/** The values a control takes. */
export interface ControlRange {
  min: number;
  max: number;
  /** Whole numbers only (the seed). */
  integer?: boolean;
}

/** What the controls of a state depend on: the open model, its directions and the timeline's keyframes. */
export interface ControlContext {
  model: Pick<Manifest, 'family' | 'num_ws' | 'c_dim' | 'noise_inputs' | 'transform_input'>;
  /** The model's edit directions: an edit target adds the direction's edit when the state has none yet. */
  directions: readonly Direction[];
  /** The keyframes' states, in order: what the `path` target moves along. */
  keyframes: readonly LatentState[];
}

/** A control the open model offers, with its label for menus and its range. */
export interface ControlChoice {
  target: ControlTarget;
  label: string;
  range: ControlRange;
}

/** Edit sliders go to ±10 (σ units for PCA directions), as the EDITS panel's do. */
export const EDIT_LIMIT = 10;
/** Classes a chroma vector blends: one per pitch class. */
export const CHROMA_CLASSES = 12;
const TRANSFORM_RANGE: Record<'x' | 'y' | 'angle', ControlRange> = { x: { min: -1, max: 1 }, y: { min: -1, max: 1 }, angle: { min: -180, max: 180 } };
const UNIT: ControlRange = { min: 0, max: 1 };

/** A stable id for a target, for saved bindings, menus and testids ("psi", "edit:pca-0", "mix:1"). */
export function targetKey(target: ControlTarget): string {
  switch (target.kind) {
    case 'edit':
      return `edit:${target.id}`;
    case 'mix':
      return `mix:${target.index}`;
    case 'class-blend':
      return `class-blend:${target.classes.join('.')}`;
    case 'transform':
      return `transform:${target.axis}`;
    default:
      return target.kind;
  }
}

/** The range of one target (a class blend's range is that of each of its weights). */
export function controlRange(target: ControlTarget, ctx: { model: Pick<Manifest, 'family'> }): ControlRange {
  switch (target.kind) {
    case 'psi': {
      const d = psiDomain(ctx.model);
      return { min: d.sliderMin, max: d.max };
    }
    case 'edit':
      return { min: -EDIT_LIMIT, max: EDIT_LIMIT };
    case 'noise-strength':
      return { min: 0, max: 2 };
    case 'transform':
      return TRANSFORM_RANGE[target.axis];
    case 'seed':
      return { min: 0, max: 0xffffffff, integer: true };
    default:
      return UNIT;
  }
}

/** The first {@link CHROMA_CLASSES} classes of a model (the default blend a chroma mapping starts from). */
export function defaultBlendClasses(cDim: number): number[] {
  return Array.from({ length: Math.min(CHROMA_CLASSES, cDim) }, (_, i) => i);
}

/**
 * The targets `state` offers under `ctx`'s model, in menu order. Only the mixing sources matter,
 * so a panel can select `latent.mix` alone and not re-render on every ψ or seed change.
 */
export function controlTargets(state: Pick<LatentState, 'mix'>, ctx: ControlContext): ControlChoice[] {
  const { model } = ctx;
  const out: ControlChoice[] = [];
  const add = (target: ControlTarget, label: string) => out.push({ target, label, range: controlRange(target, ctx) });
  add({ kind: 'psi' }, 'Truncation ψ');
  for (const d of ctx.directions) add({ kind: 'edit', id: d.id }, `Edit: ${d.name}`);
  if (model.family === 'stylegan') state.mix.forEach((_, index) => add({ kind: 'mix', index }, `Mix source ${'ABCDEFGH'[index] ?? index + 1} weight`));
  if (model.family === 'conditional' && model.c_dim > 0) add({ kind: 'class-blend', classes: defaultBlendClasses(model.c_dim) }, 'Class blend');
  if ((model.noise_inputs ?? []).length > 0) add({ kind: 'noise-strength' }, 'Noise strength');
  if (model.transform_input) {
    add({ kind: 'transform', axis: 'x' }, 'Translate x');
    add({ kind: 'transform', axis: 'y' }, 'Translate y');
    add({ kind: 'transform', axis: 'angle' }, 'Rotate');
  }
  if (ctx.keyframes.length >= 2) add({ kind: 'path' }, 'Position along the keyframes');
  add({ kind: 'seed' }, 'Seed');
  return out;
}

/** `value` moved into `range` (rounded when the range is whole numbers); NaN goes to the minimum. */
export function clampToRange(range: ControlRange, value: number): number {
  if (Number.isNaN(value)) return range.min;
  const v = Math.min(range.max, Math.max(range.min, value));
  return range.integer ? Math.round(v) : v;
}

function scalar(value: number | readonly number[]): number {
  return typeof value === 'number' ? value : (value[0] ?? 0);
}

/**
 * `state` with one control set to `value`, clamped to its range; every other field as it was.
 * A class blend takes a vector (one weight per class of the target, normalised to sum 1; all zero
 * keeps the state's classes); every other target takes a number (a vector gives its first value).
 * The `path` target replaces the state by the path's state at that position: apply it before others.
 * A target the state or model does not have (a mix source or direction that is gone) changes nothing.
 */
export function applyControl(state: LatentState, target: ControlTarget, value: number | readonly number[], ctx: ControlContext): LatentState {
  const range = controlRange(target, ctx);
  const v = clampToRange(range, scalar(value));
  switch (target.kind) {
    case 'psi':
      return { ...state, psi: clampPsi(psiDomain(ctx.model), v) };
    case 'seed':
      return { ...state, seed: v >>> 0 };
    case 'noise-strength':
      return { ...state, noise: { ...state.noise, strength: v } };
    case 'transform':
      return { ...state, transform: { ...state.transform, [target.axis]: v } };
    case 'mix': {
      if (!state.mix[target.index]) return state;
      return { ...state, mix: state.mix.map((m, i) => (i === target.index ? { ...m, weight: v } : m)) };
    }
    case 'edit':
      return withEditAmount(state, target.id, v, ctx.directions);
    case 'class-blend':
      return withClassBlend(state, target.classes, typeof value === 'number' ? [value] : value, ctx.model.c_dim);
    case 'path':
      return pathState(ctx.keyframes, v, ctx.model) ?? state;
  }
}

function withEditAmount(state: LatentState, id: string, amount: number, directions: readonly Direction[]): LatentState {
  const at = state.edits.findIndex((e) => e.id === id);
  if (at >= 0) return { ...state, edits: state.edits.map((e, i) => (i === at ? { ...e, amount } : e)) };
  const d = directions.find((x) => x.id === id);
  if (!d) return state;
  const edit: Edit = { id: d.id, name: d.name, space: d.space, vector: d.vector, scale: d.scale, amount, rows: d.rows };
  return { ...state, edits: [...state.edits, edit] };
}

function withClassBlend(state: LatentState, classes: readonly number[], weights: readonly number[], cDim: number): LatentState {
  const usable = classes.map((index, i) => ({ index, weight: Math.max(0, Number.isFinite(weights[i]) ? weights[i]! : 0) })).filter((c) => Number.isInteger(c.index) && c.index >= 0 && c.index < cDim);
  const total = usable.reduce((sum, c) => sum + c.weight, 0);
  if (!(total > 0)) return state;
  // Repeated classes add up, as classVector sums repeated indices.
  return { ...state, classes: usable.filter((c) => c.weight > 0).map((c) => ({ index: c.index, weight: c.weight / total })) };
}

/**
 * The state at position p (0 … 1) along the keyframes, evenly spaced by index. StyleGAN: keyframe a
 * with b's seed as a mixing source over every row at weight u (W-linear between the two mapped
 * seeds, both truncated at the lerped ψ), the edits' amounts lerped (they are offsets in W) and the
 * transform lerped; other families step to the nearer keyframe, ψ lerped. Null without two keyframes.
 */
export function pathState(keyframes: readonly LatentState[], p: number, model: ControlContext['model']): LatentState | null {
  if (keyframes.length < 2) return null;
  const x = Math.min(1, Math.max(0, p)) * (keyframes.length - 1);
  const from = Math.min(keyframes.length - 2, Math.floor(x));
  const u = x - from;
  const a = keyframes[from]!;
  const b = keyframes[from + 1]!;
  const psi = clampPsi(psiDomain(model), a.psi + (b.psi - a.psi) * u);
  if (model.family !== 'stylegan') return { ...(u < 0.5 ? a : b), psi };
  const amounts = new Map<string, Edit>();
  for (const e of a.edits) amounts.set(e.id, { ...e, amount: e.amount * (1 - u) });
  for (const e of b.edits) {
    const prior = amounts.get(e.id);
    amounts.set(e.id, { ...e, amount: (prior?.amount ?? 0) + e.amount * u });
  }
  const lerp = (q: number, r: number) => q + (r - q) * u;
  const allRows = Array.from({ length: model.num_ws }, (_, i) => i);
  return {
    ...a,
    psi,
    mix: u > 0 ? [...a.mix, { seed: b.seed, rows: allRows, weight: u }] : a.mix,
    edits: [...amounts.values()],
    transform: { x: lerp(a.transform.x, b.transform.x), y: lerp(a.transform.y, b.transform.y), angle: lerp(a.transform.angle, b.transform.angle) },
  };
}
