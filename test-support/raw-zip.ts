/**
 * Zip archives written byte by byte, for tests of the guards a well-formed zip never reaches:
 * sizes the central directory claims but the data does not have, unsupported methods, and entries
 * that overlap (many directory records pointing at one local entry, a classic zip bomb). fflate's
 * zipSync always writes honest archives, so it cannot make these.
 */

/** One central-directory record; `at` picks the local entry it points to (default: its own). */
export interface RawZipEntry {
  name: string;
  /** The bytes stored for the entry (already deflated when `method` is 8). */
  data: Uint8Array;
  /** 0 (stored) or 8 (deflate), or any other number to test refusal. */
  method: number;
  /** The uncompressed size the archive claims (default: data.length). */
  declaredSize?: number;
  /** Index of an earlier entry whose local data this record points at (overlapping entries). */
  at?: number;
}

function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** An archive whose directory says exactly what `entries` say (the CRC is left 0: fflate does not check it). */
export function rawZip(entries: readonly RawZipEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  const put = (part: Uint8Array | number[]) => {
    const bytes = part instanceof Uint8Array ? part : Uint8Array.from(part);
    parts.push(bytes);
    length += bytes.length;
  };
  const offsets: number[] = [];
  const encoder = new TextEncoder();
  for (const entry of entries) {
    if (entry.at !== undefined) {
      offsets.push(offsets[entry.at]!);
      continue;
    }
    offsets.push(length);
    const name = encoder.encode(entry.name);
    put([...u32(0x04034b50), ...u16(20), ...u16(0), ...u16(entry.method), ...u16(0), ...u16(0x21), ...u32(0)]);
    put([...u32(entry.data.length), ...u32(entry.declaredSize ?? entry.data.length), ...u16(name.length), ...u16(0)]);
    put(name);
    put(entry.data);
  }
  const directory = length;
  for (const [i, entry] of entries.entries()) {
    const source = entries[entry.at ?? i]!;
    const name = encoder.encode(entry.name);
    put([...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(0), ...u16(entry.method), ...u16(0), ...u16(0x21), ...u32(0)]);
    put([...u32(source.data.length), ...u32(entry.declaredSize ?? source.data.length), ...u16(name.length), ...u16(0), ...u16(0)]);
    put([...u16(0), ...u16(0), ...u32(0), ...u32(offsets[i]!)]);
    put(name);
  }
  const size = length - directory;
  put([...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(entries.length), ...u16(entries.length), ...u32(size), ...u32(directory), ...u16(0)]);
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
