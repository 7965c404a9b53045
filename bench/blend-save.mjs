// Blend time and peak memory of app/workshop/blend.ts on a StyleGAN2 of the official 1024-px config
// (ffhq: channel_base 32768, channel_max 512, 8 mapping layers, random weights, converted by the
// studio's own converter), the figure issue 16 asks for; not a unit test, since timings are never
// asserted there. Parent B is parent A with every per-block weight scaled, so every block blends.
// Usage: node bench/blend-save.mjs [--package DIR]
//   --package DIR: blend that package with its scaled copy instead (bench/bench.test.ts runs this on
//   the tiny fixture); without it models/tools/tests/stylegan2_snapshot.py writes the 1024-px
//   snapshot (~120 MB) to a temp folder and the converter turns it into parent A.
// Peak memory is the process's peak RSS (VmHWM), reset once both parents are in memory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTypeScript } from './ts-import.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'blend-save-'));
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;

try {
  const ts = await importTypeScript(
    "export { convertStyleGan2 } from './app/checkpoint/stylegan2'; export { finishPackage } from './app/checkpoint/package'; export { readSnapshotFixture } from './test-support/snapshot'; export { blendPackages, blocksOf, uniformWeights } from './app/workshop/blend'; export { floatValues, readGraphWeights, rewriteInitializers } from './app/workshop/onnx-weights'; export { parseManifest } from './app/model/manifest';",
    tmp,
  );
  const at = process.argv.indexOf('--package');
  let a;
  let label;
  if (at > 0) {
    const dir = process.argv[at + 1];
    const files = new Map(readdirSync(dir).filter((f) => f.endsWith('.onnx') || f.endsWith('.npz')).map((f) => [f, new Uint8Array(readFileSync(path.join(dir, f)))]));
    a = { manifest: ts.parseManifest(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'))), files };
    label = path.basename(dir);
  } else {
    const python = process.env.PYTHON ?? '/usr/bin/python3';
    const made = spawnSync(python, [path.join(repo, 'models/tools/tests/stylegan2_snapshot.py'), 'snapshot', '--arch', 'ffhq1024', '--out', tmp, '--no-export'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`stylegan2_snapshot.py failed:\n${made.stderr}`);
    const converted = await ts.convertStyleGan2(ts.readSnapshotFixture(path.join(tmp, 'ffhq1024')), { id: 'bench-ffhq1024' });
    const pkg = await ts.finishPackage(converted);
    a = { manifest: pkg.manifest, files: new Map([...pkg.files].filter(([f]) => f !== 'manifest.json')) };
    label = 'StyleGAN2 1024 px';
  }
  const files = new Map(a.files);
  for (const [key, spec] of Object.entries(a.manifest.graphs)) {
    const weights = ts.readGraphWeights(a.files.get(spec.file), spec.file);
    const scaled = (init) => init.dataType === 1 && (key === 'mapping' || ts.blocksOf(init).length === 1);
    files.set(spec.file, ts.rewriteInitializers(weights, (init) => (scaled(init) ? ts.floatValues(init).map((v) => v * 1.01) : undefined)));
  }
  const b = { manifest: { ...a.manifest, id: 'bench-b' }, files };
  const bytes = [...a.files.values()].reduce((n, f) => n + f.length, 0);
  const loadedRss = process.memoryUsage().rss;
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  const start = performance.now();
  const blended = await ts.blendPackages(a, b, ts.uniformWeights(a.manifest, 0.5), { id: 'bench-blend', name: 'Bench blend' });
  const seconds = (performance.now() - start) / 1000;
  const peak = peakRss();
  const out = [...blended.files].map(([name, f]) => `${name} ${mb(f.length)}`).join(', ');
  console.log(`${label} (${mb(bytes)} per parent): blended at 0.5 in ${seconds.toFixed(2)} s`);
  console.log(`RSS with both parents loaded ${mb(loadedRss)}; peak RSS during the blend ${mb(peak)} (+${mb(peak - loadedRss)})`);
  console.log(`files: ${out}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
