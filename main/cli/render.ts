/**
 * Headless rendering, with the flags of NVIDIA's gen_images.py: seeds to `seed0000.png` … carrying
 * the same provenance chunk as the studio's PNG export, or a timeline file to numbered frames (and
 * an MP4 through ffmpeg when it is on PATH). It runs the studio's own app/ pipeline on the
 * studio's native path (onnxruntime-node in a child process), or on onnxruntime-web's WASM backend
 * in Node where onnxruntime-node cannot load. docs/CLI.md has the details and how to split a long
 * render across machines.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { tensorToRgba } from '../../app/inference/image';
import type { Manifest } from '../../app/model/manifest';
import { encodePng } from '../../app/codecs/png';
import { createPipeline } from '../../app/inference/render';
import { describeIssue, timelineSchema } from '../../app/state/schemas';
import { DEFAULT_NOISE, latentState, type LatentState } from '../../app/state/latent-state';
import { ExplicitLatentError, parseProjectedWs } from '../../app/state/explicit-latent';
import type { NoiseConst } from '../../app/inference/synthesis-inputs';
import { checkTimeline, frameCount, TimelineError, type Timeline } from '../../app/state/timeline';
import { TimelineEvaluator } from '../../app/inference/timeline-frames';
import { upscale } from '../../app/export/resample';
import { frameFileName, rgbBytes, seedFileName, stillPng } from '../../app/export/still';
import type { GraphRunner } from '../../app/inference/runner';
import { openWasmRunner } from '../inference/ort-web-node';
import { forkChannel, NATIVE_HOST_ENTRY, NativeProcessError, openNativeRunner } from '../inference/native/client';
import { cutoffProblem, psiProblem } from '../../app/model/latent-domain';
import { readNoiseConst } from '../services/library';
import { CliError, HELP, parseCli, parseFrameRange, type CliOptions } from './options';
import { onPath, startFfmpeg } from './ffmpeg';
import { findModel } from './find-model';
import { partialName, syncFolder, writeFileAtomic } from '../services/exports';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');


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

/** The images to render for --seeds or --projected-w: each one's state, file name and progress label. */
async function stillJobs(options: CliOptions, manifest: Manifest): Promise<{ state: LatentState; file: string; label: string }[]> {
  const common = { psi: options.psi, cutoff: options.cutoff, noise: options.noise, transform: options.transform };
  if (options.projectedW) {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(options.projectedW);
    } catch (error) {
      throw new CliError(`--projected-w ${options.projectedW}: ${(error as Error).message}`);
    }
    let explicits;
    try {
      explicits = parseProjectedWs(bytes, manifest, path.basename(options.projectedW));
    } catch (error) {
      if (!(error instanceof ExplicitLatentError)) throw error;
      throw new CliError(`--projected-w ${error.message}`);
    }
    // generate.py --projected-w names them proj00.png, proj01.png, …
    return explicits.map((explicit, i) => ({ state: latentState({ ...common, explicit }), file: `proj${String(i).padStart(2, '0')}.png`, label: `projected w ${i}` }));
  }
  const classes = options.classIndex !== null && manifest.c_dim > 0 ? [{ index: options.classIndex, weight: 1 }] : [];
  return options.seeds!.map((seed) => ({ state: latentState({ seed, ...common, classes }), file: seedFileName(seed), label: `seed ${seed}` }));
}

async function renderSeeds(options: CliOptions, model: { dir: string; manifest: Manifest }, software: string): Promise<void> {
  const { manifest } = model;
  // An explicit ws is not mapped, so it needs no class.
  if (manifest.c_dim > 0 && options.classIndex === null && !options.projectedW) throw new CliError(`model "${manifest.id}" is conditional: give a class with --class 0…${manifest.c_dim - 1}`, true);
  if (manifest.c_dim === 0 && options.classIndex !== null) process.stderr.write(`warn: --class=${options.classIndex} ignored when running on an unconditional network\n`);
  if (options.classIndex !== null && manifest.c_dim > 0 && options.classIndex >= manifest.c_dim) throw new CliError(`--class must be below ${manifest.c_dim} for model "${manifest.id}"`, true);
  const psiWrong = psiProblem(manifest, options.psi);
  if (psiWrong) throw new CliError(`--trunc ${psiWrong}`, true);
  const cutoffWrong = cutoffProblem(manifest, options.cutoff);
  if (cutoffWrong) throw new CliError(`--trunc-cutoff ${cutoffWrong}`, true);
  checkSynthesisFlags(options, manifest);

  const jobs = await stillJobs(options, manifest);
  const noiseConst = await noiseConstOf(model);
  const runner = await openRunner(options, model);
  try {
    const pipeline = createPipeline(runner, manifest, noiseConst);
    const started = performance.now();
    let inferenceMs = 0;
    for (const [i, { state, file, label }] of jobs.entries()) {
      log(`Generating image for ${label} (${i}/${jobs.length}) ...`);
      const t0 = performance.now();
      const { image, z, ws } = await pipeline.render(state);
      inferenceMs += performance.now() - t0;
      const png = stillPng({ image: tensorToRgba(image, manifest.output_range), z, ws }, { manifest, state, scale: options.scale, filter: options.filter, software });
      await writeFileAtomic(path.join(options.outdir, file), png);
    }
    const total = performance.now() - started;
    log(`${jobs.length} images in ${(total / 1000).toFixed(2)} s: ${rate(jobs.length, total)} written, inference alone ${rate(jobs.length, inferenceMs)}`);
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
