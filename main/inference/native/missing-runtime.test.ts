/**
 * onnxruntime-node is an optional dependency (issue 18, item 7): an install without it must still
 * work. The real native host, bundled where `onnxruntime-node` cannot be resolved (outside the
 * repository, as in an install with --omit=optional), fails to open a model with a typed error that
 * says what is missing and what to do; the inference worker turns any native failure into a WASM
 * fallback with that message as its reason (renderer/inference/worker.ts, load()).
 */
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../services/library';
import { forkChannel, NativeProcessError, openNativeRunner } from './client';

const DIR = path.resolve(__dirname, '../../../models/fixtures/stylegan-tiny');
let outside: string;
let entry: string;

beforeAll(async () => {
  outside = mkdtempSync(path.join(os.tmpdir(), 'latent-no-ort-'));
  entry = path.join(outside, 'host.cjs');
  await build({ entryPoints: [path.join(__dirname, 'host.ts')], outfile: entry, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning' });
});
afterAll(() => rmSync(outside, { recursive: true, force: true }));

describe('without onnxruntime-node', () => {
  it('refuses to open with a NativeProcessError that names the optional dependency and the fix', async () => {
    const manifest = await readManifest(DIR);
    const attempt = openNativeRunner(DIR, manifest, { channel: forkChannel(entry), numThreads: 1 });
    await expect(attempt).rejects.toThrow(NativeProcessError);
    await expect(openNativeRunner(DIR, manifest, { channel: forkChannel(entry), numThreads: 1 })).rejects.toThrow(
      /^the native runtime is not installed \(onnxruntime-node, an optional dependency, is missing\); the studio uses WebGPU or WASM instead\. To use it, run `npm install` without --omit=optional$/,
    );
  });
});
