/**
 * Headless rendering, with the flags of NVIDIA's gen_images.py: seeds to `seed0000.png` … carrying
 * the same provenance chunk as the studio's PNG export, or a timeline file to numbered frames (and
 * an MP4 through ffmpeg when it is on PATH). It runs the studio's own app/ pipeline on the
 * studio's native path (onnxruntime-node in a child process), or on onnxruntime-web's WASM backend
 * in Node where onnxruntime-node cannot load. docs/CLI.md has the details and how to split a long
 * render across machines.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { tensorToRgba } from '../../app/image';
import { ManifestError, type Manifest } from '../../app/model/manifest';
import { encodePng } from '../../app/formats/png';
import { createPipeline } from '../../app/pipeline/render';
import { describeIssue, timelineSchema } from '../../app/pipeline/schemas';
import { DEFAULT_NOISE, DEFAULT_TRANSFORM, latentState, type InputTransform, type LatentState, type NoiseSettings } from '../../app/pipeline/state';
import type { NoiseConst } from '../../app/pipeline/synthesis-inputs';
import { checkTimeline, frameCount, TimelineError, TimelineEvaluator, type Timeline } from '../../app/pipeline/timeline';
import { parseSeedList, SeedListError } from '../../app/latent/seed-list';
import { MAX_SCALE, upscale, type UpscaleFilter } from '../../app/export/resample';
import { frameFileName, rgbBytes, seedFileName, stillPng } from '../../app/export/still';
import type { GraphRunner } from '../../app/inference';
import { openWasmRunner } from '../inference/ort-web-node';
import { defaultNativeThreads, forkChannel, NATIVE_HOST_ENTRY, NativeProcessError, openNativeRunner } from '../inference/native/client';
import { readManifest, readNoiseConst } from '../services/library';
import { userDataDir } from '../services/directions';
import { cachedCheckpointPackage, CheckpointError } from './checkpoint-cache';
import { partialName, syncFolder, writeFileAtomic } from '../services/exports';

const HELP = `Usage: npm run render -- --network <model dir or id> --seeds <list> --outdir <dir> [options]
       npm run render -- --project <timeline.json> --outdir <dir> [--frames a-b] [options]

Renders images with a model package, like NVIDIA's gen_images.py. Every PNG carries the studio's
provenance record (iTXt "latent-studio"), so dropping it onto the studio restores its state.

  --network <dir|id|pkl> a model package folder, or a model id among models/ and models/fixtures/
                         ($LATENT_STUDIO_MODELS_DIR moves that folder), or a checkpoint (NVIDIA .pkl,
                         BigGAN folder), converted once into the user data folder's checkpoint-cache/
  --seeds <list>         seeds and ranges, e.g. 0-99,200 → seed0000.png … seed0200.png
  --trunc <ψ>            truncation ψ (default 1)
  --trunc-cutoff <N>     truncate only the first N ws rows (default: all)
  --class <N>            class index (required for conditional models)
  --noise-mode <mode>    const | none | random (default const): the noise fed to a package
                         exported with --noise-inputs (others bake const noise in)
  --noise-seed <N>       seed of random noise (default 0; numpy RandomState, layer by layer)
  --noise-strength <s>   multiplies the fed noise (default 1)
  --translate <x,y>      StyleGAN3 translation (default 0,0) and
  --rotate <deg>         rotation in degrees (default 0), as gen_images.py; the package needs
                         its transform input (export_stylegan.py --transform-input)
  --scale <n>            upscale factor 1–${MAX_SCALE} (default 1)
  --filter <f>           nearest | bilinear (default nearest)
  --outdir <dir>         where the files go (created if missing)
  --runtime <r>          native (onnxruntime-node in a child process) or wasm (onnxruntime-web).
                         Default: native, and wasm when onnxruntime-node cannot load (it says why)
  --threads <n>          inference threads (default: the cores, at most 4)

Timelines (until the project format exists, a timeline file: the studio's Timeline JSON plus
"model": "<id>"):
  --project <file>       render the timeline as frame000000.png …, then video.mp4 via ffmpeg
  --frames <a-b>         render only frames a…b (inclusive; identical pixels to a whole render)
                         and name the video frames-a-b.mp4
  --fps <n>              override the timeline's frame rate
  --no-video             write PNG frames only, even when ffmpeg is on PATH
  --help                 show this text
`;

/** Raised for bad arguments (exit code 2, as click does) or a failed render (exit code 1). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

/** The parsed command line. */
export interface CliOptions {
  network: string | null;
  seeds: number[] | null;
  psi: number;
  cutoff: number | null;
  classIndex: number | null;
  /** Noise for packages with noise inputs (--noise-mode, --noise-seed, --noise-strength). */
  noise: NoiseSettings;
  /** StyleGAN3 input transform (--translate, --rotate). */
  transform: InputTransform;
  scale: number;
  filter: UpscaleFilter;
  outdir: string;
  project: string | null;
  frames: string | null;
  fps: number | null;
  video: boolean;
  /** The runtime asked for; 'auto' is native with WASM where onnxruntime-node cannot load. */
  runtime: 'auto' | 'native' | 'wasm';
  threads: number;
}

function number(flag: string, text: string | undefined, integer: boolean): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new CliError(`--${flag} must be ${integer ? 'a whole number' : 'a number'}, not "${text}"`, true);
  }
  return value;
}

/** Parse the arguments after `render`; throws {@link CliError} (usage) on anything unknown or malformed. */
export function parseCli(argv: string[]): CliOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        network: { type: 'string' },
        seeds: { type: 'string' },
        trunc: { type: 'string' },
        'trunc-cutoff': { type: 'string' },
        class: { type: 'string' },
        'noise-mode': { type: 'string' },
        'noise-seed': { type: 'string' },
        'noise-strength': { type: 'string' },
        translate: { type: 'string' },
        rotate: { type: 'string' },
        scale: { type: 'string' },
        filter: { type: 'string' },
        outdir: { type: 'string' },
        project: { type: 'string' },
        frames: { type: 'string' },
        fps: { type: 'string' },
        'no-video': { type: 'boolean' },
        runtime: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new CliError((error as Error).message, true);
  }
  if (values.help) return 'help';

  const mode = values['noise-mode'] ?? DEFAULT_NOISE.mode;
  if (mode !== 'const' && mode !== 'none' && mode !== 'random') throw new CliError(`--noise-mode must be const, none or random, not "${mode}"`, true);
  const noiseSeed = number('noise-seed', values['noise-seed'], true) ?? DEFAULT_NOISE.seed;
  if (noiseSeed < 0 || noiseSeed > 0xffffffff) throw new CliError(`--noise-seed must be from 0 to 4294967295, not ${noiseSeed}`, true);
  const noise: NoiseSettings = { mode, seed: noiseSeed, strength: number('noise-strength', values['noise-strength'], false) ?? DEFAULT_NOISE.strength };
  const translate = (values.translate ?? '0,0').split(',').map((v) => number('translate', v, false));
  if (translate.length !== 2) throw new CliError(`--translate takes two numbers "x,y", not "${values.translate}"`, true);
  const transform: InputTransform = { x: translate[0]!, y: translate[1]!, angle: number('rotate', values.rotate, false) ?? DEFAULT_TRANSFORM.angle };

  if (!values.outdir) throw new CliError('--outdir is required: the folder the images go to', true);
  if (!values.project && !values.network) throw new CliError('--network is required (a model package folder or id), or give --project', true);
  if (!values.project && !values.seeds) throw new CliError('--seeds is required, e.g. --seeds 0-3 (or give --project for a timeline)', true);
  if (values.project && values.seeds) throw new CliError('give either --seeds or --project, not both', true);
  if (!values.project && (values.frames || values.fps)) throw new CliError('--frames and --fps apply to --project renders only', true);
  if (values.project && ['noise-mode', 'noise-seed', 'noise-strength', 'translate', 'rotate'].some((flag) => values[flag as keyof typeof values] !== undefined)) {
    throw new CliError("--noise-mode, --noise-seed, --noise-strength, --translate and --rotate apply to --seeds renders; a timeline's keyframes carry their own noise and transform", true);
  }

  let seeds: number[] | null = null;
  if (values.seeds) {
    try {
      seeds = parseSeedList(values.seeds);
    } catch (error) {
      if (!(error instanceof SeedListError)) throw error;
      throw new CliError(`--seeds: ${error.message}`, true);
    }
  }
  const scale = number('scale', values.scale, true) ?? 1;
  if (scale < 1 || scale > MAX_SCALE) throw new CliError(`--scale must be from 1 to ${MAX_SCALE}, not ${scale}`, true);
  const filter = values.filter ?? 'nearest';
  if (filter !== 'nearest' && filter !== 'bilinear') throw new CliError(`--filter must be nearest or bilinear, not "${filter}"`, true);
  const cutoff = number('trunc-cutoff', values['trunc-cutoff'], true);
  if (cutoff !== null && cutoff < 0) throw new CliError('--trunc-cutoff must be 0 or more', true);
  const classIndex = number('class', values.class, true);
  if (classIndex !== null && classIndex < 0) throw new CliError('--class must be 0 or more', true);
  const fps = number('fps', values.fps, false);
  if (fps !== null && !(fps > 0 && fps <= 240)) throw new CliError('--fps must be between 1 and 240', true);
  const runtime = values.runtime ?? 'auto';
  if (runtime !== 'auto' && runtime !== 'native' && runtime !== 'wasm') throw new CliError(`--runtime must be native or wasm, not "${runtime}"`, true);
  const threads = number('threads', values.threads, true) ?? defaultNativeThreads();
  if (threads < 1 || threads > 64) throw new CliError('--threads must be from 1 to 64', true);

  return {
    network: values.network ?? null,
    seeds,
    psi: number('trunc', values.trunc, false) ?? 1,
    cutoff,
    classIndex,
    noise,
    transform,
    scale,
    filter,
    outdir: path.resolve(values.outdir),
    project: values.project ?? null,
    frames: values.frames ?? null,
    fps,
    video: !values['no-video'],
    runtime,
    threads,
  };
}

/** Frames `a-b` (inclusive) or `a` of a timeline with `total` frames; null means every frame. Throws {@link CliError}. */
export function parseFrameRange(text: string | null, total: number): [number, number] {
  if (text === null) return [0, total - 1];
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!match) throw new CliError(`--frames takes a range like 0-99, not "${text}"`, true);
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (last < first) throw new CliError(`--frames ${text}: a range must go up, like ${last}-${first}`, true);
  if (last >= total) throw new CliError(`--frames ${text}: the timeline has frames 0-${total - 1}`, true);
  return [first, last];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

/** The package folder and manifest for `--network`: a folder with manifest.json, or an id among the models folders. */
export async function findModel(network: string, modelsDir: string): Promise<{ dir: string; manifest: Manifest }> {
  const converted = await cachedCheckpointPackage(network, userDataDir(), modelsDir, (line) => process.stderr.write(`${line}\n`)).catch((error: unknown) => {
    if (error instanceof CheckpointError) throw new CliError(`--network ${network}: ${error.message}`);
    throw error;
  });
  if (converted) return { dir: converted, manifest: await readManifest(converted) };
  if (await isFile(path.join(network, 'manifest.json'))) {
    try {
      return { dir: path.resolve(network), manifest: await readManifest(network) };
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      throw new CliError(`--network ${network}: ${error.message}`);
    }
  }
  const ids: string[] = [];
  const broken: string[] = [];
  for (const parent of [modelsDir, path.join(modelsDir, 'fixtures')]) {
    let entries: string[];
    try {
      entries = (await fs.readdir(parent, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => path.join(parent, d.name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const dir of entries.sort()) {
      if (!(await isFile(path.join(dir, 'manifest.json')))) continue;
      try {
        const manifest = await readManifest(dir);
        if (manifest.id === network) return { dir, manifest };
        ids.push(manifest.id);
      } catch (error) {
        broken.push(`${dir} (${(error as Error).message})`);
      }
    }
  }
  const known = ids.length > 0 ? `known ids: ${ids.join(', ')}` : `no model packages in ${modelsDir}`;
  const skipped = broken.length > 0 ? `; unreadable packages: ${broken.join('; ')}` : '';
  throw new CliError(`--network ${network}: no such model package folder or model id (${known}${skipped})`);
}

async function version(): Promise<string> {
  const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/**
 * The runner for `--runtime`: the native host (dist/native/host.cjs, built beside this file's
 * bundle) unless WASM is asked for. By default a host that cannot start — onnxruntime-node missing
 * or built for another platform — gives way to WASM with the reason on stderr; `--runtime native`
 * fails instead. Errors of the model itself fail on every runtime.
 */
async function openRunner(options: CliOptions, model: { dir: string; manifest: Manifest }): Promise<GraphRunner> {
  if (options.runtime !== 'wasm') {
    try {
      const runner = await openNativeRunner(model.dir, model.manifest, { channel: forkChannel(path.join(ROOT, NATIVE_HOST_ENTRY)), numThreads: options.threads });
      const fallback = runner.fallbackReason ? `; GPU providers unused: ${runner.fallbackReason}` : '';
      log(`runtime: native (onnxruntime-node, ${runner.provider}, ${options.threads} threads${fallback})`);
      return runner;
    } catch (error) {
      if (!(error instanceof NativeProcessError) || options.runtime === 'native') throw error;
      process.stderr.write(`render: the native runtime could not start (${error.message}); rendering with WASM instead\n`);
    }
  }
  log(`runtime: wasm (onnxruntime-web, ${options.threads} threads)`);
  return openWasmRunner(model.dir, model.manifest, { numThreads: options.threads });
}

/** The package's const noise from disk (null without noise inputs), for createPipeline. */
const noiseConstOf = (model: { dir: string; manifest: Manifest }): Promise<NoiseConst | null> => readNoiseConst(model.dir, model.manifest);

/** Refuse noise or transform flags the package cannot honour (gen_images.py would silently ignore them). */
function checkSynthesisFlags(options: CliOptions, manifest: Manifest): void {
  const { noise, transform } = options;
  if (!manifest.noise_inputs?.length && (noise.mode !== DEFAULT_NOISE.mode || noise.strength !== DEFAULT_NOISE.strength)) {
    throw new CliError(
      `model "${manifest.id}" has no noise inputs, so --noise-mode ${noise.mode} and --noise-strength cannot change its picture; ` +
        're-export it with export_stylegan.py --noise-inputs (StyleGAN2), or leave them at const and 1.',
    );
  }
  if (!manifest.transform_input && (transform.x !== 0 || transform.y !== 0 || transform.angle !== 0)) {
    throw new CliError(
      `model "${manifest.id}" has no transform input, so --translate and --rotate cannot move its picture; ` +
        're-export a StyleGAN3 with export_stylegan.py --transform-input, or leave them at 0,0 and 0.',
    );
  }
}

function rate(count: number, ms: number): string {
  return `${(count / (ms / 1000)).toFixed(1)}/s`;
}

async function renderSeeds(options: CliOptions, model: { dir: string; manifest: Manifest }, software: string): Promise<void> {
  const { manifest } = model;
  if (manifest.c_dim > 0 && options.classIndex === null) throw new CliError(`model "${manifest.id}" is conditional: give a class with --class 0…${manifest.c_dim - 1}`, true);
  if (manifest.c_dim === 0 && options.classIndex !== null) process.stderr.write(`warn: --class=${options.classIndex} ignored when running on an unconditional network\n`);
  if (options.classIndex !== null && manifest.c_dim > 0 && options.classIndex >= manifest.c_dim) throw new CliError(`--class must be below ${manifest.c_dim} for model "${manifest.id}"`, true);
  if (options.cutoff !== null && manifest.family !== 'stylegan') throw new CliError('--trunc-cutoff applies to StyleGAN models only', true);
  if (options.cutoff !== null && options.cutoff > manifest.num_ws) throw new CliError(`--trunc-cutoff must be at most num_ws = ${manifest.num_ws}`, true);
  checkSynthesisFlags(options, manifest);

  const seeds = options.seeds!;
  const classes = options.classIndex !== null && manifest.c_dim > 0 ? [{ index: options.classIndex, weight: 1 }] : [];
  const noiseConst = await noiseConstOf(model);
  const runner = await openRunner(options, model);
  try {
    const pipeline = createPipeline(runner, manifest, noiseConst);
    const started = performance.now();
    let inferenceMs = 0;
    for (const [i, seed] of seeds.entries()) {
      log(`Generating image for seed ${seed} (${i}/${seeds.length}) ...`);
      const state: LatentState = latentState({ seed, psi: options.psi, cutoff: options.cutoff, classes, noise: options.noise, transform: options.transform });
      const t0 = performance.now();
      const { image, z, ws } = await pipeline.render(state);
      inferenceMs += performance.now() - t0;
      const png = stillPng({ image: tensorToRgba(image, manifest.output_range), z, ws }, { manifest, state, scale: options.scale, filter: options.filter, software });
      await writeFileAtomic(path.join(options.outdir, seedFileName(seed)), png);
    }
    const total = performance.now() - started;
    log(`${seeds.length} images in ${(total / 1000).toFixed(2)} s: ${rate(seeds.length, total)} written, inference alone ${rate(seeds.length, inferenceMs)}`);
  } finally {
    await runner.dispose();
  }
}

const projectSchema = timelineSchema.extend({ model: z.string().min(1) });

async function readProject(file: string): Promise<{ model: string; timeline: Timeline }> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new CliError(`--project ${file}: ${(error as Error).message}`);
  }
  const result = projectSchema.safeParse(json);
  if (!result.success) throw new CliError(`--project ${file}: ${describeIssue(result.error)}`);
  const { model, ...timeline } = result.data;
  return { model, timeline };
}

async function onPath(command: string): Promise<string | null> {
  const names = process.platform === 'win32' ? [`${command}.exe`] : [command];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      try {
        await fs.access(path.join(dir, name), fsConstants.X_OK);
        return path.join(dir, name);
      } catch (error) {
        if (!['ENOENT', 'EACCES', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    }
  }
  return null;
}

/** ffmpeg encoding the PNGs written to it into an H.264 MP4. */
interface VideoEncoder {
  write(png: Uint8Array): Promise<void>;
  /** Close its input and wait for it to finish the file. */
  finish(): Promise<void>;
  /** Stop it (the caller deletes the unfinished file). */
  kill(): Promise<void>;
}

function startFfmpeg(ffmpeg: string, fps: number, file: string): VideoEncoder {
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'image2pipe', '-framerate', String(fps), '-c:v', 'png', '-i', '-'];
  // yuv420p (what players expect) needs even sizes; pad odd ones by a pixel.
  args.push('-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '16', '-movflags', '+faststart', '-f', 'mp4', file);
  const child = spawn(ffmpeg, args, { stdio: ['pipe', 'inherit', 'pipe'] });
  const stdin = child.stdin!;
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new CliError(`ffmpeg failed (${signal ?? `exit ${code}`}): ${errors.trim() || 'no message'}`))));
  });
  // Until someone awaits `done`, its rejection must not count as unhandled (awaiting it still throws).
  done.catch(() => undefined);
  // Writing to an ffmpeg that has died fails with EPIPE; `done` reports why it died, so that is the error raised.
  stdin.on('error', () => undefined);
  return {
    async write(png) {
      if (!stdin.write(png)) await Promise.race([new Promise((resolve) => stdin.once('drain', resolve)), done]);
    },
    async finish() {
      stdin.end();
      await done;
    },
    async kill() {
      child.kill();
      await done.then(
        () => undefined,
        () => undefined, // killed on purpose: its exit status says nothing new
      );
    },
  };
}

async function renderProject(options: CliOptions, modelsDir: string): Promise<void> {
  const project = await readProject(options.project!);
  const timeline: Timeline = { ...project.timeline, fps: options.fps ?? project.timeline.fps };
  try {
    checkTimeline(timeline);
  } catch (error) {
    if (!(error instanceof TimelineError)) throw error;
    throw new CliError(`--project ${options.project}: ${error.message}`);
  }
  const model = await findModel(options.network ?? project.model, modelsDir);
  const total = frameCount(timeline);
  const [first, last] = parseFrameRange(options.frames, total);
  const whole = first === 0 && last === total - 1;
  const ffmpeg = options.video ? await onPath('ffmpeg') : null;
  if (options.video && !ffmpeg) log('ffmpeg is not on PATH: writing PNG frames only');
  const videoName = whole ? 'video.mp4' : `frames-${first}-${last}.mp4`;
  const videoTemp = path.join(options.outdir, partialName(videoName));

  const noiseConst = await noiseConstOf(model);
  const runner = await openRunner(options, model);
  const encoder = ffmpeg ? startFfmpeg(ffmpeg, timeline.fps, videoTemp) : null;
  try {
    const evaluator = new TimelineEvaluator(createPipeline(runner, model.manifest, noiseConst), model.manifest, timeline);
    const started = performance.now();
    let inferenceMs = 0;
    for (let index = first; index <= last; index++) {
      const t0 = performance.now();
      const image = await evaluator.frame(index);
      inferenceMs += performance.now() - t0;
      const rgba = upscale(tensorToRgba(image, model.manifest.output_range), options.scale, options.filter);
      const png = encodePng(rgbBytes(rgba), rgba.width, rgba.height);
      await writeFileAtomic(path.join(options.outdir, frameFileName(index)), png, { sync: false });
      await encoder?.write(png);
      if ((index - first) % 24 === 0 || index === last) log(`frame ${index} (${index - first + 1}/${last - first + 1})`);
    }
    await syncFolder(options.outdir);
    const count = last - first + 1;
    const elapsed = performance.now() - started;
    log(`${count} frames in ${(elapsed / 1000).toFixed(2)} s: ${rate(count, elapsed)} written, inference alone ${rate(count, inferenceMs)}`);
    if (encoder) {
      await encoder.finish();
      await fs.rename(videoTemp, path.join(options.outdir, videoName));
      log(`wrote ${path.join(options.outdir, videoName)}`);
    }
  } catch (error) {
    if (encoder) {
      await encoder.kill();
      await fs.rm(videoTemp, { force: true });
    }
    throw error;
  } finally {
    await runner.dispose();
  }
}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const options = parseCli(argv);
    if (options === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    const modelsDir = process.env.LATENT_STUDIO_MODELS_DIR ?? path.join(ROOT, 'models');
    await fs.mkdir(options.outdir, { recursive: true });
    if (options.project) await renderProject(options, modelsDir);
    else await renderSeeds(options, await findModel(options.network!, modelsDir), `Latent Studio ${await version()}`);
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`render: ${error.message}\n${error.usage ? 'Run with --help for the options.\n' : ''}`);
    return error.usage ? 2 : 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`render failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
