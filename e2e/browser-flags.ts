/**
 * Chromium's WebGPU flags for the e2e suite, shared by playwright.config.ts and the specs that
 * launch a browser of their own.
 *
 * Headless WebGPU runs on the SwiftShader software adapter (DESIGN.md §5): slow, but correct. The
 * compositor runs on SwiftShader too (ANGLE): with it on another GL, drawing WebGPU output to a
 * canvas loses the GPU (renderer/inference/present-probe.ts), and the preview's GPU-resident path
 * could not be tested.
 */
/** Debian's Chromium (installed by .ci/run); Playwright never downloads a browser here. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const webgpuFlags = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader'];

/** The same without ANGLE on SwiftShader: a WebGPU that cannot draw to a canvas, for the fallback's test. */
export const webgpuCanvasBroken = webgpuFlags.filter((flag) => flag !== '--use-angle=swiftshader');
