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

/** onnxruntime-node session options for `provider` with `numThreads` intra-op threads (0: onnxruntime's default). */
export function sessionOptions(provider: NativeProvider, numThreads: number): object {
  return {
    // A GPU provider leaves the operators it lacks to the CPU provider.
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: numThreads,
    // The generators are chains of convolutions: nothing runs in parallel between operators.
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
}
