/**
 * Which runtimes the inference worker tries for a model, in order: what the user prefers, what
 * this session has lost, what this host offers (native where onnxruntime-node is installed) and whether WebGPU
 * has an adapter. The one place the choice is made: the studio passes the facts, the worker decides. Kept apart
 * from worker.ts (which owns onnxruntime-web) so the rule is testable without a browser.
 */
import type { Backend, BackendPreference } from '../../app/inference/runner';

/** Why the native runtime is not tried where the host has none (the browser host). */
export const NO_NATIVE_RUNTIME = 'this host has no native runtime (onnxruntime-node is not installed)';

/** The runtimes to try, best first, and why the first is not the one the user would have had at best. */
export interface BackendPlan {
  order: Backend[];
  /** Why WebGPU (or native) is not first; null when nothing was given up. */
  reason: string | null;
}

/**
 * The runtimes to try for `preference`. `webgpuProblem`: why WebGPU cannot run here (no adapter,
 * no API), or null when an adapter exists; ignored where WebGPU is not wanted. WASM is always last:
 * it runs everywhere. Native comes after WebGPU under `auto` — a GPU is faster than the CPU it
 * runs on — and in its place where WebGPU has no adapter (common on Linux).
 */
export function planBackends(preference: BackendPreference, nativeOffered: boolean, webgpuProblem: string | null): BackendPlan {
  switch (preference) {
    case 'wasm':
      return { order: ['wasm'], reason: null };
    case 'native':
      return nativeOffered ? { order: ['native', 'wasm'], reason: null } : { order: ['wasm'], reason: NO_NATIVE_RUNTIME };
    case 'webgpu':
      return webgpuProblem ? { order: ['wasm'], reason: webgpuProblem } : { order: ['webgpu', 'wasm'], reason: null };
    case 'auto': {
      const cpu: Backend[] = nativeOffered ? ['native', 'wasm'] : ['wasm'];
      return webgpuProblem ? { order: cpu, reason: webgpuProblem } : { order: ['webgpu', ...cpu], reason: null };
    }
  }
}

/** Runtimes this session has lost, with why: a GPU device that was lost, a native process that ended (null: not lost). */
export interface LostBackends {
  gpu: string | null;
  native: string | null;
}

/**
 * What the user asked for, after what this session has lost: a lost runtime is not tried again
 * (WASM stands in) until the user picks a backend anew, which clears the losses.
 */
export function effectivePreference(preference: BackendPreference, lost: LostBackends): BackendPreference {
  const gpuGone = lost.gpu !== null && preference !== 'wasm' && preference !== 'native';
  const nativeGone = lost.native !== null && preference === 'native';
  return gpuGone || nativeGone ? 'wasm' : preference;
}

/** Whether the worker needs to ask for a WebGPU adapter to plan `preference`. */
export function needsWebgpuProbe(preference: BackendPreference): boolean {
  return preference === 'auto' || preference === 'webgpu';
}
