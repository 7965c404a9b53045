// `node bench/run-inversion.mjs …`: bundles bench/inversion.ts (and the studio code it runs) with
// esbuild into dist/bench/, then runs its main with this command line. Flags: bench/inversion.ts.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'dist', 'bench', 'inversion.mjs');
await build({ entryPoints: [path.join(root, 'bench', 'inversion.ts')], outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning' });
const { main } = await import(pathToFileURL(outfile).href);
await main(process.argv.slice(2));
