/**
 * Onsets and tempo of a mono track, for mappings that step or pulse on beats: spectral flux of short
 * log-compressed spectra (the sum of each bin's rise since the last frame), an adaptive threshold
 * (a local median plus a floor) with peak picking, and a tempo from the autocorrelation of the
 * flux, weighted towards 120 BPM as beat trackers weight it (a log-normal prior, one octave wide)
 * and refined by a least-squares fit of the onsets that fall on its beat grid.
 */
import { hann, RealFft } from './fft';

/** Onset detection's spectra: the frames and their times. */
export interface OnsetEnvelope {
  /** Spectral flux per analysis frame (≥ 0). */
  flux: Float32Array;
  /** Seconds between analysis frames; frame n is centred on n · hop seconds. */
  hop: number;
}

/** The shortest gap between two onsets (s): faster events are one onset. */
const MIN_GAP = 0.05;
/** Half-width of the peak picker's neighbourhood (s). */
const PEAK_RADIUS = 0.03;
/** Half-width of the adaptive threshold's median window (s). */
const MEDIAN_RADIUS = 0.25;
/** Tempi the estimate considers (BPM). */
const MIN_BPM = 50;
const MAX_BPM = 220;

/** A window of about 12 ms (a power of two in samples), stepped by half of it (about 6 ms). */
function onsetWindow(sampleRate: number): number {
  return 2 ** Math.max(6, Math.round(Math.log2(sampleRate * 0.0116)));
}

/** The spectral-flux envelope of `pcm`: log(1 + 1000·|X|/Σw) per bin, the positive rises summed. */
export function onsetEnvelope(pcm: Float32Array, sampleRate: number): OnsetEnvelope {
  const size = onsetWindow(sampleRate);
  const hop = size / 2;
  const fft = new RealFft(size);
  const window = hann(size);
  const norm = size / 2;
  const frames = Math.max(1, Math.ceil(pcm.length / hop));
  const flux = new Float32Array(frames);
  const frame = new Float32Array(size);
  const power = new Float32Array(size / 2 + 1);
  // Silence before the track: a track that starts with a hit has an onset at 0.
  let previous = new Float32Array(size / 2 + 1);
  let current = new Float32Array(size / 2 + 1);
  for (let n = 0; n < frames; n++) {
    const start = n * hop - size / 2;
    frame.fill(0);
    const from = Math.max(0, start);
    const to = Math.min(pcm.length, start + size);
    if (to > from) frame.set(pcm.subarray(from, to), from - start);
    fft.power(frame, power, window);
    let sum = 0;
    for (let k = 1; k < power.length; k++) {
      current[k] = Math.log1p((1000 * Math.sqrt(power[k]!)) / norm);
      sum += Math.max(0, current[k]! - previous[k]!);
    }
    flux[n] = sum;
    [previous, current] = [current, previous];
  }
  return { flux, hop: hop / sampleRate };
}

function median(values: Float32Array, from: number, to: number, scratch: Float32Array): number {
  const part = scratch.subarray(0, to - from);
  part.set(values.subarray(from, to));
  part.sort();
  return part[Math.floor(part.length / 2)]!;
}

/** An onset: its time (s) and strength (its flux over the track's largest, 0 … 1). */
export interface Onset {
  time: number;
  strength: number;
}

/** Onsets of an envelope: local flux maxima above a local median × 1.5 plus 5 % of the largest flux. */
export function pickOnsets({ flux, hop }: OnsetEnvelope): Onset[] {
  let peak = 0;
  for (const v of flux) peak = Math.max(peak, v);
  if (!(peak > 0)) return [];
  const radius = Math.max(1, Math.round(PEAK_RADIUS / hop));
  const medianRadius = Math.max(1, Math.round(MEDIAN_RADIUS / hop));
  const gap = MIN_GAP / hop;
  const scratch = new Float32Array(2 * medianRadius + 1);
  const out: Onset[] = [];
  let last = -Infinity;
  for (let n = 0; n < flux.length; n++) {
    const v = flux[n]!;
    if (v < 0.05 * peak) continue;
    let isMax = true;
    for (let j = Math.max(0, n - radius); j <= Math.min(flux.length - 1, n + radius) && isMax; j++) {
      // Ties go to the first frame of a plateau.
      if (flux[j]! > v || (j < n && flux[j] === v)) isMax = false;
    }
    if (!isMax || n - last < gap) continue;
    const threshold = 1.5 * median(flux, Math.max(0, n - medianRadius), Math.min(flux.length, n + medianRadius + 1), scratch) + 0.05 * peak;
    if (v <= threshold) continue;
    out.push({ time: n * hop, strength: v / peak });
    last = n;
  }
  return out;
}

/**
 * The tempo in BPM, or null when the track has no periodic onsets: the autocorrelation peak of the
 * mean-removed flux between 50 and 220 BPM under a log-normal prior centred on 120 BPM, then
 * the beat period fitted to the onsets within 10 % of that grid (when four or more are).
 */
export function estimateTempo(envelope: OnsetEnvelope, onsets: readonly Onset[]): number | null {
  const { flux, hop } = envelope;
  if (onsets.length < 2) return null;
  let mean = 0;
  for (const v of flux) mean += v;
  mean /= flux.length;
  const x = Float32Array.from(flux, (v) => Math.max(0, v - mean));
  const minLag = Math.max(1, Math.floor(60 / MAX_BPM / hop));
  const maxLag = Math.min(x.length - 1, Math.ceil(60 / MIN_BPM / hop));
  if (maxLag <= minLag) return null;
  const score = new Float64Array(maxLag + 2);
  for (let lag = minLag - 1; lag <= maxLag + 1; lag++) {
    if (lag < 1 || lag >= x.length) continue;
    let sum = 0;
    for (let i = lag; i < x.length; i++) sum += x[i]! * x[i - lag]!;
    const bpm = 60 / (lag * hop);
    score[lag] = sum * Math.exp(-0.5 * Math.log2(bpm / 120) ** 2);
  }
  let best = minLag;
  for (let lag = minLag; lag <= maxLag; lag++) if (score[lag]! > score[best]!) best = lag;
  if (!(score[best]! > 0)) return null;
  // A parabola through the peak and its neighbours places it between lags.
  const [l, c, r] = [score[best - 1] ?? 0, score[best]!, score[best + 1] ?? 0];
  const denominator = l - 2 * c + r;
  const shift = denominator < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (l - r)) / denominator)) : 0;
  let period = (best + shift) * hop;
  const t0 = onsets[0]!.time;
  const beats: [number, number][] = [];
  for (const o of onsets) {
    const index = Math.round((o.time - t0) / period);
    if (Math.abs(o.time - t0 - index * period) < 0.1 * period) beats.push([index, o.time]);
  }
  if (beats.length >= 4 && beats[beats.length - 1]![0] > 0) {
    const n = beats.length;
    const mb = beats.reduce((s, [b]) => s + b, 0) / n;
    const mt = beats.reduce((s, [, t]) => s + t, 0) / n;
    const cov = beats.reduce((s, [b, t]) => s + (b - mb) * (t - mt), 0);
    const varB = beats.reduce((s, [b]) => s + (b - mb) ** 2, 0);
    if (varB > 0 && cov > 0) period = cov / varB;
  }
  return 60 / period;
}
