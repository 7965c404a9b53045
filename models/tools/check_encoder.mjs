// Compares an exported encoder graph (onnxruntime-web, WASM backend) with the PyTorch output that
// train_encoder.py --export wrote beside it, so a package never ships an encoder whose ONNX form
// computes something else. Exits 1 when the ws differ beyond the tolerance, are NaN, or have
// other dims than the reference.
// Usage: node models/tools/check_encoder.mjs <reference.json>
// Reference JSON: { file, tolerance, img: { dims, data }, ws: { dims, data } }.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { fail, failures, maxAbsDiff, sameDims } from './verify-common.mjs';

ort.env.wasm.numThreads = 1;

const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const session = await ort.InferenceSession.create(readFileSync(doc.file));
const { ws } = await session.run({ img: new ort.Tensor('float32', Float32Array.from(doc.img.data), doc.img.dims) });
if (!sameDims(ws.dims, doc.ws.dims)) fail(`${doc.file}: ws dims [${ws.dims}], reference [${doc.ws.dims}]`);
const err = maxAbsDiff(doc.ws.data, ws.data);
if (!(err <= doc.tolerance)) fail(`${doc.file}: ws max abs error ${err} exceeds ${doc.tolerance}`);
if (failures.length > 0) process.exit(1);
console.log(`${doc.file}: onnxruntime-web matches PyTorch (ws max abs error ${err.toExponential(2)}, batch ${doc.img.dims[0]})`);
