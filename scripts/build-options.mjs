// The esbuild options of the Node bundles, shared by scripts/build.mjs and the tests that build
// the native host for themselves (test-support/native-host.ts), so a test runs the bundle the
// studio ships and not a look-alike.

/** Options every Node entry point is bundled with. */
export const nodeCommon = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' };

/** The native inference host (fork or Electron utility process), written to `outfile`; onnxruntime-node stays external. */
export const nativeHostOptions = (root, outfile) => ({
  ...nodeCommon,
  entryPoints: [`${root}/main/inference/native/host.ts`],
  outfile,
  format: 'cjs',
  packages: 'external',
});
