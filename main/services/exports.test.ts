/**
 * The exports service on a temp folder: files appear under their final name only when finished,
 * positional writes, abort and start-up sweeps leave no temporary file, names are checked, and the
 * API validates payloads before the service sees them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ExportError, ExportService, exportDir, writeFileAtomic } from './exports';
import { createApi, dispatch } from './api';
import { ContractError } from '../../app/contract/channels';
import type { ModelLibrary } from './library';
import { DirectionStore } from './directions';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'exports-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files = (at = dir) => readdirSync(at).sort();

describe('export service', () => {
  it('writes under a hidden temporary name and renames to the final name on finish', async () => {
    const service = new ExportService(dir);
    const { handle, name } = await service.begin({ name: 'seed0001.png', kind: 'png' });
    expect(handle).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(name).toBe('seed0001.png');
    await service.write(handle, 0, Uint8Array.of(1, 2, 3));
    await service.write(handle, 3, Uint8Array.of(4, 5));
    expect(files()).toHaveLength(1);
    expect(files()[0]).toMatch(new RegExp(`^\\.seed0001\\.png\\.${process.pid}-[0-9a-f]{12}\\.partial$`));
    const done = await service.finish(handle);
    expect(done).toEqual({ name: 'seed0001.png', path: path.join(dir, 'seed0001.png'), bytes: 5 });
    expect(files()).toEqual(['seed0001.png']);
    expect([...readFileSync(done.path)]).toEqual([1, 2, 3, 4, 5]);
    expect(service.openHandles()).toEqual([]);
  });

  it('patches earlier bytes (muxers rewrite headers) but refuses holes', async () => {
    const service = new ExportService(dir);
    const { handle } = await service.begin({ name: 'a.mp4', kind: 'mp4' });
    await service.write(handle, 0, new Uint8Array(8));
    await service.write(handle, 2, Uint8Array.of(9, 9));
    await expect(service.write(handle, 9, Uint8Array.of(1))).rejects.toThrow(/holes/);
    await service.finish(handle);
    expect([...readFileSync(path.join(dir, 'a.mp4'))]).toEqual([0, 0, 9, 9, 0, 0, 0, 0]);
  });

  it('never overwrites: a taken name gets a number', async () => {
    writeFileSync(path.join(dir, 'loop.gif'), 'old');
    const service = new ExportService(dir);
    const { handle } = await service.begin({ name: 'loop.gif', kind: 'gif' });
    expect((await service.finish(handle)).name).toBe('loop (2).gif');
    expect(readFileSync(path.join(dir, 'loop.gif'), 'utf8')).toBe('old');
  });

  it('abort deletes the temporary file and closes the handle', async () => {
    const service = new ExportService(dir);
    const { handle } = await service.begin({ name: 'cut.webm', kind: 'webm', folder: 'batch-1' });
    await service.write(handle, 0, new Uint8Array(1000));
    expect(files(path.join(dir, 'batch-1'))).toHaveLength(1);
    await service.abort(handle);
    expect(files(path.join(dir, 'batch-1'))).toEqual([]);
    await expect(service.write(handle, 0, Uint8Array.of(1))).rejects.toThrow(ExportError);
  });

  it('removes temporary files of dead processes and stale ones at start, keeping live ones', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(path.join(dir, 'batch'));
    const deadFile = `.seed0000.png.${dead}-0123456789ab.partial`;
    const live = `.x.mp4.${process.pid}-0123456789ab.partial`;
    const stale = `.old.gif.${process.pid}-ba9876543210.partial`;
    writeFileSync(path.join(dir, 'batch', deadFile), 'x');
    writeFileSync(path.join(dir, live), 'x');
    writeFileSync(path.join(dir, stale), 'x');
    writeFileSync(path.join(dir, 'keep.png'), 'x');
    const twoDaysAgo = (Date.now() - 48 * 3600_000) / 1000;
    utimesSync(path.join(dir, stale), twoDaysAgo, twoDaysAgo);
    const removed = await new ExportService(dir).sweep();
    expect(removed.map((p) => path.basename(p)).sort()).toEqual([deadFile, stale].sort());
    expect(files()).toEqual([live, 'batch', 'keep.png'].sort());
    expect(files(path.join(dir, 'batch'))).toEqual([]);
  });

  it('refuses names with folders, hidden names and extensions that do not match the kind', async () => {
    const service = new ExportService(dir);
    for (const name of ['../x.png', 'a/b.png', 'a\\b.png', '.hidden.png', '..', 'nul\u0000.png']) {
      await expect(service.begin({ name, kind: 'png' })).rejects.toThrow(ExportError);
    }
    await expect(service.begin({ name: 'x.png', kind: 'png', folder: '../up' })).rejects.toThrow(ExportError);
    await expect(service.begin({ name: 'x.gif', kind: 'png' })).rejects.toThrow(/must end in \.png/);
    expect(files()).toEqual([]);
  });

  it('writes whole files atomically for the CLI, replacing an existing one', async () => {
    const file = path.join(dir, 'frame000000.png');
    writeFileSync(file, 'old');
    await writeFileAtomic(file, Uint8Array.of(7, 8));
    expect([...readFileSync(file)]).toEqual([7, 8]);
    expect(files()).toEqual(['frame000000.png']);
  });

  it('puts exports in $LATENT_STUDIO_EXPORT_DIR, else Pictures/Latent Studio', () => {
    expect(exportDir({ LATENT_STUDIO_EXPORT_DIR: dir }, '/home/u')).toBe(dir);
    expect(exportDir({}, '/home/u')).toBe(path.join('/home/u', 'Pictures', 'Latent Studio'));
    expect(exportDir({ XDG_PICTURES_DIR: '/data/pics' }, '/home/u')).toBe(path.join('/data/pics', 'Latent Studio'));
  });
});

describe('export API', () => {
  const api = () => createApi({} as ModelLibrary, { name: 't', version: '0', host: 'web' }, new DirectionStore(dir), new ExportService(dir));

  it('begins, writes base64 chunks, finishes', async () => {
    const host = api();
    const { handle } = await dispatch(host, 'exportBegin', { name: 'w.npz', kind: 'npz' });
    expect(await dispatch(host, 'exportWrite', { handle, position: 0, data: Buffer.from('hello').toString('base64') })).toEqual({ size: 5 });
    const done = await dispatch(host, 'exportFinish', { handle });
    expect(readFileSync(done.path, 'utf8')).toBe('hello');
  });

  it('validates payloads: handles, base64, names, chunk size', async () => {
    const host = api();
    const { handle } = await dispatch(host, 'exportBegin', { name: 'w.npy', kind: 'npy' });
    await expect(dispatch(host, 'exportWrite', { handle: 'short', position: 0, data: '' })).rejects.toThrow(ContractError);
    await expect(dispatch(host, 'exportWrite', { handle, position: 0, data: 'not base64!' })).rejects.toThrow(ContractError);
    await expect(dispatch(host, 'exportWrite', { handle, position: -1, data: '' })).rejects.toThrow(ContractError);
    await expect(dispatch(host, 'exportWrite', { handle, position: 0, data: 'A'.repeat(700_000) })).rejects.toThrow(ContractError);
    await expect(dispatch(host, 'exportBegin', { name: 'a/b.png', kind: 'png' })).rejects.toThrow(ContractError);
    await expect(dispatch(host, 'exportBegin', { name: 'a.exe', kind: 'exe' })).rejects.toThrow(ContractError);
    await dispatch(host, 'exportAbort', { handle });
    expect(existsSync(path.join(dir, 'w.npy'))).toBe(false);
    expect(files()).toEqual([]);
  });
});
