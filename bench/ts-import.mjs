// The converter benches are plain Node scripts, but what they time is TypeScript (app/checkpoint,
// test-support): bundle the exports they name with esbuild into `dir`, once, and import them.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundle `source` (as {@link importTypeScript} takes it) into `dir`; returns the bundle's path. */
export async function bundleTypeScript(source, dir, external = []) {
  const outfile = path.join(dir, `bundle-${Math.random().toString(36).slice(2)}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: REPO, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    external,
  });
  return outfile;
}

/**
 * Import `source` (TypeScript re-exports, paths relative to the repository root) as one bundle
 * written to `dir`. `external`: packages left to Node's own resolution (onnxruntime-web's WASM files).
 */
export async function importTypeScript(source, dir, external = []) {
  return import(pathToFileURL(await bundleTypeScript(source, dir, external)).href);
}
