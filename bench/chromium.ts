/**
 * The Chromium runtimes, driven by Playwright with Debian's Chromium: `wasm-chromium` and
 * `webgpu-chromium` time session.run inside a small bench page (bench/page/) served here with
 * cross-origin isolation; `ui-latency` times the real studio (the built browser host) from a ψ input
 * event to the updated canvas pixels read back (and `osc-latency` beside it, from an OSC message:
 * bench/osc-latency.ts), `map-frame` its latent map's frames.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { oscLatencies } from './osc-latency';
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startStudioHost } from './studio-host';
import type { BenchModel } from './models';
import { benchPackage, feedsFor, graphOrder } from './node-runtimes';
import { median, type Row, type RunPlan, type Skip } from './rows';

/** Debian's Chromium (DESIGN.md §5); `CHROMIUM_PATH` overrides it, as for the e2e tests. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const QUIET = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
/** The e2e suite's WebGPU flags: the SwiftShader software adapter. */
export const WEBGPU = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader'];
/**
 * `npm run bench -- --gpu`: WebGPU on the machine's own GPU. Linux needs Vulkan through ANGLE and
 * the blocklist ignored (the gpuweb wiki's Implementation Status page; Chromium's WebGPU
 * troubleshooting notes); other systems use their native backend with --enable-unsafe-webgpu alone,
 * where the extra features are ignored. `LATENT_STUDIO_GPU_FLAGS` replaces them (space-separated).
 */
export const HARDWARE_WEBGPU = process.env.LATENT_STUDIO_GPU_FLAGS?.split(' ').filter(Boolean) ?? ['--enable-unsafe-webgpu', '--enable-features=Vulkan,VulkanFromANGLE', '--use-angle=vulkan', '--ignore-gpu-blocklist'];
/** On a hardware adapter a first run (shader compilation included) may take this long before it is abandoned. */
export const HARDWARE_FIRST_RUN_LIMIT_MS = 300_000;
/** Software WebGPU is far too slow beyond this (issue 8: "WebGPU on the software adapter only up to 256 pixels"). */
export const WEBGPU_MAX_RESOLUTION = 256;
/**
 * A WebGPU graph whose first run (session creation included) has not finished after this is
 * abandoned: on SwiftShader one 256-px StyleGAN2 synthesis took 222 s here, and 20 of them do not
 * fit the bench's 30 minutes.
 */
const WEBGPU_FIRST_RUN_LIMIT_MS = 30_000;

/** Headers that make the page cross-origin isolated, so WASM threads are real threads. */
const ISOLATED = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
/** The onnxruntime-web files the studio ships (scripts/build.mjs copies the same binary). */
const ORT_FILES = ['ort.webgpu.min.mjs', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

/** The bench page's server. */
export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * Serve the bench page, onnxruntime-web and the models' files (only those their manifests list),
 * and `extra` files (URL path → file on disk).
 */
export async function startPageServer(root: string, models: readonly BenchModel[], extra: ReadonlyMap<string, string> = new Map()): Promise<PageServer> {
  const files = new Map<string, string>([
    ['/', path.join(root, 'bench', 'page', 'index.html')],
    ['/bench-page.js', path.join(root, 'bench', 'page', 'bench-page.js')],
    ...extra,
  ]);
  for (const file of ORT_FILES) files.set(`/ort/${file}`, path.join(root, 'node_modules', 'onnxruntime-web', 'dist', file));
  for (const model of models) {
    for (const file of Object.keys(model.manifest.files)) files.set(`/models/${model.id}/${file}`, path.join(model.dir, file));
  }
  const server = http.createServer((req, res) => {
    const file = files.get(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (!file) {
      res.writeHead(404, ISOLATED).end('not found');
      return;
    }
    res.writeHead(200, { ...ISOLATED, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Fail on anything the page reports as an error: a bench figure from a broken page is worthless. */
function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  return problems;
}

/** What {@link measureBenchPage} returns. */
export interface PageResult {
  rows: Row[];
  skips: Skip[];
  /** First output values per model and graph (for checking runtimes against each other). */
  heads: Record<string, Record<string, number[]>>;
  info: string[];
}

/** Options of {@link measureBenchPage}. */
export interface PageOptions {
  root: string;
  models: readonly BenchModel[];
  backend: 'wasm' | 'webgpu';
  /** WebGPU on the hardware adapter (HARDWARE_WEBGPU) instead of SwiftShader; sizes are capped only if the adapter is software after all. */
  gpu?: boolean;
  threads: number;
  plan: (model: BenchModel) => RunPlan;
  log: (line: string) => void;
  /** The models are float16 twins (bench/fp16.ts): time them only where the adapter has `shader-f16`. */
  requireShaderF16?: boolean;
}

interface BenchWindow {
  bench: { timeGraph(request: unknown): Promise<{ times: number[]; head: number[] }>; firstRunDone(): boolean; environment(): unknown };
  benchReady?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Time one graph in the page. With `firstRunLimitMs`, a graph whose first run (session creation
 * included) has not finished by then is abandoned by closing the page, since a WebGPU run cannot be
 * interrupted otherwise; the result is then null.
 */
async function timeGraphInPage(page: Page, request: unknown, firstRunLimitMs: number | null): Promise<{ times: number[]; head: number[] } | null> {
  let settled = false;
  const timing = page.evaluate((r) => (window as unknown as BenchWindow).bench.timeGraph(r), request);
  void timing.then(
    () => (settled = true),
    () => (settled = true),
  );
  if (firstRunLimitMs === null) return timing;
  const deadline = performance.now() + firstRunLimitMs;
  while (!settled && performance.now() < deadline) await sleep(250);
  if (settled || (await page.evaluate(() => (window as unknown as BenchWindow).bench.firstRunDone()))) return timing;
  await page.close();
  await timing.catch((error: Error) => {
    // Closing the page is what ends the run: only that error is expected here.
    if (!/closed/i.test(error.message)) throw error;
  });
  return null;
}

/** Time every model's graphs in the bench page on one backend and thread count, a fresh page per model. */
export async function measureBenchPage(options: PageOptions): Promise<PageResult> {
  const runtime = options.backend === 'wasm' ? 'wasm-chromium' : 'webgpu-chromium';
  const result: PageResult = { rows: [], skips: [], heads: {}, info: [] };
  const models = options.models;
  if (models.length === 0) return result;
  const server = await startPageServer(options.root, models);
  const args = [...QUIET, ...(options.backend === 'webgpu' ? (options.gpu ? HARDWARE_WEBGPU : WEBGPU) : ['--disable-gpu'])];
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args, headless: true });
  // Until the page has said which adapter it got, a WebGPU run counts as software.
  let software = options.backend === 'webgpu';
  let firstRunLimitMs: number | null = options.backend === 'webgpu' ? WEBGPU_FIRST_RUN_LIMIT_MS : null;
  try {
    for (const model of models) {
      if (software && model.manifest.resolution > WEBGPU_MAX_RESOLUTION && result.info.length > 0) {
        result.skips.push({ model: model.id, runtime, stage: '*', reason: `WebGPU here is a software adapter: timed only up to ${WEBGPU_MAX_RESOLUTION} px` });
        continue;
      }
      options.log(`  ${runtime} ${model.id} (${options.threads} thread(s)) …`);
      const page = await browser.newPage();
      const problems = watchErrors(page);
      try {
        await page.goto(`${server.origin}/?threads=${options.threads}`);
        await page.waitForFunction(() => (window as unknown as BenchWindow).benchReady === true);
        if (result.info.length === 0) {
          const env = (await page.evaluate(() => (window as unknown as BenchWindow).bench.environment())) as { adapter?: { software: boolean; shaderF16: boolean } | null };
          result.info.push(`${runtime}: ${JSON.stringify(env)}`);
          if (options.requireShaderF16 && !env.adapter?.shaderF16) {
            const reason = 'the WebGPU adapter has no shader-f16 (SwiftShader has none): the float16 twins are not timed (onnxruntime refuses them there: "requires f16 but the device does not support it")';
            result.skips.push(...models.map((m) => ({ model: m.id, runtime, stage: '*', reason })));
            break;
          }
          if (options.backend === 'webgpu') {
            software = env.adapter?.software ?? true;
            if (software && options.gpu) result.info.push('WebGPU runs on a SOFTWARE adapter (SwiftShader or similar): its figures mean nothing for GPU speed');
            if (!software) firstRunLimitMs = HARDWARE_FIRST_RUN_LIMIT_MS;
          }
          if (software && model.manifest.resolution > WEBGPU_MAX_RESOLUTION) {
            result.skips.push({ model: model.id, runtime, stage: '*', reason: `WebGPU here is a software adapter: timed only up to ${WEBGPU_MAX_RESOLUTION} px` });
            continue;
          }
        }
        result.heads[model.id] = {};
        const pkg = await benchPackage(model.dir, model.manifest);
        for (const name of graphOrder(model.manifest)) {
          // The page feeds synthesis with its own mapping output; this ws only gives the shape.
          const shapeOnly = name === 'synthesis' ? new Float32Array(model.manifest.num_ws * model.manifest.w_dim) : null;
          const feeds = Object.fromEntries(
            Object.entries(feedsFor(pkg, name, shapeOnly)).map(([input, t]) => [
              input,
              input === 'ws' ? { fromGraph: 'mapping', dims: t.dims } : { data: Array.from(t.data), dims: t.dims },
            ]),
          );
          const graph = { name, url: `/models/${model.id}/${model.manifest.graphs[name]!.file}`, feeds };
          const timed = await timeGraphInPage(page, { backend: options.backend, graph, plan: options.plan(model) }, firstRunLimitMs);
          if (!timed) {
            const reason = `its first run did not finish in ${firstRunLimitMs! / 1000} s${software ? ' (software adapter)' : ''}: not timed`;
            result.skips.push({ model: model.id, runtime, stage: name, reason });
            break;
          }
          if (problems.length) throw new Error(problems.join('; '));
          result.rows.push({ model: model.id, runtime, stage: name as Row['stage'], median_ms: median(timed.times), runs: timed.times.length, threads: options.threads });
          result.heads[model.id]![name] = timed.head;
        }
      } catch (error) {
        result.skips.push({ model: model.id, runtime, stage: '*', reason: `the page failed: ${(error as Error).message.split('\n')[0]}` });
      } finally {
        if (!page.isClosed()) await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return result;
}

/**
 * In the page: set the ψ slider as a user's drag does (the input event React listens to), then
 * wait for the canvas to draw the new frame and read one pixel back. Returns each latency in ms.
 */
async function psiLatencies(page: Page, plan: RunPlan): Promise<number[]> {
  return page.evaluate(async ({ warmup, warmupMs, runs }) => {
    const slider = document.querySelector<HTMLInputElement>('[data-testid="psi-slider"]')!;
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="preview-canvas"]')!;
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    const step = Number(slider.step) || 0.01;
    const times: number[] = [];
    const warming = performance.now();
    let warmups = 0;
    for (let i = 0; times.length < runs; i++) {
      const before = canvas.dataset.frames;
      const drawn = new Promise<void>((resolve) => {
        const observer = new MutationObserver(() => {
          if (canvas.dataset.frames !== before) {
            observer.disconnect();
            resolve();
          }
        });
        observer.observe(canvas, { attributes: true, attributeFilter: ['data-frames'] });
      });
      const started = performance.now();
      // A new ψ each time (0.50, 0.51, …): the same value would not request a frame.
      setValue.call(slider, (0.5 + (i % 40) * step).toFixed(2));
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      await drawn;
      canvas.getContext('2d')!.getImageData(0, 0, 1, 1);
      const ms = performance.now() - started;
      // bench/rows.ts warmingUp, repeated in the page: a number of runs and a least time.
      if (warmups < warmup || (warmups < 2000 && started - warming < warmupMs)) warmups++;
      else times.push(ms);
    }
    return times;
  }, plan);
}

/** Wait until the latent map, if the studio shows one, has finished sampling and projecting. */
async function mapSettled(page: Page, points?: number): Promise<boolean> {
  const open = await page.locator('[data-testid="map-toggle"][aria-expanded="true"]').count();
  if (!open) return false;
  const selector = `[data-testid="latent-map"][data-status="ready"]${points ? `[data-points="${points}"]` : ''}`;
  await page.waitForSelector(selector, { timeout: 600_000 });
  return true;
}

/**
 * In the page: one map frame per wheel step, timed from the start of the animation frame that
 * draws it to its pixels read back (drawImage of the WebGL canvas + getImageData waits for the
 * GPU). A first rAF callback, registered before the wheel event makes the map ask for its frame,
 * stamps the start; a second, registered after, reads back. Each frame's start is aligned to a
 * vsync, so the wait for the next animation frame is not counted.
 */
async function mapFrameTimes(page: Page, plan: RunPlan): Promise<number[]> {
  return page.evaluate(async ({ warmup, runs }) => {
    const map = document.querySelector<HTMLCanvasElement>('[data-testid="map-canvas"]')!;
    const probe = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
    const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    const times: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      // Two idle frames: no frame of the map may be pending when this one is asked for.
      await nextFrame();
      await nextFrame();
      const ms = await new Promise<number>((resolve) => {
        let started = 0;
        requestAnimationFrame(() => (started = performance.now()));
        // Zoom in and out by turns, so the view stays on the cloud.
        map.dispatchEvent(new WheelEvent('wheel', { deltaY: i % 2 ? 30 : -30, bubbles: true, cancelable: true }));
        requestAnimationFrame(() => {
          probe.drawImage(map, 0, 0, 1, 1);
          probe.getImageData(0, 0, 1, 1);
          resolve(performance.now() - started);
        });
      });
      if (i >= warmup) times.push(ms);
    }
    return times;
  }, plan);
}

/** The WASM threads the studio's worker uses (renderer/inference/worker.ts: the cores, at most 4, when isolated). */
function studioThreads(page: Page): Promise<number> {
  return page.evaluate(() => (self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency ?? 1)) : 1));
}

/** Point counts of the map-frame rows (issue 8). */
const MAP_POINTS = [2_000, 20_000];

/** Options of {@link measureStudio}. */
export interface StudioOptions {
  root: string;
  /** A folder for the studio's models folder (on the cache's file system, for hard links). */
  scratch: string;
  /** Models for ui-latency. */
  models: readonly BenchModel[];
  /** The model whose latent map is timed, or null for no map-frame rows. */
  mapModel: BenchModel | null;
  plan: (model: BenchModel) => RunPlan;
  log: (line: string) => void;
  /**
   * The studio's backends to time ui-latency on: 'wasm' (row runtime wasm-chromium) and 'native'
   * (the browser host's onnxruntime-node over its socket: web-native). Default: WASM only.
   */
  backends?: readonly ('wasm' | 'native')[];
  /** Intra-op threads of the host's native processes (the row's thread count on native). */
  nativeThreads?: number;
}

/**
 * The real studio (the built browser host, WASM or native backend) in Chromium: ui-latency for
 * each model, then map-frame at 2,000 and 20,000 points on `mapModel`.
 */
export async function measureStudio(options: StudioOptions): Promise<{ rows: Row[]; skips: Skip[] }> {
  const rows: Row[] = [];
  const skips: Skip[] = [];
  const all = options.mapModel && !options.models.includes(options.mapModel) ? [...options.models, options.mapModel] : options.models;
  const host = await startStudioHost(options.root, all, options.scratch);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...QUIET, '--disable-gpu'], headless: true });
  const loadStudio = async (page: Page, model: BenchModel, backend: 'wasm' | 'native' = 'wasm') => {
    const url = new URL(host.url);
    url.searchParams.set('backend', backend);
    url.searchParams.set('model', model.id);
    await page.goto(url.toString());
    await page.waitForSelector(`[data-testid="backend-badge"][data-backend="${backend}"]`, { timeout: 120_000 });
    await page.waitForSelector('[data-testid="preview-canvas"][data-frames]', { timeout: 600_000 });
  };
  const newPage = () => browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    for (const model of options.models) for (const backend of options.backends ?? ['wasm']) {
      const runtime = backend === 'wasm' ? 'wasm-chromium' : 'web-native';
      if (model.manifest.family !== 'stylegan') {
        skips.push({ model: model.id, runtime, stage: 'ui-latency', reason: 'ψ of a conditional model re-runs the generator with a new z: measured on StyleGAN models' });
        continue;
      }
      options.log(`  ui-latency ${model.id} (${backend}) …`);
      const page = await newPage();
      const problems = watchErrors(page);
      try {
        await loadStudio(page, model, backend);
        // The map samples its points in the inference worker when the studio opens: let it finish.
        const withMap = await mapSettled(page);
        const times = await psiLatencies(page, options.plan(model));
        if (problems.length) throw new Error(problems.join('; '));
        const note = `ψ input → canvas pixels read back, real studio${withMap ? ', map open' : ''}`;
        const threads = backend === 'wasm' ? await studioThreads(page) : (options.nativeThreads ?? 0);
        rows.push({ model: model.id, runtime, stage: 'ui-latency', median_ms: median(times), runs: times.length, threads, note: backend === 'wasm' ? note : `${note}, native in the host` });
        // The same page, the same ψ change, driven over OSC instead (bench/osc-latency.ts).
        const osc = await oscLatencies(page, options.plan(model));
        if (problems.length) throw new Error(problems.join('; '));
        const oscNote = `OSC /latent/psi sent from Node → canvas pixels read back, real studio${withMap ? ', map open' : ''}${backend === 'wasm' ? '' : ', native in the host'}`;
        rows.push({ model: model.id, runtime, stage: 'osc-latency', median_ms: median(osc), runs: osc.length, threads, note: oscNote });
      } catch (error) {
        skips.push({ model: model.id, runtime, stage: 'ui-latency', reason: `the studio failed: ${(error as Error).message.split('\n')[0]}` });
      } finally {
        await page.close();
      }
    }
    if (options.mapModel) {
      const model = options.mapModel;
      options.log(`  map-frame ${model.id} …`);
      const page = await newPage();
      const problems = watchErrors(page);
      try {
        await loadStudio(page, model);
        if (!(await mapSettled(page))) throw new Error('the studio shows no open latent map (data-testid map-toggle)');
        for (const points of MAP_POINTS) {
          await page.selectOption('[data-testid="map-count"]', String(points));
          await mapSettled(page, points);
          const times = await mapFrameTimes(page, { warmup: 5, warmupMs: 0, runs: 30 });
          if (problems.length) throw new Error(problems.join('; '));
          // The map publishes the CPU time of its render calls (data-render-ms, scene.ts render()):
          // the rest of a frame is the GPU (SwiftShader here) drawing and the read-back.
          await sleep(600);
          const renderMs = await page.getAttribute('[data-testid="latent-map"]', 'data-render-ms');
          const note = `${points} points, frame start → pixels read back${renderMs ? `; render call ${renderMs} ms CPU` : ''}`;
          rows.push({ model: model.id, runtime: 'wasm-chromium', stage: 'map-frame', median_ms: median(times), runs: times.length, threads: await studioThreads(page), note });
        }
      } catch (error) {
        skips.push({ model: model.id, runtime: 'wasm-chromium', stage: 'map-frame', reason: `the map failed: ${(error as Error).message.split('\n')[0]}` });
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    host.child.kill('SIGTERM');
    await fs.rm(host.modelsDir, { recursive: true, force: true });
  }
  return { rows, skips };
}
