// Builds everything the hosts run: the renderer (Vite) with onnxruntime-web's WASM files copied
// beside it, and the Node entry points (esbuild). Usage: node scripts/build.mjs [--only renderer|node|cli]
import { build as viteBuild } from 'vite';
import { build as esbuild } from 'esbuild';
import { cp, mkdir, readdir } from 'node:fs/promises';
import { nativeHostOptions, nodeCommon } from './build-options.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const want = (part) => only === null || only === part;

async function buildRenderer() {
  await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
  // The studio never loads WASM from a CDN: ship onnxruntime-web's binaries and loaders ourselves.
  const ortDist = path.join(root, 'node_modules', 'onnxruntime-web', 'dist');
  const target = path.join(root, 'dist', 'renderer', 'ort');
  await mkdir(target, { recursive: true });
  for (const file of await readdir(ortDist)) {
    if (/^ort-wasm-simd-threaded\.asyncify\.(wasm|mjs)$/.test(file)) await cp(path.join(ortDist, file), path.join(target, file));
  }
}

// The native inference process (fork or Electron utility process); onnxruntime-node stays external.
const buildNativeHost = () => esbuild(nativeHostOptions(root, path.join(root, 'dist/native/host.cjs')));

async function buildNode() {
  await Promise.all([
    esbuild({ ...nodeCommon, entryPoints: [path.join(root, 'main/electron/main.ts')], outfile: path.join(root, 'dist/electron/main.cjs'), format: 'cjs', external: ['electron'] }),
    esbuild({ ...nodeCommon, entryPoints: [path.join(root, 'main/electron/preload.ts')], outfile: path.join(root, 'dist/electron/preload.cjs'), format: 'cjs', external: ['electron'] }),
    esbuild({ ...nodeCommon, entryPoints: [path.join(root, 'main/web/server.ts')], outfile: path.join(root, 'dist/web/server.mjs'), format: 'esm', packages: 'external' }),
    buildNativeHost(),
  ]);
}

// The headless renderer (npm run render) and the native host it runs its graphs in: like the web
// host, they load their packages from node_modules.
async function buildCli() {
  await Promise.all([
    esbuild({ ...nodeCommon, entryPoints: [path.join(root, 'main/cli/render.ts')], outfile: path.join(root, 'dist/cli/render.mjs'), format: 'esm', packages: 'external' }),
    esbuild({ ...nodeCommon, entryPoints: [path.join(root, 'main/cli/convert.ts')], outfile: path.join(root, 'dist/cli/convert.mjs'), format: 'esm', packages: 'external' }),
    buildNativeHost(),
  ]);
}

if (want('renderer')) await buildRenderer();
if (want('node')) await buildNode();
if (want('cli')) await buildCli();
