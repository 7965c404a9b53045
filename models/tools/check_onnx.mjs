// Compares a package's ONNX graphs (onnxruntime-web, WASM backend) with the PyTorch outputs that
// export_stylegan.py / make_fixture.py wrote to a verification JSON.
// Usage: node models/tools/check_onnx.mjs <verify.json> [more.json ...]
// Resolves onnxruntime-web from the repository's node_modules (no install of its own).
//
// Verification JSON: { package, synthesis_feeds?, cases: [{ seed, psi, z, c?, ws?, img, label?,
// synthesis_feeds? }] }. `synthesis_feeds` ({ name: { dims, data } }) are extra synthesis inputs
// (noise_<layer>, transform): the document's are fed on every run, a case's replace them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

const tensor = (feed) => new ort.Tensor('float32', Float32Array.from(feed.data), feed.dims);
const feedsOf = (spec = {}) => Object.fromEntries(Object.entries(spec).map(([name, feed]) => [name, tensor(feed)]));

let worst = 0;
for (const file of process.argv.slice(2)) {
  let packageWorst = 0;
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const manifest = JSON.parse(readFileSync(join(doc.package, 'manifest.json'), 'utf8'));
  const mapping = await ort.InferenceSession.create(readFileSync(join(doc.package, 'mapping.onnx')));
  const synthesis = await ort.InferenceSession.create(readFileSync(join(doc.package, 'synthesis.onnx')));
  const wAvg = Float32Array.from(manifest.w_avg);
  const defaults = doc.synthesis_feeds ?? {};
  const mapInputs = (cases) => {
    const feeds = { z: new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.z)), [cases.length, cases[0].z.length]) };
    if (cases[0].c) feeds.c = new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.c)), [cases.length, cases[0].c.length]);
    return feeds;
  };
  for (const c of doc.cases) {
    const { ws } = await mapping.run(mapInputs([c]));
    const psi = c.psi ?? 1;
    const w = ws.data.slice();
    for (let i = 0; i < w.length; i++) w[i] = wAvg[i % wAvg.length] + psi * (w[i] - wAvg[i % wAvg.length]);
    const wsErr = c.ws ? Math.max(...c.ws.map((v, i) => Math.abs(v - w[i]))) : NaN;
    const feeds = { ws: new ort.Tensor('float32', w, ws.dims), ...feedsOf({ ...defaults, ...c.synthesis_feeds }) };
    const { img } = await synthesis.run(feeds);
    let imgErr = 0;
    for (let i = 0; i < c.img.length; i++) imgErr = Math.max(imgErr, Math.abs(c.img[i] - img.data[i]));
    packageWorst = Math.max(packageWorst, imgErr, Number.isNaN(wsErr) ? 0 : wsErr);
    const what = c.label ? ` [${c.label}]` : '';
    console.log(`${manifest.id} seed ${c.seed} psi ${psi}${what}: max|ws err| ${wsErr.toExponential(2)}  max|img err| ${imgErr.toExponential(2)}  img dims ${img.dims}`);
  }
  // The batch axis is dynamic: the plain psi = 1 cases as one batch must give the same images.
  const ones = doc.cases.filter((c) => (c.psi ?? 1) === 1 && !c.synthesis_feeds);
  const { ws: wsb } = await mapping.run(mapInputs(ones));
  const { img: imgb } = await synthesis.run({ ws: wsb, ...feedsOf(defaults) });
  const per = imgb.data.length / ones.length;
  let batchErr = 0;
  ones.forEach((c, k) => c.img.forEach((v, i) => { batchErr = Math.max(batchErr, Math.abs(v - imgb.data[k * per + i])); }));
  packageWorst = Math.max(packageWorst, batchErr);
  worst = Math.max(worst, packageWorst);
  console.log(`${manifest.id} batch of ${ones.length}: dims ${imgb.dims}  max|img err| ${batchErr.toExponential(2)}`);
  console.log(`${manifest.id} worst max abs error ${packageWorst.toExponential(2)}`);
}
console.log(`worst max abs error ${worst.toExponential(2)}`);
process.exit(worst < 1e-3 ? 0 : 1);
