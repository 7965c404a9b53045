/**
 * Import progress and cancel, on real files: a package with a 24 MiB padding file is imported from
 * a folder, a .zip and an upload stream, followed through its progress reports and cancelled
 * mid-copy; the data folder (models, index, staging) must be byte for byte what it was before.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportProgress } from '../../app/contract/channels';
import { FIXTURE_DIR } from '../../e2e/model-corpus';
import { paddedPackageFiles, paddedPackageZip } from '../../e2e/large-package';
import { ModelImporter } from './import';
import { ImportCancelledError, ImportJob } from './import-jobs';
import { ModelLibrary } from './library';

const PADDING = 24 * 2 ** 20;
const JOB = 'job-0123456789abcdefghij';

let root: string;
let dataDir: string;
let importer: ModelImporter;

beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'latent-import-progress-'));
  dataDir = path.join(root, 'data');
  const library = new ModelLibrary({ bundledDir: path.join(root, 'bundled'), dataDir });
  await library.scan();
  importer = new ModelImporter(library, dataDir);
  // A library that already holds a model, so "unchanged" covers a real index and model folder.
  await importer.importPath(FIXTURE_DIR);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Every file and folder under the data folder, with the sha256 of each file's bytes. */
function snapshot(dir = dataDir, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      out[`${prefix}${name}/`] = 'folder';
      Object.assign(out, snapshot(full, `${prefix}${name}/`));
    } else {
      out[`${prefix}${name}`] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  }
  return out;
}

async function writePackage(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await fs.writeFile(path.join(dir, name), bytes);
}

/** Wait until the job reports `phase` with some but not all bytes done, then cancel it; returns that report. */
async function cancelMidway(phase: ImportProgress['phase']): Promise<ImportProgress> {
  for (;;) {
    const progress = importer.progress(JOB);
    if (progress?.phase === phase && progress.done > 0) {
      expect(importer.abort(JOB)).toBe(true);
      return progress;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Only the library's own state: the staging folder may exist, but must be empty. */
function withoutEmptyStaging(state: Record<string, string>): Record<string, string> {
  const { 'staging/': _staging, ...rest } = state;
  return rest;
}

describe('cancelling an import', () => {
  it('stops a package folder mid-copy and leaves the data folder and index exactly as before', async () => {
    const source = path.join(root, 'incoming', 'big');
    await writePackage(source, paddedPackageFiles({ id: 'big', name: 'Big', paddingBytes: PADDING }));
    const before = snapshot();
    expect(Object.keys(before)).toContain('library.json');

    const running = importer.importPath(source, JOB);
    const [outcome, at] = await Promise.allSettled([running, cancelMidway('copying')]);
    const report = (at as PromiseFulfilledResult<ImportProgress>).value;
    expect(report.done).toBeLessThan(report.total);
    expect(outcome.status).toBe('rejected');
    expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ImportCancelledError);
    expect(withoutEmptyStaging(snapshot())).toEqual(withoutEmptyStaging(before));
    expect(readdirSync(path.join(dataDir, 'staging'))).toEqual([]);
    expect(importer.progress(JOB)).toBeNull();
  });

  it('stops a .zip while it unpacks, leaving the library unchanged', async () => {
    const zip = path.join(root, 'incoming', 'big.zip');
    await fs.mkdir(path.dirname(zip), { recursive: true });
    await fs.writeFile(zip, paddedPackageZip({ id: 'big-zip', name: 'Big zip', paddingBytes: PADDING }));
    const before = snapshot();
    const [outcome] = await Promise.allSettled([importer.importPath(zip, JOB), cancelMidway('copying')]);
    expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ImportCancelledError);
    expect(withoutEmptyStaging(snapshot())).toEqual(withoutEmptyStaging(before));
    expect(readdirSync(path.join(dataDir, 'staging'))).toEqual([]);
  });

  it('stops an upload while its bytes arrive, removing what was received', async () => {
    const bytes = paddedPackageZip({ id: 'big-upload', name: 'Big upload', paddingBytes: PADDING });
    async function* body() {
      for (let offset = 0; offset < bytes.length; offset += 256 * 1024) {
        yield bytes.subarray(offset, offset + 256 * 1024);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const before = snapshot();
    const [outcome, at] = await Promise.allSettled([importer.importUpload('big.zip', body(), bytes.length, JOB), cancelMidway('receiving')]);
    expect((at as PromiseFulfilledResult<ImportProgress>).value.total).toBe(bytes.length);
    expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ImportCancelledError);
    expect(withoutEmptyStaging(snapshot())).toEqual(withoutEmptyStaging(before));
    expect(readdirSync(path.join(dataDir, 'staging'))).toEqual([]);
  });

  it('answers false for a job that is not running, and does not cancel an import that finished', async () => {
    expect(importer.abort(JOB)).toBe(false);
    const source = path.join(root, 'incoming', 'small');
    await writePackage(source, paddedPackageFiles({ id: 'small', name: 'Small', paddingBytes: 1000 }));
    const result = await importer.importPath(source, JOB);
    expect(result.status).toBe('imported');
    expect(importer.abort(JOB)).toBe(false);
    expect(readdirSync(path.join(dataDir, 'models')).sort()).toEqual(['fixture-stylegan-tiny', 'small']);
  });
});

describe('import progress', () => {
  it('counts the copy up to the bytes of every listed file, never backwards', async () => {
    const files = paddedPackageFiles({ id: 'watched', name: 'Watched', paddingBytes: 8 * 2 ** 20 });
    const source = path.join(root, 'incoming', 'watched');
    await writePackage(source, files);
    const listed = Object.entries(files).filter(([name]) => name !== 'manifest.json');
    const expectedTotal = listed.reduce((n, [, bytes]) => n + bytes.length, 0);

    const reports: ImportProgress[] = [];
    let finished = false;
    const running = importer.importPath(source, JOB).finally(() => (finished = true));
    while (!finished) {
      const progress = importer.progress(JOB);
      if (progress) reports.push(progress);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await running).status).toBe('imported');
    expect(reports.length).toBeGreaterThan(3);
    expect(new Set(reports.map((r) => r.phase))).toEqual(new Set(['copying']));
    expect(new Set(reports.map((r) => r.total))).toEqual(new Set([expectedTotal]));
    for (let i = 1; i < reports.length; i++) expect(reports[i]!.done).toBeGreaterThanOrEqual(reports[i - 1]!.done);
    expect(reports.at(-1)!.done).toBeLessThanOrEqual(expectedTotal);
    expect(importer.progress(JOB)).toBeNull();
  });
});

describe('ImportJob', () => {
  it('paces a throttled job to its rate, and a cancel cuts the wait short', async () => {
    const job = new ImportJob('paced.zip', 4 * 2 ** 20);
    job.startPhase('copying', 2 ** 20);
    const start = Date.now();
    await job.advance(2 ** 20 / 4);
    // A quarter MiB at 4 MiB/s: 62.5 ms.
    expect(Date.now() - start).toBeGreaterThanOrEqual(55);

    const waiting = job.advance(2 ** 20 / 2); // due 125 ms later
    const cancelledAt = Date.now();
    expect(job.abort()).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(ImportCancelledError);
    expect(Date.now() - cancelledAt).toBeLessThan(50);
  });

  it('refuses a cancel once the import is moving the model into the library', () => {
    const job = new ImportJob('late.zip', 0);
    job.startPhase('copying', 10);
    job.commit();
    expect(job.abort()).toBe(false);
    expect(() => job.check()).not.toThrow();
  });
});
