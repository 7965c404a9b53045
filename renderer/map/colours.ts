/**
 * Point colours of the map, as display RGB in 0…1 (the map's shader writes them unconverted):
 * by position (neighbours look alike), by class, or by a direction's score.
 */

/** Display RGB of a hue/saturation/lightness colour (all 0…1). */
export function hsl(h: number, s: number, l: number): [number, number, number] {
  const hue = ((h % 1) + 1) % 1;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + hue * 12) % 12;
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)];
}

/** Colours from world positions (rows × 3): hue around the vertical axis, lightness with height. */
export function positionColours(positions: Float32Array): Float32Array {
  const out = new Float32Array(positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    const hue = Math.atan2(positions[i + 2]!, positions[i]!) / (2 * Math.PI);
    out.set(hsl(hue, 0.5, 0.5 + 0.16 * Math.tanh(positions[i + 1]!)), i);
  }
  return out;
}

/** One colour per class, spread by the golden ratio so neighbouring indices differ. */
export function classColour(classIndex: number): [number, number, number] {
  return classIndex < 0 ? [0.6, 0.62, 0.66] : hsl(classIndex * 0.618034, 0.7, 0.56);
}

const LOW: [number, number, number] = [0.3, 0.55, 0.98];
const MID: [number, number, number] = [0.55, 0.56, 0.6];
const HIGH: [number, number, number] = [0.98, 0.6, 0.2];

/**
 * A diverging colour per score: blue below the mean, grey at it, orange above, saturating at
 * about two standard deviations.
 */
export function scoreColours(scores: Float64Array): Float32Array {
  const n = scores.length;
  const mean = scores.reduce((a, s) => a + s, 0) / Math.max(1, n);
  const sd = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / Math.max(1, n)) || 1;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const t = Math.tanh((scores[i]! - mean) / sd / 1.5);
    const end = t < 0 ? LOW : HIGH;
    const u = Math.abs(t);
    for (let c = 0; c < 3; c++) out[i * 3 + c] = MID[c]! + (end[c]! - MID[c]!) * u;
  }
  return out;
}

/** Colours of the direction axes, in order. */
export const AXIS_COLOURS: readonly (readonly [number, number, number])[] = [
  [1, 0.45, 0.4],
  [0.45, 0.9, 0.5],
  [0.45, 0.7, 1],
  [1, 0.82, 0.35],
  [0.85, 0.5, 1],
  [0.4, 0.9, 0.9],
];
