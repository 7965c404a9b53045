/**
 * Standard normal distribution functions, ported from SciPy 1.10 (Cephes `ndtr.c`, `ndtri.c`,
 * `unity.c`, `_ndtri_exp.pxd`, `truncnorm._ppf`) so that the truncated-normal sampler in
 * `random.ts` takes the same numerical path as `scipy.stats.truncnorm`. Polynomial coefficients
 * are Cephes's (written as the shortest decimals that give the same doubles as its 21-digit
 * literals), evaluated in the same order (Horner, no fused multiply-add); `log` is the
 * correctly rounded `preciseLog`, as glibc's nearly always is.
 *
 * Bit-exact agreement with SciPy is not reachable, and not even defined: SciPy's own output
 * depends on the CPU, because numpy evaluates `np.log`/`np.exp` with its own AVX-512 code where
 * the CPU has it and with the C library elsewhere (the two disagree in the last bit on ~13% of
 * inputs). Remaining differences come from those, from V8's `exp`/`expm1`/`log1p`, and from
 * `log_ndtr`: SciPy uses the Faddeeva package's `erfcx`, while here `erfcx` comes from the same
 * Cephes rational approximation that `erfc` uses (`erfc(x) = exp(-x²)·P/Q`), which agrees to
 * about an ulp and saves porting a 100-interval Chebyshev table. The net effect on samples is
 * an absolute difference of a few 1e-15 (see random.test.ts), far below float32 resolution.
 */

import { preciseLog } from './precise-log';

// Cephes erfc, 1 <= x < 8: erfc(x) = exp(-x²)·P(x)/Q(x).
const ERFC_P = [
  2.461969814735305e-10, 0.5641895648310689, 7.463210564422699,
  48.63719709856814, 196.5208329560771, 526.4451949954773,
  934.5285271719576, 1027.5518868951572, 557.5353353693994,
];
const ERFC_Q = [
  13.228195115474499, 86.70721408859897, 354.9377788878199,
  975.7085017432055, 1823.9091668790973, 2246.3376081871097,
  1656.6630919416134, 557.5353408177277,
];
// Cephes erfc, x >= 8: erfc(x) = exp(-x²)·R(x)/S(x).
const ERFC_R = [
  0.5641895835477551, 1.275366707599781, 5.019050422511805,
  6.160210979930536, 7.4097426995044895, 2.9788666537210022,
];
const ERFC_S = [
  2.2605286322011726, 9.396035249380015, 12.048953980809666,
  17.08144507475659, 9.608968090632859, 3.369076451000815,
];
// Cephes erf, |x| <= 1: erf(x) = x·T(x²)/U(x²).
const ERF_T = [
  9.604973739870516, 90.02601972038427, 2232.005345946843,
  7003.325141128051, 55592.30130103949,
];
const ERF_U = [
  33.56171416475031, 521.3579497801527, 4594.323829709801,
  22629.000061389095, 49267.39426086359,
];
// Cephes log1p: log(1+x) = x - x²/2 + x³·LP(x)/LQ(x).
const LOG1P_P = [
  0.0000452700008624452, 0.49854102823193375, 6.578732594206104,
  29.911919328553072, 60.94966798098779, 57.11296359058554,
  20.039553499201283,
];
const LOG1P_Q = [
  15.062909083469192, 83.04756596796722, 221.76239823732857,
  309.09872225312057, 216.42788614495947, 60.11866049760384,
];
// Cephes ndtri, |y - 0.5| <= 3/8.
const NDTRI_P0 = [
  -59.96335010141079, 98.00107541859997, -56.67628574690703,
  13.931260938727968, -1.2391658386738125,
];
const NDTRI_Q0 = [
  1.9544885833814176, 4.676279128988815, 86.36024213908905,
  -225.46268785411937, 200.26021238006066, -82.03722561683334,
  15.90562251262117, -1.1833162112133,
];
// Cephes ndtri, z = sqrt(-2 log y) in [2, 8).
const NDTRI_P1 = [
  4.0554489230596245, 31.525109459989388, 57.16281922464213,
  44.08050738932008, 14.684956192885803, 2.1866330685079025,
  -0.1402560791713545, -0.03504246268278482, -0.0008574567851546854,
];
const NDTRI_Q1 = [
  15.779988325646675, 45.39076351288792, 41.3172038254672,
  15.04253856929075, 2.504649462083094, -0.14218292285478779,
  -0.03808064076915783, -0.0009332594808954574,
];
// Cephes ndtri, z in [8, 64).
const NDTRI_P2 = [
  3.2377489177694603, 6.915228890689842, 3.9388102529247444,
  1.3330346081580755, 0.20148538954917908, 0.012371663481782003,
  0.00030158155350823543, 0.0000026580697468673755, 6.239745391849833e-9,
];
const NDTRI_Q2 = [
  6.02427039364742, 3.6798356385616087, 1.3770209948908132,
  0.21623699359449663, 0.013420400608854318, 0.00032801446468212774,
  0.0000028924786474538068, 6.790194080099813e-9,
];

const SQRT1_2 = Math.SQRT1_2;
const S2PI = 2.5066282746310007;
const EXP_MINUS_2 = 0.1353352832366127;
/** log1p(-exp(-2)), the literal SciPy's `ndtri_exp` compares against. */
const LOG1P_MINUS_EXP_MINUS_2 = -0.14541345786885906;
/** Cephes MAXLOG = log(DBL_MAX). */
const MAXLOG = 709.782712893384;

/** Cephes `polevl`: coef[0]·xᴺ + … + coef[N], by Horner's rule. */
function polevl(x: number, coef: readonly number[]): number {
  let ans = coef[0];
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i];
  return ans;
}

/** Cephes `p1evl`: like `polevl` with an implicit leading coefficient 1. */
function p1evl(x: number, coef: readonly number[]): number {
  let ans = x + coef[0];
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i];
  return ans;
}

/**
 * The error function, `erf(x)`, as Cephes computes it.
 * @param x any number; NaN gives NaN
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (x > 1) return 1 - erfc(x);
  const z = x * x;
  return (x * polevl(z, ERF_T)) / p1evl(z, ERF_U);
}

/**
 * The complementary error function, `erfc(x) = 1 − erf(x)`, as Cephes computes it (relative
 * accuracy kept in the right tail until it underflows to 0 past x ≈ 26.6).
 * @param a any number; NaN gives NaN
 */
export function erfc(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = Math.abs(a);
  if (x < 1) return 1 - erf(a);
  const negSquare = -a * a;
  if (negSquare < -MAXLOG) return a < 0 ? 2 : 0;
  const [p, q] = erfcxRational(x);
  let y = (Math.exp(negSquare) * p) / q;
  if (a < 0) y = 2 - y;
  if (y !== 0) return y;
  return a < 0 ? 2 : 0;
}

/** Numerator and denominator of Cephes's erfc rational approximation, for x ≥ 1. */
function erfcxRational(x: number): [number, number] {
  return x < 8 ? [polevl(x, ERFC_P), p1evl(x, ERFC_Q)] : [polevl(x, ERFC_R), p1evl(x, ERFC_S)];
}

/**
 * The scaled complementary error function `erfcx(x) = exp(x²)·erfc(x)` for x ≥ 1/√2, the range
 * `logNdtr` needs; Cephes's erfc rational function is exactly this quantity for x ≥ 1.
 */
function erfcxPositive(x: number): number {
  if (x < 1) return Math.exp(x * x) * erfc(x);
  const [p, q] = erfcxRational(x);
  return p / q;
}

/**
 * The standard normal CDF Φ(a), as Cephes `ndtr` computes it.
 * @param a any number; NaN gives NaN
 */
export function ndtr(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = a * SQRT1_2;
  const z = Math.abs(x);
  if (z < SQRT1_2) return 0.5 + 0.5 * erf(x);
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}

/**
 * log Φ(x), accurate far into both tails (SciPy's `log_ndtr` formulas; see the module note on
 * `erfcx`).
 * @param x any number; −∞ gives −∞, NaN gives NaN
 */
export function logNdtr(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === -Infinity) return -Infinity;
  const t = x * SQRT1_2;
  if (x < -1) return preciseLog(erfcxPositive(-t) / 2) - t * t;
  return Math.log1p(-erfc(t) / 2);
}

/**
 * log(1 + x) as Cephes computes it (SciPy's `scipy.special.log1p` for real input, which is not
 * the C library's `log1p`).
 * @param x a number > −1
 */
export function cephesLog1p(x: number): number {
  const z = 1 + x;
  if (z < SQRT1_2 || z > Math.SQRT2) return preciseLog(z);
  const x2 = x * x;
  return x + (-0.5 * x2 + x * ((x2 * polevl(x, LOG1P_P)) / p1evl(x, LOG1P_Q)));
}

/**
 * The inverse of the standard normal CDF, Φ⁻¹(y), as Cephes `ndtri` computes it.
 * @param y0 a probability in [0, 1]; 0 gives −∞, 1 gives +∞, anything else (or NaN) gives NaN
 *   as in Cephes, so that rounding just past 1 inside a sampler yields NaN rather than a throw
 */
export function ndtri(y0: number): number {
  if (y0 === 0) return -Infinity;
  if (y0 === 1) return Infinity;
  if (!(y0 > 0 && y0 < 1)) return NaN;
  let y = y0;
  let upper = false;
  if (y > 1 - EXP_MINUS_2) {
    y = 1 - y;
    upper = true;
  }
  if (y > EXP_MINUS_2) {
    y = y - 0.5;
    const y2 = y * y;
    const x = y + y * ((y2 * polevl(y2, NDTRI_P0)) / p1evl(y2, NDTRI_Q0));
    return x * S2PI;
  }
  const x = tailNdtri(Math.sqrt(-2 * preciseLog(y)));
  return upper ? -x : x;
}

/**
 * Cephes's tail approximation of Φ⁻¹ written in x = sqrt(−2 log p): returns Φ⁻¹(p) for p < e⁻².
 */
function tailNdtri(x: number): number {
  const x0 = x - preciseLog(x) / x;
  const z = 1 / x;
  const x1 =
    x < 8
      ? (z * polevl(z, NDTRI_P1)) / p1evl(z, NDTRI_Q1)
      : (z * polevl(z, NDTRI_P2)) / p1evl(z, NDTRI_Q2);
  return x1 - x0;
}

/**
 * The inverse of log Φ: returns x with log Φ(x) = y (SciPy's `ndtri_exp`), precise for very
 * negative y where `ndtri(exp(y))` would underflow.
 * @param y a log-probability ≤ 0
 */
export function ndtriExp(y: number): number {
  if (y < -Number.MAX_VALUE) return -Infinity;
  if (y < -2) {
    // sqrt(-2y) overflows for y < -DBL_MAX/2; SciPy switches to √2·sqrt(-y) there.
    const x = y >= -Number.MAX_VALUE * 0.5 ? Math.sqrt(-2 * y) : Math.SQRT2 * Math.sqrt(-y);
    return tailNdtri(x);
  }
  if (y > LOG1P_MINUS_EXP_MINUS_2) return -ndtri(-Math.expm1(y));
  return ndtri(Math.exp(y));
}

/** log(eᵖ + e^q) the way `scipy.special.logsumexp` computes it for two terms. */
function logSumExp2(p: number, q: number): number {
  let max = Math.max(p, q);
  if (!Number.isFinite(max)) max = 0;
  return preciseLog(Math.exp(p - max) + Math.exp(q - max)) + max;
}

/**
 * log(eᵖ − e^q) for p > q, as SciPy's `_log_diff` computes it: a complex `logsumexp` of
 * [p, q + πi], whose real part is log|1 + e^(q−p)·(cos π + i·sin π)| + p.
 */
function logDiffExp(p: number, q: number): number {
  const e = Math.exp(q - p);
  return preciseLog(Math.hypot(1 + e * Math.cos(Math.PI), e * Math.sin(Math.PI))) + p;
}

/** log(Φ(b) − Φ(a)), SciPy's `_log_gauss_mass`, which works in whichever tail is accurate. */
function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiffExp(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiffExp(logNdtr(-a), logNdtr(-b));
  return cephesLog1p(-ndtr(a) - ndtr(-b));
}

/**
 * The quantile function (inverse CDF) of the standard normal truncated to [a, b], computed as
 * `scipy.stats.truncnorm._ppf` does in SciPy 1.10 (log-space, mirrored for a ≥ 0), so that
 * feeding it `RandomState.randomDouble()` draws reproduces `truncnorm.rvs`.
 * @param a lower bound in standard deviations (may be −∞)
 * @param b upper bound in standard deviations (may be +∞), a < b
 * @returns a function from q ∈ [0, 1) to the q-quantile
 * @throws RangeError unless a < b
 */
export function truncatedNormalPpf(a: number, b: number): (q: number) => number {
  if (!(a < b)) throw new RangeError(`truncated normal needs bounds a < b, got a=${a}, b=${b}`);
  const logMass = logGaussMass(a, b);
  if (a < 0) {
    const logPhiA = logNdtr(a);
    return (q) => ndtriExp(logSumExp2(logPhiA, preciseLog(q) + logMass));
  }
  const logPhiMinusB = logNdtr(-b);
  return (q) => -ndtriExp(logSumExp2(logPhiMinusB, Math.log1p(-q) + logMass));
}
