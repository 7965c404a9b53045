/**
 * Checkpoints in the official formats, written at test time by test-support/checkpoint_fixtures.py
 * (NVIDIA network pickles of the project's random-weight networks, HuggingFace BigGAN folders in
 * both torch.save formats) together with what the Python readers make of them, so the TypeScript
 * readers are compared with the Python ones without any download or committed binary.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpz } from '../app/codecs/npz';
import type { NpyArray } from '../app/codecs/npy';
import { pythonFileJson } from './python';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'checkpoint_fixtures.py');

/** What the Python reader reports for one NVIDIA pickle. */
export interface PythonPickleReading {
  readonly class_name: string;
  readonly init_args: unknown[];
  readonly init_kwargs: Record<string, unknown>;
  readonly modules: Record<string, { class_name: string; attributes: Record<string, unknown> }>;
  readonly dtypes: Record<string, string>;
}

/** The fixture folder and its cases. */
export interface CheckpointFixtures {
  readonly dir: string;
  readonly nvidia: readonly string[];
  readonly biggan: readonly string[];
  /** Bytes of a file in the folder. */
  file(name: string): Uint8Array;
  /** Tensors the Python reader found, by state-dict name. */
  tensors(name: string): Map<string, NpyArray>;
  json<T>(name: string): T;
  /** Remove the folder. */
  remove(): void;
}

/** Write the fixtures into a fresh temporary folder (a few seconds of Python). */
export function writeCheckpointFixtures(): CheckpointFixtures {
  const dir = mkdtempSync(path.join(tmpdir(), 'checkpoint-fixtures-'));
  const cases = pythonFileJson<{ nvidia: string[]; biggan: string[] }>(SCRIPT, dir);
  const file = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(dir, name)));
  return {
    dir,
    ...cases,
    file,
    tensors: (name) => parseNpz(file(name)),
    json: <T>(name: string) => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as T,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
