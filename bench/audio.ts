/**
 * The audio-analysis row of `npm run bench` (issue 15): app/audio/analysis.ts on a synthetic
 * 3-minute track (a --quick run: 5 s), timed in Node as plain TypeScript — the same code the
 * studio's analysis worker runs in Chromium, where V8 gives much the same figure.
 */
import { analyseAudio } from '../app/audio/analysis';
import { median, timeRuns, type Row, type RunPlan } from './rows';

const SAMPLE_RATE = 44_100;
const FPS = 24;

/** A mono track of `seconds`: a 120 BPM click over a chord whose loudness swells (seeded noise, so every run is alike). */
export function syntheticTrack(seconds: number): Float32Array {
  const pcm = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  let seed = 12345;
  for (let i = 0; i < pcm.length; i++) {
    const t = i / SAMPLE_RATE;
    const swell = 0.2 + 0.15 * Math.sin((2 * Math.PI * t) / 8);
    let v = swell * (Math.sin(2 * Math.PI * 110 * t) + 0.5 * Math.sin(2 * Math.PI * 277.2 * t) + 0.3 * Math.sin(2 * Math.PI * 329.6 * t));
    const sinceBeat = t % 0.5;
    if (sinceBeat < 0.004) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      v += 0.5 * (seed / 2 ** 30 - 1) * Math.exp(-sinceBeat / 0.001);
    }
    pcm[i] = v / 2;
  }
  return pcm;
}

/** Time the analysis of a `seconds`-long track under `plan`; the row is keyed as the bench's others are. */
export async function audioAnalysisRow(seconds: number, plan: RunPlan): Promise<Row> {
  const pcm = syntheticTrack(seconds);
  let tempo: number | null = null;
  const times = await timeRuns(plan, async () => {
    tempo = analyseAudio(pcm, SAMPLE_RATE, FPS).tempo;
  });
  return {
    model: 'synthetic-track',
    runtime: 'node',
    stage: 'audio-analysis',
    median_ms: median(times),
    runs: times.length,
    threads: 1,
    note: `${seconds} s at ${SAMPLE_RATE / 1000} kHz mono, ${FPS} fps frames; tempo found ${tempo === null ? 'none' : `${(tempo as number).toFixed(1)} BPM`}`,
  };
}
