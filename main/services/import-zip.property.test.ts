/**
 * Property test of the zip importer (issue 18, item 6), on the real staging code writing into a
 * temporary data folder: for archives built from hostile and honest entry names, honest and lying
 * sizes, stored, deflated and unknown methods, and for bit flips of a valid package zip, an import
 * either succeeds or is refused with ImportError (never another throw), and never leaves a file
 * outside the data folder's own places: nothing climbs out, staging is empty afterwards, and only
 * a successful import adds a model folder.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { deflateSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureFiles, fixtureZip } from '../../e2e/model-corpus';
import { rawZip, type RawZipEntry } from '../../test-support/raw-zip';
import { ImportError, ModelImporter } from './import';
import { ModelLibrary } from './library';

/** Cases per property; CI runs them all (issue 18 asks for at least 1,000). */
const RUNS = 1000;
/** Every hostile name writes this file name, so an escape anywhere can be looked for. */
const ESCAPE = 'escaped-by-zip-property-test.txt';

const base = mkdtempSync(path.join(os.tmpdir(), 'latent-zip-prop-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const FILES = fixtureFiles();

const hostileNames = [
  `../${ESCAPE}`, `../../${ESCAPE}`, `../../../${ESCAPE}`, `pkg/../../${ESCAPE}`, `/tmp/${ESCAPE}`, `..\\..\\${ESCAPE}`,
  `pkg\\..\\${ESCAPE}`, `C:/${ESCAPE}`, `c:${ESCAPE}`, `pkg//${ESCAPE}`, `./${ESCAPE}`, `pkg/./${ESCAPE}`, `pkg/\0${ESCAPE}`, '', '/',
];
const packageNames = ['manifest.json', 'mapping.onnx', 'synthesis.onnx', 'style_affine.npz', 'reference.json'];
const honestNames = [...packageNames, ...packageNames.map((n) => `pkg/${n}`), 'pkg/', '__MACOSX/._manifest.json', 'other/manifest.json', 'notes.txt'];

const entryArb = fc.record({
  name: fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...hostileNames) }, { weight: 5, arbitrary: fc.constantFrom(...honestNames) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
  content: fc.oneof({ weight: 3, arbitrary: fc.constant('package' as const) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 48 }) }),
  method: fc.constantFrom(0, 0, 8, 8, 12),
  sizeLie: fc.constantFrom(0, 0, 0, 0, 1, -1, 2 ** 31, 2 ** 32 - 1),
  overlap: fc.boolean(),
});

/** The bytes an entry holds: the package file of that name (when there is one), or the given bytes. */
function entryOf(spec: { name: string; content: 'package' | Uint8Array; method: number; sizeLie: number; overlap: boolean }, index: number): RawZipEntry {
  const plain = spec.content === 'package' ? (FILES[spec.name.split('/').pop() ?? ''] ?? new Uint8Array(0)) : spec.content;
  const data = spec.method === 8 ? deflateSync(plain, { level: 1 }) : plain;
  const declaredSize = Math.max(0, Math.min(2 ** 32 - 1, plain.length + spec.sizeLie));
  return { name: spec.name, data, method: spec.method, declaredSize, ...(spec.overlap && index > 0 ? { at: 0 } : {}) };
}

const archiveArb = fc.oneof(
  fc.array(entryArb, { minLength: 0, maxLength: 7 }).map((specs) => rawZip(specs.map(entryOf))),
  fc.record({ folder: fc.constantFrom(undefined, 'pkg'), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }) }).map(({ folder, flips }) => {
    const zip = fixtureZip({ folder });
    // Flip bytes near the directory and headers more often: that is where the guards are.
    for (const [at, xor] of flips) {
      const i = at % 3 === 0 ? zip.length - 1 - (at % Math.min(zip.length, 400)) : at % zip.length;
      zip[i] = zip[i]! ^ xor;
    }
    return zip;
  }),
);

/** An upload body that arrives in one piece, as a small request does. */
async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** Every file under `dir`, relative to it. */
function walk(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** Where an escaping entry could have landed: beside and above the case's folders. */
function escapes(root: string): string[] {
  const places = [root, path.dirname(root), path.dirname(path.dirname(root)), '/tmp'].map((d) => path.join(d, ESCAPE));
  return places.filter((p) => existsSync(p));
}

describe('zip import: property', () => {
  it(`never throws an untyped error and never writes outside its places (${RUNS} archives)`, async () => {
    expect(escapes(base)).toEqual([]);
    let n = 0;
    let imported = 0;
    await fc.assert(
      fc.asyncProperty(archiveArb, fc.boolean(), async (zip, asUpload) => {
        const root = path.join(base, String(n++));
        const dataDir = path.join(root, 'data');
        const incoming = path.join(root, 'incoming', 'case.zip');
        await fs.mkdir(path.dirname(incoming), { recursive: true });
        await fs.writeFile(incoming, zip);
        const library = new ModelLibrary({ bundledDir: path.join(root, 'bundled'), dataDir });
        await library.scan();
        const importer = new ModelImporter(library, dataDir);
        let ok = false;
        try {
          const result = asUpload ? await importer.importUpload('case.zip', oneChunk(zip), zip.length) : await importer.importPath(incoming);
          expect(result.status).toBe('imported');
          ok = true;
          imported++;
        } catch (error) {
          if (!(error instanceof ImportError)) throw new Error(`untyped refusal: ${(error as Error)?.stack ?? String(error)}`);
        }
        const files = walk(root);
        const allowed = (f: string) =>
          f === 'incoming/case.zip' || f === 'data/library.json' || (ok && /^data\/models\/fixture-stylegan-tiny\/[^/]+$/.test(f));
        expect(files.filter((f) => !allowed(f))).toEqual([]);
        expect(walk(path.join(dataDir, 'staging'))).toEqual([]);
        expect(escapes(root)).toEqual([]);
        rmSync(root, { recursive: true, force: true });
      }),
      { numRuns: RUNS },
    );
    // The generator reaches the success path too, so the property is not only about refusals.
    expect(imported).toBeGreaterThan(0);
  }, 600_000);
});
