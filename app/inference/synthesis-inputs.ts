/**
 * The synthesis graph's optional inputs (models/README.md "Optional synthesis inputs"): per-layer
 * noise (`export_stylegan.py --noise-inputs`) and StyleGAN3's input transform
 * (`--transform-input`), made from a state's {@link NoiseSettings} and {@link InputTransform}.
 * Packages without them get no extra feeds, so they render exactly as before.
 */
import type { Feeds, Tensor } from './runner';
import type { Manifest } from '../model/manifest';
import { NpyError } from '../codecs/npy';
import { parseNpz } from '../codecs/npz';
import { maskSeed, RandomState } from '../latent/random';
import { DEFAULT_NOISE, DEFAULT_TRANSFORM, type InputTransform, type NoiseSettings } from '../state/latent-state';

/** The parts of a state that decide the synthesis graph's extra inputs. */
export interface SynthesisSettings {
  noise: NoiseSettings;
  transform: InputTransform;
}

/** Settings that feed a package's stored noise and transform: the picture of a package without these inputs. */
export const DEFAULT_SYNTHESIS: Readonly<SynthesisSettings> = Object.freeze({ noise: DEFAULT_NOISE, transform: DEFAULT_TRANSFORM });

/** A package's const noise, by noise input name, each [1, 1, r, r] row-major. */
export type NoiseConst = ReadonlyMap<string, Float32Array>;

/** Raised when a package's noise side file is missing, unreadable or does not fit its manifest. */
export class SynthesisInputError extends Error {
  override readonly name = 'SynthesisInputError';
}

/** Whether `manifest` declares noise inputs. */
export function hasNoiseInputs(manifest: Manifest): boolean {
  return (manifest.noise_inputs?.length ?? 0) > 0;
}

/**
 * Read the const noise of every noise input that names a `const_file` (loaded once per model;
 * each file once). Null when the package declares no noise inputs.
 * @param loadFile bytes of a package file by name (fetched in the worker, read from disk in Node)
 * @throws SynthesisInputError naming the file and the input when an array is missing or misshapen
 */
export async function loadNoiseConst(manifest: Manifest, loadFile: (file: string) => Promise<Uint8Array>): Promise<NoiseConst | null> {
  if (!hasNoiseInputs(manifest)) return null;
  const archives = new Map<string, ReturnType<typeof parseNpz>>();
  const consts = new Map<string, Float32Array>();
  for (const input of manifest.noise_inputs!) {
    const file = input.const_file;
    if (file === undefined) continue;
    let archive = archives.get(file);
    if (!archive) {
      try {
        archive = parseNpz(await loadFile(file));
      } catch (error) {
        if (!(error instanceof NpyError)) throw error;
        throw new SynthesisInputError(`model "${manifest.id}": ${file} is unreadable (${error.message}); re-export the package with export_stylegan.py --noise-inputs`);
      }
      archives.set(file, archive);
    }
    const array = archive.get(input.name);
    const r = input.resolution;
    if (!array) throw new SynthesisInputError(`model "${manifest.id}": ${file} has no array "${input.name}"; re-export the package with export_stylegan.py --noise-inputs`);
    if (array.shape.join(',') !== `1,1,${r},${r}`) {
      throw new SynthesisInputError(`model "${manifest.id}": "${input.name}" in ${file} is [${array.shape.join(', ')}], expected [1, 1, ${r}, ${r}]; re-export the package`);
    }
    consts.set(input.name, array.data);
  }
  return consts;
}

/**
 * The matrix fed to StyleGAN3's `transform` input for a user transform: `D · inv(M)` with D the
 * package's stored matrix (`transform_input.default`) and
 * `M = [[cos a, sin a, x], [−sin a, cos a, y], [0, 0, 1]]` (gen_images.py make_transform, a in
 * degrees). The input holds the inverse of the image transform, and the stored one is applied
 * first, so (0, 0, 0) feeds D itself; with D = I (every NVIDIA pickle) this is exactly what
 * gen_images.py and the visualizer feed. Row-major [3, 3], float32.
 */
export function transformMatrix(stored: readonly (readonly number[])[], t: InputTransform): Float32Array {
  const a = (t.angle * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  // inv(M) in closed form: M is a rotation R followed by a translation, so inv(M) = [Rᵀ, −Rᵀ·(x, y)].
  const inv = [
    [c, -s, -c * t.x + s * t.y],
    [s, c, -s * t.x - c * t.y],
    [0, 0, 1],
  ];
  const out = new Float32Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += stored[i]![k]! * inv[k]![j]!;
      out[i * 3 + j] = sum;
    }
  }
  return out;
}

/**
 * Unit normal noise for every noise input, numpy-exact: one `np.random.RandomState(seed)` drawing
 * `randn(1, 1, r, r)` per input in the order of `manifest.noise_inputs` (the exporter's graph
 * order: b4.conv1, b8.conv0, b8.conv1, …), each cast to float32.
 */
export function randomNoise(manifest: Manifest, seed: number): Map<string, Float32Array> {
  const rng = new RandomState(maskSeed(seed));
  const out = new Map<string, Float32Array>();
  for (const input of manifest.noise_inputs ?? []) out.set(input.name, Float32Array.from(rng.randn(input.resolution * input.resolution)));
  return out;
}

/** Makes the extra synthesis feeds of one model; keeps the last noise it made, so ψ drags do not redraw it. */
export interface SynthesisInputs {
  /** The noise and transform feeds for `settings` ({} for a package with neither input). */
  feeds(settings: SynthesisSettings): Feeds;
}

/**
 * The synthesis-input maker for `manifest`.
 * @param noiseConst the package's const noise ({@link loadNoiseConst}); required when it declares noise inputs with const files
 * @throws SynthesisInputError when the const noise the manifest names was not given
 */
export function createSynthesisInputs(manifest: Manifest, noiseConst: NoiseConst | null): SynthesisInputs {
  const noiseInputs = manifest.noise_inputs ?? [];
  const transformInput = manifest.transform_input;
  if (noiseInputs.some((n) => n.const_file !== undefined && !noiseConst?.has(n.name))) {
    throw new SynthesisInputError(`model "${manifest.id}" has noise inputs, but its const noise (${noiseInputs[0]!.const_file}) was not loaded`);
  }
  let lastNoise: { key: string; feeds: Feeds } | null = null;

  function noiseFeeds(n: NoiseSettings): Feeds {
    const key = n.mode === 'random' ? `random:${n.seed}:${n.strength}` : `${n.mode}:${n.strength}`;
    if (lastNoise?.key === key) return lastNoise.feeds;
    const random = n.mode === 'random' ? randomNoise(manifest, n.seed) : null;
    const strength = Math.fround(n.strength);
    const feeds: Feeds = {};
    for (const input of noiseInputs) {
      const size = input.resolution * input.resolution;
      let unit: Float32Array;
      if (n.mode === 'none') unit = new Float32Array(size);
      else if (random) unit = random.get(input.name)!;
      else {
        const stored = noiseConst?.get(input.name);
        if (!stored) throw new SynthesisInputError(`model "${manifest.id}" stores no const noise for "${input.name}": choose random or none noise`);
        unit = stored;
      }
      // float32 × float32 rounded to float32, as numpy multiplies the exporter's float32 arrays.
      const data = strength === 1 ? unit : unit.map((v) => v * strength);
      feeds[input.name] = { data, dims: [1, 1, input.resolution, input.resolution] } satisfies Tensor;
    }
    lastNoise = { key, feeds };
    return feeds;
  }

  return {
    feeds(settings) {
      const feeds: Feeds = noiseInputs.length > 0 ? { ...noiseFeeds(settings.noise) } : {};
      if (transformInput) feeds[transformInput.name] = { data: transformMatrix(transformInput.default, settings.transform), dims: [3, 3] };
      return feeds;
    },
  };
}
