/**
 * The latent map in a real browser (WebGL on Chromium's SwiftShader): it draws the sampled points,
 * a click on a point loads that seed and the preview then equals an independent Node render of it,
 * the current latent sits on its point and moves with ψ, keyframes are drawn, UMAP lays the points
 * out, and switching models ten times leaves no GPU objects behind.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { test, expect, ROOT, startHost, StudioPage } from './fixtures';
import { pixelDiff as diff, renderInNode as nodeRender } from './reference';
import { latentState, stateKey } from '../app/state/latent-state';

const MODEL = 'fixture-stylegan-tiny';
const MODEL_DIR = path.join(ROOT, 'models/fixtures/stylegan-tiny');
/** The map's background colour (scene.ts), #0d0e10. */
const BACKGROUND = [13, 14, 16];

/** What a screenshot of `element` shows: pixels unlike the background, and distinct colours. */
async function drawn(page: Page, element: Locator): Promise<{ lit: number; colours: number }> {
  const png = (await element.screenshot()).toString('base64');
  return page.evaluate(
    async ({ png, background }) => {
      const image = new Image();
      image.src = `data:image/png;base64,${png}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(image, 0, 0);
      const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let lit = 0;
      const colours = new Set<number>();
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i]! - background[0]!) + Math.abs(d[i + 1]! - background[1]!) + Math.abs(d[i + 2]! - background[2]!) > 24) lit++;
        colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      }
      return { lit, colours: colours.size };
    },
    { png, background: BACKGROUND },
  );
}

function position(text: string | null): number[] {
  expect(text, 'a position').toBeTruthy();
  return text!.split(',').map(Number);
}

async function waitForMap(map: Locator, points: number): Promise<void> {
  await expect(map).toHaveAttribute('data-status', 'ready');
  await expect(map).toHaveAttribute('data-points', String(points));
}

/** Move the mouse outward from the canvas centre until the map reports a hovered point that is not seed `avoid`. */
async function hoverSomePoint(page: Page, map: Locator, avoid: number): Promise<{ seed: number; x: number; y: number }> {
  const box = (await page.getByTestId('map-canvas').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  for (let r = 8; r < Math.min(box.width, box.height) / 2; r += 5) {
    for (let a = 0; a < 2 * Math.PI; a += 0.4) {
      const x = cx + r * Math.cos(a);
      const y = cy + r * Math.sin(a);
      await page.mouse.move(x, y);
      const seed = await map.getAttribute('data-hover-seed');
      if (seed !== null && Number(seed) !== avoid) return { seed: Number(seed), x, y };
    }
  }
  throw new Error('no point came under the mouse');
}

test('the map draws its points; clicking one loads it, equal to an independent render, with the current latent on it', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'map UI flow: the WASM project suffices (the WebGPU project checks rendering)');
  const { page } = studio;
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0 })));
  const before = await studio.pixels();

  const map = page.getByTestId('latent-map');
  await expect(map).toBeVisible();
  await expect(page.getByTestId('map-toggle')).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('map-projection')).toHaveValue('pca');
  await expect(page.getByTestId('map-count')).toHaveValue('2000');
  await waitForMap(map, 2000);
  const shown = await drawn(page, page.getByTestId('map-canvas'));
  test.info().annotations.push({ type: 'map pixels', description: JSON.stringify(shown) });
  expect(shown.lit, 'points drawn over the background').toBeGreaterThan(1500);
  expect(shown.colours, 'points coloured by position').toBeGreaterThan(50);

  const { seed, x, y } = await hoverSomePoint(page, map, 0);
  await expect(page.getByTestId('map-hover-preview')).toContainText(`seed ${seed}`);
  const pointAt = position(await map.getAttribute('data-hover-position'));
  await page.mouse.click(x, y);
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed })));
  await expect(page.getByTestId('seed-input')).toHaveValue(String(seed));
  const after = await studio.pixels();
  expect(diff(before.data, after.data).mean, 'another seed, another picture').toBeGreaterThan(2);
  const expected = diff(after.data, await nodeRender(latentState({ seed })));
  test.info().annotations.push({ type: 'diff vs node', description: JSON.stringify(expected) });
  expect(expected.mean).toBeLessThanOrEqual(0.05);
  expect(expected.max).toBeLessThanOrEqual(1);

  // The current latent (ψ = 1, nothing mixed) is that point: the same basis puts both in one place.
  await expect.poll(async () => position(await map.getAttribute('data-current')).map((v, i) => Math.abs(v - pointAt[i]!)).every((d) => d < 1e-3)).toBe(true);

  // Dragging ψ toward 0 moves the current latent toward the average: it leaves the point.
  const slider = page.getByTestId('psi-slider');
  await slider.focus();
  for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowLeft');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed, psi: 0.7 })));
  await expect.poll(async () => Math.hypot(...position(await map.getAttribute('data-current')).map((v, i) => v - pointAt[i]!))).toBeGreaterThan(0.01);
});

test('keyframes are drawn as a path, and UMAP lays the points out', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'map UI flow: the WASM project suffices');
  const { page } = studio;
  await studio.open(MODEL);
  const map = page.getByTestId('latent-map');
  await page.getByTestId('map-count').selectOption('500');
  await waitForMap(map, 500);

  await page.getByTestId('keyframe-add').click();
  await page.getByTestId('seed-input').fill('7');
  await page.getByTestId('keyframe-add').click();
  await expect(map).toHaveAttribute('data-keyframes', '2');
  await expect.poll(async () => Number(await map.getAttribute('data-path'))).toBeGreaterThan(2);

  await page.getByTestId('map-projection').selectOption('umap');
  await expect(page.getByTestId('map-progress')).toBeVisible();
  await waitForMap(map, 500);
  const shown = await drawn(page, page.getByTestId('map-canvas'));
  expect(shown.lit).toBeGreaterThan(400);
  await expect(map).toHaveAttribute('data-keyframes', '2');
});

test('ten model switches leave no GPU objects behind; closing the map removes its canvas', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'map UI flow: the WASM project suffices');
  // Two copies of the fixture under different ids: a real model switch each time.
  const models = mkdtempSync(path.join(tmpdir(), 'map-models-'));
  for (const id of ['fixture-map-a', 'fixture-map-b']) {
    const dir = path.join(models, 'fixtures', id);
    cpSync(MODEL_DIR, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { id: string; name: string };
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, id, name: `Map ${id}` }));
  }
  const host = await startHost({ LATENT_STUDIO_MODELS_DIR: models });
  try {
    const page = studio.page;
    // Count live WebGL objects as the browser sees them, independently of three.js's bookkeeping.
    await page.addInitScript(() => {
      const live: Record<string, number> = {};
      (window as unknown as { __webglLive: Record<string, number> }).__webglLive = live;
      const proto = WebGL2RenderingContext.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
      for (const kind of ['Buffer', 'Texture', 'Program', 'Shader', 'VertexArray', 'Framebuffer', 'Renderbuffer']) {
        live[kind] = 0;
        const create = proto[`create${kind}`]!;
        const remove = proto[`delete${kind}`]!;
        proto[`create${kind}`] = function (this: unknown, ...args: unknown[]) {
          live[kind]! += 1;
          return create.apply(this, args);
        };
        proto[`delete${kind}`] = function (this: unknown, ...args: unknown[]) {
          if (args[0]) live[kind]! -= 1;
          return remove.apply(this, args);
        };
      }
    });
    const other = new StudioPage(page, host, studio.backend);
    await other.open('fixture-map-a');
    const map = page.getByTestId('latent-map');
    const counts: string[] = [];
    for (let i = 0; i <= 10; i++) {
      const id = i % 2 === 0 ? 'fixture-map-a' : 'fixture-map-b';
      if (i > 0) await page.getByTestId('model-select').selectOption(id);
      await other.waitForFrame(stateKey(id, latentState({ seed: 0 })));
      await waitForMap(map, 2000);
      // Fly into the cloud so thumbnails are made and uploaded too.
      const box = (await page.getByTestId('map-canvas').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let n = 0; n < 6; n++) await page.mouse.wheel(0, -400);
      await expect.poll(async () => Number(await map.getAttribute('data-thumbnails'))).toBeGreaterThan(0);
      const three = await Promise.all(['data-gl-geometries', 'data-gl-textures', 'data-gl-programs'].map((a) => map.getAttribute(a)));
      const webgl = await page.evaluate(() => JSON.stringify((window as unknown as { __webglLive: Record<string, number> }).__webglLive));
      counts.push(`three ${three.join('/')} webgl ${webgl}`);
    }
    test.info().annotations.push({ type: 'geometries/textures/programs per switch', description: counts.join(' ') });
    expect(new Set(counts).size, `live GPU objects per switch: ${counts.join(' ')}`).toBe(1);

    await page.getByTestId('map-toggle').click();
    await expect(page.getByTestId('map-toggle')).toHaveAttribute('aria-expanded', 'false');
    await expect(page.getByTestId('map-canvas')).toHaveCount(0);
    await page.getByTestId('map-toggle').click();
    await waitForMap(map, 2000);
    await expect(page.getByTestId('map-canvas')).toHaveCount(1);
  } finally {
    host.child.kill('SIGTERM');
    rmSync(models, { recursive: true, force: true });
  }
});
