/**
 * Model files built by tests (never committed): small runnable z → image generators with chosen
 * names, shapes and faults, the fixture package zipped whole or with a lying manifest, and zips with
 * hostile entry names. Unit tests and e2e specs share them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';
import { encodeIntAttribute, encodeModel, encodeNode, encodeTensor, encodeValueInfo } from '../app/model/onnx-rewrite';

export const FIXTURE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../models/fixtures/stylegan-tiny');

/** Options of {@link plainGenerator}. */
export interface PlainGeneratorOptions {
  zDim?: number;
  resolution?: number;
  channels?: 1 | 3;
  /** The z input as [N, z] (2) or DCGAN's [N, z, 1, 1] (4). */
  inputRank?: 2 | 4;
  inputName?: string;
  outputName?: string;
  /** Weights of NaN: every output value is NaN. */
  nan?: boolean;
  /** Declare the z input as [N, z, z] instead (a shape no z → image generator has). */
  wrongInputShape?: boolean;
}

/**
 * A runnable generator: img = reshape(tanh(z·W + b), [N, C, R, R]) with fixed pseudo-random
 * weights, so different seeds give different pictures.
 */
export function plainGenerator(options: PlainGeneratorOptions = {}): Uint8Array {
  const { zDim = 8, resolution = 4, channels = 3, inputRank = 2, inputName = 'z', outputName = 'img', nan = false } = options;
  const size = channels * resolution * resolution;
  const w = new Float32Array(zDim * size);
  let state = 12345;
  for (let i = 0; i < w.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    w[i] = nan ? NaN : ((state / 2 ** 32) * 2 - 1) * 0.8;
  }
  const nodes = [];
  let z = inputName;
  if (inputRank === 4) {
    nodes.push(encodeNode('Flatten', [inputName], ['z_flat'], 'flatten', [encodeIntAttribute('axis', 1)]));
    z = 'z_flat';
  }
  nodes.push(
    encodeNode('MatMul', [z, 'W'], ['h']),
    encodeNode('Add', ['h', 'b'], ['h_b']),
    encodeNode('Tanh', ['h_b'], ['t']),
    encodeNode('Reshape', ['t', 'shape'], [outputName]),
  );
  const inputDims = options.wrongInputShape ? ['N', zDim, zDim] : inputRank === 4 ? ['N', zDim, 1, 1] : ['N', zDim];
  return encodeModel({
    nodes,
    initializers: [
      encodeTensor('W', [zDim, size], w),
      encodeTensor('b', [size], new Float32Array(size).fill(0.1)),
      encodeTensor('shape', [4], BigInt64Array.of(-1n, BigInt(channels), BigInt(resolution), BigInt(resolution))),
    ],
    inputs: [encodeValueInfo(inputName, inputDims)],
    outputs: [encodeValueInfo(outputName, ['N', channels, resolution, resolution])],
    producer: 'latent-studio-tests',
  });
}

/** Every file of the fixture package, by name (manifest.json included). */
export function fixtureFiles(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const name of readdirSync(FIXTURE_DIR)) files[name] = new Uint8Array(readFileSync(path.join(FIXTURE_DIR, name)));
  return files;
}

/** A manifest as JSON, for tests that break it on purpose. */
export type ManifestJson = Record<string, unknown> & { files: Record<string, unknown> };

/** The fixture package as a .zip, at the top level or inside a folder, with its manifest changed by `edit`. */
export function fixtureZip(options: { folder?: string; edit?: (manifest: ManifestJson) => void } = {}): Uint8Array {
  const files = fixtureFiles();
  if (options.edit) {
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as ManifestJson;
    options.edit(manifest);
    files['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest));
  }
  const prefix = options.folder ? `${options.folder}/` : '';
  const zippable: Zippable = {};
  for (const [name, bytes] of Object.entries(files)) zippable[prefix + name] = bytes;
  return zipSync(zippable, { level: 0 });
}

/** A zip whose entries are named exactly as given (fflate would refuse nothing, so hostile names go in as written). */
export function zipWithNames(entries: Record<string, Uint8Array | string>): Uint8Array {
  const zippable: Zippable = {};
  for (const [name, value] of Object.entries(entries)) zippable[name] = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return zipSync(zippable, { level: 0 });
}
