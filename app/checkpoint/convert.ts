/**
 * One entry point from a checkpoint the user has to a model package: detect the format (an NVIDIA
 * network pickle; a HuggingFace BigGAN folder — `config.json` + `pytorch_model.bin`, as files or
 * as a zip), read it into a {@link NetworkSnapshot} and hand it to the converter of its class
 * (StyleGAN2, StyleGAN3, BigGAN), then write the package files. The hosts (import, CLI, `npm run
 * convert`) call only this.
 */
import { readBigGanFolder } from './biggan-hf';
import { convertBigGan } from './biggan';
import { readNvidiaGenerator } from './nvidia';
import { finishPackage, sha256Hex, type PackageFiles } from './package';
import { CheckpointError, type ConvertedPackage, type ConvertOptions, type NetworkSnapshot } from './snapshot';
import { convertStyleGan2 } from './stylegan2';
import { convertStyleGan3 } from './stylegan3';
import { looksLikeLegacyTorchSave } from './torch-legacy';
import { looksLikeZip, ZipArchive } from './zip-entries';

/** The checkpoint formats the studio converts itself. */
export type CheckpointFormat = 'nvidia-pickle' | 'biggan-folder';

/** A checkpoint as the user gave it: one file, or the files of a folder by relative path. */
export type CheckpointInput =
  | { readonly kind: 'file'; readonly name: string; readonly bytes: Uint8Array }
  | { readonly kind: 'folder'; readonly name: string; readonly files: ReadonlyMap<string, Uint8Array> };

/** Options of {@link convertCheckpoint}: the converters' own, and BigGAN's class names. */
export interface CheckpointConvertOptions extends ConvertOptions {
  /**
   * The ImageNet class names (models/tools/biggan/imagenet_classes.txt, read by the host), which a
   * 1000-class BigGAN is labelled with as export_biggan.py labels it; other class counts are named
   * `class i`.
   */
  readonly imagenetClassNames?: readonly string[];
}

type StyleGanConverter = (snapshot: NetworkSnapshot, options: ConvertOptions) => Promise<ConvertedPackage>;

/** The converter of each generator class, by `<moduleName>.<className>` as the NVIDIA reader names them. */
const STYLEGAN_CONVERTERS: Readonly<Record<string, StyleGanConverter>> = {
  'training.networks.Generator': convertStyleGan2,
  'training.networks_stylegan2.Generator': convertStyleGan2,
  'training.networks_stylegan3.Generator': convertStyleGan3,
};

const WEIGHT_FILES = ['pytorch_model.bin', 'pytorch_model.pt', 'model.pt', 'model.bin'];

function pythonFallback(format: CheckpointFormat | undefined): string {
  return format === 'biggan-folder'
    ? 'models/tools/export_biggan.py --checkpoint <folder> (Python) is the fallback'
    : 'models/tools/export_stylegan.py --pickle <file> / export_biggan.py --checkpoint <folder> (Python) are the fallback';
}

/** True when `bytes` begin like a pickle (PROTO 2–5), the way every network pickle does. */
function looksLikePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5;
}

/** config.json and the weights of a BigGAN folder among `files` (at the top or one folder down). */
function bigGanFiles(files: ReadonlyMap<string, Uint8Array>, what: string): { config: Uint8Array; weights: Uint8Array; folder: string } {
  const names = [...files.keys()];
  for (const configName of names.filter((n) => /^([^/]+\/)?config\.json$/.test(n))) {
    const folder = configName.slice(0, -'config.json'.length);
    const weightsName = WEIGHT_FILES.map((w) => folder + w).find((n) => files.has(n));
    if (weightsName) return { config: files.get(configName)!, weights: files.get(weightsName)!, folder: folder.replace(/\/$/, '') };
  }
  throw new CheckpointError(
    `${what} holds no config.json beside a pytorch_model.bin (it has ${names.slice(0, 8).join(', ') || 'nothing'}); a HuggingFace BigGAN checkpoint is a folder with both`,
  );
}

/**
 * Which format `input` is, or null when it is none the studio converts (an ONNX package, say).
 * Reads only the first bytes and, for a zip, its directory.
 */
export function detectCheckpoint(input: CheckpointInput): CheckpointFormat | null {
  if (input.kind === 'folder') {
    if ([...input.files.keys()].some((n) => /(^|\/)config\.json$/.test(n)) && [...input.files.keys()].some((n) => WEIGHT_FILES.some((w) => n.endsWith(w)))) return 'biggan-folder';
    return null;
  }
  const { bytes } = input;
  if (looksLikeZip(bytes)) {
    const names = [...new ZipArchive(bytes, input.name).entries.keys()];
    if (names.some((n) => /^([^/]+\/)?config\.json$/.test(n)) && names.some((n) => WEIGHT_FILES.some((w) => n.endsWith(w)))) return 'biggan-folder';
    if (names.some((n) => /^[^/]+\/data\.pkl$/.test(n))) return 'biggan-folder'; // a bare zip torch.save: refused below for want of config.json
    return null;
  }
  if (looksLikeLegacyTorchSave(bytes)) return 'biggan-folder';
  if (looksLikePickle(bytes)) return 'nvidia-pickle';
  return null;
}

/** The stem of a file name, for the package id and name. */
function stem(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? name;
  return base.replace(/\.(pkl|pt|bin|zip)$/i, '') || 'checkpoint';
}

/** Lowercase id characters only, as manifests require. */
function packageId(name: string): string {
  return stem(name).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 100) || 'checkpoint';
}

/**
 * Convert a checkpoint to the files of a model package (manifest.json included, its `files`
 * filled, `generator.source_file` naming the checkpoint and its sha256). Throws
 * {@link CheckpointError} for an unknown format or architecture, saying that the Python exporter
 * is the fallback, and ConversionCancelled when `options.cancelled` says stop.
 */
export async function convertCheckpoint(input: CheckpointInput, options: CheckpointConvertOptions = {}): Promise<PackageFiles> {
  const format = detectCheckpoint(input);
  if (!format) {
    throw new CheckpointError(`${input.name} is not a checkpoint the studio converts (an NVIDIA .pkl, or a BigGAN folder with config.json and pytorch_model.bin). ${pythonFallback(undefined)}`);
  }
  options.onProgress?.(0);
  const id = options.id ?? packageId(input.name);
  const name = options.name ?? stem(input.name);
  const converterOptions = { ...options, id, name, onProgress: (f: number) => options.onProgress?.(0.05 + 0.9 * f) };
  let converted: ConvertedPackage;
  let sourceBytes: Uint8Array | undefined;
  if (format === 'nvidia-pickle') {
    if (input.kind !== 'file') throw new CheckpointError('an NVIDIA network pickle is one .pkl file, not a folder');
    sourceBytes = input.bytes;
    const snapshot = readNvidiaGenerator(input.bytes, input.name);
    const key = `${snapshot.moduleName ?? '?'}.${snapshot.className}`;
    const convert = STYLEGAN_CONVERTERS[key];
    if (!convert) {
      throw new CheckpointError(`${input.name}'s G_ema is a ${snapshot.className} (${snapshot.moduleName ?? 'unknown module'}), which the studio cannot convert; ${pythonFallback(format)}`);
    }
    converted = await convert(snapshot, converterOptions);
  } else {
    let files: ReadonlyMap<string, Uint8Array>;
    if (input.kind === 'folder') files = input.files;
    else if (looksLikeZip(input.bytes) && ![...new ZipArchive(input.bytes, input.name).entries.keys()].some((n) => /^[^/]+\/data\.pkl$/.test(n))) {
      const archive = new ZipArchive(input.bytes, input.name);
      files = new Map([...archive.entries.keys()].filter((n) => !n.endsWith('/')).map((n) => [n, archive.read(n)]));
      sourceBytes = input.bytes;
    } else {
      throw new CheckpointError(`${input.name} is a torch.save file without its config.json; open the folder holding both (or a zip of it)`);
    }
    const found = bigGanFiles(files, input.name);
    sourceBytes ??= found.weights;
    const { config, snapshot } = readBigGanFolder(found.config, found.weights);
    converted = await convertBigGan(config, snapshot, {
      ...converterOptions,
      folderName: found.folder || stem(input.name),
      ...(options.imagenetClassNames && (config as { num_classes?: unknown }).num_classes === 1000 ? { classNames: options.imagenetClassNames } : {}),
    });
  }
  const source = { name: input.name.split(/[/\\]/).pop() ?? input.name, sha256: await sha256Hex(sourceBytes), bytes: sourceBytes.length };
  const finished = await finishPackage(converted, source);
  options.onProgress?.(1);
  return finished;
}
