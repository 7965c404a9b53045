/**
 * `npm run bench`: the studio's inference timed side by side with native runtimes on the same
 * graphs (issue 8). Prints a table and the targets, and writes the rows as JSON with `--json`.
 * Progress goes to stderr, the table to stdout. Run it on a quiet machine: figures are medians of
 * wall times, and anything else using the CPU shows up in them.
 *
 *   node bench/run.mjs [--quick] [--json FILE] [--only a,b] [--models a,b] [--threads N] [--sweep]
 *                      [--runs N] [--warmup-ms N] [--no-generate] [--cache DIR] [--native-host FILE]
 *
 * --only takes runtime names (wasm-node, wasm-chromium, webgpu-chromium, ort-node, studio-native,
 * torch-cpu) and the extra stages (ui-latency, which times osc-latency on the same page, export-frame,
 * map-frame, super-resolution: the bundled 4× stage on WASM in Node, per output megapixel,
 * audio-analysis, and fp16: each model's float16 twin made and measured against float32 on
 * onnxruntime-node, and timed on WebGPU where the adapter has shader-f16); the default is all.
 * --quick is a smoke run: the fixture only, 3 runs after 1 warm-up. --runs N times N runs instead
 * of the issue's counts (for probing; figures for the report use the defaults); --warmup-ms N
 * changes the least warm-up time (bench/rows.ts WASM_WARMUP_MS, NATIVE_WARMUP_MS).
 * --sweep also times WASM (Node and Chromium) and onnxruntime-node at 1, 2 and 4 threads on the
 * models up to 256 px. --gpu: WebGPU on the machine's GPU (chromium.ts HARDWARE_WEBGPU) against
 * PyTorch on CUDA where it has it (else the CPU), on random-stylegan2-256 and -1024 unless --only
 * and --models say otherwise; on a software adapter it says that its figures mean nothing.
 */
import { fork, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBenchPage, measureStudio } from './chromium';
import { measureFrameSplit } from './frame-split';
import { bundledModels, generatedModels, PYTHON, RECIPES, type BenchModel } from './models';
import { runNodeJob, type NodeJob, type NodeJobResult } from './node-runtimes';
import { formatTable, RUNTIMES, runPlan, type Row, type RunPlan, type Skip } from './rows';
import { targetLines } from './targets';
import { superResolutionRows } from './super-resolution';
import { audioAnalysisRow } from './audio';
import { measureInterleaved, ratioLines, type Ratio } from './interleaved';
import { fp16Bench } from './fp16';

/** Largest model the interleaved rows take unless it is named in --models (three copies of it are open at once). */
const INTERLEAVED_MAX_PX = 256;
const EXTRA_STAGES = ['ui-latency', 'export-frame', 'map-frame', 'super-resolution', 'audio-analysis', 'interleaved', 'frame-split', 'fp16'] as const;
/** Input edges the super-resolution stage is timed at (a 64 px demo export; a tiled 256 px one); --quick: a tiny input. */
const SR_SIDES = [64, 256];
const SR_QUICK_SIDES = [16];
/** The audio-analysis row's track: 3 minutes, as issue 15 asks (5 s in a --quick run). */
const AUDIO_SECONDS = 180;
const SWEEP_THREADS = [1, 2, 4];
/** What `--gpu` times unless told otherwise: WebGPU against PyTorch (torch-cpu's job runs CUDA where present) at 256 and 1024 px. */
const GPU_RUNTIMES = ['webgpu-chromium', 'torch-cpu', 'frame-split', 'fp16'];
const GPU_MODELS = ['random-stylegan2-256', 'random-stylegan2-1024'];
const SWEEP_MAX_RESOLUTION = 256;
/** ui-latency in the studio up to this resolution (a WASM frame of a 1024-px model takes many seconds). */
const STUDIO_MAX_RESOLUTION = 256;

/** Parsed command line. */
interface Options {
  quick: boolean;
  json: string | null;
  only: Set<string>;
  models: Set<string> | null;
  threads: number;
  /** Runs per figure instead of the issue's counts, or null. */
  runs: number | null;
  /** Least warm-up time instead of the runtime's default, or null. */
  warmupMs: number | null;
  sweep: boolean;
  generate: boolean;
  cache: string;
  nativeHost: string;
  /** --gpu: hardware WebGPU and PyTorch on CUDA where present. */
  gpu: boolean;
}

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'bench'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${from}`);
    dir = up;
  }
  return dir;
}

const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Default threads for every runtime: what the studio's worker gives WASM in Chromium (the cores,
 * at most 4), so that every runtime, ui-latency included, is timed at the same count. `--sweep`
 * shows the other counts (docs/PERFORMANCE.md).
 */
function defaultThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

function parseArgs(argv: string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return null;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const known = new Set<string>([...RUNTIMES, ...EXTRA_STAGES]);
  const gpu = argv.includes('--gpu');
  const only = new Set((value('--only') ?? (gpu ? GPU_RUNTIMES : [...known]).join(',')).split(',').filter(Boolean));
  for (const name of only) if (!known.has(name)) throw new Error(`--only: unknown "${name}" (known: ${[...known].join(', ')})`);
  const threads = Number(value('--threads') ?? defaultThreads());
  if (!Number.isInteger(threads) || threads < 1) throw new Error('--threads must be a positive integer');
  const models = value('--models') ?? (gpu ? GPU_MODELS.join(',') : null);
  const runs = value('--runs') === null ? null : Number(value('--runs'));
  if (runs !== null && !(Number.isInteger(runs) && runs > 0)) throw new Error('--runs must be a positive integer');
  const warmupMs = value('--warmup-ms') === null ? null : Number(value('--warmup-ms'));
  if (warmupMs !== null && !(Number.isFinite(warmupMs) && warmupMs >= 0)) throw new Error('--warmup-ms must be a number of ms');
  return {
    quick: argv.includes('--quick'),
    json: value('--json'),
    only,
    models: models ? new Set(models.split(',')) : null,
    threads,
    runs,
    warmupMs,
    sweep: argv.includes('--sweep'),
    generate: !argv.includes('--no-generate') && !argv.includes('--quick'),
    cache: value('--cache') ?? path.join(ROOT, 'node_modules', '.cache', 'latent-studio-bench'),
    nativeHost: value('--native-host') ?? path.join(ROOT, 'dist', 'native', 'host.cjs'),
    gpu,
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Run one Node job in a fresh process (onnxruntime-web fixes its thread count at first use). */
function forkNodeJob(job: NodeJob): Promise<NodeJobResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--worker', JSON.stringify(job)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: NodeJobResult | null = null;
    let failure: string | null = null;
    child.on('message', (message: { result?: NodeJobResult; error?: string }) => {
      result = message.result ?? null;
      failure = message.error ?? null;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(failure ?? `the ${job.runtime} process ended (${signal ?? `exit code ${code}`}) without a result`));
    });
  });
}

async function workerMain(jobText: string): Promise<void> {
  try {
    const result = await runNodeJob(JSON.parse(jobText) as NodeJob);
    process.send!({ result });
  } catch (error) {
    process.send!({ error: (error as Error).message });
  }
  process.disconnect();
}

/** torch-cpu rows from bench/torch_bench.py, and the first outputs it computed. */
async function torchRows(models: readonly BenchModel[], options: Options, plan: (m: BenchModel) => RunPlan) {
  const skips: Skip[] = [];
  const jobs = [];
  for (const model of models) {
    if (model.torch.kind === 'none') skips.push({ model: model.id, runtime: 'torch-cpu', stage: '*', reason: model.torch.reason });
    else jobs.push({ model: model.id, source: model.torch, plan: plan(model) });
  }
  if (jobs.length === 0) return { rows: [] as Row[], heads: {}, skips };
  const input = JSON.stringify({ threads: options.threads, root: ROOT, device: options.gpu ? 'auto' : 'cpu', jobs });
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(PYTHON, [path.join(ROOT, 'bench', 'torch_bench.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on('error', (error) => reject(new Error(`could not run ${PYTHON}: ${error.message}`)));
    child.on('close', (code) => {
      for (const line of err.split('\n')) if (line.startsWith('torch_bench:')) log(`    ${line}`);
      if (code === 0) resolve(out);
      else reject(new Error(`torch_bench.py failed (exit ${code}): ${err.trim()}`));
    });
    child.stdin.end(input);
  });
  const lastLine = output.trim().split('\n').pop() ?? '';
  const doc = JSON.parse(lastLine) as { rows: Row[]; heads: Record<string, Record<string, number[]>>; skips: { model: string; reason: string }[] };
  for (const s of doc.skips) skips.push({ model: s.model, runtime: 'torch-cpu', stage: '*', reason: s.reason });
  return { rows: doc.rows, heads: doc.heads, skips };
}

/** Largest |a − b| over the values both have. */
function maxDiff(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const want = (name: string) => options.only.has(name);
  const rows: Row[] = [];
  const skips: Skip[] = [];
  /** Lines printed under the table (a software WebGPU adapter under --gpu). */
  const notes: string[] = [];
  const planAt = (resolution: number, wasm: boolean) => {
    const base = runPlan(resolution, options.quick && !options.runs, wasm);
    return { ...base, ...(options.runs ? { runs: options.runs } : {}), ...(options.warmupMs !== null ? { warmupMs: options.warmupMs } : {}) };
  };
  const planFor = (wasm: boolean) => (model: BenchModel) => planAt(model.manifest.resolution, wasm);
  const plan = planFor(false);
  const wasmPlan = planFor(true);

  // Models: the fixture always; the bundled ones and the generated architectures unless --quick.
  let models = await bundledModels(ROOT);
  if (options.quick) models = models.filter((m) => m.id === 'fixture-stylegan-tiny');
  if (options.generate) {
    await fs.mkdir(options.cache, { recursive: true });
    const recipes = RECIPES.filter((r) => !options.models || options.models.has(r.id));
    const generated = await generatedModels(ROOT, options.cache, recipes, log);
    models.push(...generated.models);
    for (const m of generated.missing) skips.push({ model: m.id, runtime: '*', stage: '*', reason: m.reason });
  }
  if (options.models) models = models.filter((m) => options.models!.has(m.id));
  log(`bench: ${models.map((m) => `${m.id} (${m.manifest.resolution} px)`).join(', ')}; ${options.threads} thread(s); ${options.quick ? 'quick' : 'full'} run`);

  // Node runtimes, one process per (runtime, model, threads).
  const heads: Record<string, Record<string, Record<string, number[]>>> = {};
  const nodeRuntimes = (['ort-node', 'studio-native', 'wasm-node'] as const).filter(want);
  for (const model of models) {
    for (const runtime of nodeRuntimes) {
      const sweep = options.sweep && runtime !== 'studio-native' && model.manifest.resolution <= SWEEP_MAX_RESOLUTION;
      const threadCounts = sweep ? [...new Set([options.threads, ...SWEEP_THREADS])] : [options.threads];
      for (const threads of threadCounts) {
        const job: NodeJob = {
          runtime,
          model: model.id,
          dir: model.dir,
          threads,
          plan: runtime === 'wasm-node' ? wasmPlan(model) : plan(model),
          nativeHost: options.nativeHost,
          exportFrame: want('export-frame') && runtime !== 'ort-node' && threads === options.threads && !(runtime === 'wasm-node' && model.manifest.resolution > SWEEP_MAX_RESOLUTION),
        };
        if (want('export-frame') && runtime === 'wasm-node' && threads === options.threads && model.manifest.resolution > SWEEP_MAX_RESOLUTION) {
          skips.push({ model: model.id, runtime, stage: 'export-frame', reason: `WASM frames of ${model.manifest.resolution} px take tens of seconds: export-frame is timed on WASM up to ${SWEEP_MAX_RESOLUTION} px (studio-native covers every size)` });
        }
        log(`  ${runtime} ${model.id} (${threads} thread(s)) …`);
        try {
          const result = await forkNodeJob(job);
          rows.push(...result.rows);
          log(`    ${result.info}`);
          if (threads === options.threads) ((heads[runtime] ??= {})[model.id] = result.heads);
        } catch (error) {
          skips.push({ model: model.id, runtime, stage: '*', reason: (error as Error).message });
        }
      }
    }
  }

  if (want('super-resolution')) {
    log('  super-resolution (emoji-sr4x, wasm-node) …');
    try {
      rows.push(...(await superResolutionRows(ROOT, options.quick ? SR_QUICK_SIDES : SR_SIDES, options.threads, planAt(64, true))));
    } catch (error) {
      skips.push({ model: 'emoji-sr4x', runtime: 'wasm-node', stage: 'super-resolution', reason: (error as Error).message });
    }
  }

  // The native paths against bare onnxruntime-node, run for run (bench/interleaved.ts).
  const ratios: Ratio[] = [];
  if (want('interleaved')) {
    if (!existsSync(path.join(ROOT, 'dist', 'web', 'server.mjs')) || !existsSync(options.nativeHost)) {
      skips.push({ model: '*', runtime: 'web-native', stage: 'interleaved', reason: 'dist/web/server.mjs or the native host is missing: run node scripts/build.mjs first' });
    } else {
      // Three runtimes hold the model at once (the bench, the studio's native process, the browser
      // host's): at 1024 px that is ~21 GiB of onnxruntime arenas, more than a 24-GiB machine has
      // beside the rest. Larger models run here only when named.
      const large = models.filter((m) => m.manifest.resolution > INTERLEAVED_MAX_PX && !options.models?.has(m.id));
      for (const m of large) {
        skips.push({ model: m.id, runtime: 'web-native', stage: 'interleaved', reason: `over ${INTERLEAVED_MAX_PX} px, three runtimes at once need ~7 GiB each at 1024 px: name it in --models to run it` });
      }
      try {
        const interleaved = await measureInterleaved({ root: ROOT, scratch: options.cache, models: models.filter((m) => !large.includes(m)), threads: options.threads, nativeHost: options.nativeHost, plan, log });
        rows.push(...interleaved.rows);
        ratios.push(...interleaved.ratios);
      } catch (error) {
        skips.push({ model: '*', runtime: 'web-native', stage: 'interleaved', reason: (error as Error).message.split('\n')[0]! });
      }
    }
  }

  if (want('torch-cpu')) {
    log('  torch-cpu …');
    try {
      const torch = await torchRows(models, options, plan);
      rows.push(...torch.rows);
      skips.push(...torch.skips);
      for (const [model, graphHeads] of Object.entries(torch.heads)) {
        const reference = heads['ort-node']?.[model];
        if (!reference) continue;
        const worst = Math.max(...Object.entries(graphHeads).map(([graph, head]) => maxDiff(head, reference[graph] ?? [])));
        const diffs = Object.entries(graphHeads).map(([graph, head]) => `${graph} ${maxDiff(head, reference[graph] ?? []).toExponential(1)}`);
        // A trained model's checkpoint may have moved on since the package was exported.
        const verdict = worst < 1e-3 ? 'same weights' : 'DIFFERENT weights (the checkpoint is not the exported one): timings still compare the architecture';
        log(`    ${model}: torch vs onnxruntime-node, max |Δ| of the first outputs: ${diffs.join(', ')}: ${verdict}`);
      }
    } catch (error) {
      skips.push({ model: '*', runtime: 'torch-cpu', stage: '*', reason: (error as Error).message });
    }
  }

  if ((want('ui-latency') || want('map-frame')) && !existsSync(path.join(ROOT, 'dist', 'web', 'server.mjs'))) {
    skips.push({ model: '*', runtime: 'wasm-chromium', stage: 'ui-latency, map-frame', reason: 'dist/web/server.mjs is missing: run node scripts/build.mjs first' });
    options.only.delete('ui-latency');
    options.only.delete('map-frame');
  }
  for (const backend of ['wasm', 'webgpu'] as const) {
    if (!want(`${backend}-chromium`)) continue;
    const sweepable = options.sweep && backend === 'wasm';
    const threadCounts = sweepable ? [...new Set([options.threads, ...SWEEP_THREADS])] : [options.threads];
    for (const threads of threadCounts) {
      const subset = threads === options.threads ? models : models.filter((m) => m.manifest.resolution <= SWEEP_MAX_RESOLUTION);
      try {
        const page = await measureBenchPage({ root: ROOT, models: subset, backend, gpu: options.gpu, threads, plan: wasmPlan, log });
        rows.push(...page.rows);
        skips.push(...page.skips);
        for (const line of page.info) log(`    ${line}`);
        notes.push(...page.info.filter((line) => line.includes('SOFTWARE')));
        for (const [model, graphHeads] of Object.entries(page.heads)) {
          const reference = heads['ort-node']?.[model];
          if (!reference || threads !== options.threads) continue;
          const diffs = Object.entries(graphHeads).map(([graph, head]) => `${graph} ${maxDiff(head, reference[graph] ?? []).toExponential(1)}`);
          log(`    ${model}: ${backend}-chromium vs onnxruntime-node, max |Δ|: ${diffs.join(', ')}`);
        }
      } catch (error) {
        skips.push({ model: '*', runtime: `${backend}-chromium`, stage: '*', reason: (error as Error).message.split('\n')[0]! });
      }
    }
  }
  if (want('fp16')) {
    if (!existsSync(options.nativeHost)) {
      skips.push({ model: '*', runtime: 'ort-node', stage: 'fp16', reason: 'the native host is missing: run node scripts/build.mjs first' });
    } else {
      const half = await fp16Bench(models, options.cache, options.nativeHost, log);
      rows.push(...half.rows);
      skips.push(...half.skips);
      if (want('webgpu-chromium') && half.twins.length > 0) {
        try {
          const page = await measureBenchPage({ root: ROOT, models: half.twins, backend: 'webgpu', gpu: options.gpu, threads: options.threads, plan: wasmPlan, log, requireShaderF16: true });
          rows.push(...page.rows);
          skips.push(...page.skips);
        } catch (error) {
          skips.push({ model: '*', runtime: 'webgpu-chromium', stage: 'fp16', reason: (error as Error).message.split('\n')[0]! });
        }
      }
    }
  }
  if (want('ui-latency') || want('map-frame')) {
    const studioModels = want('ui-latency') ? models.filter((m) => m.manifest.resolution <= STUDIO_MAX_RESOLUTION) : [];
    for (const m of want('ui-latency') ? models : []) {
      if (m.manifest.resolution > STUDIO_MAX_RESOLUTION) {
        skips.push({ model: m.id, runtime: 'wasm-chromium', stage: 'ui-latency', reason: `a ${m.manifest.resolution}-px frame on WASM takes seconds: the studio is timed up to ${STUDIO_MAX_RESOLUTION} px` });
      }
    }
    // The map's cost is in its points, not the model: time it on the cheapest model to sample.
    const mapModel = want('map-frame') ? (models.find((m) => m.id === 'fixture-stylegan-tiny') ?? null) : null;
    try {
      const backends = want('web-native') ? (['wasm', 'native'] as const) : (['wasm'] as const);
      const studio = await measureStudio({ root: ROOT, scratch: options.cache, models: studioModels, mapModel, plan: wasmPlan, log, backends, nativeThreads: options.threads });
      rows.push(...studio.rows);
      skips.push(...studio.skips);
    } catch (error) {
      skips.push({ model: '*', runtime: 'wasm-chromium', stage: 'ui-latency', reason: (error as Error).message.split('\n')[0]! });
    }
  }

  if (want('frame-split')) {
    log('bench: WebGPU preview frames, readback path against GPU-resident');
    try {
      const split = await measureFrameSplit({ root: ROOT, scratch: options.cache, models, gpu: options.gpu, runs: options.runs ?? (options.quick ? 3 : 20), quick: options.quick, log });
      rows.push(...split.rows);
      skips.push(...split.skips);
      notes.push('WebGPU frame split (bench/frame-split.ts):', ...split.lines);
    } catch (error) {
      skips.push({ model: '*', runtime: 'webgpu-chromium', stage: 'frame-split', reason: (error as Error).message.split('\n')[0]! });
    }
  }

  if (want('audio-analysis')) {
    log(`bench: audio analysis of a ${options.quick ? 5 : AUDIO_SECONDS}-s track`);
    const plan = options.quick ? runPlan(0, true, false) : { warmup: 1, warmupMs: 0, runs: options.runs ?? 5 };
    rows.push(await audioAnalysisRow(options.quick ? 5 : AUDIO_SECONDS, plan));
  }

  rows.sort((a, b) => models.findIndex((m) => m.id === a.model) - models.findIndex((m) => m.id === b.model) || RUNTIMES.indexOf(a.runtime) - RUNTIMES.indexOf(b.runtime));
  process.stdout.write(`${formatTable(rows, skips)}\n\n${[...targetLines(rows, options.threads), ...ratioLines(ratios, rows), ...notes].join('\n')}\n`);
  log(`bench finished in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  if (options.json) {
    await fs.writeFile(options.json, `${JSON.stringify(rows, null, 2)}\n`);
    log(`wrote ${rows.length} rows to ${options.json}`);
  }
}

const workerAt = process.argv.indexOf('--worker');
if (workerAt >= 0) {
  void workerMain(process.argv[workerAt + 1]!);
} else {
  main().catch((error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  });
}

