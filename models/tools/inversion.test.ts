/**
 * The inversion tools (train_encoder.py, project.py, the PSNR / SSIM measures) on a tiny random
 * generator: models/tools/tests/test_inversion.py checks them in Python and leaves an exported
 * package with its encoder behind; this file then checks that package with the studio's own
 * manifest schema, graph checks and WASM runtime, against the PyTorch encoder's output. Skipped,
 * with the reason printed, where the interpreter lacks torch and onnx.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../app/model/manifest';
import { checkPackageGraphs, readOnnxInfo } from '../../app/model/onnx';
import { openWasmRunner } from '../../main/inference/ort-web-node';
import { PYTHON, pythonMissing } from '../../test-support/python';

// Two tiny exports, a projection and a few training steps: minutes on a busy 2-core machine.
const TIMEOUT_MS = 480_000;
const missing = pythonMissing('torch', 'onnx', 'numpy', 'scipy');

describe.skipIf(missing !== '')('inversion tools (Python) and the encoder they export', () => {
  const keep = mkdtempSync(path.join(tmpdir(), 'inversion-tools-'));
  let result: { code: number | null; output: string };
  beforeAll(async () => {
    result = await new Promise((resolve) => {
      execFile(PYTHON, [path.resolve(__dirname, 'tests/test_inversion.py'), keep], { timeout: TIMEOUT_MS, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: `${stdout}${stderr}` });
      });
    });
  }, TIMEOUT_MS + 10_000);
  afterAll(() => rmSync(keep, { recursive: true, force: true }));

  it('test_inversion.py: measures, projection, project.py outputs, encoder training, resume and export', () => {
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/^test_inversion: \d+ checks passed$/m);
  });

  it('the exported package validates, and its encoder runs in the studio like in PyTorch', async () => {
    expect(result.code, result.output).toBe(0);
    const dir = path.join(keep, 'pkg');
    const manifest = parseManifest(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
    expect(manifest.graphs.encoder).toEqual({ file: 'encoder.onnx', inputs: ['img'], outputs: ['ws'] });
    const infos = Object.fromEntries(
      Object.entries(manifest.graphs).map(([key, spec]) => [key, readOnnxInfo(readFileSync(path.join(dir, spec.file)), spec.file)]),
    );
    expect(checkPackageGraphs(manifest, infos)).toEqual([]);
    expect(infos.encoder!.outputs[0]!.dims).toEqual(['batch', manifest.num_ws, manifest.w_dim]);

    const ref = JSON.parse(readFileSync(path.join(keep, 'encoder_ref.json'), 'utf8')) as Record<'img' | 'ws', { dims: number[]; data: number[] }>;
    const runner = await openWasmRunner(dir, manifest);
    try {
      const { ws } = await runner.run('encoder', { img: { data: Float32Array.from(ref.img.data), dims: ref.img.dims } });
      expect(ws!.dims).toEqual(ref.ws.dims);
      const err = Math.max(...ref.ws.data.map((v, i) => Math.abs(v - ws!.data[i]!)));
      expect(err).toBeLessThan(1e-4);
    } finally {
      await runner.dispose();
    }
  });
});
