import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonMissing } from '../../test-support/python';
import { writeCheckpointFixtures, type CheckpointFixtures, type PythonPickleReading } from '../../test-support/checkpoints';
import { readNetworkPickle, readNvidiaGenerator, PersistentRecord } from './nvidia';
import { CheckpointError } from './snapshot';

const missing = pythonMissing('torch', 'numpy');

const MODULES: Record<string, string> = {
  'stylegan2-ada': 'training.networks',
  'stylegan2-ada-fp16-protocol5': 'training.networks',
  'stylegan3-repo-stylegan2': 'training.networks_stylegan2',
  'stylegan3-t': 'training.networks_stylegan3',
  'stylegan3-r': 'training.networks_stylegan3',
};

describe.skipIf(missing)('NVIDIA network pickles, against models/tools/stylegan/nvidia_pickle.py', () => {
  let fixtures: CheckpointFixtures;
  beforeAll(() => {
    fixtures = writeCheckpointFixtures();
  });
  afterAll(() => fixtures?.remove());

  it.each(Object.keys(MODULES))('%s: G_ema\'s every tensor, dtype, module and constructor argument', (name) => {
    const snapshot = readNvidiaGenerator(fixtures.file(`${name}.pkl`));
    const python = fixtures.json<PythonPickleReading>(`${name}.json`);
    const expected = fixtures.tensors(`${name}.npz`);
    expect(snapshot.className).toBe(python.class_name);
    expect(snapshot.moduleName).toBe(MODULES[name]);
    expect(snapshot.initArgs).toEqual(python.init_args);
    expect(snapshot.initKwargs).toEqual(python.init_kwargs);
    expect([...snapshot.tensors.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, array] of expected) {
      const tensor = snapshot.tensors.get(key)!;
      expect(tensor.shape, key).toEqual(array.shape);
      expect(tensor.dtype, key).toBe(python.dtypes[key]);
      expect(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).equals(Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength)), key).toBe(true);
    }
    expect([...snapshot.modules.keys()].sort()).toEqual(Object.keys(python.modules).sort());
    for (const [path, module] of Object.entries(python.modules)) {
      const ours = snapshot.modules.get(path)!;
      expect(ours.className, path).toBe(module.class_name);
      for (const [key, value] of Object.entries(module.attributes)) expect(ours.attributes[key], `${path}.${key}`).toEqual(value);
    }
  });

  it('reads the whole container: G and D beside G_ema, the training set kwargs as a dict', () => {
    const networks = readNetworkPickle(fixtures.file('stylegan3-t.pkl'));
    expect([...networks.keys()].sort()).toEqual(['D', 'G', 'G_ema', 'augment_pipe', 'training_set_kwargs']);
    expect((networks.get('D') as PersistentRecord).className).toBe('Discriminator');
    expect([...(networks.get('training_set_kwargs') as Map<unknown, unknown>)]).toEqual([['path', 'data.zip'], ['resolution', 32]]);
    // The canary module source official_pickle.py stores would exit Python if it were executed.
    expect((networks.get('G_ema') as PersistentRecord).moduleSrc).toContain('was executed');
  });

  it('keeps 4-aligned float32 tensors of a pickle as views of its bytes, and copies only the others', () => {
    const bytes = fixtures.file('stylegan3-t.pkl');
    const snapshot = readNvidiaGenerator(bytes);
    const fp32 = [...snapshot.tensors.values()].filter((t) => t.dtype === 'float32');
    const views = fp32.filter((t) => t.data.buffer === bytes.buffer);
    // Storages start wherever the pickle put their bytes: about a quarter of them on a 4-byte boundary.
    expect(views.length).toBeGreaterThan(3);
    expect(views.every((t) => t.data.byteOffset % 4 === 0)).toBe(true);
    expect(fp32.filter((t) => t.data.buffer !== bytes.buffer).every((t) => t.data.byteOffset === 0)).toBe(true);
  });

  it('refuses a pickle without G_ema, naming what it holds', () => {
    const networks = readNetworkPickle(fixtures.file('stylegan3-t.pkl'));
    expect(networks.has('G_ema')).toBe(true);
    // The same dict with G_ema renamed: one byte changed in the key string.
    const bytes = fixtures.file('stylegan3-t.pkl');
    const at = Buffer.from(bytes).indexOf('G_ema');
    bytes[at + 4] = 'x'.charCodeAt(0);
    expect(() => readNvidiaGenerator(bytes)).toThrow(CheckpointError);
    expect(() => readNvidiaGenerator(bytes)).toThrow(/no G_ema network \(it holds .*G_emx/);
  });
});
