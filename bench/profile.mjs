// Where the time of one graph goes, by operator type, on onnxruntime-web WASM and on
// onnxruntime-node CPU side by side (both 1 thread, onnxruntime's own profiler, the last of 4 runs).
//
//   node bench/profile.mjs <package dir> [graph]      (graph: synthesis or generator by default)
//
// docs/PERFORMANCE.md quotes its output for the generated packages in node_modules/.cache/latent-studio-bench.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const [dir, graphArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!dir) {
  console.error('usage: node bench/profile.mjs <package dir> [graph]');
  process.exit(2);
}
const manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8'));
const graph = graphArg ?? (manifest.graphs.synthesis ? 'synthesis' : 'generator');
const spec = manifest.graphs[graph];
if (!spec) throw new Error(`${dir} has no graph "${graph}"`);
const file = path.join(dir, spec.file);
const RUNS = 4;

/** Inputs of seed-0-like constant values with the manifest's shapes. */
function feeds(ort) {
  const shapes = {
    ws: [1, manifest.num_ws, manifest.w_dim],
    z: [1, manifest.z_dim],
    c: [1, manifest.c_dim],
    truncation: [1],
  };
  return Object.fromEntries(
    spec.inputs.map((name) => {
      const dims = shapes[name] ?? [1, 1];
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(name === 'truncation' ? 1 : 0.1);
      return [name, new ort.Tensor('float32', data, dims)];
    }),
  );
}

/** Sum kernel times by operator type over the last run of a profile (Chrome trace events). */
function byOperator(events) {
  const runs = events.filter((e) => e.name === 'model_run');
  const last = runs[runs.length - 1];
  const totals = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < last.ts || e.ts > last.ts + last.dur) continue;
    const op = e.args.op_name;
    const t = totals.get(op) ?? { us: 0, count: 0 };
    t.us += e.dur;
    t.count += 1;
    totals.set(op, t);
  }
  return { runUs: last.dur, totals };
}

/** The WASM run, in a child process: onnxruntime-web writes its profile straight to stdout. */
async function wasmChild() {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(new Uint8Array(await fs.readFile(file)), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    enableProfiling: true,
  });
  const input = feeds(ort);
  for (let i = 0; i < RUNS; i++) await session.run(input);
  session.endProfiling();
  await session.release();
}

async function profileWasm() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), dir, graph, '--wasm-child'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d) => (text += d.toString()));
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the WASM profiling process failed (exit ${code})`);
  return byOperator(JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)));
}

async function profileNative() {
  const ort = require('onnxruntime-node');
  const prefix = path.join(tmpdir(), `latent-profile-${process.pid}`);
  const session = await ort.InferenceSession.create(file, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableProfiling: true,
    profileFilePrefix: prefix,
  });
  const input = feeds(ort);
  for (let i = 0; i < RUNS; i++) await session.run(input);
  session.endProfiling();
  await session.release();
  const written = (await fs.readdir(tmpdir())).filter((f) => f.startsWith(path.basename(prefix)));
  if (written.length !== 1) throw new Error(`expected one onnxruntime-node profile under ${prefix}*, found ${written.length}`);
  const profile = path.join(tmpdir(), written[0]);
  const events = JSON.parse(await fs.readFile(profile, 'utf8'));
  await fs.rm(profile);
  return byOperator(events);
}

if (process.argv.includes('--wasm-child')) {
  await wasmChild();
  process.exit(0);
}
const wasm = await profileWasm();
const native = await profileNative();
const ms = (us) => (us / 1000).toFixed(1).padStart(9);
console.log(`${manifest.id} ${graph}: one run ${ms(wasm.runUs)} ms WASM, ${ms(native.runUs)} ms native (1 thread, run ${RUNS} of ${RUNS})`);
console.log(`${'operator'.padEnd(16)} count   WASM ms  native ms  ratio  share of WASM`);
const ops = [...new Set([...wasm.totals.keys(), ...native.totals.keys()])].sort((a, b) => (wasm.totals.get(b)?.us ?? 0) - (wasm.totals.get(a)?.us ?? 0));
for (const op of ops.slice(0, 12)) {
  const w = wasm.totals.get(op) ?? { us: 0, count: 0 };
  const n = native.totals.get(op) ?? { us: 0, count: 0 };
  const ratio = n.us > 0 ? (w.us / n.us).toFixed(1) : '—';
  console.log(`${op.padEnd(16)} ${String(w.count).padStart(5)} ${ms(w.us)} ${ms(n.us)}  ${ratio.padStart(5)}  ${((100 * w.us) / wasm.runUs).toFixed(1).padStart(5)} %`);
}
