/**
 * One run of an ONNX model on onnxruntime-web WASM in Node, session released after: what tests of
 * graphs the studio writes (the graph builder, the float16 pass) check their output with.
 */
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

/** Run `model` once on `feeds` and return its outputs. */
export async function runOnce(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}
