/**
 * Which onnxruntime-node execution providers to try, from what the installed build lists. Kept
 * apart from host.ts (which owns onnxruntime-node) so the choice is testable without the runtime.
 */
import type { NativeOpenOptions, NativeProvider } from './protocol';

/** GPU providers in order of preference; each exists only on some platforms and builds. */
const GPU_PROVIDERS: readonly NativeProvider[] = ['cuda', 'dml', 'coreml'];

/** An entry of onnxruntime-node's `listSupportedBackends()`. */
export interface SupportedBackend {
  name: string;
  /** false: the provider needs files the bundled build does not ship (CUDA's libraries, say). */
  bundled: boolean;
}

/**
 * The providers to try in order for `options`: the GPU providers the build lists, then CPU, which
 * every build has. A GPU provider listed as not bundled is still tried: the user may have
 * installed onnxruntime-node with its CUDA files; if not, its session fails and CPU takes over.
 */
export function providerCandidates(supported: readonly SupportedBackend[], options: Pick<NativeOpenOptions, 'providers'>): NativeProvider[] {
  if (options.providers === 'cpu') return ['cpu'];
  const listed = new Set(supported.map((b) => b.name));
  return [...GPU_PROVIDERS.filter((p) => listed.has(p)), 'cpu'];
}

/** How a session's worker threads wait for work. */
export interface SessionThreading {
  /**
   * Let idle intra-op threads spin (onnxruntime's default) instead of sleeping. Off in the studio:
   * after each run onnxruntime's threads keep busy-waiting for a while, and on a machine with few
   * cores they take those cores from whatever comes next: the host relaying the frame, the
   * renderer drawing it, another native process (docs/PERFORMANCE.md, "Thread spinning"). On
   * for the bench's `ort-node-spinning` rows, which show what the setting costs.
   */
  spinning?: boolean;
}

/** onnxruntime-node session options for `provider` with `numThreads` intra-op threads (0: onnxruntime's default). */
export function sessionOptions(provider: NativeProvider, numThreads: number, threading: SessionThreading = {}): object {
  return {
    // A GPU provider leaves the operators it lacks to the CPU provider.
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: numThreads,
    // The generators are chains of convolutions: nothing runs in parallel between operators.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // onnxruntime's session config entries `session.intra_op.allow_spinning` and
    // `session.inter_op.allow_spinning`, which onnxruntime-node takes flattened from `extra`.
    ...(threading.spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }),
  };
}
