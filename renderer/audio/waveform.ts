/**
 * Draws a track under the timeline: its waveform (min/max per pixel column) and the analysed lanes
 * (RMS, the three bands, onset ticks, a chroma strip), each scaled to its own largest value, so a
 * user sees what a mapping will follow before they map it.
 */
import type { AudioFeatures } from '../../app/audio/analysis';

const LANES = [
  { key: 'rms', colour: '#e8e8e8' },
  { key: 'low', colour: '#e07a5f' },
  { key: 'mid', colour: '#81b29a' },
  { key: 'high', colour: '#6d9dc5' },
] as const;

function maxOf(values: Float32Array): number {
  let top = 0;
  for (const v of values) top = Math.max(top, v);
  return top;
}

/** Paint `buffer`'s waveform and `features` (when analysed) into `canvas`, at its CSS size × devicePixelRatio. */
export function drawWaveform(canvas: HTMLCanvasElement, buffer: AudioBuffer, features: AudioFeatures | null): void {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  if (!g) return;
  g.clearRect(0, 0, width, height);
  const waveHeight = height * 0.4;
  const samples = buffer.getChannelData(0);
  const perColumn = samples.length / width;
  g.fillStyle = '#7a8699';
  for (let x = 0; x < width; x++) {
    let lo = 0;
    let hi = 0;
    const end = Math.min(samples.length, Math.floor((x + 1) * perColumn));
    for (let i = Math.floor(x * perColumn); i < end; i++) {
      lo = Math.min(lo, samples[i]!);
      hi = Math.max(hi, samples[i]!);
    }
    const mid = waveHeight / 2;
    g.fillRect(x, mid - hi * mid, 1, Math.max(1, (hi - lo) * mid));
  }
  if (!features) return;
  const laneTop = waveHeight;
  const laneHeight = height * 0.35;
  const xOf = (frame: number) => (frame / Math.max(1, features.frameCount)) * width;
  for (const { key, colour } of LANES) {
    const lane = features[key];
    const top = maxOf(lane) || 1;
    g.strokeStyle = colour;
    g.beginPath();
    lane.forEach((v, i) => (i === 0 ? g.moveTo(xOf(i), laneTop + laneHeight * (1 - v / top)) : g.lineTo(xOf(i), laneTop + laneHeight * (1 - v / top))));
    g.stroke();
  }
  g.fillStyle = '#f2c46d';
  for (const o of features.onsets) g.fillRect((o.time / features.duration) * width, laneTop, Math.max(1, ratio), laneHeight * o.strength);
  const chromaTop = laneTop + laneHeight;
  const row = (height - chromaTop) / 12;
  const column = width / features.frameCount;
  for (let i = 0; i < features.frameCount; i++) {
    for (let c = 0; c < 12; c++) {
      const v = features.chroma[i * 12 + c]!;
      if (v <= 0) continue;
      g.fillStyle = `rgba(200, 160, 255, ${v})`;
      g.fillRect(i * column, chromaTop + (11 - c) * row, Math.ceil(column), Math.ceil(row));
    }
  }
}
