// `npm start`: open the studio in Electron. Electron's binary is fetched on first use; where that
// cannot happen (no access to Electron's download host), say so and serve the same studio to the
// browser instead, so `npm start` always ends with a usable studio.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-binary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function ensureElectron() {
  const found = findElectronBinary();
  if (found) return { binary: found };
  const require = createRequire(import.meta.url);
  const install = path.join(path.dirname(require.resolve('electron/package.json')), 'install.js');
  console.log('Latent Studio: downloading the Electron binary (first start only)…');
  const result = spawnSync(process.execPath, [install], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  const binary = findElectronBinary();
  if (binary) return { binary };
  const detail = result.stderr?.toString().split('\n').find((l) => l.trim()) ?? `exit code ${result.status}`;
  return { binary: null, reason: detail.trim() };
}

const { binary, reason } = ensureElectron();
const run = (command, args) => {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
};

if (binary) {
  run(binary, [root]);
} else {
  console.warn(`Latent Studio: Electron is not available (${reason}).`);
  console.warn('Serving the same studio to your browser instead; open the address below.');
  run(process.execPath, [path.join(root, 'dist/web/server.mjs')]);
}
