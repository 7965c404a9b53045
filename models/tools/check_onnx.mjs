// Compares a package's ONNX graphs (onnxruntime-web, WASM backend) with the PyTorch float64
// reference that export_stylegan.py / make_fixture.py wrote to a verification JSON, within the
// tolerances the exporter derived (export_stylegan.verify_tolerance). Exits 1 when an output is
// beyond its tolerance, is NaN, has other dims than the reference, or the JSON lacks a reference.
// Usage: node models/tools/check_onnx.mjs <verify.json> [more.json ...]
// Resolves onnxruntime-web from the repository's node_modules (no install of its own).
//
// Verification JSON: { package, tolerance, ws_tolerance, synthesis_feeds?, cases: [{ seed, psi, z,
// c?, ws, ws_shape, img, img_shape, label?, synthesis_feeds? }] }. `synthesis_feeds`
// ({ name: { dims, data } }) are extra synthesis inputs (noise_<layer>, transform): the document's
// are fed on every run, a case's replace them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { fail, failures, maxAbsDiff, sameDims } from './verify-common.mjs';

ort.env.wasm.numThreads = 1;

const tensor = (feed) => new ort.Tensor('float32', Float32Array.from(feed.data), feed.dims);
const feedsOf = (spec = {}) => Object.fromEntries(Object.entries(spec).map(([name, feed]) => [name, tensor(feed)]));
/** Records a failure unless `err` is a number within `tol` (NaN is not). */
const within = (err, tol, what) => { if (!(err <= tol)) fail(`${what}: max abs error ${err} exceeds ${tol.toExponential(2)}`); };

let worst = 0;
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const manifest = JSON.parse(readFileSync(join(doc.package, 'manifest.json'), 'utf8'));
  const id = manifest.id;
  const failedBefore = failures.length;
  for (const key of ['tolerance', 'ws_tolerance']) {
    if (!(Number.isFinite(doc[key]) && doc[key] > 0)) {
      fail(`${file}: no "${key}" (a verification JSON from an older exporter?); export the package again`);
    }
  }
  if (!Array.isArray(doc.cases) || doc.cases.length === 0) fail(`${file}: no verification cases`);
  if (failures.length > failedBefore) continue;
  const mapping = await ort.InferenceSession.create(readFileSync(join(doc.package, 'mapping.onnx')));
  const synthesis = await ort.InferenceSession.create(readFileSync(join(doc.package, 'synthesis.onnx')));
  const wAvg = Float32Array.from(manifest.w_avg);
  const defaults = doc.synthesis_feeds ?? {};
  const mapInputs = (cases) => {
    const feeds = { z: new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.z)), [cases.length, cases[0].z.length]) };
    if (cases[0].c) feeds.c = new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.c)), [cases.length, cases[0].c.length]);
    return feeds;
  };
  let packageWorst = 0;
  for (const c of doc.cases) {
    const what = `${id} seed ${c.seed} psi ${c.psi ?? 1}${c.label ? ` [${c.label}]` : ''}`;
    if (!Array.isArray(c.ws) || !Array.isArray(c.ws_shape) || !Array.isArray(c.img) || !Array.isArray(c.img_shape)) {
      fail(`${what}: the case lacks ws / ws_shape / img / img_shape`);
      continue;
    }
    const { ws } = await mapping.run(mapInputs([c]));
    if (!sameDims(ws.dims, c.ws_shape)) fail(`${what}: ws dims [${ws.dims}], reference [${c.ws_shape}]`);
    const psi = c.psi ?? 1;
    const w = ws.data.slice();
    for (let i = 0; i < w.length; i++) w[i] = wAvg[i % wAvg.length] + psi * (w[i] - wAvg[i % wAvg.length]);
    const wsErr = c.ws.length === w.length ? maxAbsDiff(c.ws, w) : NaN;
    const { img } = await synthesis.run({ ws: new ort.Tensor('float32', w, ws.dims), ...feedsOf({ ...defaults, ...c.synthesis_feeds }) });
    if (!sameDims(img.dims, c.img_shape)) fail(`${what}: img dims [${img.dims}], reference [${c.img_shape}]`);
    const imgErr = c.img.length === img.data.length ? maxAbsDiff(c.img, img.data) : NaN;
    within(wsErr, doc.ws_tolerance, `${what} ws`);
    within(imgErr, doc.tolerance, `${what} img`);
    packageWorst = Math.max(packageWorst, imgErr, wsErr);
    console.log(`${what}: max|ws err| ${wsErr.toExponential(2)}  max|img err| ${imgErr.toExponential(2)}  img dims ${img.dims}`);
  }
  // The batch axis is dynamic: the plain psi = 1 cases as one batch must give the same images.
  const ones = doc.cases.filter((c) => (c.psi ?? 1) === 1 && !c.synthesis_feeds && Array.isArray(c.img_shape));
  if (ones.length > 0) {
    const { ws: wsb } = await mapping.run(mapInputs(ones));
    const { img: imgb } = await synthesis.run({ ws: wsb, ...feedsOf(defaults) });
    const expectedDims = [ones.length, ...ones[0].img_shape.slice(1)];
    if (!sameDims(imgb.dims, expectedDims)) fail(`${id} batch of ${ones.length}: img dims [${imgb.dims}], expected [${expectedDims}]`);
    const per = imgb.data.length / ones.length;
    const batchErr = Math.max(...ones.map((c, k) => (c.img.length === per ? maxAbsDiff(c.img, imgb.data, k * per) : NaN)));
    within(batchErr, doc.tolerance, `${id} batch of ${ones.length}`);
    packageWorst = Math.max(packageWorst, batchErr);
    console.log(`${id} batch of ${ones.length}: dims ${imgb.dims}  max|img err| ${batchErr.toExponential(2)}`);
  }
  worst = Math.max(worst, packageWorst);
  console.log(`${id} tolerance img ${doc.tolerance.toExponential(2)} ws ${doc.ws_tolerance.toExponential(2)}`);
  console.log(`${id} worst max abs error ${packageWorst.toExponential(2)}`);
}
console.log(`worst max abs error ${worst.toExponential(2)}`);
if (failures.length) console.log(`${failures.length} check(s) failed`);
process.exit(failures.length === 0 && process.argv.length > 2 ? 0 : 1);
