/**
 * Independent references for e2e specs: the fixture rendered in Node (onnxruntime-web WASM,
 * outside the browser), the fixture rendered by PyTorch from its weights (no ONNX, no studio code),
 * and the pixel difference between two RGBA images.
 */
import path from 'node:path';
import { expect } from '@playwright/test';
import { ROOT } from './fixtures';
import { readManifest } from '../main/services/library';
import { openWasmRunner } from '../main/inference/ort-web-node';
import { createPipeline } from '../app/inference/render';
import { tensorToRgba } from '../app/inference/image';
import type { LatentState } from '../app/state/latent-state';
import { pythonFileJson } from '../test-support/python';

/** The fixture package every spec renders. */
export const FIXTURE_DIR = path.join(ROOT, 'models/fixtures/stylegan-tiny');

/** RGBA pixels of `state` rendered by the fixture in Node. */
export async function renderInNode(state: LatentState, dir = FIXTURE_DIR): Promise<Uint8ClampedArray> {
  const manifest = await readManifest(dir);
  const runner = await openWasmRunner(dir, manifest);
  try {
    const { image } = await createPipeline(runner, manifest).render(state);
    return tensorToRgba(image, manifest.output_range).data;
  } finally {
    await runner.dispose();
  }
}

/**
 * RGBA pixels of the stylegan-tiny fixture at (seed, psi), rendered in float64 by PyTorch from the
 * fixture's rebuilt weights (models/tools/render_fixture.py, which first checks the rebuild against
 * the committed reference.json) and converted to 8 bits as NVIDIA's gen_images.py does.
 */
export function renderInPytorch(seed: number, psi: number): { width: number; height: number; data: number[] } {
  const out = pythonFileJson<{ width: number; height: number; rgba: number[] }>(path.join(ROOT, 'models/tools/render_fixture.py'), String(seed), String(psi));
  return { width: out.width, height: out.height, data: out.rgba };
}

/** Mean and largest absolute difference of two equally long pixel arrays, in 8-bit levels. */
export function pixelDiff(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
  expect(a.length).toBe(b.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}
