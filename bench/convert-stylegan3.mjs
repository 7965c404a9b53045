// Conversion time and peak memory of the TypeScript StyleGAN3 converter (app/checkpoint/stylegan3.ts) on a
// random-weight 1024-px snapshot in the official stylegan3-t (or -r) configuration, the figures the issue's
// closing note asks for; with --check, the converted synthesis graph is also run once in onnxruntime-web (WASM)
// and compared with PyTorch for seed 0.
// Usage: node bench/convert-stylegan3.mjs [--arch stylegan3-t|stylegan3-r] [--resolution 1024] [--check] [--keep DIR]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTypeScript } from './ts-import.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const arch = option('--arch', 'stylegan3-t');
const resolution = Number(option('--resolution', '1024'));
const check = args.includes('--check');
const keep = option('--keep', null);
const work = keep ?? mkdtempSync(path.join(os.tmpdir(), 'sg3-bench-'));

// The official train.py settings: T = channel_base 32768, channel_max 512; R doubles both.
const doubled = arch === 'stylegan3-r' ? 2 : 1;
const config = {
  name: arch, arch, resolution, z_dim: 512, w_dim: 512, c_dim: 0, map_layers: 2,
  channel_base: 32768 * doubled, channel_max: 512 * doubled, num_layers: 14, seed: 0,
  python_package: false, ...(check ? { reference_seeds: [0] } : {}),
};
let t0 = performance.now();
const py = spawnSync(process.env.PYTHON ?? '/usr/bin/python3', [path.join(root, 'test-support/stylegan3_snapshot.py'), work, JSON.stringify([config])], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (py.status !== 0) throw new Error(`the snapshot script failed:\n${py.stderr}`);
const dir = JSON.parse(py.stdout)[arch];
console.log(`snapshot written by Python in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${dir}`);

// The converter and its test helpers are TypeScript: bundle them for Node once.
const { convertStyleGan3, loadSnapshotFixture, writePackageFolder, parseNpz } = await importTypeScript(`export { convertStyleGan3 } from './app/checkpoint/stylegan3';
export { loadSnapshotFixture, writePackageFolder } from './test-support/stylegan-snapshot';
export { parseNpz } from './app/codecs/npz';`, work, ['onnxruntime-web']);

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const snapshot = loadSnapshotFixture(dir);
let params = 0;
for (const t of snapshot.tensors.values()) params += t.data.length;
const before = process.memoryUsage();
let peakSampled = before.rss;
const sampler = setInterval(() => { peakSampled = Math.max(peakSampled, process.memoryUsage().rss); }, 20);
t0 = performance.now();
const pkg = await convertStyleGan3(snapshot, { id: `${arch}-${resolution}-random`, onProgress: () => { peakSampled = Math.max(peakSampled, process.memoryUsage().rss); } });
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
const peak = Math.max(peakSampled, process.resourceUsage().maxRSS * 1024);
const sizes = [...pkg.files].map(([name, bytes]) => `${name} ${mib(bytes.length)}`).join(', ');
console.log(`${arch} ${resolution} px, ${(params / 1e6).toFixed(1)} M stored values: converted in ${seconds.toFixed(2)} s`);
console.log(`  RSS with the snapshot loaded ${mib(before.rss)}, peak RSS ${mib(peak)} (+${mib(peak - before.rss)} for the conversion); ${sizes}`);

if (check) {
  const out = path.join(work, 'typescript');
  await writePackageFolder(out, pkg);
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const ref = parseNpz(new Uint8Array((await import('node:fs')).readFileSync(path.join(dir, 'reference.npz'))));
  const session = async (file) => ort.InferenceSession.create(path.join(out, file), { executionProviders: ['wasm'] });
  const mapping = await session('mapping.onnx');
  const z = ref.get('z_0');
  const ws = (await mapping.run({ z: new ort.Tensor('float32', z.data, z.shape) })).ws;
  const wsRef = ref.get('ws_0').data;
  let wsErr = 0;
  ws.data.forEach((v, i) => { wsErr = Math.max(wsErr, Math.abs(v - wsRef[i])); });
  const synthesis = await session('synthesis.onnx');
  t0 = performance.now();
  const img = (await synthesis.run({ ws: new ort.Tensor('float32', wsRef, ref.get('ws_0').shape) })).img;
  const runSeconds = (performance.now() - t0) / 1000;
  const imgRef = ref.get('img_0').data;
  let imgErr = 0;
  img.data.forEach((v, i) => { imgErr = Math.max(imgErr, Math.abs(v - imgRef[i])); });
  console.log(`  check against PyTorch, seed 0, psi 1: ws max abs ${wsErr.toExponential(2)}, img max abs ${imgErr.toExponential(2)} (WASM synthesis ${runSeconds.toFixed(1)} s)`);
}
if (!keep) rmSync(work, { recursive: true, force: true });
