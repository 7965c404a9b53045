import * as ort from 'onnxruntime-web';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { pythonJson, pythonMissing } from '../../test-support/python';
import { writeCheckpointFixtures, type CheckpointFixtures } from '../../test-support/checkpoints';
import { convertCheckpoint, detectCheckpoint } from './convert';
import { sha256Hex } from './package';
import { CheckpointError, ConversionCancelled } from './snapshot';

ort.env.wasm.numThreads = 1;

const TOOLS = path.resolve(__dirname, '../../models/tools');
const skip = pythonMissing('torch', 'numpy', 'onnx');
const STYLEGAN_TOLERANCE = 1e-4;
/**
 * BigGAN: the official float32 forward is ~3e-4 from its own float64 forward at truncation 1
 * (DESIGN §7, the BigGAN converter's tests); a graph that computes the same function in another
 * float32 order may differ from the float32 reference by that spread again.
 */
const BIGGAN_TOLERANCE = 1e-3;

interface Case {
  seed: number;
  psi: number;
  z: number[];
  c: number[] | null;
  ws?: number[];
  img: number[];
}

/** PyTorch outputs of the Python path (export_stylegan.load_pickle → our generator; BigGAN.from_pretrained). */
const REFERENCE = String.raw`
import json, os, sys
import numpy as np, torch
sys.path.insert(0, sys.argv[1])
import export_stylegan as E
from biggan.model import BigGAN, truncated_noise_sample
torch.set_num_threads(1)
out = {}
for name in json.loads(sys.argv[3]):
    G, _ = E.load_pickle(os.path.join(sys.argv[2], name + '.pkl'))
    out[name] = [dict(seed=k['seed'], psi=k['psi'], z=k['z'][0].tolist(), c=None if k['c'] is None else k['c'][0].tolist(),
                      ws=k['ws'].flatten().tolist(), img=k['img'].flatten().tolist())
                 for k in E.torch_reference(G, (0, 1), (1.0, 0.7))]
G = BigGAN.from_pretrained(os.path.join(sys.argv[2], 'biggan-zip')).fold_for_export()
cases = []
with torch.no_grad():
    for seed, t in ((0, 1.0), (1, 0.7), (2, 0.45)):
        z = truncated_noise_sample(1, G.config.z_dim, t, seed)
        c = np.zeros((1, G.config.num_classes), np.float32); c[0, seed % G.config.num_classes] = 1
        img = G(torch.from_numpy(z), torch.from_numpy(c), torch.tensor([t]))
        cases.append(dict(seed=seed, psi=t, z=z[0].tolist(), c=c[0].tolist(), img=img.flatten().tolist()))
out['biggan'] = cases
print(json.dumps(out))
`;

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const measured: string[] = [];

describe.skipIf(skip)('convertCheckpoint: official-format files → packages → onnxruntime-web, against PyTorch', () => {
  let fixtures: CheckpointFixtures;
  let reference: Record<string, Case[]>;
  beforeAll(() => {
    fixtures = writeCheckpointFixtures();
    reference = pythonJson(REFERENCE, TOOLS, fixtures.dir, JSON.stringify(fixtures.nvidia));
  }, 300_000);
  afterAll(() => {
    fixtures?.remove();
    if (measured.length) console.log(`checkpoint conversion, max abs error against PyTorch:\n${measured.join('\n')}`);
  });

  it.each([
    'stylegan2-ada',
    'stylegan2-ada-fp16-protocol5',
    'stylegan3-repo-stylegan2',
    'stylegan3-t',
    'stylegan3-r',
  ])('%s.pkl: ws and images at ψ 1 and 0.7 within 1e-4', async (name) => {
    const bytes = fixtures.file(`${name}.pkl`);
    expect(detectCheckpoint({ kind: 'file', name: `${name}.pkl`, bytes })).toBe('nvidia-pickle');
    const started = performance.now();
    const { manifest, files } = await convertCheckpoint({ kind: 'file', name: `${name}.pkl`, bytes });
    const seconds = (performance.now() - started) / 1000;
    expect(manifest.id).toBe(name);
    expect((manifest.generator as { source_file: unknown }).source_file).toEqual({ name: `${name}.pkl`, sha256: await sha256Hex(bytes), bytes: bytes.length });
    const mapping = await session(files.get(manifest.graphs.mapping!.file)!);
    const synthesis = await session(files.get(manifest.graphs.synthesis!.file)!);
    const wAvg = Float32Array.from(manifest.w_avg);
    let wsError = 0;
    let imgError = 0;
    for (const c of reference[name]!) {
      const feeds: Record<string, ort.Tensor> = { z: new ort.Tensor('float32', Float32Array.from(c.z), [1, c.z.length]) };
      if (c.c) feeds.c = new ort.Tensor('float32', Float32Array.from(c.c), [1, c.c.length]);
      const ws1 = (await mapping.run(feeds)).ws!.data as Float32Array;
      const ws = ws1.map((v, i) => wAvg[i % wAvg.length]! + c.psi * (v - wAvg[i % wAvg.length]!));
      wsError = Math.max(wsError, maxAbs(ws, c.ws!));
      const img = (await synthesis.run({ ws: new ort.Tensor('float32', ws, [1, manifest.num_ws, manifest.w_dim]) })).img!.data as Float32Array;
      imgError = Math.max(imgError, maxAbs(img, c.img));
    }
    measured.push(`${name}: ws ${wsError.toExponential(2)}, img ${imgError.toExponential(2)} (converted in ${seconds.toFixed(2)} s)`);
    expect(wsError).toBeLessThan(STYLEGAN_TOLERANCE);
    expect(imgError).toBeLessThan(STYLEGAN_TOLERANCE);
  });

  it.each(['folder', 'zip'])('a BigGAN %s (config.json + pytorch_model.bin): images at truncation 1, 0.7, 0.45 within the official float32 spread', async (form) => {
    const config = fixtures.file('biggan-zip/config.json');
    const weights = fixtures.file('biggan-zip/pytorch_model.bin');
    const input =
      form === 'folder'
        ? { kind: 'folder' as const, name: 'biggan-tiny', files: new Map([['config.json', config], ['pytorch_model.bin', weights]]) }
        : { kind: 'file' as const, name: 'biggan-tiny.zip', bytes: zipSync({ 'biggan-tiny': { 'config.json': config, 'pytorch_model.bin': [weights, { level: 0 }] } }) };
    expect(detectCheckpoint(input)).toBe('biggan-folder');
    const { manifest, files } = await convertCheckpoint(input);
    expect(manifest.family).toBe('conditional');
    const generator = await session(files.get(manifest.graphs.generator!.file)!);
    let error = 0;
    for (const c of reference.biggan!) {
      const out = await generator.run({
        z: new ort.Tensor('float32', Float32Array.from(c.z), [1, c.z.length]),
        c: new ort.Tensor('float32', Float32Array.from(c.c!), [1, c.c!.length]),
        truncation: new ort.Tensor('float32', Float32Array.of(c.psi), [1]),
      });
      error = Math.max(error, maxAbs(out.img!.data as Float32Array, c.img));
    }
    measured.push(`biggan (${form}): img ${error.toExponential(2)}`);
    expect(error).toBeLessThan(BIGGAN_TOLERANCE);
  });

  it('refuses a torch.save file without its config.json, and a file that is no checkpoint, saying what to do', async () => {
    const weights = fixtures.file('biggan-legacy/pytorch_model.bin');
    await expect(convertCheckpoint({ kind: 'file', name: 'pytorch_model.bin', bytes: weights })).rejects.toThrow(/without its config.json/);
    await expect(convertCheckpoint({ kind: 'file', name: 'notes.txt', bytes: strToU8('hello') })).rejects.toThrow(CheckpointError);
    await expect(convertCheckpoint({ kind: 'file', name: 'notes.txt', bytes: strToU8('hello') })).rejects.toThrow(/export_stylegan\.py/);
  });

  it('stops when cancelled', async () => {
    const bytes = fixtures.file('stylegan3-t.pkl');
    await expect(convertCheckpoint({ kind: 'file', name: 't.pkl', bytes }, { cancelled: () => true })).rejects.toThrow(ConversionCancelled);
  });
});
