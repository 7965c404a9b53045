/**
 * Runtimes compared run for run (issue 17, Measure): bare onnxruntime-node, the studio's native
 * path over a forked host (`studio-native`), and the browser host's native path over its
 * WebSocket (`web-native`: the built dist/web/server.mjs as a user runs it, its native process,
 * RGBA converted there, the worker's own client code) take turns on the same inputs — A, B, C,
 * then C, B, A, …, each round on the next frame of a drag — so that a change of machine load
 * hits every side alike. Each row gets its median and p10–p90; each pairing the median and
 * p10–p90 of the per-round ratio, which is what a busy machine cannot fake.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import type { Feeds } from '../app/inference/runner';
import { NATIVE_SOCKET_ROUTE } from '../app/contract/routes';
import { NativeConnection, nativeGraphRunner } from '../app/runtime/native-runner';
import { forkChannel, openNativeRunner } from '../main/inference/native/client';
import { sessionOptions } from '../main/inference/native/providers';
import { openTestSocket } from '../test-support/websocket-client';
import { startStudioHost } from './studio-host';
import type { BenchModel } from './models';
import { benchPackage, dragFeeds, feedsFor, graphOrder, ortTensors, type BenchPackage } from './node-runtimes';
import { warmingUp, type Row, type RunPlan, type Runtime } from './rows';

/** The runtimes this module interleaves, in round order. */
export const INTERLEAVED = ['ort-node', 'studio-native', 'web-native'] as const;
type Contender = (typeof INTERLEAVED)[number];

/** One pairing's per-round ratio: `runtime` over `baseline`. */
export interface Ratio {
  model: string;
  stage: string;
  runtime: Runtime;
  baseline: Runtime;
  median: number;
  p10: number;
  p90: number;
  /** Median of the per-round differences, ms. */
  addedMs: number;
  /** Medians of the process CPU time per run and the idle gap after it, ms (the spinning pair only). */
  cpuMs?: { runtime: number; baseline: number };
}

/** Idle time after each run of the spinning pair: frames of a ψ drag arrive some milliseconds apart. */
export const SPIN_GAP_MS = 5;
/** Runs of one side of the spinning pair in a row. */
const SPIN_BLOCK = 5;
/** Quiet before each block of the spinning pair, long enough for a spinning pool to go to sleep. */
const SPIN_SETTLE_MS = 100;

/** The `q` quantile of `values` (linear between order statistics). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

type RunGraph = (graph: string, feeds: Feeds) => Promise<unknown>;

/**
 * Time `contenders` in turns: warm each up by the plan (in turns too), then `plan.runs` rounds,
 * every other round in reverse order so that none always runs right after another. Every
 * contender of a round gets the same feeds, `feedsAt(k)` for the k-th round counting the warm-up
 * (bench/node-runtimes.ts dragFeeds: the frames of a drag). Returns each contender's times, round by round.
 */
export async function interleave(contenders: readonly RunGraph[], plan: RunPlan, graph: string, feedsAt: (k: number) => Feeds): Promise<number[][]> {
  const warming = performance.now();
  let k = 0;
  for (let done = 0; warmingUp(plan, done, performance.now() - warming); done++) {
    const feeds = feedsAt(k++);
    for (const run of contenders) await run(graph, feeds);
  }
  const times = contenders.map(() => [] as number[]);
  for (let round = 0; round < plan.runs; round++) {
    const order = contenders.map((_, i) => i);
    if (round % 2) order.reverse();
    const feeds = feedsAt(k++);
    for (const i of order) {
      const started = performance.now();
      await contenders[i]!(graph, feeds);
      times[i]!.push(performance.now() - started);
    }
  }
  return times;
}

/** Per-round ratios of `times` over `base`, summarised. */
export function ratioOf(times: readonly number[], base: readonly number[]): Pick<Ratio, 'median' | 'p10' | 'p90' | 'addedMs'> {
  const ratios = times.map((t, i) => t / base[i]!);
  return { median: quantile(ratios, 0.5), p10: quantile(ratios, 0.1), p90: quantile(ratios, 0.9), addedMs: quantile(times.map((t, i) => t - base[i]!), 0.5) };
}

/** Options of {@link measureInterleaved}. */
export interface InterleavedOptions {
  root: string;
  scratch: string;
  models: readonly BenchModel[];
  threads: number;
  nativeHost: string;
  plan: (model: BenchModel) => RunPlan;
  log: (line: string) => void;
}

/** Bare sessions as bench/node-runtimes.ts times them: the native host's options (spinning threads if told), tensors over the feeds' arrays. */
async function bareSessions(model: BenchModel, threads: number, spinning = false): Promise<{ run: RunGraph; close(): Promise<void> }> {
  const sessions = new Map<string, ortNode.InferenceSession>();
  for (const graph of graphOrder(model.manifest)) {
    sessions.set(graph, await ortNode.InferenceSession.create(path.join(model.dir, model.manifest.graphs[graph]!.file), sessionOptions('cpu', threads, { spinning })));
  }
  return {
    run: async (graph, feeds) => sessions.get(graph)!.run(ortTensors(feeds)),
    close: async () => void (await Promise.all([...sessions.values()].map((s) => s.release()))),
  };
}

/**
 * What onnxruntime's default thread spinning buys and costs (the studio turns it off,
 * main/inference/native/providers.ts): bare sessions with and without it take turns in blocks of
 * {@link SPIN_BLOCK} runs, each run followed by {@link SPIN_GAP_MS} of idle time, as frames of a
 * drag are. Run for run alternation would be unfair here: a spinning pool keeps a core busy for
 * milliseconds after its run, so whichever side ran after it would lose that core and have its CPU
 * time counted in. Each block therefore starts after {@link SPIN_SETTLE_MS} of quiet, and blocks
 * alternate in order so that drift hits both sides. The wall time of a run is what spinning buys a
 * process that has the machine to itself; the process's CPU time over a block (runs and gaps) is
 * what it takes from everything else — on a machine with few cores, from the host relaying the
 * frame and the renderer drawing it.
 */
async function measureSpinning(model: BenchModel, pkg: BenchPackage, threads: number, plan: RunPlan): Promise<{ rows: Row[]; ratios: Ratio[] }> {
  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  const sides = [await bareSessions(model, threads, false), await bareSessions(model, threads, true)];
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    let ws: Float32Array | null = null;
    for (const graph of graphOrder(model.manifest)) {
      const feeds = feedsFor(pkg, graph, ws);
      if (graph === 'mapping') ws = ((await sides[0]!.run(graph, feeds)) as Record<string, ortNode.Tensor>).ws!.data as Float32Array;
      for (const side of sides) {
        const warming = performance.now();
        for (let done = 0; warmingUp(plan, done, performance.now() - warming); done++) await side.run(graph, feeds);
      }
      const wall = sides.map(() => [] as number[]);
      const cpu = sides.map(() => [] as number[]);
      for (let block = 0; wall[0]!.length < plan.runs; block++) {
        const count = Math.min(SPIN_BLOCK, plan.runs - wall[0]!.length);
        for (const i of block % 2 ? [1, 0] : [0, 1]) {
          await pause(SPIN_SETTLE_MS);
          const used = process.cpuUsage();
          for (let k = 0; k < count; k++) {
            const started = performance.now();
            await sides[i]!.run(graph, feeds);
            wall[i]!.push(performance.now() - started);
            await pause(SPIN_GAP_MS);
          }
          const { user, system } = process.cpuUsage(used);
          cpu[i]!.push((user + system) / 1000 / count);
        }
      }
      const [offWall, onWall] = wall as [number[], number[]];
      const cpuMs = { runtime: quantile(cpu[1]!, 0.5), baseline: quantile(cpu[0]!, 0.5) };
      const note = `blocks of ${SPIN_BLOCK} alternating with ort-node (spinning off), ${SPIN_GAP_MS} ms idle after each run; CPU per run + gap ${cpuMs.runtime.toFixed(2)} ms (off: ${cpuMs.baseline.toFixed(2)} ms)`;
      rows.push({ model: model.id, runtime: 'ort-node-spinning', stage: graph as Row['stage'], median_ms: quantile(onWall, 0.5), p10_ms: quantile(onWall, 0.1), p90_ms: quantile(onWall, 0.9), runs: onWall.length, threads, note });
      ratios.push({ model: model.id, stage: graph, runtime: 'ort-node-spinning', baseline: 'ort-node', ...ratioOf(onWall, offWall), cpuMs });
    }
  } finally {
    await Promise.all(sides.map((side) => side.close()));
  }
  return { rows, ratios };
}

/** The interleaved rows of every model, and the ratios against bare onnxruntime-node. */
export async function measureInterleaved(options: InterleavedOptions): Promise<{ rows: Row[]; ratios: Ratio[] }> {
  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  const host = await startStudioHost(options.root, options.models, options.scratch);
  try {
    const url = new URL(host.url);
    const token = url.searchParams.get('token') ?? '';
    for (const model of options.models) {
      options.log(`  interleaved ${INTERLEAVED.join(' / ')} ${model.id} …`);
      const pkg = await benchPackage(model.dir, model.manifest);
      const bare = await bareSessions(model, options.threads);
      const studio = await openNativeRunner(model.dir, model.manifest, { channel: forkChannel(options.nativeHost), numThreads: options.threads, providers: 'cpu' });
      const socket = await openTestSocket(Number(url.port), `${NATIVE_SOCKET_ROUTE}?model=${encodeURIComponent(model.id)}&token=${token}`, { Origin: url.origin });
      try {
        if (socket.status !== 101) throw new Error(`the browser host refused the native socket (${socket.status}): ${socket.body}`);
        const opened = await socket.next();
        if (opened.type !== 'opened') throw new Error(`the browser host could not open ${model.id} natively: ${opened.type === 'failed' ? opened.message : opened.type}`);
        const web = nativeGraphRunner(new NativeConnection(socket.endpoint), model.manifest, opened, async () => socket.close());
        const range = model.manifest.output_range;
        // The page asks for pixels of image graphs (the preview's path) and floats of mapping.
        const contenders: RunGraph[] = [bare.run, (g, f) => studio.run(g, f), (g, f) => (g === 'mapping' ? web.run(g, f) : web.runPixels(g, f, 'img', range))];
        let ws: Float32Array | null = null;
        for (const graph of graphOrder(model.manifest)) {
          const feeds = feedsFor(pkg, graph, ws);
          if (graph === 'mapping') ws = (await studio.run(graph, feeds)).ws!.data;
          const times = await interleave(contenders, options.plan(model), graph, dragFeeds(graph, feeds));
          INTERLEAVED.forEach((runtime: Contender, i) => {
            const t = times[i]!;
            rows.push({ model: model.id, runtime, stage: graph as Row['stage'], median_ms: quantile(t, 0.5), p10_ms: quantile(t, 0.1), p90_ms: quantile(t, 0.9), runs: t.length, threads: options.threads, note: `interleaved with ${INTERLEAVED.filter((r) => r !== runtime).join(', ')}${runtime === 'web-native' && graph !== 'mapping' ? '; RGBA from the host' : ''}` });
            if (i > 0) ratios.push({ model: model.id, stage: graph, runtime, baseline: 'ort-node', ...ratioOf(t, times[0]!) });
          });
        }
      } finally {
        socket.close();
        await socket.closed;
        await studio.dispose();
        await bare.close();
      }
      // After the contenders are gone: at 1024 px each holds gigabytes of onnxruntime arenas, and
      // the two sessions of the spinning pair on top of them ran a 24-GiB machine out of memory.
      options.log(`  ort-node with and without thread spinning ${model.id} …`);
      const spun = await measureSpinning(model, pkg, options.threads, options.plan(model));
      rows.push(...spun.rows);
      ratios.push(...spun.ratios);
    }
  } finally {
    host.child.kill('SIGTERM');
    await fs.rm(host.modelsDir, { recursive: true, force: true });
  }
  return { rows, ratios };
}

/** The ratio lines, with issue 17's goals: ≤ 1.2× on graphs over 5 ms, ≤ 1.5 ms added on smaller ones. */
export function ratioLines(ratios: readonly Ratio[], rows: readonly Row[]): string[] {
  if (ratios.length === 0) return [];
  const lines = ['interleaved ratios (per round, against bare ort-node; median [p10–p90]):'];
  for (const r of ratios) {
    const bare = rows.find((row) => row.model === r.model && row.stage === r.stage && row.runtime === r.baseline && row.p10_ms !== undefined);
    const large = (bare?.median_ms ?? 0) > 5;
    const goal =
      r.runtime === 'ort-node-spinning'
        ? `onnxruntime's default thread spinning, which the studio turns off${r.cpuMs ? `; CPU per run + ${SPIN_GAP_MS} ms gap ${(r.cpuMs.runtime / r.cpuMs.baseline).toFixed(2)}×, ${r.cpuMs.runtime.toFixed(2)} against ${r.cpuMs.baseline.toFixed(2)} ms` : ''}`
        : large
          ? `goal ≤ 1.2× ${r.median <= 1.2 ? 'met' : 'MISSED'}`
          : `goal ≤ 1.5 ms added ${r.addedMs <= 1.5 ? 'met' : 'MISSED'}`;
    lines.push(`  ${r.runtime} / ${r.baseline} ${r.model} ${r.stage}: ${r.median.toFixed(2)}× [${r.p10.toFixed(2)}–${r.p90.toFixed(2)}], ${r.addedMs < 0 ? '-' : '+'}${Math.abs(r.addedMs).toFixed(2)} ms (${goal})`);
  }
  return lines;
}
