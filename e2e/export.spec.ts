/**
 * Export in the browser host: a PNG that restores its exact state when dropped back; a 4-keyframe
 * perfect loop exported as MP4, WebM and GIF, checked with ffprobe and against PNG renders of the
 * same frames by the CLI; a cancelled export that leaves no file. Files land in a temporary export
 * folder given to the host.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, ROOT } from './fixtures';
import { dropPng, readExportedPng, testWithHost } from './exports';
import { latentState, stateKey, type LatentState } from '../app/state/latent-state';
import { addITxt, decodePng, PROVENANCE_KEYWORD } from '../app/codecs/png';
import { provenanceText, readProvenance } from '../app/records/provenance';
import type { Timeline } from '../app/state/timeline';

const MODEL = 'fixture-stylegan-tiny';
/** The same weights under another id: a dropped PNG of MODEL must switch back to MODEL. */
const TWIN = 'fixture-stylegan-twin';
const exportDir = mkdtempSync(path.join(tmpdir(), 'latent-studio-exports-'));
const modelsDir = mkdtempSync(path.join(tmpdir(), 'latent-studio-models-'));
cpSync(path.join(ROOT, 'models/fixtures/stylegan-tiny'), path.join(modelsDir, 'fixtures/stylegan-tiny'), { recursive: true });
cpSync(path.join(ROOT, 'models/fixtures/stylegan-tiny'), path.join(modelsDir, 'fixtures/twin'), { recursive: true });
const twinManifest = path.join(modelsDir, 'fixtures/twin/manifest.json');
writeFileSync(twinManifest, JSON.stringify({ ...JSON.parse(readFileSync(twinManifest, 'utf8')), id: TWIN, name: 'Fixture twin' }));

const scratch: string[] = [exportDir, modelsDir];

const test = testWithHost({ LATENT_STUDIO_EXPORT_DIR: exportDir, LATENT_STUDIO_MODELS_DIR: modelsDir });

test.afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Every file under the export folder, relative, sorted (temporary files included: they start with "."). */
function exported(): string[] {
  return readdirSync(exportDir, { recursive: true, encoding: 'utf8' }).sort();
}

function rgb(rgba: number[]): number[] {
  return rgba.filter((_, i) => i % 4 !== 3);
}

test('a PNG export carries its state; dropping it back restores the exact pixels', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'UI flow: one backend suffices');
  const { page } = studio;
  await studio.open(MODEL);
  await page.getByTestId('seed-input').fill('17');
  await page.getByTestId('psi-slider').fill('0.5');
  await page.getByTestId('mix-source-seed').first().fill('7');
  await page.getByTestId('mix-preset-fine').first().click();
  const state = latentState({ seed: 17, psi: 0.5, mix: [{ seed: 7, rows: [6, 7] }] });
  await studio.waitForFrame(stateKey(MODEL, state));
  const shown = await studio.pixels();

  await page.getByTestId('export-png').click();
  await expect(page.getByTestId('export-status')).toHaveText(/^Saved fixture-stylegan-tiny-seed0017\.png in /);
  const { png, image: decoded } = readExportedPng(exportDir, 'fixture-stylegan-tiny-seed0017.png');
  expect([decoded.width, decoded.height]).toEqual([32, 32]);
  expect(Array.from(decoded.data)).toEqual(rgb(shown.data));
  const record = readProvenance(png);
  expect([record.seed, record.psi, record.mix]).toEqual([17, 0.5, [{ seed: 7, rows: [6, 7] }]]);

  // Elsewhere — another model, another seed — then drop the file: model, state and pixels come back.
  await page.getByTestId('model-select').selectOption(TWIN);
  await page.getByTestId('seed-input').fill('3');
  await studio.waitForFrame(stateKey(TWIN, latentState({ seed: 3, psi: 0.5, mix: [{ seed: 7, rows: [] }] })));
  await dropPng(page, png, 'seed0017.png');
  await studio.waitForFrame(stateKey(MODEL, record.state as LatentState));
  await expect(page.getByTestId('model-select')).toHaveValue(MODEL);
  await expect(page.getByTestId('seed-input')).toHaveValue('17');
  expect((await studio.pixels()).data).toEqual(shown.data);
  await expect(page.getByTestId('export-status')).toHaveText('Restored the state of seed0017.png');

  // A record of a model the library lacks, or of other weights, is refused with the reason.
  const retagged = (changes: object) => addITxt(png, PROVENANCE_KEYWORD, provenanceText({ ...record, ...changes }));
  await dropPng(page, retagged({ model: { ...record.model, id: 'missing-model', name: 'Missing' } }), 'other.png');
  await expect(page.getByTestId('error-banner')).toContainText('which is not in your library. Import that model package');
  await dropPng(page, retagged({ model: { ...record.model, sha256: 'f'.repeat(64) } }), 'retrained.png');
  await expect(page.getByTestId('error-banner')).toContainText('was made with other weights');
  await dropPng(page, Uint8Array.of(1, 2, 3), 'broken.png');
  await expect(page.getByTestId('error-banner')).toContainText('Cannot restore from broken.png: not a PNG file');
  await expect(page.getByTestId('seed-input')).toHaveValue('17');
});

const SEEDS = [3, 8, 21, 40];
const FPS = 6;
const FRAMES = 4 * 2 * FPS; // four keyframes, 2 s each (the default), closed loop

/** Peak signal-to-noise ratio of two RGB frames, dB. */
function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  const mse = sum / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** The frames of a video as RGB, decoded by ffmpeg. */
function decodeVideo(file: string, width: number, height: number): Uint8Array[] {
  const result = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 28 });
  expect(result.status, result.stderr?.toString()).toBe(0);
  const size = width * height * 3;
  return Array.from({ length: result.stdout.length / size }, (_, i) => new Uint8Array(result.stdout.subarray(i * size, (i + 1) * size)));
}

function probe(file: string): { codec: string; width: number; height: number; frames: number; duration: number } {
  const result = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames:format=duration', '-of', 'json', file], {
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  const json = JSON.parse(result.stdout);
  const stream = json.streams[0];
  return { codec: stream.codec_name, width: stream.width, height: stream.height, frames: Number(stream.nb_read_frames), duration: Number(json.format.duration) };
}

async function buildLoop(page: Page): Promise<void> {
  for (const seed of SEEDS) {
    await page.getByTestId('seed-input').fill(String(seed));
    await page.getByTestId('keyframe-add').click();
  }
  await expect(page.getByTestId('timeline').getByTestId('keyframe')).toHaveCount(4);
  await expect(page.getByTestId('timeline-loop')).toHaveValue('close');
}

test('a 4-keyframe perfect loop exports to MP4, WebM and GIF that match PNG renders of its frames', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'UI flow: one backend suffices');
  test.setTimeout(300_000);
  const { page } = studio;
  await studio.open(MODEL);
  await buildLoop(page);
  await page.getByTestId('export-video').click();
  const panel = page.getByTestId('export-video-panel');
  await panel.getByTestId('export-video-fps').fill(String(FPS));
  await panel.getByTestId('export-scale').selectOption('2');
  await expect(panel.getByTestId('export-video-summary')).toHaveText(`${FRAMES} frames · 8.00 s · 64×64 px`);

  // The same frames as PNGs, rendered by the CLI from the same timeline.
  const timeline: Timeline & { model: string } = {
    model: MODEL,
    keyframes: SEEDS.map((seed, i) => ({ id: `k${i}`, state: latentState({ seed, mix: [{ seed: 1, rows: [] }] }), duration: 2, easing: 'linear' })),
    fps: FPS,
    interpolation: 'w-cubic',
    loop: 'close',
  };
  const work = mkdtempSync(path.join(tmpdir(), 'latent-studio-frames-'));
  scratch.push(work);
  writeFileSync(path.join(work, 'loop.json'), JSON.stringify(timeline));
  const cli = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/render.mjs'), '--project', path.join(work, 'loop.json'), '--outdir', work, '--scale', '2', '--no-video'], {
    encoding: 'utf8',
  });
  expect(cli.status, cli.stderr).toBe(0);
  const reference = Array.from({ length: FRAMES }, (_, i) => decodePng(readFileSync(path.join(work, `frame${String(i).padStart(6, '0')}.png`))).data);

  for (const [format, codec] of [
    ['mp4', 'h264'],
    ['webm', 'vp9'],
    ['gif', 'gif'],
  ] as const) {
    await panel.getByTestId('export-video-format').selectOption(format);
    await panel.getByTestId('export-video-start').click();
    const name = `${MODEL}-timeline-${FPS}fps-2x.${format}`;
    await expect(page.getByTestId('export-status')).toContainText(`Saved ${name} in `, { timeout: 120_000 });
    console.log(`${format}: ${await page.getByTestId('export-status').textContent()}`);
    const file = path.join(exportDir, name);
    const info = probe(file);
    expect(info).toMatchObject({ codec, width: 64, height: 64, frames: FRAMES });
    // Exact up to the containers' time bases (GIF delays are whole 1/100 s, chosen to add up to the fps clock).
    expect(Math.abs(info.duration - FRAMES / FPS), `${format} duration ${info.duration}`).toBeLessThan(0.01);
    const frames = decodeVideo(file, 64, 64);
    expect(frames).toHaveLength(FRAMES);
    const scores = frames.map((f, i) => psnr(f, reference[i]!));
    console.log(`${format}: PSNR min ${Math.min(...scores).toFixed(1)} dB, mean ${(scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(1)} dB`);
    expect(Math.min(...scores), `${format} frames against the PNG renders`).toBeGreaterThanOrEqual(30);
  }
  expect(exported().filter((f) => f.endsWith('.partial'))).toEqual([]);
});

test('an export cancelled after a quarter of its frames leaves no file', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'UI flow: one backend suffices');
  const { page } = studio;
  await studio.open(MODEL);
  await buildLoop(page);
  const before = exported();
  await page.getByTestId('export-video').click();
  const panel = page.getByTestId('export-video-panel');
  await panel.getByTestId('export-video-format').selectOption('webm');
  await panel.getByTestId('export-video-fps').fill('60');
  await panel.getByTestId('export-scale').selectOption('4');
  await panel.getByTestId('export-video-start').click();
  const bar = page.getByTestId('export-progress');
  await expect.poll(() => bar.evaluate((p: HTMLProgressElement) => p.value / p.max), { intervals: [50] }).toBeGreaterThanOrEqual(0.25);
  // A temporary file exists while the export runs, under a hidden name only.
  const during = exported().filter((f) => !before.includes(f));
  expect(during).toHaveLength(1);
  expect(during[0]).toMatch(/^\.fixture-stylegan-tiny-timeline-60fps-4x\.webm\.\d+-[0-9a-f]{12}\.partial$/);
  const fraction = await bar.evaluate((p: HTMLProgressElement) => p.value / p.max);
  await page.getByTestId('export-cancel').click();
  await expect(page.getByTestId('export-status')).toHaveText('WEBM export cancelled: no partial file was left behind.');
  expect(fraction).toBeLessThan(1);
  expect(exported()).toEqual(before);
});
