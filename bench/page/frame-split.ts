/**
 * The WebGPU frame split (issue 17), in the bench page: one preview frame of a StyleGAN synthesis
 * graph, timed phase by phase on both of the studio's WebGPU paths, alternating A, B then B, A on
 * one session so that drift hits both:
 * - readback (the path before GPU-resident frames, still the fallback): inference, readback of
 *   the float32 output, conversion to RGBA in JavaScript (the studio's tensorToRgba), draw
 *   (putImageData);
 * - GPU-resident (renderer/inference/gpu-present.ts, what the studio's worker runs): inference,
 *   present (the render pass into an ImageBitmap, with its 4-byte non-finite count), draw
 *   (drawImage of the bitmap).
 * Inference ends when the GPU has finished the submitted work; each draw ends with a one-pixel
 * getImageData, which waits for the canvas. bench/frame-split.ts bundles this file and drives it.
 */
import { tensorToRgba } from '../../app/inference/image';
import { createGpuPresenter, type PresentDevice } from '../../renderer/inference/gpu-present';

/** The slice of onnxruntime-web the split uses (the page hands in its module). */
interface Ort {
  env: { webgpu: { device?: unknown } };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => { dispose(): void };
  InferenceSession: {
    create(bytes: Uint8Array, options: object): Promise<{
      outputNames: readonly string[];
      run(feeds: Record<string, unknown>): Promise<Record<string, { dims: readonly number[]; gpuBuffer: unknown; getData(): Promise<unknown>; dispose(): void }>>;
      release(): Promise<void>;
    }>;
  };
}

/** What the driver asks for. */
export interface SplitRequest {
  url: string;
  feeds: Record<string, { data: number[]; dims: number[] }>;
  range: [number, number];
  warmup: number;
  rounds: number;
}

/** The synthetic case: no graph, an image of `size`² already in a GPU buffer, so only the paths' own costs are timed. */
export interface PresentRequest {
  size: number;
  range: [number, number];
  warmup: number;
  rounds: number;
}

/** Per-run phase times in ms, by path. */
export interface SplitResult {
  readback: { inference: number[]; readback: number[]; conversion: number[]; draw: number[]; total: number[] };
  gpu: { inference: number[]; present: number[]; draw: number[]; total: number[] };
  /** Largest difference between the two paths' pixels, in levels (they must agree within 1). */
  maxLevelDiff: number;
}

/** A frame on one path: its pixels; `keep` says whether its phase times count (not in warm-up). */
type PathFrame = (keep: boolean) => Promise<Uint8ClampedArray>;

/**
 * Warm up both paths, then run them A, B then B, A for `rounds`; returns the largest difference
 * between their pixels, in levels.
 */
async function alternate(readbackFrame: PathFrame, gpuFrame: PathFrame, { warmup, rounds }: { warmup: number; rounds: number }): Promise<number> {
  for (let i = 0; i < warmup; i++) {
    await readbackFrame(false);
    await gpuFrame(false);
  }
  let maxLevelDiff = 0;
  for (let round = 0; round < rounds; round++) {
    const [first, second] = round % 2 === 0 ? [readbackFrame, gpuFrame] : [gpuFrame, readbackFrame];
    const [a, b] = [await first(true), await second(true)];
    for (let i = 0; i < a.length; i++) maxLevelDiff = Math.max(maxLevelDiff, Math.abs(a[i]! - b[i]!));
  }
  return maxLevelDiff;
}

async function frameSplit(ort: Ort, request: SplitRequest): Promise<SplitResult> {
  const response = await fetch(request.url);
  if (!response.ok) throw new Error(`could not fetch ${request.url} (HTTP ${response.status})`);
  const session = await ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()), {
    executionProviders: ['webgpu'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    preferredOutputLocation: { img: 'gpu-buffer' },
  });
  const device = (await ort.env.webgpu.device) as PresentDevice & { queue: { onSubmittedWorkDone(): Promise<void> } };
  const gpu = (navigator as unknown as { gpu: { getPreferredCanvasFormat(): string } }).gpu;
  const presenter = createGpuPresenter(device, gpu.getPreferredCanvasFormat(), request.range);
  const canvas = document.createElement('canvas');
  document.body.append(canvas);
  const context = canvas.getContext('2d', { willReadFrequently: false })!;
  const inputs = Object.fromEntries(Object.entries(request.feeds).map(([name, f]) => [name, new ort.Tensor('float32', Float32Array.from(f.data), f.dims)]));
  const result: SplitResult = {
    readback: { inference: [], readback: [], conversion: [], draw: [], total: [] },
    gpu: { inference: [], present: [], draw: [], total: [] },
    maxLevelDiff: 0,
  };

  async function infer() {
    const outputs = await session.run(inputs);
    await device.queue.onSubmittedWorkDone();
    const img = outputs.img!;
    for (const [name, t] of Object.entries(outputs)) if (name !== 'img') t.dispose();
    return img;
  }

  async function readbackFrame(keep: boolean): Promise<Uint8ClampedArray> {
    const t0 = performance.now();
    const img = await infer();
    const t1 = performance.now();
    const data = new Float32Array((await img.getData()) as Float32Array);
    const t2 = performance.now();
    const rgba = tensorToRgba({ data, dims: [...img.dims] }, request.range);
    const t3 = performance.now();
    img.dispose();
    if (canvas.width !== rgba.width || canvas.height !== rgba.height) [canvas.width, canvas.height] = [rgba.width, rgba.height];
    context.putImageData(new ImageData(new Uint8ClampedArray(rgba.data.buffer as ArrayBuffer, rgba.data.byteOffset, rgba.data.byteLength), rgba.width, rgba.height), 0, 0);
    context.getImageData(0, 0, 1, 1);
    const t4 = performance.now();
    if (keep) Object.entries({ inference: t1 - t0, readback: t2 - t1, conversion: t3 - t2, draw: t4 - t3, total: t4 - t0 }).forEach(([k, v]) => result.readback[k as keyof SplitResult['readback']].push(v));
    return context.getImageData(0, 0, canvas.width, canvas.height).data;
  }

  async function gpuFrame(keep: boolean): Promise<Uint8ClampedArray> {
    const t0 = performance.now();
    const img = await infer();
    const t1 = performance.now();
    let presented;
    try {
      presented = await presenter.present(img.gpuBuffer, img.dims);
    } finally {
      img.dispose();
    }
    const t2 = performance.now();
    const { bitmap } = presented;
    if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
    context.drawImage(bitmap, 0, 0);
    context.getImageData(0, 0, 1, 1);
    const t3 = performance.now();
    bitmap.close();
    if (keep) Object.entries({ inference: t1 - t0, present: t2 - t1, draw: t3 - t2, total: t3 - t0 }).forEach(([k, v]) => result.gpu[k as keyof SplitResult['gpu']].push(v));
    return context.getImageData(0, 0, canvas.width, canvas.height).data;
  }

  try {
    result.maxLevelDiff = await alternate(readbackFrame, gpuFrame, request);
    return result;
  } finally {
    presenter.destroy();
    await session.release();
    for (const t of Object.values(inputs)) t.dispose();
  }
}

/**
 * The paths without inference: a `size`² RGB image (values spread over the output range) in a GPU
 * storage buffer, as a synthesis output lies in onnxruntime's, then readback (a copy into a
 * mappable buffer, mapped and copied out, as onnxruntime downloads an output) + conversion + draw
 * against present + draw. What GPU-resident frames save per frame at that size.
 */
async function presentSplit(request: PresentRequest): Promise<SplitResult> {
  const adapter = await (navigator as unknown as { gpu: { requestAdapter(): Promise<{ requestDevice(): Promise<unknown> } | null> } }).gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = (await adapter.requestDevice()) as PresentDevice & {
    queue: { onSubmittedWorkDone(): Promise<void> };
    createBuffer(d: { size: number; usage: number }): { destroy(): void; mapAsync(mode: number): Promise<void>; getMappedRange(): ArrayBuffer; unmap(): void };
    createCommandEncoder(): { copyBufferToBuffer(a: unknown, ao: number, b: unknown, bo: number, n: number): void; finish(): unknown };
    destroy(): void;
  };
  const { size, range } = request;
  const values = new Float32Array(3 * size * size);
  for (let i = 0; i < values.length; i++) values[i] = range[0] + ((i * 7919) % 1000) / 999 * (range[1] - range[0]);
  // GPUBufferUsage STORAGE | COPY_SRC | COPY_DST, as onnxruntime makes its output buffers.
  const buffer = device.createBuffer({ size: values.byteLength, usage: 0x0080 | 0x0004 | 0x0008 });
  device.queue.writeBuffer(buffer as never, 0, values);
  await device.queue.onSubmittedWorkDone();
  const dims = [1, 3, size, size];
  const gpu = (navigator as unknown as { gpu: { getPreferredCanvasFormat(): string } }).gpu;
  const presenter = createGpuPresenter(device, gpu.getPreferredCanvasFormat(), range);
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [size, size];
  const context = canvas.getContext('2d')!;
  const result: SplitResult = { readback: { inference: [], readback: [], conversion: [], draw: [], total: [] }, gpu: { inference: [], present: [], draw: [], total: [] }, maxLevelDiff: 0 };
  const download = async () => {
    const staging = device.createBuffer({ size: values.byteLength, usage: 0x0001 | 0x0008 });
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, values.byteLength);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(0x0001);
    const copy = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    return copy;
  };
  async function readbackFrame(keep: boolean) {
    const t1 = performance.now();
    const data = await download();
    const t2 = performance.now();
    const rgba = tensorToRgba({ data, dims }, range);
    const t3 = performance.now();
    context.putImageData(new ImageData(new Uint8ClampedArray(rgba.data.buffer as ArrayBuffer, rgba.data.byteOffset, rgba.data.byteLength), size, size), 0, 0);
    context.getImageData(0, 0, 1, 1);
    const t4 = performance.now();
    if (keep) Object.entries({ inference: 0, readback: t2 - t1, conversion: t3 - t2, draw: t4 - t3, total: t4 - t1 }).forEach(([k, v]) => result.readback[k as keyof SplitResult['readback']].push(v));
    return context.getImageData(0, 0, size, size).data;
  }
  async function gpuFrame(keep: boolean) {
    const t1 = performance.now();
    const { bitmap } = await presenter.present(buffer, dims);
    const t2 = performance.now();
    context.drawImage(bitmap, 0, 0);
    context.getImageData(0, 0, 1, 1);
    const t3 = performance.now();
    bitmap.close();
    if (keep) Object.entries({ inference: 0, present: t2 - t1, draw: t3 - t2, total: t3 - t1 }).forEach(([k, v]) => result.gpu[k as keyof SplitResult['gpu']].push(v));
    return context.getImageData(0, 0, size, size).data;
  }
  try {
    result.maxLevelDiff = await alternate(readbackFrame, gpuFrame, request);
    return result;
  } finally {
    presenter.destroy();
    buffer.destroy();
    device.destroy();
  }
}

Object.assign(window, { frameSplit, presentSplit });
