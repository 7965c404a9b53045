/**
 * Inversion by forward runs: find ws whose picture matches a target, with CMA-ES (cma.ts) over
 * coefficients of the model's principal directions in W (GANSpace's PCA of mapped latents),
 * one set of coefficients per group of ws rows. Searching a few dozen coefficients instead of all
 * num_ws × w_dim values is what makes a derivative-free method converge within a minute: the PCA
 * directions carry most of W's variance, and in W+ the row groups move independently.
 *
 * The search runs in stages of growing freedom: coarse/middle/fine groups over the top
 * components first (shape, then detail), then one group per ws row over more components, each
 * stage restarting CMA-ES from the best ws so far. Every generation is one batched synthesis run
 * of the whole population plus the distribution's mean (often better than any sample late in a
 * run). Deterministic given the seed: sampling is seeded and batches are evaluated in order.
 */
import { Cma } from './cma';
import { ImageLoss, toUnitPlanar, type PlanarImage } from './loss';
import { mixPresets } from '../latent/presets';

/** Principal directions of W: k unit vectors (k×w_dim row-major) and the σ of W along each. */
export interface WBasis {
  wDim: number;
  components: Float64Array;
  sigma: Float64Array;
}

/** One stage of the search. */
export interface InversionStage {
  /** 'groups': coarse / middle / fine row groups; 'rows': each ws row on its own. */
  rows: 'groups' | 'rows';
  /** Components per group (at most the basis' k). */
  components: number;
  /** Initial CMA step, in σ of each component. */
  sigma: number;
  /**
   * Most generations before the next stage starts (the last stage runs until the caller stops); a
   * stage also ends early once it stalls ({@link STALL_WINDOW}).
   */
  generations: number;
}

/** A stage has stalled when its best loss fell by less than {@link STALL_GAIN} over this many generations. */
export const STALL_WINDOW = 10;
/** Relative fall of the best loss below which a stage counts as stalled. */
export const STALL_GAIN = 0.01;

/** The default schedule, tuned on the fixture and emoji-stylegan (docs/INVERSION.md). */
export const DEFAULT_STAGES: readonly InversionStage[] = Object.freeze([
  { rows: 'groups', components: 8, sigma: 0.6, generations: 40 },
  { rows: 'groups', components: 32, sigma: 0.3, generations: 150 },
  { rows: 'rows', components: 32, sigma: 0.2, generations: Infinity },
]);

/** What an inversion needs from the model. */
export interface InversionModel {
  numWs: number;
  wDim: number;
  resolution: number;
  channels: number;
  outputRange: readonly [number, number];
  /** The resolution each ws row drives (row groups derive from it). */
  wsResolutions: readonly number[];
  /** Synthesize `count` ws (count×num_ws×w_dim) in one run; returns count images NCHW in `outputRange`. */
  synthesize(ws: Float32Array, count: number): Promise<Float32Array>;
}

/** Settings of one inversion. */
export interface InversionOptions {
  target: PlanarImage;
  /** resolution² weights in [0, 1]; 0 = ignore that pixel. */
  mask?: ArrayLike<number>;
  /** Where the search starts: num_ws×w_dim (the encoder's guess, or w_avg in every row). */
  start: Float32Array;
  basis: WBasis;
  seed: number;
  /** Candidates per generation (default CMA-ES's 4 + ⌊3 ln n⌋ of each stage). */
  populationSize?: number;
  stages?: readonly InversionStage[];
}

/** The state after a generation. */
export interface InversionProgress {
  /** Generations run (0 = only the start evaluated). */
  generation: number;
  /** Syntheses run so far. */
  evaluations: number;
  /** Loss of the best ws so far. */
  loss: number;
  /** The best ws so far, num_ws×w_dim. */
  ws: Float32Array;
  /** Its picture, [1, C, H, W] values in the output range. */
  image: Float32Array;
}

/** Raised when an inversion cannot be set up on the model it was given. */
export class InversionError extends Error {
  override readonly name = 'InversionError';
}

/** Row groups of a stage: the classic presets (empty ones dropped), or every row alone. */
function rowGroups(model: InversionModel, rows: InversionStage['rows']): number[][] {
  if (rows === 'rows') return Array.from({ length: model.numWs }, (_, r) => [r]);
  const presets = mixPresets(model.wsResolutions);
  const groups = [presets.coarse, presets.middle, presets.fine].filter((g) => g.length > 0);
  const covered = new Set(groups.flat());
  const rest = Array.from({ length: model.numWs }, (_, r) => r).filter((r) => !covered.has(r));
  return rest.length > 0 ? [...groups, rest] : groups;
}

/** Runs one inversion a generation at a time; {@link step} until the caller's budget is spent. */
export class Inverter {
  private readonly loss: ImageLoss;
  private readonly stages: readonly InversionStage[];
  private stageIndex = -1;
  private stageGenerations = 0;
  /** Best loss after each generation of the current stage. */
  private stageLosses: number[] = [];
  private groups: number[][] = [];
  private k = 0;
  private cma: Cma | null = null;
  /** ws the current stage's coefficients are added to. */
  private origin: Float32Array;
  private generation = 0;
  private evaluations = 0;
  private best: { loss: number; ws: Float32Array; image: Float32Array } | null = null;

  /** @throws InversionError when the target, start or basis does not fit the model */
  constructor(
    private readonly model: InversionModel,
    private readonly options: InversionOptions,
  ) {
    const { target, start, basis } = options;
    if (target.size !== model.resolution || target.channels !== model.channels) {
      throw new InversionError(`the target is ${target.channels}×${target.size}×${target.size}, the model draws ${model.channels}×${model.resolution}×${model.resolution}`);
    }
    if (start.length !== model.numWs * model.wDim) throw new InversionError(`the start has ${start.length} values, expected ${model.numWs}×${model.wDim}`);
    if (basis.wDim !== model.wDim || basis.sigma.length === 0) throw new InversionError(`the basis does not span the model's W (w_dim ${model.wDim})`);
    this.loss = new ImageLoss(target, options.mask);
    this.stages = options.stages ?? DEFAULT_STAGES;
    if (this.stages.length === 0) throw new InversionError('an inversion needs at least one stage');
    this.origin = Float32Array.from(start);
  }

  /** The best so far (null before the first {@link step}). */
  get current(): InversionProgress | null {
    return this.best && { generation: this.generation, evaluations: this.evaluations, loss: this.best.loss, ws: this.best.ws, image: this.best.image };
  }

  /** One generation (the first call evaluates the start alone). */
  async step(): Promise<InversionProgress> {
    if (!this.best) {
      const [loss, image] = await this.evaluate([this.origin]);
      this.best = { loss: loss[0]!, ws: this.origin, image: image.slice() };
      return this.current!;
    }
    if (!this.cma || this.stageDone()) this.nextStage();
    const cma = this.cma!;
    const population = cma.ask();
    const candidates = [...population, cma.center].map((x) => this.wsOf(x));
    const [losses, images] = await this.evaluate(candidates);
    cma.tell(losses.slice(0, population.length));
    this.generation += 1;
    this.stageGenerations += 1;
    const plane = this.model.channels * this.model.resolution * this.model.resolution;
    losses.forEach((loss, i) => {
      if (loss < this.best!.loss) this.best = { loss, ws: candidates[i]!, image: images.slice(i * plane, (i + 1) * plane) };
    });
    this.stageLosses.push(this.best!.loss);
    return this.current!;
  }

  private stageDone(): boolean {
    if (this.stageIndex === this.stages.length - 1) return false;
    if (this.stageGenerations >= this.stages[this.stageIndex]!.generations) return true;
    const losses = this.stageLosses;
    if (losses.length <= STALL_WINDOW) return false;
    const before = losses[losses.length - 1 - STALL_WINDOW]!;
    return before - losses[losses.length - 1]! < STALL_GAIN * before;
  }

  private nextStage(): void {
    this.stageIndex = Math.min(this.stageIndex + 1, this.stages.length - 1);
    const stage = this.stages[this.stageIndex]!;
    this.groups = rowGroups(this.model, stage.rows);
    this.k = Math.min(stage.components, this.options.basis.sigma.length);
    this.origin = this.best!.ws;
    this.stageGenerations = 0;
    this.stageLosses = [];
    const n = this.groups.length * this.k;
    this.cma = new Cma({
      mean: new Float64Array(n),
      sigma: stage.sigma,
      seed: (this.options.seed + 7919 * this.stageIndex) >>> 0,
      ...(this.options.populationSize !== undefined && { populationSize: this.options.populationSize }),
    });
  }

  /** ws of coefficients x: origin + Σ x[g·k + i]·σᵢ·vᵢ on every row of group g. */
  private wsOf(x: Float64Array): Float32Array {
    const { wDim } = this.model;
    const { components, sigma } = this.options.basis;
    const ws = Float32Array.from(this.origin);
    this.groups.forEach((rows, g) => {
      const delta = new Float64Array(wDim);
      for (let i = 0; i < this.k; i++) {
        const c = x[g * this.k + i]! * sigma[i]!;
        for (let j = 0; j < wDim; j++) delta[j]! += c * components[i * wDim + j]!;
      }
      for (const r of rows) for (let j = 0; j < wDim; j++) ws[r * wDim + j]! += delta[j]!;
    });
    return ws;
  }

  private async evaluate(candidates: Float32Array[]): Promise<[number[], Float32Array]> {
    const { numWs, wDim, channels, resolution, outputRange } = this.model;
    const batch = new Float32Array(candidates.length * numWs * wDim);
    candidates.forEach((ws, i) => batch.set(ws, i * numWs * wDim));
    const images = await this.model.synthesize(batch, candidates.length);
    this.evaluations += candidates.length;
    const losses = candidates.map((_, i) => this.loss.value(toUnitPlanar(images, i, channels, resolution, outputRange).data));
    return [losses, images];
  }
}
