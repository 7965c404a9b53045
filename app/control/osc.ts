/**
 * An OSC 1.0 packet decoder (opensoundcontrol.org's 1.0 specification), platform-neutral so that
 * both hosts decode what their UDP socket receives the same way and tests feed it bytes directly.
 * A packet is a message (address, type tags, arguments) or a `#bundle` of packets; everything is
 * big-endian and padded to 4 bytes. Anything malformed throws {@link OscDecodeError}: the caller
 * drops the whole datagram and counts it, it never half-applies one.
 */

/** The largest datagram decoded: an IPv4 UDP payload cannot be larger. */
export const MAX_OSC_PACKET_BYTES = 65_507;
/** Bundles nested deeper than this are refused (a packet must not make the decoder recurse unbounded). */
export const MAX_OSC_BUNDLE_DEPTH = 8;

/** One argument of a message, by its type tag: int32, float32, float64, string, true, false. */
export type OscArg = { type: 'i' | 'f' | 'd'; value: number } | { type: 's'; value: string } | { type: 'T' | 'F'; value: boolean };

/** A decoded message. */
export interface OscMessage {
  address: string;
  args: OscArg[];
}

/** Raised for a packet that is not well-formed OSC 1.0 (or uses a type tag the studio does not read). */
export class OscDecodeError extends Error {
  override readonly name = 'OscDecodeError';
}

const BUNDLE_TAG = '#bundle';

/** A cursor over the packet's bytes; every read checks that the bytes are there. */
class Reader {
  private offset: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.offset = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(count: number, what: string): void {
    if (this.remaining < count) throw new OscDecodeError(`truncated ${what}: needs ${count} bytes at offset ${this.offset}, ${this.remaining} left`);
  }

  int32(what: string): number {
    this.need(4, what);
    const value = this.view.getInt32(this.offset, false);
    this.offset += 4;
    return value;
  }

  float32(what: string): number {
    this.need(4, what);
    const value = this.view.getFloat32(this.offset, false);
    this.offset += 4;
    return value;
  }

  float64(what: string): number {
    this.need(8, what);
    const value = this.view.getFloat64(this.offset, false);
    this.offset += 8;
    return value;
  }

  skip(count: number, what: string): void {
    this.need(count, what);
    this.offset += count;
  }

  /** An OSC-string: ASCII up to a NUL, then NULs up to the next multiple of 4. */
  string(what: string): string {
    let nul = this.offset;
    while (nul < this.end && this.bytes[nul] !== 0) nul += 1;
    if (nul >= this.end) throw new OscDecodeError(`truncated ${what}: no terminating NUL`);
    let text = '';
    for (let i = this.offset; i < nul; i += 1) {
      const code = this.bytes[i]!;
      if (code < 0x20 || code > 0x7e) throw new OscDecodeError(`${what} holds a byte 0x${code.toString(16)} that is not printable ASCII`);
      text += String.fromCharCode(code);
    }
    const padded = (nul - this.offset + 4) & ~3;
    this.need(padded, what);
    for (let i = nul; i < this.offset + padded; i += 1) {
      if (this.bytes[i] !== 0) throw new OscDecodeError(`${what} is not padded with NUL bytes`);
    }
    this.offset += padded;
    return text;
  }
}

function decodeMessage(reader: Reader): OscMessage {
  const address = reader.string('address');
  if (!address.startsWith('/')) throw new OscDecodeError(`address "${address}" does not start with "/"`);
  // OSC 1.0 asks for a type tag string; some old senders omit it when there are no arguments.
  if (reader.remaining === 0) return { address, args: [] };
  const tags = reader.string('type tag string');
  if (!tags.startsWith(',')) throw new OscDecodeError(`type tag string "${tags}" does not start with ","`);
  const args: OscArg[] = [];
  for (const tag of tags.slice(1)) {
    switch (tag) {
      case 'i':
        args.push({ type: 'i', value: reader.int32('int32 argument') });
        break;
      case 'f':
        args.push({ type: 'f', value: reader.float32('float32 argument') });
        break;
      case 'd':
        args.push({ type: 'd', value: reader.float64('float64 argument') });
        break;
      case 's':
        args.push({ type: 's', value: reader.string('string argument') });
        break;
      case 'T':
      case 'F':
        args.push({ type: tag, value: tag === 'T' });
        break;
      default:
        throw new OscDecodeError(`type tag "${tag}" is not one the studio reads (i, f, d, s, T, F)`);
    }
  }
  if (reader.remaining !== 0) throw new OscDecodeError(`${reader.remaining} bytes follow the last argument of ${address}`);
  return { address, args };
}

function decodeElement(bytes: Uint8Array, start: number, end: number, depth: number, out: OscMessage[]): void {
  const reader = new Reader(bytes, start, end);
  if (end - start < 4) throw new OscDecodeError(`a packet of ${end - start} bytes is too short to be OSC`);
  if ((end - start) % 4 !== 0) throw new OscDecodeError(`a packet of ${end - start} bytes is not a multiple of 4`);
  if (bytes[start] !== 0x23 /* # */) {
    out.push(decodeMessage(reader));
    return;
  }
  if (reader.string('bundle tag') !== BUNDLE_TAG) throw new OscDecodeError('a packet starting with "#" is not a #bundle');
  if (depth >= MAX_OSC_BUNDLE_DEPTH) throw new OscDecodeError(`bundles nested more than ${MAX_OSC_BUNDLE_DEPTH} deep`);
  // The time tag is read past, not honoured: live control acts on a message as it arrives.
  reader.skip(8, 'bundle time tag');
  while (reader.remaining > 0) {
    const size = reader.int32('bundle element size');
    if (size <= 0 || size % 4 !== 0) throw new OscDecodeError(`bundle element size ${size} is not a positive multiple of 4`);
    const at = reader.position;
    reader.skip(size, 'bundle element');
    decodeElement(bytes, at, at + size, depth + 1, out);
  }
}

/**
 * Decode one UDP datagram: the messages it carries, bundles flattened in order.
 * @throws OscDecodeError for a truncated, mis-padded or oversized packet, a bad address or an unknown type tag.
 */
export function decodeOscPacket(bytes: Uint8Array): OscMessage[] {
  if (bytes.length > MAX_OSC_PACKET_BYTES) throw new OscDecodeError(`a packet of ${bytes.length} bytes is larger than ${MAX_OSC_PACKET_BYTES}`);
  const out: OscMessage[] = [];
  decodeElement(bytes, 0, bytes.length, 0, out);
  return out;
}

/** The first argument as a number (i, f, d; T/F as 1/0), or null where there is none. */
export function oscNumber(message: OscMessage): number | null {
  const arg = message.args[0];
  if (!arg || arg.type === 's') return null;
  if (arg.type === 'T' || arg.type === 'F') return arg.value ? 1 : 0;
  return Number.isFinite(arg.value) ? (arg.value as number) : null;
}
