/**
 * GPU-resident preview frames on WebGPU (issue 17): the synthesis output stays in the GPU buffer
 * onnxruntime-web wrote it to, and one render pass on the runtime's own GPUDevice turns it into
 * pixels — the value range to [0, 1] with NVIDIA's rounding (app/inference/image.ts), NCHW float to
 * RGBA — on an OffscreenCanvas in the worker. The frame leaves as an ImageBitmap (a GPU image, not
 * bytes), so nothing is copied to the CPU but a 4-byte count of non-finite values.
 */

/** The slice of the WebGPU API the presenter uses (the DOM typings here carry no WebGPU). */
interface GpuBuffer {
  readonly size: number;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}
interface GpuEncoder {
  beginRenderPass(descriptor: object): { setPipeline(p: unknown): void; setBindGroup(i: number, g: unknown): void; draw(n: number): void; end(): void };
  copyBufferToBuffer(source: GpuBuffer, sourceOffset: number, target: GpuBuffer, targetOffset: number, size: number): void;
  finish(): unknown;
}
/** The GPUDevice slice the presenter needs; onnxruntime-web's device (`ort.env.webgpu.device`) is one. */
export interface PresentDevice {
  createShaderModule(descriptor: { code: string }): unknown;
  createRenderPipeline(descriptor: object): { getBindGroupLayout(index: number): unknown };
  createBuffer(descriptor: { size: number; usage: number }): GpuBuffer;
  createBindGroup(descriptor: object): unknown;
  createCommandEncoder(): GpuEncoder;
  readonly queue: { writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView): void; submit(buffers: unknown[]): void };
}
interface GpuCanvasContext {
  configure(configuration: object): void;
  getCurrentTexture(): { createView(): unknown };
}

// GPUBufferUsage and GPUMapMode bits (WebGPU spec), so the module needs no WebGPU globals to load.
const MAP_READ = 0x0001;
const COPY_DST = 0x0008;
const COPY_SRC = 0x0004;
const UNIFORM = 0x0040;
const STORAGE = 0x0080;

/*
 * One fragment per canvas pixel reads its three channels straight from the NCHW buffer. WGSL lets
 * implementations assume floats are finite, so non-finite values are found from their bits
 * (exponent all ones), never by comparing. The level is floor((v − lo)·255/(hi − lo) + ½) clamped,
 * as tensorToRgba computes it, written as level/255 so the unorm target stores exactly that level.
 */
const SHADER = /* wgsl */ `
struct Params { width: u32, height: u32, gray: u32, lo: f32, scale: f32 }
@group(0) @binding(0) var<storage, read> image: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> nonFinite: atomic<u32>;

@vertex fn vertexMain(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
  let corner = array(vec2f(-1.0, -1.0), vec2f(3.0, -1.0), vec2f(-1.0, 3.0));
  return vec4f(corner[i], 0.0, 1.0);
}

@fragment fn fragmentMain(@builtin(position) at: vec4f) -> @location(0) vec4f {
  let plane = params.width * params.height;
  let pixel = u32(at.y) * params.width + u32(at.x);
  var rgb = vec3f(0.0);
  for (var k = 0u; k < 3u; k++) {
    let v = image[select(k, 0u, params.gray == 1u) * plane + pixel];
    if ((bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u) { atomicAdd(&nonFinite, 1u); }
    rgb[k] = clamp(floor((v - params.lo) * params.scale + 0.5), 0.0, 255.0) / 255.0;
  }
  return vec4f(rgb, 1.0);
}
`;

/** One presented frame: the picture and how many of its values were NaN or infinite. */
export interface Presented {
  bitmap: ImageBitmap;
  nonFinite: number;
}

/** Draws image tensors held in GPU buffers; one per loaded model. */
export interface GpuPresenter {
  /** Draw `[1, C, H, W]` (C = 1 or 3) from `buffer`, a storage buffer of the presenter's device. */
  present(buffer: unknown, dims: readonly number[]): Promise<Presented>;
  destroy(): void;
}

/**
 * Make a presenter on `device` for a model whose output spans `range`. Throws where the worker has
 * no OffscreenCanvas with a `webgpu` context; the worker then keeps today's readback path.
 */
export function createGpuPresenter(device: PresentDevice, format: string, range: readonly [number, number]): GpuPresenter {
  if (typeof OffscreenCanvas === 'undefined') throw new Error('this browser has no OffscreenCanvas in workers');
  const canvas = new OffscreenCanvas(1, 1);
  const context = canvas.getContext('webgpu' as '2d') as unknown as GpuCanvasContext | null;
  if (!context) throw new Error('this browser gives OffscreenCanvas no webgpu context');
  context.configure({ device, format, alphaMode: 'opaque' });
  const module = device.createShaderModule({ code: SHADER });
  const pipeline = device.createRenderPipeline({
    layout: 'auto',
    vertex: { module, entryPoint: 'vertexMain' },
    fragment: { module, entryPoint: 'fragmentMain', targets: [{ format }] },
    primitive: { topology: 'triangle-list' },
  });
  const params = device.createBuffer({ size: 32, usage: UNIFORM | COPY_DST });
  const counter = device.createBuffer({ size: 4, usage: STORAGE | COPY_SRC | COPY_DST });
  const counterRead = device.createBuffer({ size: 4, usage: MAP_READ | COPY_DST });
  const [lo, hi] = range;
  const zero = new Uint32Array(1);

  return {
    async present(buffer, dims) {
      const [n, c, h, w] = dims;
      if (dims.length !== 4 || n !== 1 || (c !== 1 && c !== 3) || !h || !w) throw new Error(`image tensor must be [1, 1 or 3, H, W], got [${dims.join(', ')}]`);
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      const values = new ArrayBuffer(32);
      new Uint32Array(values, 0, 3).set([w, h, c === 1 ? 1 : 0]);
      new Float32Array(values, 12, 2).set([lo, 255 / (hi - lo)]);
      device.queue.writeBuffer(params, 0, new Uint8Array(values));
      device.queue.writeBuffer(counter, 0, zero);
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer } },
          { binding: 1, resource: { buffer: params } },
          { binding: 2, resource: { buffer: counter } },
        ],
      });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginRenderPass({
        colorAttachments: [{ view: context.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 0, g: 0, b: 0, a: 1 } }],
      });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.draw(3);
      pass.end();
      encoder.copyBufferToBuffer(counter, 0, counterRead, 0, 4);
      device.queue.submit([encoder.finish()]);
      // Taken in the task that drew it: the canvas hands over the texture it just rendered.
      const bitmap = canvas.transferToImageBitmap();
      await counterRead.mapAsync(MAP_READ);
      const nonFinite = new Uint32Array(counterRead.getMappedRange())[0]!;
      counterRead.unmap();
      return { bitmap, nonFinite };
    },
    destroy() {
      params.destroy();
      counter.destroy();
      counterRead.destroy();
    },
  };
}
