/**
 * Hooks end-to-end tests call through `window.__latentStudioTest` to inject faults on the real
 * objects (end the real inference worker, destroy the real GPUDevice) and to run timed work now
 * (the 30 s autosave). They reach nothing a page script could not already do to its own studio.
 */
import type { LatentState } from '../app/state/latent-state';

/** The hooks the studio registers. */
export interface TestHooks {
  crashWorker(): void;
  loseGpuDevice(): void;
  autosaveNow(): Promise<void>;
  /** Every frame's audio-driven state, as preview and export compute it ([] before the analysis). */
  audioFrameStates(): LatentState[];
}

declare global {
  interface Window {
    __latentStudioTest?: Partial<TestHooks>;
  }
}

/** Make `hook` callable as `window.__latentStudioTest[name]`. */
export function registerTestHook<K extends keyof TestHooks>(name: K, hook: TestHooks[K]): void {
  window.__latentStudioTest = { ...window.__latentStudioTest, [name]: hook };
}
