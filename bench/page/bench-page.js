// The bench page (served by bench/chromium.ts, driven by Playwright): times onnxruntime-web's
// session.run inside Chromium with performance.now, on the WASM or the WebGPU backend. The same
// onnxruntime-web build and .wasm binary as the studio's worker. The WASM thread count is fixed
// when the runtime starts, so it comes in the page's URL (?threads=N): one page per thread count.
import * as ort from '/ort/ort.webgpu.min.mjs';

ort.env.wasm.wasmPaths = `${location.origin}/ort/`;
ort.env.wasm.numThreads = Number(new URLSearchParams(location.search).get('threads') ?? '1');
// onnxruntime prints warnings (e.g. shape ops placed on the CPU by the WebGPU provider) with
// console.error; the bench fails a page on console errors, so only errors are logged (here and
// in each session's logSeverityLevel).
ort.env.logLevel = 'error';

const HEAD = 32;
/** First outputs of the graphs timed so far, by graph name (synthesis takes mapping's). */
const outputs = {};
/** Set once the current graph's first run has finished: the bench polls it (see chromium.ts). */
let firstRunDone = false;

/**
 * Time one graph. `graph`: { name, url, feeds }, a feed being { data: number[], dims } or
 * { fromGraph: 'mapping', dims } (that graph's first output, timed before on this page). `plan`:
 * { warmup, warmupMs, runs }: warm-up lasts `warmup` runs and `warmupMs` (WASM tier-up,
 * bench/rows.ts). Outputs are read back to the CPU, as the studio's worker reads them.
 * Returns { times, head }.
 */
async function timeGraph({ backend, graph, plan }) {
  firstRunDone = false;
  const response = await fetch(graph.url);
  if (!response.ok) throw new Error(`could not fetch ${graph.url} (HTTP ${response.status})`);
  const session = await ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()), {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  try {
    const inputs = {};
    for (const [name, feed] of Object.entries(graph.feeds)) {
      const data = feed.fromGraph ? outputs[feed.fromGraph] : Float32Array.from(feed.data);
      inputs[name] = new ort.Tensor('float32', data, feed.dims);
    }
    const times = [];
    let last = null;
    let warmups = 0;
    const warming = performance.now();
    while (times.length < plan.runs) {
      const started = performance.now();
      const out = await session.run(inputs);
      const ms = performance.now() - started;
      firstRunDone = true;
      // bench/rows.ts warmingUp, repeated here: a number of runs and a least time.
      if (warmups < plan.warmup || (warmups < 2000 && started - warming < plan.warmupMs)) warmups++;
      else times.push(ms);
      last = out[session.outputNames[0]].data.slice();
      for (const tensor of Object.values(out)) tensor.dispose();
    }
    outputs[graph.name] = last;
    return { times, head: Array.from(last.subarray(0, HEAD)) };
  } finally {
    await session.release();
  }
}

/** What the page runs with: isolation decides whether WASM threads are real. */
/** What the page runs on; `adapter` names the WebGPU adapter, whose `software` says whether its timings mean anything. */
async function environment() {
  const adapter = 'gpu' in navigator ? await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
  const info = adapter ? (adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {}) : null;
  const named = info ? `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}` : '';
  return {
    crossOriginIsolated: self.crossOriginIsolated,
    threads: ort.env.wasm.numThreads,
    webgpu: 'gpu' in navigator,
    adapter: info && {
      vendor: info.vendor,
      architecture: info.architecture,
      description: info.description,
      software: Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe/i.test(named),
      // float16 in shaders: what a package's float16 twins need (bench/fp16.ts).
      shaderF16: adapter.features.has('shader-f16'),
    },
  };
}

window.bench = { timeGraph, environment, firstRunDone: () => firstRunDone };
window.benchReady = true;
