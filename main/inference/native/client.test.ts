/**
 * The native path end to end: a real host process (host.ts, bundled as scripts/build.mjs does)
 * running the fixture with onnxruntime-node, driven through the GraphRunner interface across the
 * process boundary. Checked against the PyTorch reference that made the fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { forkChannel, NativeProcessError, openNativeRunner, type NativeRunner } from './client';
import { buildNativeHostForTests, type TestHost } from '../../../test-support/native-host';
import { readManifest } from '../../services/library';
import { createPipeline } from '../../../app/inference/render';
import { latentState } from '../../../app/state/latent-state';
import { ShapeError } from '../../../app/inference/feeds';
import type { Manifest } from '../../../app/model/manifest';

const DIR = path.resolve(__dirname, '../../../models/fixtures/stylegan-tiny');
const reference = JSON.parse(readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as {
  tolerance: number;
  cases: { seed: number; psi: number; pixels: { c: number; y: number; x: number; value: number }[]; img_max: number }[];
};

let host: TestHost;
let manifest: Manifest;
let runner: NativeRunner;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  host = await buildNativeHostForTests();
  manifest = await readManifest(DIR);
  runner = await openNativeRunner(DIR, manifest, { channel: forkChannel(host.entry), numThreads: 1 });
});
afterAll(async () => {
  await runner?.dispose();
  await host?.remove();
});

describe('native runner over a child process', () => {
  it('serves the fixture on the CPU provider when asked for CPU only', async () => {
    const cpu = await openNativeRunner(DIR, manifest, { channel: forkChannel(host.entry), providers: 'cpu' });
    expect([cpu.backend, cpu.provider, cpu.fallbackReason]).toEqual(['native', 'cpu', null]);
    expect(cpu.pid).not.toBe(process.pid);
    await cpu.dispose();
  });

  it.each(reference.cases.map((c) => [c.seed, c.psi, c] as const))('matches PyTorch for seed %i, ψ %f', async (seed, psi, ref) => {
    const { image } = await createPipeline(runner, manifest).render(latentState({ seed, psi }));
    expect(image.data).toBeInstanceOf(Float32Array);
    expect(image.dims).toEqual([1, 3, 32, 32]);
    for (const p of ref.pixels) {
      expect(Math.abs(image.data[p.c * 32 * 32 + p.y * 32 + p.x]! - p.value)).toBeLessThan(reference.tolerance);
    }
    expect(Math.abs(Math.max(...image.data) - ref.img_max)).toBeLessThan(reference.tolerance);
  });

  it('answers concurrent runs each with its own result', async () => {
    const ws = (fill: number) => ({ ws: { data: new Float32Array(8 * 64).fill(fill), dims: [1, 8, 64] } });
    const [a, b, a2] = await Promise.all([runner.run('synthesis', ws(0.5)), runner.run('synthesis', ws(-0.5)), runner.run('synthesis', ws(0.5))]);
    expect(Array.from(a2!.img!.data)).toEqual(Array.from(a!.img!.data));
    expect(Array.from(b!.img!.data)).not.toEqual(Array.from(a!.img!.data));
  });

  it('refuses bad inputs before they cross the process boundary', async () => {
    await expect(runner.run('synthesis', { ws: { data: new Float32Array(64), dims: [1, 64] } })).rejects.toThrow(ShapeError);
    await expect(runner.run('mapping', {})).rejects.toThrow(/needs input "z"/);
  });

  it('carries the host’s errors back with their name and message', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'native-mismatch-'));
    try {
      cpSync(DIR, dir, { recursive: true });
      const doc = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      doc.graphs.mapping.inputs = ['z', 'truncation_psi'];
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(doc));
      const opening = openNativeRunner(dir, await readManifest(dir), { channel: forkChannel(host.entry), providers: 'cpu' });
      await expect(opening).rejects.toMatchObject({ name: 'GraphMismatchError', message: expect.stringMatching(/mapping\.onnx has no input "truncation_psi"/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a package whose manifest is not the one the caller holds', async () => {
    const other = { ...manifest, id: 'some-other-model' };
    await expect(openNativeRunner(DIR, other, { channel: forkChannel(host.entry), providers: 'cpu' })).rejects.toThrow(
      /holds model "fixture-stylegan-tiny", not "some-other-model"/,
    );
  });

  it('detects a crashed process: pending and later runs fail and say how it ended', async () => {
    const doomed = await openNativeRunner(DIR, manifest, { channel: forkChannel(host.entry), providers: 'cpu' });
    const pending = doomed.run('mapping', { z: { data: new Float32Array(64), dims: [1, 64] } });
    process.kill(doomed.pid!, 'SIGKILL');
    // The run may have been answered before the signal landed; a later one cannot be.
    await pending.catch(() => undefined);
    const later = doomed.run('mapping', { z: { data: new Float32Array(64), dims: [1, 64] } });
    await expect(later).rejects.toThrow(NativeProcessError);
    await expect(later).rejects.toThrow(/ended unexpectedly \(signal SIGKILL\); reopen the model/);
    await expect(doomed.ended).resolves.toBeInstanceOf(NativeProcessError);
    await doomed.dispose();
  });

  it('ends the process on dispose and refuses runs afterwards', async () => {
    const short = await openNativeRunner(DIR, manifest, { channel: forkChannel(host.entry), providers: 'cpu' });
    const pid = short.pid!;
    expect(isAlive(pid)).toBe(true);
    await short.dispose();
    expect(isAlive(pid)).toBe(false);
    await expect(short.ended).resolves.toBeNull();
    await expect(short.run('mapping', { z: { data: new Float32Array(64), dims: [1, 64] } })).rejects.toThrow(/unloaded/);
  });

  it('says why a host that cannot start did not', async () => {
    const missing = path.join(tmpdir(), 'no-such-native-host.cjs');
    await expect(openNativeRunner(DIR, manifest, { channel: forkChannel(missing) })).rejects.toThrow(
      /ended unexpectedly \(exit code 1; it wrote: .*Cannot find module/s,
    );
  });
});
