/**
 * The import guards that well-formed inputs never reach (issue 18, item 4), each with an input
 * built to reach it: zip entries whose declared sizes are impossible for their method (a bomb's
 * signature) or that use a method the studio does not read, and package folders whose listed files
 * are symbolic links (to files inside the folder or out of it). Each refusal names its reason, so a
 * removed guard shows as a different message, not a pass.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureFiles } from '../../e2e/model-corpus';
import { MAX_DEFLATE_RATIO } from '../../app/codecs/limits';
import { rawZip, type RawZipEntry } from '../../test-support/raw-zip';
import { ModelImporter } from './import';
import { ModelLibrary } from './library';
import { refusal } from '../../test-support/import-refusal';

let root: string;
let dataDir: string;
let importer: ModelImporter;

beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'latent-guards-'));
  dataDir = path.join(root, 'data');
  const library = new ModelLibrary({ bundledDir: path.join(root, 'bundled'), dataDir });
  await library.scan();
  importer = new ModelImporter(library, dataDir);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The fixture package as a raw zip (stored entries), with `mapping.onnx`'s entry changed by `tamper`. */
async function tamperedZip(tamper: (entry: RawZipEntry) => RawZipEntry): Promise<string> {
  const entries = Object.entries(fixtureFiles()).map(([name, data]): RawZipEntry => {
    const entry = { name, data, method: 0 };
    return name === 'mapping.onnx' ? tamper(entry) : entry;
  });
  const file = path.join(root, 'tampered.zip');
  await fs.writeFile(file, rawZip(entries));
  return file;
}

/** Nothing was added to the library and nothing is left in staging. */
function expectLibraryUnchanged(): void {
  expect(existsSync(path.join(dataDir, 'models')) ? readdirSync(path.join(dataDir, 'models')) : []).toEqual([]);
  expect(existsSync(path.join(dataDir, 'staging')) ? readdirSync(path.join(dataDir, 'staging')) : []).toEqual([]);
}

describe('zip entry sizes and methods', () => {
  it('imports the untampered raw zip (the control: the builder makes archives the importer reads)', async () => {
    const file = await tamperedZip((e) => e);
    expect((await importer.importPath(file)).status).toBe('imported');
  });

  it('refuses a deflated entry that claims more than deflate can expand to', async () => {
    const file = await tamperedZip((e) => {
      const data = deflateSync(e.data);
      return { ...e, data, method: 8, declaredSize: data.length * MAX_DEFLATE_RATIO + 1025 };
    });
    expect(await refusal(importer.importPath(file))).toMatch(/tampered\.zip: the entry "mapping\.onnx" has impossible sizes or an unsupported compression; re-create the zip/);
    expectLibraryUnchanged();
  });

  it('refuses a stored entry whose declared size differs from its stored bytes', async () => {
    const file = await tamperedZip((e) => ({ ...e, declaredSize: e.data.length + 1 }));
    expect(await refusal(importer.importPath(file))).toMatch(/the entry "mapping\.onnx" has impossible sizes/);
    expectLibraryUnchanged();
  });

  it('refuses an entry compressed with a method other than stored or deflate', async () => {
    const file = await tamperedZip((e) => ({ ...e, method: 12 }));
    expect(await refusal(importer.importPath(file))).toMatch(/the entry "mapping\.onnx" has impossible sizes or an unsupported compression/);
    expectLibraryUnchanged();
  });
});

describe.skipIf(process.platform === 'win32')('symbolic links in package folders', () => {
  async function packageWithLink(target: (dir: string) => Promise<string>): Promise<string> {
    const dir = path.join(root, 'pkg');
    await fs.mkdir(dir, { recursive: true });
    for (const [name, data] of Object.entries(fixtureFiles())) if (name !== 'mapping.onnx') await fs.writeFile(path.join(dir, name), data);
    await fs.symlink(await target(dir), path.join(dir, 'mapping.onnx'));
    return dir;
  }

  it('refuses a listed file that is a link out of the folder, though its bytes would match', async () => {
    const dir = await packageWithLink(async () => {
      const outside = path.join(root, 'elsewhere', 'mapping.onnx');
      await fs.mkdir(path.dirname(outside), { recursive: true });
      await fs.writeFile(outside, fixtureFiles()['mapping.onnx']!);
      return outside;
    });
    expect(await refusal(importer.importPath(dir))).toMatch(/^mapping\.onnx, which manifest\.json lists, is not a file in pkg; copy the complete package folder$/);
    expectLibraryUnchanged();
  });

  it('refuses a listed file that is a link inside the folder too', async () => {
    const dir = await packageWithLink(async (d) => {
      await fs.writeFile(path.join(d, 'real.onnx'), fixtureFiles()['mapping.onnx']!);
      return 'real.onnx';
    });
    expect(await refusal(importer.importPath(dir))).toMatch(/mapping\.onnx, which manifest\.json lists, is not a file in pkg/);
    expectLibraryUnchanged();
  });
});
