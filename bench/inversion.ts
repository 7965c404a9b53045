/**
 * The (b) rows of issue 14's inversion table: the studio's own refinement (encoder guess, then
 * CMA-ES, app/jobs/inversion-jobs.ts) on WASM in Node, scored by PSNR and SSIM against each
 * target (bench/inversion-metrics.ts, the definitions of models/tools/inversion.py). One run per
 * image at the largest budget; the best so far at every smaller budget is read from the same run's
 * progress, and budget 0 is the start alone (the encoder's guess, or w_avg without one).
 *
 *   node bench/run-inversion.mjs [--model DIR] [--targets DIR] [--budgets 10,60] [--limit N]
 *                            [--max-generations N] [--no-encoder] [--json FILE]
 *
 * --targets: a folder of PNGs, or one with generated/ and real/ (models/tools/inversion_eval_set.py);
 * without it the targets are emoji-stylegan's own pictures of seeds 900000–900019 at ψ = 1.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodePng } from '../app/codecs/png';
import { tensorToRgba } from '../app/inference/image';
import { rgbaToPlanar } from '../app/inversion/loss';
import { runJobToEnd } from '../app/jobs/registry';
import type { InvertItem } from '../app/jobs/inversion-jobs';
import { DEFAULT_STATE } from '../app/state/latent-state';
import { openWasmPipeline, type WasmPipeline } from '../main/inference/ort-web-node';
import { psnr, ssim, type Pixels } from './inversion-metrics';

/** One target picture. */
export interface InversionTarget {
  set: string;
  name: string;
  pixels: Pixels;
}

/** One row of the table: one image at one budget. */
export interface InversionRow {
  set: string;
  name: string;
  /** Seconds of refinement (0 = the start alone). */
  budgetS: number;
  start: InvertItem['start'];
  psnr: number;
  ssim: number;
  loss: number;
  generations: number;
  evaluations: number;
}

/** Settings of one bench run. */
export interface InversionBenchOptions {
  budgetsS: number[];
  maxGenerations: number;
  useEncoder: boolean;
  seed: number;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** The PNGs of `dir` (or of its generated/ and real/ folders), by name. */
export async function readTargets(dir: string): Promise<InversionTarget[]> {
  const sets: [string, string][] = [];
  for (const set of ['generated', 'real']) {
    if ((await fs.stat(path.join(dir, set)).catch(() => null))?.isDirectory()) sets.push([set, path.join(dir, set)]);
  }
  if (sets.length === 0) sets.push([path.basename(dir), dir]);
  const targets: InversionTarget[] = [];
  for (const [set, folder] of sets) {
    for (const name of (await fs.readdir(folder)).filter((f) => f.endsWith('.png')).sort()) {
      const png = decodePng(new Uint8Array(await fs.readFile(path.join(folder, name))));
      targets.push({ set, name, pixels: png });
    }
  }
  return targets;
}

/** The model's own pictures of `seeds` at ψ = 1: targets that the model can draw exactly. */
export async function generatedTargets(opened: WasmPipeline, seeds: number[]): Promise<InversionTarget[]> {
  const targets: InversionTarget[] = [];
  for (const seed of seeds) {
    const { image } = await opened.pipeline.render({ ...DEFAULT_STATE, seed, psi: 1 });
    const rgba = tensorToRgba(image, opened.manifest.output_range as [number, number]);
    targets.push({ set: 'generated', name: `seed${seed}`, pixels: { width: rgba.width, height: rgba.height, channels: 4, data: rgba.data } });
  }
  return targets;
}

/** Invert every target once and score the best at every budget. */
export async function runInversionBench(opened: WasmPipeline, targets: InversionTarget[], options: InversionBenchOptions): Promise<InversionRow[]> {
  const { manifest, runner, pipeline } = opened;
  const rows: InversionRow[] = [];
  const budgets = [0, ...options.budgetsS.filter((b) => b > 0)].sort((a, b) => a - b);
  for (const target of targets) {
    const { pixels } = target;
    if (pixels.width !== manifest.resolution || pixels.height !== manifest.resolution) {
      throw new RangeError(`${target.set}/${target.name} is ${pixels.width}×${pixels.height}; the model draws ${manifest.resolution}×${manifest.resolution}`);
    }
    const rgba = { width: pixels.width, height: pixels.height, data: Uint8Array.from({ length: pixels.width * pixels.height * 4 }, (_, i) => (i % 4 === 3 ? 255 : pixels.data[Math.floor(i / 4) * pixels.channels + (i % 4)]!)) };
    const items = await runJobToEnd(
      'invert',
      {
        target: rgbaToPlanar(rgba, manifest.img_channels),
        useEncoder: options.useEncoder,
        budgetMs: budgets[budgets.length - 1]! * 1000,
        maxGenerations: options.maxGenerations,
        seed: options.seed,
      },
      { pipeline, runner, manifest, now: () => performance.now(), readFile: (file) => Promise.reject(new Error(`the inversion job reads no package file (asked for ${file})`)) },
    );
    for (const budgetS of budgets) {
      const item = budgetS === 0 ? items[0]! : items.filter((i) => i.elapsedMs <= budgetS * 1000).at(-1) ?? items[0]!;
      const result: Pixels = { width: item.image.width, height: item.image.height, channels: 4, data: item.image.data };
      rows.push({ set: target.set, name: target.name, budgetS, start: item.start, psnr: psnr(pixels, result), ssim: ssim(pixels, result), loss: item.loss, generations: item.generation, evaluations: item.evaluations });
    }
    const last = rows.at(-1)!;
    options.log?.(`${target.set}/${target.name}: ${last.psnr.toFixed(2)} dB, SSIM ${last.ssim.toFixed(3)} after ${last.generations} generations`);
  }
  return rows;
}

/** Mean PSNR and SSIM per set and budget, as a Markdown table. */
export function formatInversionTable(rows: InversionRow[]): string {
  const keys = [...new Set(rows.map((r) => `${r.set}|${r.budgetS}`))];
  const lines = ['| set | start | budget | images | PSNR (dB) | SSIM | generations |', '|---|---|---|---|---|---|---|'];
  for (const key of keys) {
    const group = rows.filter((r) => `${r.set}|${r.budgetS}` === key);
    const mean = (f: (r: InversionRow) => number) => group.reduce((s, r) => s + f(r), 0) / group.length;
    const label = group[0]!.budgetS === 0 ? 'start only' : `${group[0]!.budgetS} s`;
    lines.push(`| ${group[0]!.set} | ${group[0]!.start} | ${label} | ${group.length} | ${mean((r) => r.psnr).toFixed(2)} | ${mean((r) => r.ssim).toFixed(3)} | ${mean((r) => r.generations).toFixed(0)} |`);
  }
  return lines.join('\n');
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The command line (bench/run-inversion.mjs runs it). */
export async function main(args: string[]): Promise<void> {
  const root = process.cwd();
  const opened = await openWasmPipeline(option(args, '--model') ?? path.join(root, 'models', 'emoji-stylegan'));
  try {
    const targetDir = option(args, '--targets');
    let targets = targetDir ? await readTargets(targetDir) : await generatedTargets(opened, Array.from({ length: 20 }, (_, i) => 900_000 + i));
    const limit = option(args, '--limit');
    if (limit) targets = targets.filter((t, i, all) => all.slice(0, i).filter((o) => o.set === t.set).length < Number(limit));
    const rows = await runInversionBench(opened, targets, {
      budgetsS: (option(args, '--budgets') ?? '10,60').split(',').map(Number),
      maxGenerations: Number(option(args, '--max-generations') ?? 1e9),
      useEncoder: !args.includes('--no-encoder'),
      seed: 1,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${formatInversionTable(rows)}\n`);
    const json = option(args, '--json');
    if (json) await fs.writeFile(json, JSON.stringify({ model: opened.manifest.id, rows }, null, 2));
  } finally {
    await opened.runner.dispose();
  }
}
