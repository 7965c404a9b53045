/**
 * PNG files the encoder would never write, for the codec's tests: chunks with correct CRCs, and
 * whole files re-serialised from chunk lists, so a mutation or a hostile chunk reaches past the
 * CRC check to the code under test.
 */
import { strToU8 } from 'fflate';
import { crc32 } from '../app/codecs/png';

/** A chunk of `type` holding `data`, with a correct CRC. */
export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(strToU8(type, true), 4);
  out.set(data, 8);
  new DataView(out.buffer).setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** The parts, end to end. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** A PNG file of these chunks, in order, after the signature (CRCs recomputed). */
export function rebuild(chunks: { type: string; data: Uint8Array }[]): Uint8Array {
  return concat(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), ...chunks.map((c) => chunk(c.type, c.data)));
}
