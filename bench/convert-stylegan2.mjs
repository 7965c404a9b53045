// Conversion time and peak memory of the TypeScript StyleGAN2 converter (app/checkpoint/stylegan2.ts) on the
// official 1024-px config (ffhq: channel_base 32768, channel_max 512, 8 mapping layers, random weights), the
// figures issue 19 asks for; not a unit test, since timings are never asserted there.
// Usage: node bench/convert-stylegan2.mjs [snapshot dir]
//   Without a dir, models/tools/tests/stylegan2_snapshot.py writes the snapshot (~120 MB) to a temp folder.
// Peak memory is the process's peak RSS (VmHWM), reset after the snapshot is loaded, so it counts what the
// conversion adds on top of the loaded tensors plus those tensors themselves.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTypeScript } from './ts-import.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convert-sg2-'));
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;

try {
  let dir = process.argv[2];
  if (!dir) {
    dir = path.join(tmp, 'ffhq1024');
    const python = process.env.PYTHON ?? '/usr/bin/python3';
    const made = spawnSync(python, [path.join(repo, 'models/tools/tests/stylegan2_snapshot.py'), 'snapshot', '--arch', 'ffhq1024', '--out', tmp, '--no-export'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`stylegan2_snapshot.py failed:\n${made.stderr}`);
  }
  const { convertStyleGan2, readSnapshotFixture } = await importTypeScript("export { convertStyleGan2 } from './app/checkpoint/stylegan2'; export { readSnapshotFixture } from './test-support/snapshot';", tmp);

  const snapshot = readSnapshotFixture(dir);
  const weights = [...snapshot.tensors.values()].reduce((a, t) => a + t.data.byteLength, 0);
  const loadedRss = process.memoryUsage().rss;
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  const start = performance.now();
  const pkg = await convertStyleGan2(snapshot, { id: 'bench-ffhq1024' });
  const seconds = (performance.now() - start) / 1000;
  const peak = peakRss();
  const files = [...pkg.files].map(([name, bytes]) => `${name} ${mb(bytes.length)}`).join(', ');
  console.log(`StyleGAN2 1024 px (${snapshot.tensors.size} tensors, ${mb(weights)} float32): converted in ${seconds.toFixed(2)} s`);
  console.log(`RSS with the snapshot loaded ${mb(loadedRss)}; peak RSS during the conversion ${mb(peak)} (+${mb(peak - loadedRss)})`);
  console.log(`files: ${files}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
