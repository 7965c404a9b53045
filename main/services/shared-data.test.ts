/**
 * Two hosts, one user data folder (issue 18, item 5): two real processes change library.json, the
 * recent list and the projects folder at the same time, many times, and no update is lost; the lock
 * file under them (file-lock.ts) waits for a live holder, breaks a dead or ancient one, and says
 * what to do when it cannot get the lock.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from '../../e2e/model-corpus';
import { parseProjectText } from '../../app/project/schema';
import { LockTimeoutError, withFileLock } from './file-lock';

let tmp: string;
let child: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'latent-shared-'));
  child = path.join(tmp, 'child.mjs');
  await build({ entryPoints: [path.join(__dirname, 'shared-data.child.ts')], bundle: true, platform: 'node', format: 'esm', outfile: child, logLevel: 'error' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run the child as two processes at once; resolves when both have exited cleanly. */
async function runTwice(mode: string, dataDir: string, count: number, ...rest: string[]): Promise<void> {
  const runs = ['a', 'b'].map(
    (prefix) =>
      new Promise<void>((resolve, reject) => {
        const proc = spawn(process.execPath, [child, mode, dataDir, prefix, String(count), ...rest], { stdio: ['ignore', 'ignore', 'pipe'] });
        let errors = '';
        proc.stderr.on('data', (d: Buffer) => (errors += d.toString()));
        proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child ${prefix} exited with ${code}: ${errors}`))));
      }),
  );
  await Promise.all(runs);
}

async function freshDataDir(): Promise<string> {
  return fs.mkdtemp(path.join(tmp, 'data-'));
}

describe('two processes on one data folder', () => {
  it('library.json keeps every import both processes recorded (none lost, none rebuilt)', async () => {
    const dataDir = await freshDataDir();
    const bundled = path.join(tmp, 'no-bundled-models');
    await fs.mkdir(bundled, { recursive: true });
    const count = 20;
    const manifest = JSON.parse(await fs.readFile(path.join(FIXTURE_DIR, 'manifest.json'), 'utf8')) as { id: string; files: Record<string, unknown> };
    for (const prefix of ['a', 'b']) {
      for (let i = 0; i < count; i++) {
        const dir = path.join(dataDir, 'models', `${prefix}-${i}`);
        await fs.mkdir(dir, { recursive: true });
        for (const file of Object.keys(manifest.files)) await fs.link(path.join(FIXTURE_DIR, file), path.join(dir, file));
        await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, id: `${prefix}-${i}` }));
      }
    }
    await runTwice('library', dataDir, count, bundled);
    const index = JSON.parse(await fs.readFile(path.join(dataDir, 'library.json'), 'utf8')) as { models: Record<string, { origin: string }> };
    const expected: Record<string, string> = {};
    for (const prefix of ['a', 'b']) for (let i = 0; i < count; i++) expected[`${prefix}-${i}`] = `${prefix} import ${i}`;
    // A lost write shows as a missing id, or as one a later scan re-made from its folder ("rebuilt").
    expect(Object.fromEntries(Object.entries(index.models).map(([id, e]) => [id, e.origin]))).toEqual(expected);
  });

  it('saves under one name never overwrite each other (and the recent list stays readable)', async () => {
    const dataDir = await freshDataDir();
    const count = 20;
    await runTwice('projects', dataDir, count);
    const saved: { file: string; seed: number }[] = [];
    for (const prefix of ['a', 'b']) {
      for (const line of (await fs.readFile(path.join(dataDir, `${prefix}.saved`), 'utf8')).trim().split('\n')) {
        const [file, seed] = line.split('\t');
        saved.push({ file: file!, seed: Number(seed) });
      }
    }
    expect(new Set(saved.map((s) => s.file)).size).toBe(2 * count);
    for (const { file, seed } of saved) expect(parseProjectText(await fs.readFile(file, 'utf8'), file).latent.seed).toBe(seed);
    const recent = JSON.parse(await fs.readFile(path.join(dataDir, 'recent.json'), 'utf8')) as { path: string }[];
    expect(recent).toHaveLength(10);
    expect(new Set(recent.map((r) => r.path)).size).toBe(10);
  });

  it('a counter incremented under the lock by both processes counts every increment', async () => {
    const dataDir = await freshDataDir();
    await runTwice('counter', dataDir, 200);
    expect(JSON.parse(await fs.readFile(path.join(dataDir, 'counter.json'), 'utf8'))).toEqual({ n: 400 });
  });
});

describe('withFileLock', () => {
  it('breaks a lock whose holder has died', async () => {
    const lock = path.join(await freshDataDir(), 'x.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await fs.writeFile(lock, JSON.stringify({ pid: Number(dead.stdout), nonce: 'dead' }));
    expect(await withFileLock(lock, async () => 'ran', { timeoutMs: 2000 })).toBe('ran');
    await expect(fs.stat(lock)).rejects.toThrow(/ENOENT/);
  });

  it('breaks a lock older than any change could take, even with a live holder', async () => {
    const lock = path.join(await freshDataDir(), 'x.lock');
    await fs.writeFile(lock, JSON.stringify({ pid: process.pid, nonce: 'old' }));
    const past = new Date(Date.now() - 120_000);
    await fs.utimes(lock, past, past);
    expect(await withFileLock(lock, async () => 'ran', { timeoutMs: 2000 })).toBe('ran');
  });

  it('waits for a live holder, then says who holds it and what to do', async () => {
    const lock = path.join(await freshDataDir(), 'x.lock');
    await fs.writeFile(lock, JSON.stringify({ pid: process.pid, nonce: 'live' }));
    const started = Date.now();
    const attempt = withFileLock(lock, async () => 'ran', { timeoutMs: 300 });
    await expect(attempt).rejects.toThrow(LockTimeoutError);
    await expect(withFileLock(lock, async () => 'ran', { timeoutMs: 50 })).rejects.toThrow(
      new RegExp(`x\\.lock is held by process ${process.pid} .*if no other Latent Studio is running, delete .*x\\.lock and try again`),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    // The holder's lock is still there: a waiter never removes what it does not hold.
    expect(JSON.parse(await fs.readFile(lock, 'utf8'))).toEqual({ pid: process.pid, nonce: 'live' });
  });

  it('orders callers within one process too, and releases the lock when the task throws', async () => {
    const lock = path.join(await freshDataDir(), 'x.lock');
    let inside = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++inside);
      await new Promise((r) => setTimeout(r, 5));
      inside--;
    };
    await Promise.all(Array.from({ length: 10 }, () => withFileLock(lock, task)));
    expect(most).toBe(1);
    await expect(withFileLock(lock, () => Promise.reject(new Error('task failed')))).rejects.toThrow('task failed');
    expect(await withFileLock(lock, async () => 'free again', { timeoutMs: 200 })).toBe('free again');
  });
});
