/**
 * Decompression bombs (issue 18, item 3): every inflate of untrusted data stops at the limit
 * limits.ts states, with a message, before the output grows past it: the bounded inflate itself,
 * PNG text and image data, and .npz members (overlapping entries included).
 */
import { deflateSync, strToU8, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InflateError, inflateBounded } from './inflate';
import { MAX_DEFLATE_RATIO, MAX_NPZ_INFLATED_BYTES, MAX_PNG_TEXT_BYTES } from './limits';
import { NpyError } from './npy';
import { parseNpz } from './npz';
import { decodePng, encodePng, PngError, readITxt, readPngChunks } from './png';
import { rawZip } from '../../test-support/raw-zip';
import { concat, rebuild } from '../../test-support/png-chunks';


/** Deterministic bytes that do not compress. */
function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) out[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

describe('inflateBounded', () => {
  it('returns exactly what deflate and zlib packed, up to the limit', () => {
    for (const length of [0, 1, 4095, 4096, 70_000, 3 << 20]) {
      const data = length > 100_000 ? new Uint8Array(length).fill(7) : noise(length, length);
      // Buffer.equals: a deep toEqual over megabytes of elements takes minutes.
      expect(Buffer.from(inflateBounded(deflateSync(data), { limit: length, what: 'x' })).equals(data), `${length} bytes`).toBe(true);
      expect(Buffer.from(inflateBounded(zlibSync(data), { limit: length, what: 'x', format: 'zlib' })).equals(data), `${length} bytes`).toBe(true);
    }
  });

  it('stops one byte past the limit, with what and how much', () => {
    const packed = zlibSync(new Uint8Array(8 << 20));
    expect(packed.length).toBeLessThan(10_000);
    expect(() => inflateBounded(packed, { limit: (8 << 20) - 1, what: 'the test stream', format: 'zlib' })).toThrow(
      /^the test stream inflates to more than 8 MiB, the most it may have: it is damaged or built to exhaust memory$/,
    );
    try {
      inflateBounded(packed, { limit: 1 << 20, what: 'x', format: 'zlib' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InflateError);
      expect((error as InflateError).reason).toBe('too-large');
    }
  });

  it('refuses corrupt and truncated data as corrupt', () => {
    const packed = deflateSync(noise(50_000));
    const cases = [
      { bad: Uint8Array.of(0xff, 0xff, 0xff), format: 'deflate' },
      { bad: packed.subarray(0, packed.length >> 1), format: 'deflate' },
      { bad: zlibSync(noise(10)).map((b, i) => (i === 0 ? 0 : b)), format: 'zlib' },
    ] as const;
    for (const { bad, format } of cases) {
      try {
        inflateBounded(bad, { limit: 1 << 20, what: 'x', format });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InflateError);
        expect((error as InflateError).reason).toBe('corrupt');
      }
    }
  });
});

describe('PNG bombs', () => {
  const png = encodePng(new Uint8Array(16).fill(200), 2, 2);
  const chunks = readPngChunks(png);

  it('refuses a compressed iTXt that inflates past the text limit, naming the limit', () => {
    const bomb = zlibSync(new Uint8Array(MAX_PNG_TEXT_BYTES + 1).fill(0x20), { level: 1 });
    const body = concat(strToU8('Bomb\0', true), Uint8Array.of(1, 0), strToU8('\0\0'), bomb);
    const file = rebuild([...chunks.slice(0, -1), { type: 'iTXt', data: body }, chunks.at(-1)!]);
    expect(() => readITxt(file, 'Bomb')).toThrow(PngError);
    expect(() => readITxt(file, 'Bomb')).toThrow(/iTXt chunk "Bomb" inflates to more than 64 MiB.*re-export the image/);
  });

  it('refuses IDAT data that inflates past what IHDR declares (a 2×2 image holding 64 MiB)', () => {
    const idat = zlibSync(new Uint8Array(64 << 20), { level: 1 });
    const file = rebuild([chunks[0]!, { type: 'IDAT', data: idat }, chunks.at(-1)!]);
    expect(() => decodePng(file)).toThrow(/inflates to more than its header says the image holds/);
  });

  it('refuses an IHDR whose pixels alone pass the image limit, before inflating anything', () => {
    const header = new Uint8Array(13);
    new DataView(header.buffer).setUint32(0, 40_000);
    new DataView(header.buffer).setUint32(4, 40_000);
    header.set([8, 6, 0, 0, 0], 8);
    const file = rebuild([{ type: 'IHDR', data: header }, { type: 'IDAT', data: zlibSync(new Uint8Array(10)) }, chunks.at(-1)!]);
    expect(() => decodePng(file)).toThrow(/PNG image is too large: its pixels need 6\.0 GiB/);
  });
});

describe('.npz bombs', () => {
  it('refuses members whose declared sizes together pass the limit, before inflating any', () => {
    // One deflated local entry, claimed by many directory records at the largest size its ratio allows.
    const data = deflateSync(noise(64 << 10), { level: 0 });
    const claimed = data.length * MAX_DEFLATE_RATIO;
    const count = Math.ceil(MAX_NPZ_INFLATED_BYTES / claimed) + 1;
    const archive = rawZip(Array.from({ length: count }, (_, i) => ({ name: `m${i}.npy`, data, method: 8, declaredSize: claimed, ...(i > 0 ? { at: 0 } : {}) })));
    expect(archive.length).toBeLessThan(1 << 20);
    expect(() => parseNpz(archive)).toThrow(NpyError);
    expect(() => parseNpz(archive)).toThrow(/the \.npz archive unpacks to more than 1\.0 GiB, the most the studio reads/);
  });
});
