/**
 * A package with a float16 twin (made here by `npm run convert -- --fp16 --package`, the command a
 * user runs) opens in the browser host on both backends: the host lists and serves it with its
 * twin's sha256 checked, and the studio picks float32 — WASM always, and WebGPU because Chromium's
 * SwiftShader adapter has no shader-f16 (docs/PERFORMANCE.md, "Half precision"). The choice itself
 * is unit-tested in app/inference/precision.test.ts. Asked for with `?precision=fp16` on WebGPU, the
 * worker loads and checks the twin, onnxruntime refuses it on SwiftShader, and the studio falls back
 * to the float32 graphs and says why.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, ROOT } from './fixtures';
import { testWithHost } from './exports';
import { latentState, stateKey } from '../app/state/latent-state';

const MODEL = 'fixture-stylegan-tiny';
const modelsDir = mkdtempSync(path.join(tmpdir(), 'latent-studio-fp16-models-'));
const pkg = path.join(modelsDir, 'stylegan-tiny');
cpSync(path.join(ROOT, 'models', 'fixtures', 'stylegan-tiny'), pkg, { recursive: true });
const converted = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'convert.mjs'), '--fp16', '--package', pkg, '--seeds', '0'], { encoding: 'utf8', cwd: ROOT });
if (converted.status !== 0) throw new Error(`convert --fp16 failed: ${converted.stderr}`);

const test = testWithHost({ LATENT_STUDIO_MODELS_DIR: modelsDir });
test.afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

test('a package with a float16 twin opens and renders in float32 where the adapter has no shader-f16', async ({ studio }) => {
  const { page } = studio;
  expect(JSON.parse(readFileSync(path.join(pkg, 'manifest.json'), 'utf8')).graphs.synthesis.fp16.file).toBe('synthesis.fp16.onnx');
  await studio.open(MODEL);
  await page.getByTestId('seed-input').fill('3');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 3 })));
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-precision', 'fp32');
  await expect(badge).not.toContainText('fp16');
  // Nothing was tried and given up: the twin was not chosen, not failed.
  expect((await badge.getAttribute('title')) ?? '').not.toMatch(/float16/);
});

test('?precision=fp16 on an adapter without shader-f16 tries the twin, falls back to float32 and says why', async ({ studio, backend }) => {
  test.skip(backend !== 'webgpu', 'float16 twins are a WebGPU matter: WASM always runs float32');
  const { page } = studio;
  const url = new URL(studio.host.url);
  url.searchParams.set('backend', backend);
  url.searchParams.set('model', MODEL);
  url.searchParams.set('precision', 'fp16');
  await page.goto(url.toString());
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu');
  await studio.waitForFrame(stateKey(MODEL, latentState({})));
  await expect(badge).toHaveAttribute('data-precision', 'fp32');
  await expect(badge).toHaveAttribute('title', /the float16 graphs could not run on WebGPU, so the float32 ones do: .*f16/);
});
