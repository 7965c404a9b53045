/**
 * `frame-split` (issue 17, Measure): one WebGPU preview frame split into its phases, on the
 * readback path (inference, readback, conversion, draw) and on the GPU-resident path (inference,
 * present, draw), timed run for run on one session in Chromium (bench/page/frame-split.ts, which
 * this bundles with the studio's own conversion and presenter). On SwiftShader the inference
 * figure says nothing about GPU speed; what counts there is the share the readback and the
 * conversion take and what the GPU path leaves of them.
 */
import { build } from 'esbuild';
import { chromium, type Page } from '@playwright/test';
import path from 'node:path';
import { CHROMIUM, HARDWARE_WEBGPU, QUIET, startPageServer, WEBGPU } from './chromium';
import type { BenchModel } from './models';
import { benchPackage, feedsFor } from './node-runtimes';
import type { Row, Skip } from './rows';
import { quantile } from './interleaved';
import type { PresentRequest, SplitRequest, SplitResult } from './page/frame-split';

/** Options of {@link measureFrameSplit}. */
export interface FrameSplitOptions {
  root: string;
  /** Where the bundled page module goes. */
  scratch: string;
  models: readonly BenchModel[];
  /** Hardware WebGPU (`--gpu`) instead of SwiftShader. */
  gpu: boolean;
  /** Runs per path after warm-up (fewer where one frame is slow: see below). */
  runs: number;
  /** A smoke run: the synthetic split at 64 px only, 3 rounds. */
  quick: boolean;
  log: (line: string) => void;
}

/** The split's time budget per model, so a 2-s SwiftShader frame gets fewer rounds rather than minutes. */
const BUDGET_MS = 60_000;
const MIN_ROUNDS = 5;
/** On a software adapter a 64-px synthesis takes 2–9 s and a 256-px one minutes: the split stops at 64 px there. */
const SOFTWARE_MAX_RESOLUTION = 64;

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));

/** Output sizes of the synthetic split (no inference): the paths' own cost per frame. */
const PRESENT_SIZES = [256, 1024];
const PRESENT_ROUNDS = 10;
const QUICK_SIZES = [64];

/** The split without inference at {@link PRESENT_SIZES} (bench/page/frame-split.ts presentSplit). */
async function presentRows(page: Page, model: BenchModel, quick: boolean, rows: Row[], lines: string[], software: string): Promise<void> {
  for (const size of quick ? QUICK_SIZES : PRESENT_SIZES) {
    const request: PresentRequest = { size, range: model.manifest.output_range, warmup: quick ? 1 : 2, rounds: quick ? 3 : PRESENT_ROUNDS };
    const result = await page.evaluate(
      (r) => (window as unknown as { presentSplit(q: unknown): Promise<SplitResult> }).presentSplit(r),
      request,
    );
    const med = (values: number[]) => quantile(values, 0.5);
    const r = result.readback;
    const g = result.gpu;
    const id = `${size}px image (no graph)`;
    rows.push({ model: id, runtime: 'webgpu-chromium', stage: 'frame-readback', median_ms: med(r.total), p10_ms: quantile(r.total, 0.1), p90_ms: quantile(r.total, 0.9), runs: r.total.length, threads: 1, note: `readback ${ms(med(r.readback))} · conversion ${ms(med(r.conversion))} · draw ${ms(med(r.draw))} ms${software}` });
    rows.push({ model: id, runtime: 'webgpu-chromium', stage: 'frame-gpu', median_ms: med(g.total), p10_ms: quantile(g.total, 0.1), p90_ms: quantile(g.total, 0.9), runs: g.total.length, threads: 1, note: `present ${ms(med(g.present))} · draw ${ms(med(g.draw))} ms; pixels within ${result.maxLevelDiff} level(s)${software}` });
    lines.push(`  frame split, ${size}-px image already on the GPU: readback path ${ms(med(r.total))} ms, GPU-resident ${ms(med(g.total))} ms (per round ${quantile(g.total.map((t, i) => t / r.total[i]!), 0.5).toFixed(2)}×); pixels within ${result.maxLevelDiff} level(s)`);
  }
}

/** Time the split for each StyleGAN model (software adapters: up to 64 px). */
export async function measureFrameSplit(options: FrameSplitOptions): Promise<{ rows: Row[]; skips: Skip[]; lines: string[] }> {
  const rows: Row[] = [];
  const skips: Skip[] = [];
  const lines: string[] = [];
  const models = options.models.filter((m) => m.manifest.family === 'stylegan');
  if (models.length === 0) return { rows, skips, lines };
  const bundle = path.join(options.scratch, 'frame-split-page.js');
  await build({ entryPoints: [path.join(options.root, 'bench', 'page', 'frame-split.ts')], outfile: bundle, bundle: true, format: 'esm', platform: 'browser', logLevel: 'warning' });
  const server = await startPageServer(options.root, models, new Map([['/frame-split.js', bundle]]));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...QUIET, ...(options.gpu ? HARDWARE_WEBGPU : WEBGPU)], headless: true });
  try {
    for (const model of models) {
      const page = await browser.newPage();
      try {
        await page.goto(`${server.origin}/?threads=1`);
        await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true);
        const env = (await page.evaluate(() => (window as unknown as { bench: { environment(): unknown } }).bench.environment())) as { adapter?: { software: boolean } | null };
        if (!env.adapter) {
          skips.push({ model: model.id, runtime: 'webgpu-chromium', stage: 'frame-split', reason: 'this Chromium has no WebGPU adapter' });
          continue;
        }
        if (env.adapter.software && model.manifest.resolution > SOFTWARE_MAX_RESOLUTION) {
          skips.push({ model: model.id, runtime: 'webgpu-chromium', stage: 'frame-split', reason: `WebGPU here is a software adapter: the split runs up to ${SOFTWARE_MAX_RESOLUTION} px (a 256-px frame takes minutes)` });
          continue;
        }
        const software = env.adapter.software ? ', software adapter' : '';
        options.log(`  frame-split ${model.id} (WebGPU${env.adapter.software ? ' on a software adapter' : ''}) …`);
        await page.addScriptTag({ url: '/frame-split.js', type: 'module' });
        await page.waitForFunction(() => 'frameSplit' in window);
        const pkg = await benchPackage(model.dir, model.manifest);
        // The mean latent in every row: a real picture, whatever the seed would give.
        const ws = new Float32Array(model.manifest.num_ws * model.manifest.w_dim);
        for (let i = 0; i < model.manifest.num_ws; i++) ws.set(model.manifest.w_avg, i * model.manifest.w_dim);
        const feeds = Object.fromEntries(Object.entries(feedsFor(pkg, 'synthesis', ws)).map(([name, t]) => [name, { data: Array.from(t.data), dims: [...t.dims] }]));
        const base = { url: `/models/${model.id}/${model.manifest.graphs.synthesis!.file}`, feeds, range: model.manifest.output_range };
        const split = (request: SplitRequest) =>
          // The page's own onnxruntime-web module (a URL the bundler must leave alone).
          page.evaluate(async ({ r, ortUrl }) => {
            const ort: unknown = await import(ortUrl);
            return (window as unknown as { frameSplit(o: unknown, q: unknown): Promise<SplitResult> }).frameSplit(ort, r);
          }, { r: request, ortUrl: '/ort/ort.webgpu.min.mjs' });
        // One probe round sizes the run to the budget.
        const probe = await split({ ...base, warmup: 1, rounds: 1 });
        const frameMs = probe.readback.total[0]! + probe.gpu.total[0]!;
        const rounds = Math.max(Math.min(MIN_ROUNDS, options.runs), Math.min(options.runs, Math.floor(BUDGET_MS / frameMs)));
        const result = await split({ ...base, warmup: 1, rounds });
        const med = (values: number[]) => quantile(values, 0.5);
        const r = result.readback;
        const g = result.gpu;
        rows.push({
          model: model.id, runtime: 'webgpu-chromium', stage: 'frame-readback', median_ms: med(r.total), p10_ms: quantile(r.total, 0.1), p90_ms: quantile(r.total, 0.9), runs: r.total.length, threads: 1,
          note: `inference ${ms(med(r.inference))} · readback ${ms(med(r.readback))} · conversion ${ms(med(r.conversion))} · draw ${ms(med(r.draw))} ms${software}`,
        });
        rows.push({
          model: model.id, runtime: 'webgpu-chromium', stage: 'frame-gpu', median_ms: med(g.total), p10_ms: quantile(g.total, 0.1), p90_ms: quantile(g.total, 0.9), runs: g.total.length, threads: 1,
          note: `inference ${ms(med(g.inference))} · present ${ms(med(g.present))} · draw ${ms(med(g.draw))} ms; pixels within ${result.maxLevelDiff} level(s) of the readback path${software}`,
        });
        const cpuShare = r.total.map((t, i) => (r.readback[i]! + r.conversion[i]! + r.draw[i]!) / t);
        const gpuShare = g.total.map((t, i) => (g.present[i]! + g.draw[i]!) / t);
        lines.push(
          `  frame split ${model.id}: readback path ${ms(med(r.total))} ms, of which readback + conversion + draw ${ms(med(r.readback) + med(r.conversion) + med(r.draw))} ms (${(100 * med(cpuShare)).toFixed(1)} %); ` +
            `GPU-resident ${ms(med(g.total))} ms, of which present + draw ${ms(med(g.present) + med(g.draw))} ms (${(100 * med(gpuShare)).toFixed(1)} %); per round GPU-resident ÷ readback ${quantile(g.total.map((t, i) => t / r.total[i]!), 0.5).toFixed(3)}×; pixels within ${result.maxLevelDiff} level(s)`,
        );
        if (model === models[0]) await presentRows(page, model, options.quick, rows, lines, software);
      } catch (error) {
        skips.push({ model: model.id, runtime: 'webgpu-chromium', stage: 'frame-split', reason: `the page failed: ${(error as Error).message.split('\n')[0]}` });
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return { rows, skips, lines };
}
