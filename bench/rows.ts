/**
 * The bench's results: one row per (model, runtime, stage), the rows it had to skip with the
 * reason, and the timing loop every runtime in Node shares.
 */

/** Runtime names of the rows (issue 8); `node` is plain TypeScript in Node, no inference runtime (audio analysis). */
export const RUNTIMES = ['wasm-node', 'wasm-chromium', 'webgpu-chromium', 'ort-node', 'ort-node-spinning', 'studio-native', 'web-native', 'torch-cpu', 'torch-cuda', 'node'] as const;
/** A runtime measured by the bench. */
export type Runtime = (typeof RUNTIMES)[number];

/** Stages: one graph each, or a whole interaction (ui-latency and osc-latency, export-frame, map-frame), an image-to-image stage (super-resolution), the audio analysis of a track, one WebGPU preview frame on each path (frame-readback, frame-gpu), or the float16 pass (fp16). */
export type Stage = 'mapping' | 'synthesis' | 'generator' | 'ui-latency' | 'osc-latency' | 'export-frame' | 'map-frame' | 'super-resolution' | 'audio-analysis' | 'frame-readback' | 'frame-gpu' | 'fp16';

/** One measured figure. */
export interface Row {
  model: string;
  runtime: Runtime;
  stage: Stage;
  /** Median wall time of one run, in ms. */
  median_ms: number;
  /** 10th and 90th percentiles of the runs, in ms, where the bench reports the spread (interleaved rows). */
  p10_ms?: number;
  p90_ms?: number;
  /** Runs measured after warm-up. */
  runs: number;
  /** Intra-op / WASM threads the runtime used. */
  threads: number;
  /** What else defines the figure (point count of a map frame, output location, …), or absent. */
  note?: string;
}

/** A figure the bench could not produce, and why. */
export interface Skip {
  model: string;
  runtime: string;
  stage: string;
  reason: string;
}

/**
 * How many runs to time, and how long to warm up first. V8 runs WebAssembly with its baseline
 * compiler and swaps in optimised code for a function only after it has been used for a while and
 * a background compile has finished: on the 64-px demo model a WASM synthesis took 66 ms per run
 * for the first 0.6 s in Node and about 100 ms for 8 s in Chromium, then 16–27 ms; a 256-px
 * synthesis in Node still ran 25 % slow after two 1.5-s warm-up runs. So warm-up is counted in runs
 * and in time.
 */
export interface RunPlan {
  /** Least warm-up runs. */
  warmup: number;
  /** Least warm-up time. */
  warmupMs: number;
  runs: number;
}

/** Least warm-up time for WASM runtimes (wasm-node, wasm-chromium, webgpu-chromium, the studio). */
export const WASM_WARMUP_MS = 10_000;
/** Least warm-up time for the native runtimes (no tier-up; caches, thread pools). */
export const NATIVE_WARMUP_MS = 1000;
const MAX_WARMUP_RUNS = 2000;

/**
 * The run counts: ≥ 20 after warm-up, ≥ 5 for 1024-pixel graphs; a smoke run times 3 after
 * one warm-up run. `wasm`: the runtime runs WebAssembly (the longer warm-up).
 */
export function runPlan(resolution: number, quick: boolean, wasm: boolean): RunPlan {
  if (quick) return { warmup: 1, warmupMs: 0, runs: 3 };
  const warmupMs = wasm ? WASM_WARMUP_MS : NATIVE_WARMUP_MS;
  return resolution >= 1024 ? { warmup: 1, warmupMs, runs: 5 } : { warmup: 2, warmupMs, runs: 20 };
}

/**
 * Whether to keep warming up after `done` warm-up runs taking `elapsedMs` in all. (The bench page,
 * bench/page/bench-page.js, the studio's ui-latency loop in chromium.ts and torch_bench.py repeat
 * this rule.)
 */
export function warmingUp(plan: RunPlan, done: number, elapsedMs: number): boolean {
  return done < plan.warmup || (done < MAX_WARMUP_RUNS && elapsedMs < plan.warmupMs);
}

/** The median of `values` (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Time `run` `plan.runs` times after the plan's warm-up; returns each run's ms. */
export async function timeRuns(plan: RunPlan, run: () => Promise<unknown>): Promise<number[]> {
  const warming = performance.now();
  for (let done = 0; warmingUp(plan, done, performance.now() - warming); done++) await run();
  const times: number[] = [];
  for (let i = 0; i < plan.runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times;
}

/** The results as a fixed-width table, skipped figures listed underneath with their reasons. */
export function formatTable(rows: readonly Row[], skips: readonly Skip[]): string {
  const header = ['model', 'runtime', 'stage', 'threads', 'median ms', 'p10–p90', 'runs', 'note'];
  const spread = (r: Row) => (r.p10_ms === undefined || r.p90_ms === undefined ? '' : `${r.p10_ms.toFixed(2)}–${r.p90_ms.toFixed(2)}`);
  const body = rows.map((r) => [r.model, r.runtime, r.stage, String(r.threads), r.median_ms.toFixed(2), spread(r), String(r.runs), r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 && i <= 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  if (skips.length) {
    out.push('', 'skipped:');
    for (const s of skips) out.push(`  ${s.model} / ${s.runtime} / ${s.stage}: ${s.reason}`);
  }
  return out.join('\n');
}
