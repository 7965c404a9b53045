/**
 * Network snapshots written by the Python reference tools (models/tools/tests/stylegan2_snapshot.py:
 * snapshot.json with the class, constructor arguments and module records of a pickled G_ema, and
 * state.npz with its state dict), read back as the {@link NetworkSnapshot} a checkpoint reader
 * hands to the graph converters. Lets converter tests start from what a real pickle records
 * before the TypeScript pickle reader exists to produce it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseNpz } from '../app/codecs/npz';
import type { ModuleRecord, NetworkSnapshot, StoredTensor } from '../app/checkpoint/snapshot';

interface SnapshotJson {
  className: string;
  initArgs: unknown[];
  initKwargs: Record<string, unknown>;
  modules: { path: string; className: string; attributes: Record<string, unknown> }[];
}

/** Read `dir`/snapshot.json and `dir`/state.npz into a snapshot (tensors as float32). */
export function readSnapshotFixture(dir: string): NetworkSnapshot {
  const doc = JSON.parse(readFileSync(path.join(dir, 'snapshot.json'), 'utf8')) as SnapshotJson;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, array] of parseNpz(new Uint8Array(readFileSync(path.join(dir, 'state.npz'))))) {
    tensors.set(name, { shape: array.shape, dtype: 'float32', data: array.data });
  }
  const modules = new Map<string, ModuleRecord>(doc.modules.map((m) => [m.path, m]));
  return { className: doc.className, initArgs: doc.initArgs, initKwargs: doc.initKwargs, tensors, modules };
}
