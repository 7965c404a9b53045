// Compares a `conditional` package's generator.onnx (onnxruntime-web, WASM backend) with the
// PyTorch float64 reference that export_biggan.py wrote to a verification JSON: every case alone,
// then the cases that share a truncation as one batch (the batch axis is dynamic; truncation is
// [1]). Exit status 1 when an output is beyond the JSON's `tolerance` (export_stylegan's
// verify_tolerance, as check_onnx.mjs uses for StyleGAN), is NaN, or has other dims than the
// reference. Usage: node models/tools/biggan/check_conditional.mjs <verify.json> [more.json ...]
// Resolves onnxruntime-web from the repository's node_modules (no install of its own).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { fail, failures, maxAbsDiff, sameDims } from '../verify-common.mjs';

ort.env.wasm.numThreads = 1;


let worst = 0;
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const manifest = JSON.parse(readFileSync(join(doc.package, 'manifest.json'), 'utf8'));
  if (!(Number.isFinite(doc.tolerance) && doc.tolerance > 0)) {
    fail(`${file}: no "tolerance" (a verification JSON from an older exporter?); export the package again`);
    continue;
  }
  const within = (err, what) => { if (!(err <= doc.tolerance)) fail(`${what}: max abs error ${err} exceeds ${doc.tolerance.toExponential(2)}`); };
  const graph = manifest.graphs.generator;
  const session = await ort.InferenceSession.create(readFileSync(join(doc.package, graph.file)));
  const run = async (cases) => {
    const feeds = {
      z: new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.z)), [cases.length, manifest.z_dim]),
      c: new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.c)), [cases.length, manifest.c_dim]),
      truncation: new ort.Tensor('float32', Float32Array.of(cases[0].truncation), [1]),
    };
    return (await session.run(feeds)).img;
  };
  for (const c of doc.cases) {
    const what = `${manifest.id} seed ${c.seed} truncation ${c.truncation} ${c.label}`;
    const img = await run([c]);
    if (!sameDims(img.dims, c.img_shape)) fail(`${what}: img dims [${img.dims}], reference [${c.img_shape}]`);
    const err = c.img.length === img.data.length ? maxAbsDiff(c.img, img.data) : NaN;
    within(err, what);
    worst = Math.max(worst, err);
    console.log(`${what}: max|img err| ${err.toExponential(2)}  img dims ${img.dims}`);
  }
  for (const t of [...new Set(doc.cases.map((c) => c.truncation))]) {
    const group = doc.cases.filter((c) => c.truncation === t);
    if (group.length < 2) continue;
    const img = await run(group);
    const expectedDims = [group.length, ...group[0].img_shape.slice(1)];
    if (!sameDims(img.dims, expectedDims)) fail(`${manifest.id} batch at truncation ${t}: img dims [${img.dims}], expected [${expectedDims}]`);
    const per = img.data.length / group.length;
    const err = Math.max(...group.map((c, k) => (c.img.length === per ? maxAbsDiff(c.img, img.data, k * per) : NaN)));
    within(err, `${manifest.id} batch of ${group.length} at truncation ${t}`);
    worst = Math.max(worst, err);
    console.log(`${manifest.id} batch of ${group.length} at truncation ${t}: dims ${img.dims}  max|img err| ${err.toExponential(2)}`);
  }
  console.log(`${manifest.id} tolerance ${doc.tolerance.toExponential(2)}`);
}
console.log(`worst max abs error ${worst.toExponential(2)}`);
if (failures.length) console.log(`${failures.length} check(s) failed`);
process.exit(failures.length === 0 && process.argv.length > 2 ? 0 : 1);
