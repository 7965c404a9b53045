/**
 * The first layer z feeds, read from ONNX graphs that PyTorch exports (run by the test), and SeFa on
 * it against numpy on the PyTorch weights: a DCGAN-style ConvTranspose, an equalised-lr linear
 * layer (weight × gain), a plain matmul, and a conditional generator that joins z and a class
 * embedding before its first layer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sefa } from '../latent/sefa';
import { FirstLayerError, firstLayerWeights } from './onnx-first-layer';
import { pythonJson, pythonMissing } from '../../test-support/python';

const torchMissing = pythonMissing('torch', 'numpy', 'onnx');

const tmp = mkdtempSync(path.join(tmpdir(), 'first-layer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const Z_DIM = 16;

const KINDS = ['dcgan', 'equalised', 'matmul', 'conditional', 'split'];
type Exported = { bytes: Uint8Array; values: number[]; vectors: number[][] };
let cache: Map<string, Exported> | null = null;

/** Every generator exported to ONNX (one Python run: importing torch is slow) with numpy's SeFa of its first-layer weight rows. */
function exported(kind: string): Exported {
  cache ??= exportAll();
  return cache.get(kind)!;
}

function exportAll(): Map<string, Exported> {
  const script = `
import json, sys, warnings
import numpy as np, torch
import torch.nn as nn, torch.nn.functional as F
warnings.filterwarnings('ignore')
torch.manual_seed(0)
Z, folder = ${Z_DIM}, sys.argv[1]

class Dcgan(nn.Module):
    def __init__(s):
        super().__init__(); s.up = nn.ConvTranspose2d(Z, 8, 4); s.out = nn.Conv2d(8, 3, 3, padding=1)
    def forward(s, z): return torch.tanh(s.out(F.relu(s.up(z.view(-1, Z, 1, 1)))))
    def rows(s): return s.up.weight.permute(1, 2, 3, 0).reshape(-1, Z)

class Equalised(nn.Module):
    def __init__(s):
        super().__init__(); s.w = nn.Parameter(torch.randn(128, Z)); s.out = nn.Conv2d(8, 3, 3, padding=1)
    def forward(s, z): return torch.tanh(s.out(F.linear(z, s.w * 0.25).view(-1, 8, 4, 4)))
    def rows(s): return s.w

class Matmul(nn.Module):
    def __init__(s):
        super().__init__(); s.w = nn.Parameter(torch.randn(Z, 128)); s.out = nn.Conv2d(8, 3, 3, padding=1)
    def forward(s, z): return torch.tanh(s.out(torch.matmul(z, s.w).view(-1, 8, 4, 4)))
    def rows(s): return s.w.t()

class Conditional(nn.Module):
    def __init__(s):
        super().__init__(); s.embed = nn.Linear(5, 6, bias=False); s.fc = nn.Linear(Z + 6, 128); s.out = nn.Conv2d(8, 3, 3, padding=1)
    def forward(s, z, c): return torch.tanh(s.out(s.fc(torch.cat([z, s.embed(c)], 1)).view(-1, 8, 4, 4)))
    def rows(s): return s.fc.weight[:, :Z]

class Split(nn.Module):
    def __init__(s):
        super().__init__(); s.fc = nn.Linear(Z // 2, 128); s.out = nn.Conv2d(8, 3, 3, padding=1)
    def forward(s, z):
        a, b = torch.split(z, Z // 2, 1)
        return torch.tanh(s.out(s.fc(a).view(-1, 8, 4, 4)) + b.mean())
    def rows(s): return s.fc.weight

out = {}
for kind, cls in {'dcgan': Dcgan, 'equalised': Equalised, 'matmul': Matmul, 'conditional': Conditional, 'split': Split}.items():
    G = cls().eval()
    args = (torch.randn(2, Z),) + ((torch.randn(2, 5),) if kind == 'conditional' else ())
    names = ['z', 'c'][:len(args)]
    torch.onnx.export(G, args, f'{folder}/{kind}.onnx', input_names=names, output_names=['img'], opset_version=13,
                      dynamic_axes={n: {0: 'batch'} for n in names + ['img']})
    r = G.rows().detach().double().numpy()
    r = r / np.linalg.norm(r, axis=1, keepdims=True)
    values, vectors = np.linalg.eigh(r.T @ r)
    order = np.argsort(values)[::-1]
    out[kind] = {"values": values[order].tolist(), "vectors": vectors[:, order].T.tolist()}
print(json.dumps(out))
`;
  const refs = pythonJson<Record<string, { values: number[]; vectors: number[][] }>>(script, tmp);
  return new Map(KINDS.map((kind) => [kind, { bytes: new Uint8Array(readFileSync(path.join(tmp, `${kind}.onnx`))), ...refs[kind]! }]));
}

describe.skipIf(torchMissing !== '')('first layer of PyTorch-exported generators', () => {
  for (const kind of ['dcgan', 'equalised', 'matmul', 'conditional']) {
    it(`finds the ${kind} generator's first layer, and SeFa on it matches numpy`, () => {
      const { bytes, values, vectors } = exported(kind);
      const layer = firstLayerWeights(bytes, 'z', Z_DIM);
      expect(layer.cols).toBe(Z_DIM);
      expect(layer.rows).toBe(128);
      const f = sefa([layer], Z_DIM);
      for (let k = 0; k < Z_DIM; k++) expect(f.values[k]).toBeCloseTo(values[k]!, 4);
      for (let k = 0; k < 3; k++) {
        let dot = 0;
        for (let j = 0; j < Z_DIM; j++) dot += f.vectors[k * Z_DIM + j]! * vectors[k]![j]!;
        expect(Math.abs(dot)).toBeGreaterThan(0.9999);
      }
    });
  }

  it('says what z goes through when it is not a layer the closed form covers', () => {
    const { bytes } = exported('split');
    expect(() => firstLayerWeights(bytes, 'z', Z_DIM)).toThrow(FirstLayerError);
    expect(() => firstLayerWeights(bytes, 'z', Z_DIM)).toThrow(/Split/);
  });
});

describe('firstLayerWeights on bytes that are not a generator', () => {
  it('refuses a graph without the input and bytes that are not ONNX', () => {
    expect(() => firstLayerWeights(new Uint8Array(0), 'z', 4)).toThrow(/"z" feeds no layer/);
    expect(() => firstLayerWeights(Uint8Array.of(0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f), 'z', 4)).toThrow(FirstLayerError);
  });
});
