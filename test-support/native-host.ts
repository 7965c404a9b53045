/**
 * For tests and the bench's own test: build the native host (host.ts) with scripts/build.mjs's own
 * options (scripts/build-options.mjs), without touching dist/. The bundle lands under
 * node_modules/.cache so that its `require('onnxruntime-node')` resolves to the repository's copy.
 */
import { build } from 'esbuild';
import { nativeHostOptions } from '../scripts/build-options.mjs';
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
  await build({ ...nativeHostOptions(ROOT, outfile), sourcemap: false });
  return { entry: outfile, remove: () => fs.rm(outfile, { force: true }) };
}
