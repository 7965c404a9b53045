/**
 * The inversion bench's code path on tiny inputs (the fixture, two of its own pictures, two
 * generations), and its scores against models/tools/inversion.py's, which the Python rows of the
 * same table use. No timing is asserted: figures depend on the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { RandomState } from '../app/latent/random';
import { openWasmPipeline, type WasmPipeline } from '../main/inference/ort-web-node';
import { pythonJson, pythonMissing } from '../test-support/python';
import { formatInversionTable, generatedTargets, runInversionBench } from './inversion';
import { psnr, ssim, type Pixels } from './inversion-metrics';

const ROOT = path.resolve(__dirname, '..');
const missing = pythonMissing('numpy', 'scipy', 'torch');
let opened: WasmPipeline;

beforeAll(async () => {
  opened = await openWasmPipeline(path.join(ROOT, 'models/fixtures/stylegan-tiny'));
});
afterAll(async () => {
  await opened.runner.dispose();
});

describe('the inversion bench', () => {
  it('scores every image at budget 0 and at each budget, and tabulates the means', async () => {
    const targets = await generatedTargets(opened, [900_000, 900_001]);
    const rows = await runInversionBench(opened, targets, { budgetsS: [60], maxGenerations: 2, useEncoder: true, seed: 1 });
    expect(rows.map((r) => [r.name, r.budgetS, r.start, r.generations])).toEqual([
      ['seed900000', 0, 'w_avg', 0],
      ['seed900000', 60, 'w_avg', 2],
      ['seed900001', 0, 'w_avg', 0],
      ['seed900001', 60, 'w_avg', 2],
    ]);
    for (const row of rows) {
      expect(row.psnr).toBeGreaterThan(5);
      expect(row.ssim).toBeGreaterThan(-1);
      expect(row.ssim).toBeLessThanOrEqual(1);
    }
    const table = formatInversionTable(rows).split('\n');
    expect(table).toHaveLength(4);
    const mean = (rows[1]!.psnr + rows[3]!.psnr) / 2;
    expect(table[3]).toBe(`| generated | w_avg | 60 s | 2 | ${mean.toFixed(2)} | ${((rows[1]!.ssim + rows[3]!.ssim) / 2).toFixed(3)} | 2 |`);
  }, 120_000);

  it.skipIf(missing !== '')('computes PSNR and SSIM as models/tools/inversion.py does', () => {
    const random = new RandomState(3);
    const picture = (): Pixels => ({ width: 24, height: 20, channels: 3, data: Uint8Array.from(random.randn(24 * 20 * 3), (v) => Math.min(255, Math.max(0, 128 + 60 * v))) });
    const a = picture();
    const b = picture();
    const reference = pythonJson<{ psnr: number; ssim: number }>(
      [
        'import json, sys, numpy as np',
        `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'models/tools'))})`,
        'from inversion import psnr, ssim',
        'a, b = (np.array(json.loads(s), dtype=np.uint8).reshape(20, 24, 3) for s in sys.argv[1:3])',
        'print(json.dumps({"psnr": psnr(a, b), "ssim": ssim(a, b)}))',
      ].join('\n'),
      JSON.stringify(Array.from(a.data)),
      JSON.stringify(Array.from(b.data)),
    );
    expect(psnr(a, b)).toBeCloseTo(reference.psnr, 9);
    expect(ssim(a, b)).toBeCloseTo(reference.ssim, 9);
    expect(psnr(a, a)).toBe(Infinity);
    expect(ssim(a, a)).toBeCloseTo(1, 12);
  });
});
