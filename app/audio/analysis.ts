/**
 * The audio features an animation follows, one value per timeline frame so that preview and export
 * read the same numbers: loudness (RMS), onsets with a tempo (app/audio/onsets.ts), the energies of
 * three bands and a 12-bin chroma. Pure functions of mono PCM and its sample rate: the renderer
 * runs them in a worker, tests and the bench call them directly.
 *
 * Frame i is centred on i / fps seconds. Its RMS is over the samples nearest to it,
 * [round((i − ½)·sr/fps), round((i + ½)·sr/fps)), clipped to the track; its spectrum is a Hann
 * window of about 93 ms centred on it. Bands: low below 250 Hz, mid 250 Hz – 4 kHz, high above.
 * Chroma: each spectral peak from 65 Hz to 4.2 kHz (a bin above its neighbours, its frequency placed
 * between bins by a parabola through the log powers) adds its lobe's power to its nearest pitch
 * class (C = 0); peaks rather than bins, so a low note's window lobe does not leak into the next class.
 */
import { hann, RealFft } from './fft';
import { estimateTempo, onsetEnvelope, pickOnsets, type Onset } from './onsets';

/** Features of one track at one frame rate. */
export interface AudioFeatures {
  fps: number;
  sampleRate: number;
  /** Seconds of audio analysed. */
  duration: number;
  /** Frames the features cover: round(duration · fps), at least 1. */
  frameCount: number;
  /** RMS amplitude per frame (full scale = 1). */
  rms: Float32Array;
  /** Mean power per frame in each band (relative units, comparable between bands). */
  low: Float32Array;
  mid: Float32Array;
  high: Float32Array;
  /** frameCount × 12 pitch-class energies, each frame scaled so its largest is 1 (all 0 in silence). */
  chroma: Float32Array;
  /** Per frame: the strength (0 … 1) of the onset nearest that frame, 0 where there is none. */
  onset: Float32Array;
  /** Every onset at its own time, finer than the frames. */
  onsets: Onset[];
  /** Beats per minute, or null without periodic onsets. */
  tempo: number | null;
}

/** The band edges (Hz). */
export const BAND_EDGES = { lowMid: 250, midHigh: 4000 } as const;
const CHROMA_MIN_HZ = 65;
const CHROMA_MAX_HZ = 4200;

/** One channel from several: their mean, sample by sample. */
export function mixDown(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const length = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(length);
  for (const c of channels) for (let i = 0; i < length; i++) out[i]! += c[i]! / channels.length;
  return out;
}

/** The pitch class (C = 0 … B = 11) nearest to `hz`. */
export function pitchClass(hz: number): number {
  const midi = Math.round(69 + 12 * Math.log2(hz / 440));
  return ((midi % 12) + 12) % 12;
}

/**
 * The features of mono `pcm` at `fps` frames per second.
 * @param onProgress called with the fraction done, a few dozen times (a worker forwards it)
 * @throws RangeError for a sample rate or fps that is not positive
 */
export function analyseAudio(pcm: Float32Array, sampleRate: number, fps: number, onProgress?: (fraction: number) => void): AudioFeatures {
  if (!(sampleRate > 0) || !(fps > 0)) throw new RangeError(`sample rate and fps must be positive, got ${sampleRate} Hz at ${fps} fps`);
  const duration = pcm.length / sampleRate;
  const frameCount = Math.max(1, Math.round(duration * fps));
  const envelope = onsetEnvelope(pcm, sampleRate);
  onProgress?.(0.5);
  const onsets = pickOnsets(envelope);
  const tempo = estimateTempo(envelope, onsets);
  const onset = new Float32Array(frameCount);
  for (const o of onsets) {
    const i = Math.min(frameCount - 1, Math.round(o.time * fps));
    onset[i] = Math.max(onset[i]!, o.strength);
  }
  const rms = new Float32Array(frameCount);
  const perFrame = sampleRate / fps;
  for (let i = 0; i < frameCount; i++) {
    const from = Math.max(0, Math.round((i - 0.5) * perFrame));
    const to = Math.min(pcm.length, Math.round((i + 0.5) * perFrame));
    let sum = 0;
    for (let j = from; j < to; j++) sum += pcm[j]! * pcm[j]!;
    rms[i] = to > from ? Math.sqrt(sum / (to - from)) : 0;
  }
  const spectral = spectralFeatures(pcm, sampleRate, fps, frameCount, (f) => onProgress?.(0.5 + 0.5 * f));
  return { fps, sampleRate, duration, frameCount, rms, ...spectral, onset, onsets, tempo };
}

function spectralFeatures(pcm: Float32Array, sampleRate: number, fps: number, frameCount: number, onProgress: (fraction: number) => void) {
  const size = 2 ** Math.max(8, Math.round(Math.log2(sampleRate * 0.093)));
  const fft = new RealFft(size);
  const window = hann(size);
  // Scaled so that a sine of amplitude A gives about A²/2 summed over its bins, whatever the size.
  let w2 = 0;
  for (const w of window) w2 += w * w;
  const scale = 2 / (size * w2);
  const bins = size / 2 + 1;
  const binHz = sampleRate / size;
  const band = new Uint8Array(bins);
  for (let k = 1; k < bins; k++) {
    const hz = k * binHz;
    band[k] = hz < BAND_EDGES.lowMid ? 0 : hz < BAND_EDGES.midHigh ? 1 : 2;
  }
  const low = new Float32Array(frameCount);
  const mid = new Float32Array(frameCount);
  const high = new Float32Array(frameCount);
  const chroma = new Float32Array(frameCount * 12);
  const frame = new Float32Array(size);
  const power = new Float32Array(bins);
  const progressEvery = Math.max(1, Math.floor(frameCount / 20));
  for (let i = 0; i < frameCount; i++) {
    const start = Math.round((i * sampleRate) / fps) - size / 2;
    frame.fill(0);
    const from = Math.max(0, start);
    const to = Math.min(pcm.length, start + size);
    if (to > from) frame.set(pcm.subarray(from, to), from - start);
    fft.power(frame, power, window);
    const energies = [0, 0, 0];
    const c = chroma.subarray(i * 12, i * 12 + 12);
    for (let k = 1; k < bins; k++) {
      const p = power[k]! * scale;
      energies[band[k]!]! += p;
    }
    addChroma(c, power, binHz, scale);
    low[i] = energies[0]!;
    mid[i] = energies[1]!;
    high[i] = energies[2]!;
    let top = 0;
    for (const v of c) top = Math.max(top, v);
    // Below about −140 dBFS a frame counts as silent: its chroma is all zero, not noise scaled up.
    if (top > 1e-14) for (let j = 0; j < 12; j++) c[j] = c[j]! / top;
    else c.fill(0);
    if (i % progressEvery === 0) onProgress(i / frameCount);
  }
  return { low, mid, high, chroma };
}

function addChroma(c: Float32Array, power: Float32Array, binHz: number, scale: number): void {
  const first = Math.max(2, Math.floor(CHROMA_MIN_HZ / binHz));
  const last = Math.min(power.length - 2, Math.ceil(CHROMA_MAX_HZ / binHz));
  for (let k = first; k <= last; k++) {
    const [l, m, r] = [power[k - 1]!, power[k]!, power[k + 1]!];
    if (!(m > l && m >= r)) continue;
    const [a, b, d] = [Math.log(l + 1e-30), Math.log(m + 1e-30), Math.log(r + 1e-30)];
    const denominator = a - 2 * b + d;
    const shift = denominator < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - d)) / denominator)) : 0;
    const hz = (k + shift) * binHz;
    if (hz < CHROMA_MIN_HZ || hz > CHROMA_MAX_HZ) continue;
    c[pitchClass(hz)]! += (l + m + r) * scale;
  }
}
