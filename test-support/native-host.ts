/**
 * For tests and the bench's own test: build the native host (host.ts) the way scripts/build.mjs
 * does, without touching dist/. The bundle lands under node_modules/.cache so that its
 * `require('onnxruntime-node')` resolves to the repository's copy.
 */
import { build } from 'esbuild';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** A host bundle built for one test file. */
export interface TestHost {
  /** Path of the bundle, for `forkChannel`. */
  entry: string;
  /** Delete the bundle (call in afterAll). */
  remove(): Promise<void>;
}

/** Bundle host.ts to a file private to this test process. */
export async function buildNativeHostForTests(): Promise<TestHost> {
  const outfile = path.join(ROOT, 'node_modules', '.cache', 'latent-studio', `native-host-${randomUUID()}.cjs`);
  await build({
    entryPoints: [path.join(ROOT, 'main/inference/native/host.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
  return { entry: outfile, remove: () => fs.rm(outfile, { force: true }) };
}
