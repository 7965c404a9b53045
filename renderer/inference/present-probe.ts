/**
 * Can this browser draw WebGPU output to a canvas? Some configurations cannot: headless Chromium
 * with WebGPU on SwiftShader's Vulkan and its compositor on another GL loses every GPU device of
 * the page the moment a canvas texture is used (the GPU process goes down; WebGL contexts are lost
 * and restored too). Drawing a frame through onnxruntime's own device there would lose the model.
 * So before onnxruntime opens its device, the worker clears a 1×1 canvas on a throwaway device and
 * reads the colour back; only where that works do preview frames stay on the GPU (gpu-present.ts).
 */

/** The slice of the WebGPU API the probe uses (the DOM typings here carry no WebGPU). */
interface ProbeDevice {
  readonly lost: Promise<{ message: string }>;
  readonly queue: { submit(buffers: unknown[]): void; onSubmittedWorkDone(): Promise<void> };
  createCommandEncoder(): {
    beginRenderPass(descriptor: object): { end(): void };
    finish(): unknown;
  };
  destroy(): void;
}
interface ProbeGpu {
  requestAdapter(): Promise<{ requestDevice(): Promise<ProbeDevice> } | null>;
  getPreferredCanvasFormat(): string;
}

/** How long a lost GPU gets to come back before onnxruntime asks for its own device. */
const RECOVERY_MS = 10_000;
/** How long the probe's one clear may take before the probe counts as failed. */
const PROBE_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until the GPU answers adapter requests again (after the probe lost it). */
async function waitForAdapter(gpu: ProbeGpu): Promise<void> {
  const deadline = performance.now() + RECOVERY_MS;
  while (performance.now() < deadline) {
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (adapter) {
      const device = await adapter.requestDevice().catch(() => null);
      if (device) {
        device.destroy();
        return;
      }
    }
    await sleep(250);
  }
}

/**
 * Clear a 1×1 WebGPU canvas to a known colour and read it back. Returns null when that works, else
 * why GPU-resident frames cannot be used here.
 */
export async function probeCanvasPresentation(gpu: ProbeGpu): Promise<string | null> {
  if (typeof OffscreenCanvas === 'undefined') return 'this browser has no OffscreenCanvas in workers';
  const adapter = await gpu.requestAdapter();
  if (!adapter) return 'no WebGPU adapter is available';
  const device = await adapter.requestDevice();
  let lost: string | null = null;
  void device.lost.then((info) => (lost = info.message || 'no details'));
  try {
    const canvas = new OffscreenCanvas(1, 1);
    const context = canvas.getContext('webgpu' as '2d') as unknown as { configure(c: object): void; getCurrentTexture(): { createView(): unknown } } | null;
    if (!context) return 'this browser gives OffscreenCanvas no webgpu context';
    context.configure({ device, format: gpu.getPreferredCanvasFormat(), alphaMode: 'opaque' });
    const encoder = device.createCommandEncoder();
    const view = context.getCurrentTexture().createView();
    encoder.beginRenderPass({ colorAttachments: [{ view, loadOp: 'clear', storeOp: 'store', clearValue: { r: 1, g: 0.5, b: 0, a: 1 } }] }).end();
    device.queue.submit([encoder.finish()]);
    const bitmap = canvas.transferToImageBitmap();
    const outcome = await Promise.race([
      device.queue.onSubmittedWorkDone().then(() => 'done' as const),
      device.lost.then(() => 'lost' as const),
      sleep(PROBE_MS).then(() => 'slow' as const),
    ]);
    if (outcome !== 'done' || lost !== null) {
      bitmap.close();
      await waitForAdapter(gpu);
      return outcome === 'slow' ? `a 1×1 canvas draw took over ${PROBE_MS / 1000} s` : `drawing to a WebGPU canvas lost the GPU device here (${lost ?? 'no details'})`;
    }
    const check = new OffscreenCanvas(1, 1).getContext('2d')!;
    check.drawImage(bitmap, 0, 0);
    bitmap.close();
    const [r, g, b] = check.getImageData(0, 0, 1, 1).data;
    // 0.5 is stored as level 127 or 128 depending on the rounding of the unorm format.
    if (r !== 255 || Math.abs(g! - 128) > 1 || b !== 0) return `a WebGPU canvas draw read back as rgb(${r}, ${g}, ${b}), not rgb(255, 128, 0)`;
    return null;
  } finally {
    device.destroy();
  }
}
