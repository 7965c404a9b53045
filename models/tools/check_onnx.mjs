// Compares a package's ONNX graphs (onnxruntime-web, WASM backend) with the PyTorch outputs that
// export_stylegan.py / make_fixture.py wrote to a verification JSON.
// Usage: node models/tools/check_onnx.mjs <verify.json> [more.json ...]
// Resolves onnxruntime-web from the repository's node_modules (no install of its own).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
let worst = 0;
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const manifest = JSON.parse(readFileSync(join(doc.package, 'manifest.json'), 'utf8'));
  const mapping = await ort.InferenceSession.create(readFileSync(join(doc.package, 'mapping.onnx')));
  const synthesis = await ort.InferenceSession.create(readFileSync(join(doc.package, 'synthesis.onnx')));
  const wAvg = Float32Array.from(manifest.w_avg);
  for (const c of doc.cases) {
    const z = new ort.Tensor('float32', Float32Array.from(c.z), [1, c.z.length]);
    const { ws } = await mapping.run({ z });
    const psi = c.psi ?? 1;
    const w = ws.data.slice();
    for (let i = 0; i < w.length; i++) w[i] = wAvg[i % wAvg.length] + psi * (w[i] - wAvg[i % wAvg.length]);
    const wsErr = c.ws ? Math.max(...c.ws.map((v, i) => Math.abs(v - w[i]))) : NaN;
    const { img } = await synthesis.run({ ws: new ort.Tensor('float32', w, ws.dims) });
    let imgErr = 0;
    for (let i = 0; i < c.img.length; i++) imgErr = Math.max(imgErr, Math.abs(c.img[i] - img.data[i]));
    worst = Math.max(worst, imgErr, Number.isNaN(wsErr) ? 0 : wsErr);
    console.log(`${manifest.id} seed ${c.seed} psi ${psi}: max|ws err| ${wsErr.toExponential(2)}  max|img err| ${imgErr.toExponential(2)}  img dims ${img.dims}`);
  }
  // The batch axis is dynamic: the psi = 1 cases as one batch must give the same images.
  const ones = doc.cases.filter((c) => (c.psi ?? 1) === 1);
  const zb = new ort.Tensor('float32', Float32Array.from(ones.flatMap((c) => c.z)), [ones.length, ones[0].z.length]);
  const { ws: wsb } = await mapping.run({ z: zb });
  const { img: imgb } = await synthesis.run({ ws: wsb });
  const per = imgb.data.length / ones.length;
  let batchErr = 0;
  ones.forEach((c, k) => c.img.forEach((v, i) => { batchErr = Math.max(batchErr, Math.abs(v - imgb.data[k * per + i])); }));
  worst = Math.max(worst, batchErr);
  console.log(`${manifest.id} batch of ${ones.length}: dims ${imgb.dims}  max|img err| ${batchErr.toExponential(2)}`);
}
console.log(`worst max abs error ${worst.toExponential(2)}`);
process.exit(worst < 1e-3 ? 0 : 1);
