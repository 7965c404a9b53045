import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonMissing } from '../../test-support/python';
import { writeCheckpointFixtures, type CheckpointFixtures } from '../../test-support/checkpoints';
import { readBigGanFolder, readTorchStateDict } from './biggan-hf';
import { CheckpointError } from './snapshot';

describe.skipIf(pythonMissing('torch', 'numpy'))('HuggingFace BigGAN folders written by torch.save', () => {
  let fixtures: CheckpointFixtures;
  beforeAll(() => {
    fixtures = writeCheckpointFixtures();
  });
  afterAll(() => fixtures?.remove());

  it.each(['biggan-zip', 'biggan-legacy'])('%s: config.json and every tensor of the state dict, bit for bit', (folder) => {
    const { config, snapshot } = readBigGanFolder(fixtures.file(`${folder}/config.json`), fixtures.file(`${folder}/pytorch_model.bin`));
    const python = fixtures.json<{ config: unknown; dtypes: Record<string, string> }>('biggan.json');
    expect(config).toEqual(python.config);
    const expected = fixtures.tensors('biggan.npz');
    expect([...snapshot.tensors.keys()]).toEqual([...expected.keys()]);
    for (const [key, array] of expected) {
      const tensor = snapshot.tensors.get(key)!;
      expect(tensor.shape, key).toEqual(array.shape);
      expect(tensor.dtype, key).toBe(python.dtypes[key]);
      expect(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).equals(Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength)), key).toBe(true);
    }
  });

  it('the zip format\'s float32 records are views of the file, not copies', () => {
    const bytes = fixtures.file('biggan-zip/pytorch_model.bin');
    const tensors = readTorchStateDict(bytes);
    const fp32 = [...tensors.values()].filter((t) => t.dtype === 'float32');
    expect(fp32.length).toBeGreaterThan(20);
    expect(fp32.every((t) => t.data.buffer === bytes.buffer)).toBe(true);
  });

  it('reads a legacy file handed over as a Node Buffer (as fs.readFile gives it) at unaligned offsets', () => {
    const bytes = fixtures.file('biggan-legacy/pytorch_model.bin');
    // Shifted by one byte so every float32 storage starts unaligned and must be copied out.
    const shifted = Buffer.alloc(bytes.length + 1);
    shifted.set(bytes, 1);
    const fromBuffer = readTorchStateDict(shifted.subarray(1));
    const expected = readTorchStateDict(new Uint8Array(bytes));
    for (const [key, tensor] of expected) expect(Array.from(fromBuffer.get(key)!.data), key).toEqual(Array.from(tensor.data));
  });

  it('refuses a truncated file and a file in neither format', () => {
    for (const folder of ['biggan-zip', 'biggan-legacy']) {
      const bytes = fixtures.file(`${folder}/pytorch_model.bin`);
      expect(() => readTorchStateDict(bytes.subarray(0, bytes.length - 1000)), folder).toThrow(CheckpointError);
    }
    expect(() => readTorchStateDict(new TextEncoder().encode('{"not": "torch"}'))).toThrow(/not a torch.save file/);
    expect(() => readBigGanFolder(new TextEncoder().encode('[1]'), fixtures.file('biggan-zip/pytorch_model.bin'))).toThrow(/not a BigGAN config object/);
  });
});
