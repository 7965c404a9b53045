// Compares a `conditional` package's generator.onnx (onnxruntime-web, WASM backend) with the
// PyTorch outputs that export_biggan.py wrote to a verification JSON: every case alone, then the
// cases that share a truncation as one batch (the batch axis is dynamic; truncation is [1]).
// Usage: node models/tools/biggan/check_conditional.mjs <verify.json> [more.json ...]
// Exit status 1 when the worst max abs error reaches 1e-3.
// Resolves onnxruntime-web from the repository's node_modules (no install of its own).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

function maxAbsDiff(expected, actual, offset = 0) {
  let err = 0;
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(expected[i] - actual[offset + i]));
  return err;
}

let worst = 0;
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const manifest = JSON.parse(readFileSync(join(doc.package, 'manifest.json'), 'utf8'));
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
    const img = await run([c]);
    const err = maxAbsDiff(c.img, img.data);
    worst = Math.max(worst, err);
    console.log(`${manifest.id} seed ${c.seed} truncation ${c.truncation} ${c.label}: max|img err| ${err.toExponential(2)}  img dims ${img.dims}`);
  }
  for (const t of [...new Set(doc.cases.map((c) => c.truncation))]) {
    const group = doc.cases.filter((c) => c.truncation === t);
    if (group.length < 2) continue;
    const img = await run(group);
    const per = img.data.length / group.length;
    const err = Math.max(...group.map((c, k) => maxAbsDiff(c.img, img.data, k * per)));
    worst = Math.max(worst, err);
    console.log(`${manifest.id} batch of ${group.length} at truncation ${t}: dims ${img.dims}  max|img err| ${err.toExponential(2)}`);
  }
}
console.log(`worst max abs error ${worst.toExponential(2)}`);
process.exit(worst < 1e-3 ? 0 : 1);
