/**
 * The browser host's native path in a real Chromium without WebGPU (the chromium-wasm project runs
 * it with --disable-gpu): under `auto` the studio picks the host's onnxruntime-node, says so in the
 * badge, follows ψ with pixels equal to an independent WASM render, and, when the native process
 * is killed (SIGKILL, by its pid), falls back to WASM with a notice and renders the same state.
 */
import { execFileSync } from 'node:child_process';
import { test, expect, startHost } from './fixtures';
import { pixelDiff, renderInNode } from './reference';
import { latentState, stateKey } from '../app/state/latent-state';

const MODEL = 'fixture-stylegan-tiny';

/** Process ids of `pid`'s children. */
function children(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch (error) {
    // ps exits 1 when there is no such child.
    if ((error as { status?: number }).status === 1) return [];
    throw error;
  }
}

test('without WebGPU the studio runs on the host natively, follows ψ, and falls back to WASM when the process dies', async ({ page, backend }) => {
  test.skip(backend === 'webgpu', 'the native path is chosen where WebGPU is missing; the chromium-wasm project (Chromium without a GPU) covers it');
  // A host of this test's own: killing its native process must not disturb other specs' host.
  const host = await startHost();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (msg) => void (msg.type() === 'error' && problems.push(msg.text())));
  try {
    const url = new URL(host.url);
    url.searchParams.set('model', MODEL);
    await page.goto(url.toString());
    const badge = page.getByTestId('backend-badge');
    await expect(badge).toHaveAttribute('data-backend', 'native');
    await expect(badge).toHaveText('native (cpu)');
    await expect(page.getByTestId('backend-select')).toHaveValue('auto');
    await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ seed: 0, psi: 1, cutoff: null })));

    const slider = page.getByTestId('psi-slider');
    await slider.focus();
    for (let i = 0; i < 50; i++) await page.keyboard.press('ArrowLeft');
    const key = stateKey(MODEL, latentState({ seed: 0, psi: 0.5, cutoff: null }));
    await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', key);
    const pixels = () => page.getByTestId('preview-canvas').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
    const native = await pixels();
    const expected = await renderInNode(latentState({ seed: 0, psi: 0.5, cutoff: null }));
    expect(pixelDiff(native, expected).max, 'native pixels against a WASM render in Node').toBeLessThanOrEqual(1);
    expect(pixelDiff(native, await renderInNode(latentState({ seed: 0, psi: 1, cutoff: null }))).mean, 'ψ 1 → 0.5 must change the picture').toBeGreaterThan(2);

    const natives = children(host.child.pid!);
    expect(natives, 'one native process serves the page').toHaveLength(1);
    process.kill(natives[0]!, 'SIGKILL');
    await expect(page.getByTestId('error-banner')).toContainText(/The native inference process ended unexpectedly \(.*SIGKILL.*\)\. The studio switched to WASM and rendered your image again/);
    await expect(badge).toHaveAttribute('data-backend', 'wasm');
    await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', key);
    expect(pixelDiff(await pixels(), expected).max).toBeLessThanOrEqual(1);
    expect(problems, 'the page logged errors').toEqual([]);
  } finally {
    host.child.kill('SIGTERM');
  }
});
