/**
 * The command line of `npm run render`: its help text, the flags (gen_images.py's names where it has
 * them) parsed and checked into {@link CliOptions}, and the error type whose `usage` flag decides
 * the exit code. No file is read here: what needs the model is checked once it is found.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { InputTransform, NoiseSettings } from '../../app/state/latent-state';
import { DEFAULT_NOISE, DEFAULT_TRANSFORM } from '../../app/state/latent-state';
import { parseSeedList, SeedListError } from '../../app/latent/seed-list';
import { MAX_SCALE, type UpscaleFilter } from '../../app/export/resample';
import { defaultNativeThreads } from '../inference/native/client';

/** `--help`'s text. */
export const HELP = `Usage: npm run render -- --network <model dir or id> --seeds <list> --outdir <dir> [options]
       npm run render -- --network <model dir or id> --projected-w <file.npz> --outdir <dir> [options]
       npm run render -- --project <timeline.json> --outdir <dir> [--frames a-b] [options]

Renders images with a model package, like NVIDIA's gen_images.py. Every PNG carries the studio's
provenance record (iTXt "latent-studio"), so dropping it onto the studio restores its state.

  --network <dir|id|pkl> a model package folder, or a model id among models/ and models/fixtures/
                         ($LATENT_STUDIO_MODELS_DIR moves that folder) or your library, or a checkpoint
                         (NVIDIA .pkl, BigGAN folder), converted once into the user data folder's
                         checkpoint-cache/
  --seeds <list>         seeds and ranges, e.g. 0-99,200 → seed0000.png … seed0200.png
  --projected-w <file>   render the ws of NVIDIA's projector output (projected_w.npz, "w" of
                         shape [N, num_ws, w_dim]) as proj00.png …, as generate.py does; in place
                         of --seeds (ψ 1, the default, leaves the ws untouched)
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
  /** A projected_w.npz to render instead of seeds (--projected-w). */
  projectedW: string | null;
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
        'projected-w': { type: 'string' },
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
  if (!values.project && !values.network) throw new CliError('--network is required (a model package folder, a model id or a checkpoint such as an NVIDIA .pkl), or give --project', true);
  const projectedW = values['projected-w'] ?? null;
  if ([values.seeds, projectedW, values.project].filter((v) => v).length > 1) throw new CliError('give one of --seeds, --projected-w and --project', true);
  if (!values.project && !values.seeds && !projectedW) throw new CliError('--seeds is required, e.g. --seeds 0-3 (or give --projected-w for a projection, --project for a timeline)', true);
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
    projectedW: projectedW === null ? null : path.resolve(projectedW),
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
