/**
 * The packaged app must carry the native path: electron-builder's configuration, read as
 * electron-builder reads it (its own loader: package.json "build" first, else electron-builder.yml),
 * ships dist/** (dist/native/host.cjs among it) and keeps onnxruntime-node's binaries and the host
 * outside the asar, where the binding can load libonnxruntime from beside itself.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const require = createRequire(import.meta.url);
const { getConfig } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<{ files?: unknown; asarUnpack?: unknown; electronFuses?: unknown }>;
};

describe('electron-builder configuration', () => {
  it('ships dist/** and unpacks onnxruntime-node/bin and the native host', async () => {
    const config = await getConfig(ROOT, null, null);
    // The loader normalises `files` to file sets: [{ filter: [...] }].
    const files = ([config.files].flat() as (string | { filter?: string | string[] })[]).flatMap((f) => (typeof f === 'string' ? [f] : [f.filter ?? []].flat()));
    expect(files).toContain('dist/**');
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/onnxruntime-node/bin/**', 'dist/native/**']));
    // The file that also holds the fuses is the one read (a package.json "build" key would hide it).
    expect(config.electronFuses).toMatchObject({ runAsNode: false, onlyLoadAppFromAsar: true });
  });
});
