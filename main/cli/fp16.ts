/**
 * `npm run convert -- --fp16`: give a package folder float16 twins of its frame graphs
 * (app/model/fp16.ts), measure each twin against its float32 graph on onnxruntime-node (WASM where
 * the native runtime cannot start) through the studio's own pipeline, and record both in the
 * manifest (`graphs.<key>.fp16`, `files`). The Python exporters' `--fp16` call this too, so the
 * conversion and its measure exist once.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { convertToFloat16, type Fp16Conversion } from '../../app/model/fp16';
import { parseManifest, type Manifest } from '../../app/model/manifest';
import { sha256Hex } from '../../app/checkpoint/package';
import { createPipeline } from '../../app/inference/render';
import { fp16FileName, fp16GraphKeys, measureFp16Error, type Fp16ErrorFigures } from '../../app/inference/fp16-error';
import { withPrecision, type Precision } from '../../app/inference/precision';
import type { GraphRunner } from '../../app/inference/runner';
import { forkChannel, NativeProcessError, openNativeRunner } from '../inference/native/client';
import { openWasmRunner } from '../inference/ort-web-node';
import { readNoiseConst } from '../services/library';

/** Raised when a package cannot have a float16 twin; the message says why and what to do. */
export class Fp16Error extends Error {
  override readonly name = 'Fp16Error';
}

/** The seeds the error is measured on unless told otherwise. */
export const FP16_SEEDS = [0, 1, 2, 3, 4, 5, 6, 7];

/** Options of {@link addFp16Twins}. */
export interface Fp16Options {
  /** The built native host (dist/native/host.cjs); without one, or when it cannot start, WASM measures. */
  nativeEntry?: string;
  seeds?: readonly number[];
  /** Progress lines for the user. */
  log?: (line: string) => void;
}

/** One twin written: its graph, file, what the pass did and the measured error. */
export interface Fp16Twin {
  key: string;
  file: string;
  bytes: number;
  originalBytes: number;
  conversion: Omit<Fp16Conversion, 'bytes'>;
  error: Fp16ErrorFigures & { runtime: string };
}

const MANIFEST = 'manifest.json';

/** A file's bytes, or null when there is none. */
async function readIfThere(file: string): Promise<Uint8Array | null> {
  return fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
}

async function writeManifest(dir: string, document: unknown): Promise<void> {
  await fs.writeFile(path.join(dir, MANIFEST), `${JSON.stringify(document, null, 2)}\n`);
}

/** Open the package in `dir` in `precision` on the native runtime, else on WASM; says which ran. */
async function openRunner(dir: string, manifest: Manifest, precision: Precision, options: Fp16Options): Promise<{ runner: GraphRunner; runtime: string }> {
  if (options.nativeEntry) {
    try {
      const runner = await openNativeRunner(dir, manifest, { channel: forkChannel(options.nativeEntry), providers: 'cpu', precision });
      return { runner, runtime: 'onnxruntime-node cpu' };
    } catch (error) {
      if (!(error instanceof NativeProcessError)) throw error;
      options.log?.(`the native runtime could not start (${error.message}); measuring on WASM instead`);
    }
  }
  return { runner: await openWasmRunner(dir, withPrecision(manifest, precision)), runtime: 'onnxruntime-web wasm' };
}

/**
 * Write float16 twins of the frame graphs of the package in `dir` (an existing twin is made again),
 * measure them and record them in its manifest. On any failure the manifest and the twin files are
 * left as they were.
 */
export async function addFp16Twins(dir: string, options: Fp16Options = {}): Promise<Fp16Twin[]> {
  const original = await fs.readFile(path.join(dir, MANIFEST), 'utf8');
  const document = JSON.parse(original) as { graphs: Record<string, Record<string, unknown>>; files: Record<string, unknown> };
  const manifest = parseManifest(document);
  const keys = fp16GraphKeys(manifest);
  if (keys.length === 0) throw new Fp16Error(`${dir} has no frame graph to convert (a stylegan package's synthesis, or a generator)`);
  /** Files written, with what they held before (null: they did not exist), to undo a failure. */
  const written = new Map<string, Uint8Array | null>();
  const twins: Omit<Fp16Twin, 'error'>[] = [];
  try {
    for (const key of keys) {
      const spec = manifest.graphs[key]!;
      const source = new Uint8Array(await fs.readFile(path.join(dir, spec.file)));
      const { bytes, ...conversion } = convertToFloat16(source, spec.file);
      const file = fp16FileName(spec.file);
      written.set(file, await readIfThere(path.join(dir, file)));
      await fs.writeFile(path.join(dir, file), bytes);
      document.graphs[key]!.fp16 = { file };
      document.files[file] = { sha256: await sha256Hex(bytes), bytes: bytes.length };
      twins.push({ key, file, bytes: bytes.length, originalBytes: source.length, conversion });
      options.log?.(
        `${spec.file} → ${file}: ${(source.length / 2 ** 20).toFixed(2)} → ${(bytes.length / 2 ** 20).toFixed(2)} MiB, ` +
          `${conversion.values} values rounded (${conversion.overflowed} saturated at ±65504, ${conversion.flushed} flushed to zero)`,
      );
    }
    // The native host reads the manifest from disk: it must list the twins before they are opened.
    await writeManifest(dir, document);
    const listed = parseManifest(document);
    const noise = await readNoiseConst(dir, listed);
    const seeds = options.seeds ?? FP16_SEEDS;
    const fp32 = await openRunner(dir, listed, 'fp32', options);
    let figures: Fp16ErrorFigures;
    let runtime: string;
    try {
      const fp16 = await openRunner(dir, listed, 'fp16', options);
      try {
        runtime = fp16.runtime;
        figures = await measureFp16Error(listed, createPipeline(fp32.runner, listed, noise), createPipeline(fp16.runner, listed, noise), seeds);
      } finally {
        await fp16.runner.dispose();
      }
    } finally {
      await fp32.runner.dispose();
    }
    if (!Number.isFinite(figures.max_abs)) {
      throw new Fp16Error(
        'the float16 twin gives non-finite values where float32 does not (an activation beyond ±65504, most likely); keep this package in float32',
      );
    }
    // One measure covers every twin: the pipeline runs them together, as the studio would.
    const error = { ...figures, runtime };
    for (const twin of twins) document.graphs[twin.key]!.fp16 = { file: twin.file, error };
    parseManifest(document);
    await writeManifest(dir, document);
    options.log?.(
      `float16 vs float32 on ${runtime}, seeds ${seeds.join(',')}: max |Δ| ${figures.max_abs.toExponential(2)}, mean ${figures.mean_abs.toExponential(2)}; ` +
        `8-bit levels: max ${figures.max_levels}, mean ${figures.mean_levels.toFixed(3)}`,
    );
    return twins.map((twin) => ({ ...twin, error }));
  } catch (error) {
    await fs.writeFile(path.join(dir, MANIFEST), original);
    for (const [file, before] of written) {
      if (before) await fs.writeFile(path.join(dir, file), before);
      else await fs.rm(path.join(dir, file), { force: true });
    }
    throw error;
  }
}
