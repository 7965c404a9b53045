/**
 * Copying package files into staging while hashing them, in chunks counted into the import's
 * progress, so a cancel takes effect between chunks and every file's sha256 comes from the bytes
 * actually written.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { Manifest } from '../../app/model/manifest';
import type { ImportJob } from './import-jobs';

/** Files are copied and hashed in chunks of this size; a cancel takes effect between chunks. */
const CHUNK_BYTES = 1 << 20;

/** The sha256 of `bytes`, as manifests spell it. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The bytes of every file a manifest lists: what the copying phase counts up to. */
export function packageBytes(manifest: Pick<Manifest, 'files'>): number {
  return Object.values(manifest.files).reduce((n, f) => n + f.bytes, 0);
}

/** Copy `from` to `to` (a new file) in chunks counted into `job`, returning the sha256 of what was copied. */
export async function copyHashed(from: string, to: string, job: ImportJob): Promise<string> {
  const hash = createHash('sha256');
  const out = await fs.open(to, 'wx');
  try {
    for await (const chunk of createReadStream(from, { highWaterMark: CHUNK_BYTES })) {
      hash.update(chunk as Buffer);
      await out.write(chunk as Buffer);
      await job.advance((chunk as Buffer).length);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}

/** Write `bytes` to `to` (a new file) in chunks counted into `job`, returning their sha256. */
export async function writeHashed(bytes: Uint8Array, to: string, job: ImportJob): Promise<string> {
  const hash = createHash('sha256');
  const out = await fs.open(to, 'wx');
  try {
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      const chunk = bytes.subarray(offset, offset + CHUNK_BYTES);
      hash.update(chunk);
      await out.write(chunk);
      await job.advance(chunk.length);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}
