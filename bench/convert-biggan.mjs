// Conversion time, peak memory and error of the TypeScript BigGAN converter (app/checkpoint/biggan.ts) on
// the published biggan-deep-<res> config.json (random weights at full width): the figures issue 19 asks
// for, and the full-width error the unit tests' tiny nets cannot show; not a unit test, since timings are
// never asserted there and the net takes minutes of Python to make.
// Usage: node bench/convert-biggan.mjs [128|256|512]
// models/tools/tests/biggan_reference.py writes the net (~1 GB of files for 128 px) to a temp folder with
// export_biggan.py's package and PyTorch references beside it. Peak memory is the process's peak RSS
// (VmHWM), reset after pytorch_model.bin is read, so it counts the file and its tensors plus what the conversion adds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { importTypeScript } from './ts-import.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convert-biggan-'));
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const maxAbsDiff = (a, b) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

// The published layer lists (models/tools/biggan/model.py _DEEP_LAYERS).
const LAYERS = {
  128: [[false, 16, 16], [true, 16, 16], [false, 16, 16], [true, 16, 8], [false, 8, 8], [true, 8, 4], [false, 4, 4],
    [true, 4, 2], [false, 2, 2], [true, 2, 1]],
  256: [[false, 16, 16], [true, 16, 16], [false, 16, 16], [true, 16, 8], [false, 8, 8], [true, 8, 8], [false, 8, 8],
    [true, 8, 4], [false, 4, 4], [true, 4, 2], [false, 2, 2], [true, 2, 1]],
  512: [[false, 16, 16], [true, 16, 16], [false, 16, 16], [true, 16, 8], [false, 8, 8], [true, 8, 8], [false, 8, 8],
    [true, 8, 4], [false, 4, 4], [true, 4, 2], [false, 2, 2], [true, 2, 1], [false, 1, 1], [true, 1, 1]],
};

try {
  const resolution = Number(process.argv[2] ?? 128);
  if (!LAYERS[resolution]) throw new Error(`BigGAN-deep comes in 128, 256 and 512 px, not ${process.argv[2]}`);
  const config = {
    attention_layer_position: 8, channel_width: 128, class_embed_dim: 128, eps: 1e-4, layers: LAYERS[resolution],
    n_stats: 51, num_classes: 1000, output_dim: resolution, z_dim: 128,
  };
  const name = `deep${resolution}`;
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const nets = { [name]: { config, seed: 0, seeds: [0], truncations: [1, 0.333] } };
  const made = spawnSync(python, [path.join(repo, 'models/tools/tests/biggan_reference.py'), tmp, JSON.stringify(nets)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (made.status !== 0) throw new Error(`biggan_reference.py failed:\n${made.stderr}`);
  const ref = JSON.parse(made.stdout)[name];

  const { convertBigGan, parseClassNameList, readBigGanFolder } = await importTypeScript("export { convertBigGan, parseClassNameList } from './app/checkpoint/biggan'; export { readBigGanFolder } from './app/checkpoint/biggan-hf';", tmp);

  const folder = path.join(tmp, name, 'hf');
  const read = performance.now();
  const bytes = (file) => new Uint8Array(readFileSync(path.join(folder, file))); // a plain Uint8Array, as a browser gives it
  const { snapshot } = readBigGanFolder(bytes('config.json'), bytes('pytorch_model.bin'));
  const readSeconds = (performance.now() - read) / 1000;
  const tensors = snapshot.tensors;
  const weights = [...tensors.values()].reduce((a, t) => a + t.data.byteLength, 0);
  const classNames = parseClassNameList(readFileSync(path.join(repo, 'models/tools/biggan/imagenet_classes.txt'), 'utf8'));
  const loadedRss = process.memoryUsage().rss;
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  const start = performance.now();
  const pkg = await convertBigGan(config, snapshot, { id: `bench-${name}`, folderName: name, classNames });
  const seconds = (performance.now() - start) / 1000;
  const peak = peakRss();
  const onnx = pkg.files.get('generator.onnx');
  console.log(`BigGAN-deep ${resolution} px (${tensors.size} tensors, ${mb(weights)} float32): pytorch_model.bin read in ${readSeconds.toFixed(2)} s, converted in ${seconds.toFixed(2)} s`);
  console.log(`RSS with the snapshot loaded ${mb(loadedRss)}; peak RSS during the conversion ${mb(peak)} (+${mb(peak - loadedRss)})`);
  console.log(`generator.onnx ${mb(onnx.length)} (export_biggan.py's: ${mb(readFileSync(path.join(ref.package, 'generator.onnx')).length)})`);

  ort.env.wasm.numThreads = 1;
  const ours = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
  const theirs = await ort.InferenceSession.create(readFileSync(path.join(ref.package, 'generator.onnx')), { executionProviders: ['wasm'] });
  for (const c of ref.cases) {
    const feeds = {
      z: new ort.Tensor('float32', Float32Array.from(c.z), [1, config.z_dim]),
      c: new ort.Tensor('float32', Float32Array.from(c.c), [1, config.num_classes]),
      truncation: new ort.Tensor('float32', Float32Array.of(c.truncation), [1]),
    };
    const a = (await ours.run(feeds)).img.data;
    const b = (await theirs.run(feeds)).img.data;
    console.log(
      `truncation ${c.truncation} ${c.label}: max abs vs export_biggan.py ONNX ${maxAbsDiff(a, b).toExponential(2)}, ` +
        `vs its PyTorch ${maxAbsDiff(a, c.img).toExponential(2)}, vs float64 reference ${maxAbsDiff(a, c.ref64).toExponential(2)} ` +
        `(reference float32 vs float64 ${c.ref32_spread.toExponential(2)})`,
    );
  }
  await ours.release();
  await theirs.release();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

