/**
 * The Node runtimes: `wasm-node` (onnxruntime-web WASM through main/inference/ort-web-node.ts),
 * `ort-node` (bare onnxruntime-node sessions in this process: the baseline), `studio-native` (the
 * studio's native path through its GraphRunner, across the process boundary). Each measurement
 * runs in a fresh process, because onnxruntime-web fixes its WASM thread count at first use.
 */
import * as ortNode from 'onnxruntime-node';
import path from 'node:path';
import type { Feeds, GraphRunner } from '../app/inference/runner';
import type { Manifest } from '../app/model/manifest';
import { seedToTruncatedZ, seedToZ } from '../app/latent';
import { createPipeline } from '../app/inference/render';
import { JOB_HANDLERS } from '../app/jobs/registry';
import { latentState } from '../app/state/latent-state';
import { frameCount, type Timeline } from '../app/state/timeline';
import { openWasmRunner } from '../main/inference/ort-web-node';
import { forkChannel, openNativeRunner } from '../main/inference/native/client';
import { sessionOptions } from '../main/inference/native/providers';
import { readManifest, readNoiseConst } from '../main/services/library';
import { createSynthesisInputs, DEFAULT_SYNTHESIS, type NoiseConst } from '../app/inference/synthesis-inputs';
import { median, timeRuns, warmingUp, type Row, type RunPlan, type Runtime } from './rows';

/** One process's work: one runtime on one model. */
export interface NodeJob {
  runtime: Extract<Runtime, 'wasm-node' | 'ort-node' | 'studio-native'>;
  model: string;
  dir: string;
  threads: number;
  plan: RunPlan;
  /** Built native host (dist/native/host.cjs), for studio-native. */
  nativeHost: string;
  /** Also time the render-timeline job per frame (GraphRunner runtimes only). */
  exportFrame: boolean;
}

/** What a job measured, plus a line about the runtime (provider, fallback) for the log. */
export interface NodeJobResult {
  rows: Row[];
  /** The first output values of each graph for the bench's input (seed 0). */
  heads: Record<string, number[]>;
  info: string;
}

/** The graphs a family runs, in order; later feeds may use earlier outputs (ws from mapping). */
export function graphOrder(manifest: Manifest): string[] {
  return manifest.family === 'stylegan' ? ['mapping', 'synthesis'] : ['generator'];
}

/** A package as the bench runs it: its manifest, its const noise, and the noise/transform feeds of its stored picture. */
export interface BenchPackage {
  manifest: Manifest;
  noiseConst: NoiseConst | null;
  /** Synthesis inputs besides ws (noise at const, the stored transform); {} for packages without them. */
  synthesisExtras: Feeds;
}

/** Read the package in `dir` for timing. */
export async function benchPackage(dir: string, manifest?: Manifest): Promise<BenchPackage> {
  const m = manifest ?? (await readManifest(dir));
  const noiseConst = await readNoiseConst(dir, m);
  return { manifest: m, noiseConst, synthesisExtras: createSynthesisInputs(m, noiseConst).feeds(DEFAULT_SYNTHESIS) };
}

/** Inputs of `graph` for seed 0 (ψ 1, class 0), the extra inputs at their defaults; `ws` comes from mapping. */
export function feedsFor({ manifest, synthesisExtras }: BenchPackage, graph: string, ws: Float32Array | null): Feeds {
  const feeds: Feeds = {};
  if (graph === 'synthesis') {
    if (!ws) throw new Error('synthesis needs the ws of a mapping run');
    feeds.ws = { data: ws, dims: [1, manifest.num_ws, manifest.w_dim] };
    Object.assign(feeds, synthesisExtras);
  } else {
    const z = manifest.family === 'conditional' ? seedToTruncatedZ(0, manifest.z_dim, 1) : seedToZ(0, manifest.z_dim);
    feeds.z = { data: z, dims: [1, manifest.z_dim] };
    if (manifest.c_dim > 0) {
      const c = new Float32Array(manifest.c_dim);
      c[0] = 1;
      feeds.c = { data: c, dims: [1, manifest.c_dim] };
    }
    if (manifest.family === 'conditional') feeds.truncation = { data: Float32Array.of(1), dims: [1] };
  }
  for (const extra of manifest.extra_inputs) {
    if (extra.graph === graph) feeds[extra.name] = { data: Float32Array.of(extra.default), dims: [1, 1] };
  }
  return feeds;
}

/**
 * The feeds of run `k` of a drag over `feeds`: its latent (ws for synthesis, z otherwise) moved a
 * little, a new array each run as the studio makes one per frame, and every other input (noise,
 * class, truncation) the same. The native path does not send an input again when it has not
 * changed (app/runtime/native-runner.ts, SentFeeds), so timing it on one latent repeated would time
 * requests that carry nothing; a drag's frames carry their ws and keep the noise.
 */
export function dragFeeds(graph: string, feeds: Feeds): (k: number) => Feeds {
  const name = graph === 'synthesis' ? 'ws' : 'z';
  const latent = feeds[name];
  if (!latent) throw new Error(`graph "${graph}" has no "${name}" input to drag`);
  return (k) => {
    const data = latent.data.slice();
    data[k % data.length]! += 2 ** -12 * (1 + (k % 7));
    return { ...feeds, [name]: { data, dims: latent.dims } };
  };
}

/** Two seeds, ten seconds each way, a closed loop at 24 fps: 480 frames, more than warm-up and runs take. */
function benchTimeline(): Timeline {
  const keyframe = (seed: number) => ({ id: `k${seed}`, state: latentState({ seed, psi: 0.7 }), duration: 10, easing: 'linear' as const });
  return { keyframes: [keyframe(1), keyframe(2)], fps: 24, interpolation: 'w-cubic', loop: 'close' };
}

/** How many leading output values a job reports (torch-cpu's weights are checked against them). */
const HEAD = 32;

async function timeGraphs(job: NodeJob, pkg: BenchPackage, run: (graph: string, feeds: Feeds) => Promise<Feeds>): Promise<Omit<NodeJobResult, 'info'>> {
  const rows: Row[] = [];
  const heads: Record<string, number[]> = {};
  let ws: Float32Array | null = null;
  for (const graph of graphOrder(pkg.manifest)) {
    const feeds = feedsFor(pkg, graph, ws);
    const drag = dragFeeds(graph, feeds);
    let k = 0;
    const times = await timeRuns(job.plan, () => run(graph, drag(k++)));
    const output = Object.values(await run(graph, feeds))[0]!.data;
    if (graph === 'mapping') ws = output;
    heads[graph] = Array.from(output.subarray(0, HEAD));
    rows.push({ model: job.model, runtime: job.runtime, stage: graph as Row['stage'], median_ms: median(times), runs: times.length, threads: job.threads });
  }
  return { rows, heads };
}

/** Per-frame wall time of the render-timeline job (latent, synthesis, RGBA conversion), as the worker runs it. */
async function timeExportFrames(job: NodeJob, { manifest, noiseConst }: BenchPackage, runner: GraphRunner): Promise<Row> {
  const context = { pipeline: createPipeline(runner, manifest, noiseConst), runner, manifest, now: () => performance.now(), readFile: () => Promise.reject(new Error('render-timeline reads no package files')) };
  const timeline = benchTimeline();
  // Warm-up as timeRuns does; the first frames also map the keyframes' seeds. Fast models warm up
  // for more frames than the timeline has: the job then starts again from frame 0.
  const times: number[] = [];
  const warming = performance.now();
  let warmups = 0;
  while (times.length < job.plan.runs) {
    for (const step of JOB_HANDLERS['render-timeline']({ timeline, first: 0, last: frameCount(timeline) - 1 }, context, () => {})) {
      const started = performance.now();
      await step();
      const ms = performance.now() - started;
      if (warmingUp(job.plan, warmups, started - warming)) warmups++;
      else times.push(ms);
      if (times.length === job.plan.runs) break;
    }
  }
  return { model: job.model, runtime: job.runtime, stage: 'export-frame', median_ms: median(times), runs: times.length, threads: job.threads, note: 'render-timeline job' };
}

async function withRunner(job: NodeJob, pkg: BenchPackage): Promise<NodeJobResult> {
  const { manifest } = pkg;
  let runner: GraphRunner;
  let info: string;
  if (job.runtime === 'wasm-node') {
    runner = await openWasmRunner(job.dir, manifest, { numThreads: job.threads });
    info = `onnxruntime-web WASM, ${job.threads} thread(s)`;
  } else {
    const native = await openNativeRunner(job.dir, manifest, { channel: forkChannel(job.nativeHost), numThreads: job.threads });
    runner = native;
    info = `native host pid ${native.pid}, provider ${native.provider}${native.fallbackReason ? ` (fallback: ${native.fallbackReason})` : ''}`;
  }
  try {
    const { rows, heads } = await timeGraphs(job, pkg, (graph, feeds) => runner.run(graph, feeds));
    if (job.exportFrame) rows.push(await timeExportFrames(job, pkg, runner));
    return { rows, heads, info };
  } finally {
    await runner.dispose();
  }
}

/** Bare onnxruntime-node: sessions with the native host's options, tensors wrapped around the feeds' arrays (no copy), no checks. */
async function bareOrtNode(job: NodeJob, pkg: BenchPackage): Promise<NodeJobResult> {
  const { manifest } = pkg;
  const sessions = new Map<string, ortNode.InferenceSession>();
  try {
    for (const graph of graphOrder(manifest)) {
      const file = path.join(job.dir, manifest.graphs[graph]!.file);
      sessions.set(graph, await ortNode.InferenceSession.create(file, sessionOptions('cpu', job.threads)));
    }
    const timed = await timeGraphs(job, pkg, async (graph, feeds) => {
      const out = await sessions.get(graph)!.run(ortTensors(feeds));
      return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, { data: t.data as Float32Array, dims: t.dims }]));
    });
    return { ...timed, info: `onnxruntime-node ${ortNode.env.versions.node ?? ''} CPU, ${job.threads} thread(s)` };
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.release()));
  }
}

/** onnxruntime-node tensors over `feeds`' arrays: what bare sessions are fed, made for each run as a caller with new inputs makes them. */
export function ortTensors(feeds: Feeds): Record<string, ortNode.Tensor> {
  return Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ortNode.Tensor('float32', t.data, t.dims)]));
}

/** Run one job in this process. */
export async function runNodeJob(job: NodeJob): Promise<NodeJobResult> {
  const pkg = await benchPackage(job.dir);
  return job.runtime === 'ort-node' ? bareOrtNode(job, pkg) : withRunner(job, pkg);
}
