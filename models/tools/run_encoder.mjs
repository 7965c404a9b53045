// Runs a package's encoder graph once for project.py --encoder, with onnxruntime-web (the studio's
// runtime; Debian's Python has no onnxruntime), so the projection starts from exactly the guess the
// studio would show. Prints { dims, data } of ws as JSON on stdout.
// Usage: node models/tools/run_encoder.mjs <encoder.onnx> <img.json: { dims, data }>
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

const [model, input] = process.argv.slice(2);
const img = JSON.parse(readFileSync(input, 'utf8'));
const session = await ort.InferenceSession.create(readFileSync(model));
const { ws } = await session.run({ img: new ort.Tensor('float32', Float32Array.from(img.data), img.dims) });
process.stdout.write(JSON.stringify({ dims: ws.dims.map(Number), data: Array.from(ws.data) }));
