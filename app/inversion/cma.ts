/**
 * CMA-ES (covariance matrix adaptation evolution strategy), the derivative-free optimiser behind
 * in-studio inversion: onnxruntime-web computes no gradients, so the latent is improved through
 * forward runs alone. CMA-ES was chosen over SPSA because it needs no step-size schedule (σ and
 * the search distribution adapt themselves), its population of λ candidates per generation maps
 * onto one batched synthesis run, and with a full covariance it follows rotated, ill-conditioned
 * valleys that coordinate-wise or diagonal methods crawl along. Full covariance costs O(n²) memory
 * and an O(n³) eigendecomposition, so the inverter runs it in a low-dimensional basis (a few dozen
 * PCA coefficients, see invert.ts), where both are negligible next to one synthesis run.
 *
 * The update equations and default constants are those of N. Hansen, "The CMA Evolution Strategy:
 * A Tutorial" (arXiv:1604.00772), with positive recombination weights only. Sampling draws from a
 * seeded numpy-compatible generator, so a run is deterministic given its seed.
 */
import { symmetricEigen } from '../latent/linalg';
import { RandomState } from '../latent/random';

/** Settings of one CMA-ES run. */
export interface CmaOptions {
  /** Start of the search (length n ≥ 1). */
  mean: ArrayLike<number>;
  /** Initial step size σ₀ (in the units of the coordinates). */
  sigma: number;
  /** Candidates per generation; default 4 + ⌊3 ln n⌋. */
  populationSize?: number;
  /** Seed of the sampling generator. */
  seed: number;
}

/** The best point seen so far and its value. */
export interface CmaBest {
  x: Float64Array;
  value: number;
}

/** An ask/tell CMA-ES minimiser: {@link ask} a population, evaluate it, {@link tell} its values. */
export class Cma {
  /** Dimension of the search space. */
  readonly n: number;
  /** Candidates per generation (λ). */
  readonly lambda: number;
  private readonly mu: number;
  private readonly weights: Float64Array;
  private readonly mueff: number;
  private readonly cc: number;
  private readonly cs: number;
  private readonly c1: number;
  private readonly cmu: number;
  private readonly damps: number;
  private readonly chiN: number;
  private readonly random: RandomState;
  private readonly mean: Float64Array;
  private sigma: number;
  private readonly pc: Float64Array;
  private readonly ps: Float64Array;
  /** Covariance C, n×n row-major. */
  private readonly cov: Float64Array;
  /** C = B·diag(D²)·Bᵀ: B holds eigenvectors as columns (row-major n×n), D their square-rooted eigenvalues. */
  private readonly b: Float64Array;
  private readonly d: Float64Array;
  private eigenAt = 0;
  private generation = 0;
  private evaluations = 0;
  private asked: { x: Float64Array; y: Float64Array }[] = [];
  private bestSoFar: CmaBest | null = null;

  /** @throws RangeError when the options cannot start a search */
  constructor(options: CmaOptions) {
    const n = options.mean.length;
    if (n < 1) throw new RangeError('CMA-ES needs at least one coordinate');
    if (!(options.sigma > 0) || !Number.isFinite(options.sigma)) throw new RangeError(`the initial step size must be a positive number, got ${options.sigma}`);
    const lambda = options.populationSize ?? 4 + Math.floor(3 * Math.log(n));
    if (!Number.isInteger(lambda) || lambda < 2) throw new RangeError(`the population needs at least 2 candidates, got ${lambda}`);
    this.n = n;
    this.lambda = lambda;
    this.mu = Math.floor(lambda / 2);
    const raw = Float64Array.from({ length: this.mu }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
    const sum = raw.reduce((a, v) => a + v, 0);
    this.weights = raw.map((v) => v / sum);
    this.mueff = 1 / this.weights.reduce((a, v) => a + v * v, 0);
    const mueff = this.mueff;
    this.cc = (4 + mueff / n) / (n + 4 + (2 * mueff) / n);
    this.cs = (mueff + 2) / (n + mueff + 5);
    this.c1 = 2 / ((n + 1.3) ** 2 + mueff);
    this.cmu = Math.min(1 - this.c1, (2 * (mueff - 2 + 1 / mueff)) / ((n + 2) ** 2 + mueff));
    this.damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + this.cs;
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    this.random = new RandomState(options.seed);
    this.mean = Float64Array.from(options.mean);
    this.sigma = options.sigma;
    this.pc = new Float64Array(n);
    this.ps = new Float64Array(n);
    this.cov = new Float64Array(n * n);
    this.b = new Float64Array(n * n);
    this.d = new Float64Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      this.cov[i * n + i] = 1;
      this.b[i * n + i] = 1;
    }
  }

  /** The current step size σ. */
  get stepSize(): number {
    return this.sigma;
  }

  /** The current mean of the search distribution. */
  get center(): Float64Array {
    return Float64Array.from(this.mean);
  }

  /** Function evaluations told so far. */
  get evaluationCount(): number {
    return this.evaluations;
  }

  /** The best candidate told so far, or null before the first {@link tell}. */
  get best(): CmaBest | null {
    return this.bestSoFar && { x: Float64Array.from(this.bestSoFar.x), value: this.bestSoFar.value };
  }

  /** Draw the next population: λ points x = m + σ·B·D·z, z ~ N(0, I). */
  ask(): Float64Array[] {
    const { n } = this;
    this.asked = [];
    for (let k = 0; k < this.lambda; k++) {
      const z = this.random.randn(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += this.b[i * n + j]! * this.d[j]! * z[j]!;
        y[i] = s;
      }
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = this.mean[i]! + this.sigma * y[i]!;
      this.asked.push({ x, y });
    }
    return this.asked.map((a) => Float64Array.from(a.x));
  }

  /**
   * Update the distribution from the values of the last {@link ask}'s population, in its order.
   * Non-finite values rank last.
   * @throws RangeError when the values do not match the population asked for
   */
  tell(values: readonly number[]): void {
    const { n, asked } = this;
    if (asked.length === 0 || values.length !== asked.length) throw new RangeError(`expected ${asked.length} values for the population asked, got ${values.length}`);
    const rank = (v: number) => (Number.isFinite(v) ? v : Infinity);
    const order = values.map((v, i) => i).sort((a, b) => rank(values[a]!) - rank(values[b]!));
    this.evaluations += values.length;
    const top = order[0]!;
    if (Number.isFinite(values[top]!) && (!this.bestSoFar || values[top]! < this.bestSoFar.value)) {
      this.bestSoFar = { x: Float64Array.from(asked[top]!.x), value: values[top]! };
    }

    // Weighted mean step in y = (x − m)/σ units.
    const yw = new Float64Array(n);
    for (let k = 0; k < this.mu; k++) {
      const y = asked[order[k]!]!.y;
      for (let i = 0; i < n; i++) yw[i]! += this.weights[k]! * y[i]!;
    }
    for (let i = 0; i < n; i++) this.mean[i]! += this.sigma * yw[i]!;

    // C^(-1/2)·yw = B·D⁻¹·Bᵀ·yw, for the conjugate evolution path.
    const bty = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += this.b[i * n + j]! * yw[i]!;
      bty[j] = s / this.d[j]!;
    }
    const csFactor = Math.sqrt(this.cs * (2 - this.cs) * this.mueff);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += this.b[i * n + j]! * bty[j]!;
      this.ps[i] = (1 - this.cs) * this.ps[i]! + csFactor * s;
    }
    const psNorm = Math.hypot(...this.ps);
    this.generation += 1;
    const hsig = psNorm / Math.sqrt(1 - (1 - this.cs) ** (2 * this.generation)) / this.chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccFactor = Math.sqrt(this.cc * (2 - this.cc) * this.mueff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - this.cc) * this.pc[i]! + hsig * ccFactor * yw[i]!;

    // Rank-one and rank-μ updates of C.
    const keep = 1 - this.c1 - this.cmu + (1 - hsig) * this.c1 * this.cc * (2 - this.cc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let k = 0; k < this.mu; k++) {
          const y = asked[order[k]!]!.y;
          rankMu += this.weights[k]! * y[i]! * y[j]!;
        }
        const c = keep * this.cov[i * n + j]! + this.c1 * this.pc[i]! * this.pc[j]! + this.cmu * rankMu;
        this.cov[i * n + j] = c;
        this.cov[j * n + i] = c;
      }
    }
    this.sigma *= Math.exp((this.cs / this.damps) * (psNorm / this.chiN - 1));
    this.asked = [];

    // The decomposition lags C by a few generations (the tutorial's O(n²) amortisation).
    if (this.evaluations - this.eigenAt > this.lambda / (this.c1 + this.cmu) / n / 10) {
      this.eigenAt = this.evaluations;
      this.decompose();
    }
  }

  private decompose(): void {
    const { n } = this;
    const eigen = symmetricEigen(this.cov, n);
    for (let k = 0; k < n; k++) {
      // Rounding can leave a tiny negative eigenvalue on a nearly singular C; clamp it.
      this.d[k] = Math.sqrt(Math.max(eigen.values[k]!, 1e-20));
      for (let i = 0; i < n; i++) this.b[i * n + k] = eigen.vectors[k * n + i]!;
    }
  }
}
