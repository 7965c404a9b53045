// Types of build-options.mjs for the TypeScript that imports it (test-support/native-host.ts).
import type { BuildOptions } from 'esbuild';

/** Options every Node entry point is bundled with. */
export declare const nodeCommon: BuildOptions;
/** The native inference host's bundle options, written to `outfile`. */
export declare function nativeHostOptions(root: string, outfile: string): BuildOptions;
