/**
 * Zip archives read as views: torch.save's zip format stores every tensor record uncompressed
 * (and 64-byte aligned), so a 400 MB checkpoint is read without copying it once more, which
 * fflate's unzip (it copies every entry) would do. Deflated entries (a user's zip of a model
 * folder) are inflated into buffers of the size the directory declares, bounded by
 * {@link MAX_CHECKPOINT_STREAM_BYTES}. Zip64 directories are read too; encrypted or otherwise compressed
 * entries are refused by name.
 */
import { inflateSync, strFromU8 } from 'fflate';
import { MAX_CHECKPOINT_STREAM_BYTES, MAX_DEFLATE_RATIO } from '../codecs/limits';
import { CheckpointError } from './snapshot';

/** One entry of the archive's central directory. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of its local header. */
  readonly headerOffset: number;
}

/** True when `bytes` begin with a zip local header. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** A zip archive held in memory: its directory, and entries' bytes on demand. */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly view: DataView;

  /** Parse the central directory of `bytes`; throws {@link CheckpointError} when it is damaged. */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what = 'the zip archive',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = this.readDirectory();
  }

  private fail(reason: string): never {
    throw new CheckpointError(`${this.what} is not a readable zip archive: ${reason}`);
  }

  private u16(at: number): number {
    if (at + 2 > this.bytes.length) this.fail('its directory points past the end of the file (truncated?)');
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    if (at + 4 > this.bytes.length) this.fail('its directory points past the end of the file (truncated?)');
    return this.view.getUint32(at, true);
  }

  private u64(at: number): number {
    const high = this.u32(at + 4);
    if (high >= 0x200000) this.fail('a zip64 size or offset is impossibly large');
    return high * 2 ** 32 + this.u32(at);
  }

  private readDirectory(): Map<string, ZipEntry> {
    const n = this.bytes.length;
    // The end-of-directory record sits in the last 22 + 65535 (comment) bytes.
    let eocd = -1;
    for (let at = n - 22; at >= Math.max(0, n - 22 - 0xffff); at--) {
      if (this.view.getUint32(at, true) === 0x06054b50) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) this.fail('it has no end-of-directory record (truncated?)');
    let count = this.u16(eocd + 10);
    let dirSize = this.u32(eocd + 12);
    let dirOffset = this.u32(eocd + 16);
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || this.u32(locator) !== 0x07064b50) this.fail('its zip64 directory locator is missing');
      const record = this.u64(locator + 8);
      if (this.u32(record) !== 0x06064b50) this.fail('its zip64 directory record is missing');
      count = this.u64(record + 32);
      dirSize = this.u64(record + 40);
      dirOffset = this.u64(record + 48);
    }
    if (dirOffset + dirSize > n) this.fail('its directory lies past the end of the file (truncated?)');
    // Each directory entry takes at least 46 bytes: a count beyond that is a lie, not an allocation.
    if (count * 46 > dirSize) this.fail(`it claims ${count} entries in a ${dirSize}-byte directory`);
    const entries = new Map<string, ZipEntry>();
    let at = dirOffset;
    for (let i = 0; i < count; i++) {
      if (this.u32(at) !== 0x02014b50) this.fail(`directory entry ${i} is damaged`);
      const flags = this.u16(at + 8);
      const method = this.u16(at + 10);
      let compressedSize = this.u32(at + 20);
      let size = this.u32(at + 24);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      let headerOffset = this.u32(at + 42);
      if (at + 46 + nameLength + extraLength > n) this.fail(`directory entry ${i} runs past the end of the file`);
      const name = strFromU8(this.bytes.subarray(at + 46, at + 46 + nameLength), (flags & 0x800) === 0);
      // Zip64: the extra field holds, in order, the sizes and offset whose 32-bit fields are all ones.
      for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; ) {
        const id = this.u16(e);
        const length = this.u16(e + 2);
        if (id === 0x0001) {
          let f = e + 4;
          if (size === 0xffffffff) {
            size = this.u64(f);
            f += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = this.u64(f);
            f += 8;
          }
          if (headerOffset === 0xffffffff) headerOffset = this.u64(f);
        }
        e += 4 + length;
      }
      if (flags & 0x1) this.fail(`${name} is encrypted`);
      if (entries.has(name)) this.fail(`it holds ${name} twice`);
      entries.set(name, { name, method, compressedSize, size, headerOffset });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }

  /**
   * The bytes of entry `name`: a view of the archive when stored, an inflated copy when deflated.
   * Throws {@link CheckpointError} when it is missing, damaged or would inflate past the limits.
   */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) this.fail(`it has no ${name}`);
    const local = entry.headerOffset;
    if (this.u32(local) !== 0x04034b50) this.fail(`the local header of ${name} is damaged`);
    const start = local + 30 + this.u16(local + 26) + this.u16(local + 28);
    if (start + entry.compressedSize > this.bytes.length) this.fail(`${name} runs past the end of the file (truncated?)`);
    const data = this.bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) {
      if (entry.size !== entry.compressedSize) this.fail(`${name} is stored but its two sizes differ`);
      return data;
    }
    if (entry.method !== 8) this.fail(`${name} uses compression method ${entry.method}; re-zip it with ordinary (deflate) compression`);
    if (entry.size > MAX_CHECKPOINT_STREAM_BYTES || entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw new CheckpointError(
        `${this.what}: ${name} claims to inflate to ${entry.size} bytes, more than ${entry.size > MAX_CHECKPOINT_STREAM_BYTES ? `the ${MAX_CHECKPOINT_STREAM_BYTES}-byte limit` : 'deflate can produce'}; unzip it yourself and open the files`,
      );
    }
    const out = new Uint8Array(entry.size);
    let inflated: Uint8Array;
    try {
      inflated = inflateSync(data, { out });
    } catch (error) {
      throw new CheckpointError(`${this.what}: ${name} cannot be inflated (${(error as Error).message}); the archive is damaged`);
    }
    if (inflated.length !== entry.size || inflated.buffer !== out.buffer) this.fail(`${name} does not inflate to the size its directory declares`);
    return inflated;
  }
}
