import { describe, expect, it } from 'vitest';
import { analyseAudio, mixDown, pitchClass } from './analysis';

const SR = 44_100;

/** A click track: a 3 ms decaying burst of (seeded) noise every 60/bpm s, starting at `first` s. */
function clickTrack(bpm: number, seconds: number, first: number, sampleRate = SR): { pcm: Float32Array; clicks: number[] } {
  const pcm = new Float32Array(Math.round(seconds * sampleRate));
  const clicks: number[] = [];
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (let t = first; t < seconds - 0.05; t += 60 / bpm) {
    clicks.push(t);
    const at = Math.round(t * sampleRate);
    const length = Math.round(0.003 * sampleRate);
    for (let j = 0; j < length; j++) pcm[at + j] = 0.8 * noise() * Math.exp(-j / (length / 4));
  }
  return { pcm, clicks };
}

function tone(hz: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * SR) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / SR));
}

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

describe('analyseAudio', () => {
  for (const [bpm, sampleRate, first] of [
    [120, SR, 0.37],
    [120, 48_000, 0.37],
    [97, SR, 0.37],
    [120, SR, 0],
  ] as const) {
    it(`finds every click of a ${bpm} BPM click track at ${sampleRate} Hz from ${first} s within 15 ms, nothing else, and the tempo within 1 BPM`, () => {
      const { pcm, clicks } = clickTrack(bpm, 10, first, sampleRate);
      const f = analyseAudio(pcm, sampleRate, 24);
      expect(f.onsets).toHaveLength(clicks.length);
      const errors = clicks.map((c, i) => Math.abs(f.onsets[i]!.time - c));
      for (const [i, c] of clicks.entries()) expect(errors[i], `click ${i} at ${c.toFixed(3)} s`).toBeLessThan(0.015);
      console.log(`${bpm} BPM at ${sampleRate} Hz: largest onset error ${(1000 * Math.max(...errors)).toFixed(1)} ms, tempo ${f.tempo?.toFixed(3)} BPM`);
      expect(f.tempo).not.toBeNull();
      expect(Math.abs(f.tempo! - bpm)).toBeLessThan(1);
      // The per-frame lane marks one frame per click, the nearest (or, within 15 ms of a frame boundary, the next one).
      const marked = [...f.onset.keys()].filter((i) => f.onset[i]! > 0);
      expect(marked).toHaveLength(clicks.length);
      for (const [i, c] of clicks.entries()) expect(Math.abs(marked[i]! - c * 24)).toBeLessThan(0.5 + 0.015 * 24);
    });
  }

  it('finds no onsets, no tempo and zero features in silence', () => {
    const f = analyseAudio(new Float32Array(3 * SR), SR, 30);
    expect(f.frameCount).toBe(90);
    expect(f.onsets).toEqual([]);
    expect(f.tempo).toBeNull();
    expect(sum(f.onset)).toBe(0);
    expect(sum(f.rms) + sum(f.low) + sum(f.mid) + sum(f.high) + sum(f.chroma)).toBe(0);
  });

  it('puts a pure tone in its band: 80 Hz low, 1 kHz mid, 8 kHz high', () => {
    for (const [hz, band] of [
      [80, 'low'],
      [1000, 'mid'],
      [8000, 'high'],
    ] as const) {
      const f = analyseAudio(tone(hz, 2), SR, 24);
      const energy = { low: sum(f.low), mid: sum(f.mid), high: sum(f.high) };
      const others = Object.entries(energy).filter(([k]) => k !== band);
      for (const [k, e] of others) expect(e, `${hz} Hz in ${k}`).toBeLessThan(0.01 * energy[band]);
      // A sine of amplitude 0.5 has mean power 0.125: the band holds it, away from the ends.
      expect(f[band][24]).toBeCloseTo(0.125, 2);
    }
  });

  it('gives a pure tone its pitch class and RMS amplitude/√2', () => {
    for (const [hz, pc] of [
      [440, 9],
      [261.63, 0],
      [329.63, 4],
      [185, 6],
      [1975.5, 11],
    ] as const) {
      const f = analyseAudio(tone(hz, 1), SR, 25);
      const frame = f.chroma.subarray(12 * 12, 13 * 12);
      expect(frame.indexOf(1), `${hz} Hz`).toBe(pc);
      for (let j = 0; j < 12; j++) if (j !== pc) expect(frame[j], `${hz} Hz, class ${j}`).toBeLessThan(0.2);
      expect(pitchClass(hz)).toBe(pc);
      expect(f.rms[12]).toBeCloseTo(0.5 / Math.SQRT2, 2);
    }
  });

  it('follows loudness frame by frame, and averages channels', () => {
    const pcm = new Float32Array(2 * SR);
    pcm.set(tone(500, 1, 0.1), 0);
    pcm.set(tone(500, 1, 0.6), SR);
    const f = analyseAudio(pcm, SR, 10);
    expect(f.rms[5]).toBeCloseTo(0.1 / Math.SQRT2, 3);
    expect(f.rms[15]).toBeCloseTo(0.6 / Math.SQRT2, 3);
    expect([...mixDown([Float32Array.of(1, 0, 2), Float32Array.of(0, 1, 0)])]).toEqual([0.5, 0.5, 1]);
    expect(() => analyseAudio(pcm, 0, 24)).toThrow(RangeError);
  });
});
