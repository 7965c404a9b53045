/**
 * Checkpoints as the user has them — an NVIDIA `.pkl`, a HuggingFace BigGAN folder (`config.json` +
 * `pytorch_model.bin`) or a zip of one — turned into a model package folder on disk by the
 * TypeScript converters (app/checkpoint/convert.ts), so the importer, the CLI and `npm run convert`
 * treat them like any exported package afterwards: the importer verifies the written folder exactly
 * as it verifies one from the Python exporter. Reading is bounded by MAX_CHECKPOINT_BYTES.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { convertCheckpoint, detectCheckpoint, type CheckpointConvertOptions, type CheckpointInput } from '../../app/checkpoint/convert';
import { MAX_CHECKPOINT_BYTES } from '../../app/codecs/limits';
import { parseClassNameList } from '../../app/checkpoint/biggan';
import type { PackageFiles } from '../../app/checkpoint/package';
import { CheckpointError } from '../../app/checkpoint/snapshot';

/** File names a BigGAN folder keeps its weights under. */
const WEIGHT_FILES = ['pytorch_model.bin', 'pytorch_model.pt', 'model.pt', 'model.bin'];

/** True when the first bytes could start a checkpoint (a pickle's PROTO 2–5, or a zip). */
function mayBeCheckpoint(head: Uint8Array): boolean {
  return (head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) || (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04);
}

async function readBounded(file: string, shown: string): Promise<Uint8Array> {
  const stat = await fs.stat(file);
  if (stat.size > MAX_CHECKPOINT_BYTES) throw new CheckpointError(`${shown} is ${stat.size} bytes, more than the ${MAX_CHECKPOINT_BYTES} a checkpoint may be; convert it with the Python exporter`);
  return new Uint8Array(await fs.readFile(file));
}

/**
 * `source` as a checkpoint to convert, or null when it is something else (a model package folder,
 * a zip of one, an .onnx): those the importer handles as before. Reads a file whole only when its
 * first bytes could start a checkpoint.
 */
export async function readCheckpointInput(source: string, isDirectory: boolean, shown: string): Promise<CheckpointInput | null> {
  if (isDirectory) {
    const names = await fs.readdir(source);
    if (names.includes('manifest.json') || !names.includes('config.json')) return null;
    const weights = WEIGHT_FILES.find((w) => names.includes(w));
    if (!weights) return null;
    const files = new Map([
      ['config.json', await readBounded(path.join(source, 'config.json'), 'config.json')],
      [weights, await readBounded(path.join(source, weights), weights)],
    ]);
    return { kind: 'folder', name: shown, files };
  }
  const head = new Uint8Array(4);
  const handle = await fs.open(source, 'r');
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  if (!mayBeCheckpoint(head)) return null;
  const input: CheckpointInput = { kind: 'file', name: shown, bytes: await readBounded(source, shown) };
  try {
    return detectCheckpoint(input) ? input : null;
  } catch (error) {
    // A zip whose directory cannot be read is no checkpoint we can tell; the package importer reads it and says what is wrong.
    if (error instanceof CheckpointError && head[0] === 0x50) return null;
    throw error;
  }
}

/** The ImageNet class names a 1000-class BigGAN takes, from `<modelsDir>/tools/biggan/` (undefined when absent). */
export async function imagenetClassNames(modelsDir: string): Promise<string[] | undefined> {
  const file = path.join(modelsDir, 'tools', 'biggan', 'imagenet_classes.txt');
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : parseClassNameList(text);
}

/**
 * Convert `input` and write the package's files (manifest.json included) into `dir`, which is
 * created. Throws CheckpointError (refused or unreadable), ConversionCancelled, or what
 * `options.cancelled` throws.
 */
export async function writeCheckpointPackage(input: CheckpointInput, dir: string, options: CheckpointConvertOptions = {}): Promise<PackageFiles> {
  const converted = await convertCheckpoint(input, options);
  await fs.mkdir(dir, { recursive: true });
  for (const [name, bytes] of converted.files) await fs.writeFile(path.join(dir, name), bytes);
  return converted;
}
