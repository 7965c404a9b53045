/**
 * Keyframes and playback: four keyframes make a perfect loop; playback shows timeline frames that
 * equal an independent Node render of the same frames.
 */
import path from 'node:path';
import { test, expect, ROOT } from './fixtures';
import { readManifest } from '../main/services/library';
import { openWasmRunner } from '../main/inference/ort-web-node';
import { createPipeline } from '../app/inference/render';
import { tensorToRgba } from '../app/inference/image';
import { latentState } from '../app/state/latent-state';
import type { Timeline } from '../app/state/timeline';
import { TimelineEvaluator } from '../app/inference/timeline-frames';

const MODEL = 'fixture-stylegan-tiny';
const SEEDS = [3, 8, 21, 40];

test('four keyframes make a perfect loop that plays, frame for frame as rendered in Node', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'UI flow on WASM; WebGPU rendering is covered by studio.spec');
  const { page } = studio;
  await studio.open(MODEL);
  for (const seed of SEEDS) {
    await page.getByTestId('seed-input').fill(String(seed));
    await page.getByTestId('keyframe-add').click();
  }
  const keyframes = page.getByTestId('timeline').getByTestId('keyframe');
  await expect(keyframes).toHaveCount(4);
  await expect(page.getByTestId('timeline-loop')).toHaveValue('close');
  await page.getByTestId('timeline-fps').fill('4');
  await expect(page.getByLabel('Timeline length')).toHaveText('8.0 s · 32 frames');

  await page.getByTestId('play').click();
  await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', /^timeline\|([5-9]|\d\d)$/);
  // Read the frame's key and its pixels in one go: playback paints both together.
  const { key, data } = await page.getByTestId('preview-canvas').evaluate((canvas: HTMLCanvasElement) => ({
    key: canvas.dataset.renderedKey ?? '',
    data: Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data),
  }));
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveAttribute('aria-pressed', 'false');
  const shown = { data };
  const frame = Number(key.split('|')[1]);

  const dir = path.join(ROOT, 'models/fixtures/stylegan-tiny');
  const manifest = await readManifest(dir);
  const runner = await openWasmRunner(dir, manifest);
  try {
    const timeline: Timeline = {
      keyframes: SEEDS.map((seed, i) => ({ id: `k${i}`, state: latentState({ seed, mix: [{ seed: 1, rows: [] }] }), duration: 2, easing: 'linear' })),
      fps: 4,
      interpolation: 'w-cubic',
      loop: 'close',
    };
    const expected = tensorToRgba(await new TimelineEvaluator(createPipeline(runner, manifest), manifest, timeline).frame(frame), manifest.output_range);
    let worst = 0;
    for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(expected.data[i]! - shown.data[i]!));
    expect(worst, `frame ${frame} differs from the Node render`).toBeLessThanOrEqual(1);
  } finally {
    await runner.dispose();
  }
});
